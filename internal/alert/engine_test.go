package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/metrics"
)

var _ alert.Recorder = (*metrics.Metrics)(nil)

// recorder counts what the engine reports, as the metrics would.
type recorder struct {
	mu       sync.Mutex
	counts   map[string]int // group/provider/event/ok|failed
	deferred map[string]int
}

func (r *recorder) AlertDelivery(group, provider, event string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := "failed"
	if ok {
		res = "ok"
	}
	r.counts[group+"/"+provider+"/"+event+"/"+res]++
}

func (r *recorder) AlertDeferred(group string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deferred[group] += n
}

// rig is an engine on a fake clock, with its log, sleeps and counts.
type rig struct {
	eng    *alert.Engine
	now    time.Time
	sleeps []time.Duration
	log    bytes.Buffer
	rec    *recorder
}

func newRig(t *testing.T, store alert.Store, groups ...alert.Group) *rig {
	t.Helper()
	r := &rig{now: t0, rec: &recorder{counts: map[string]int{}, deferred: map[string]int{}}}
	eng, err := alert.NewEngine(groups, alert.Options{
		BaseURL:  "https://pa.example.gov.cn:9470",
		Retry:    alert.Retry{Attempts: 3, Backoff: 2 * time.Second, MaxBackoff: 3 * time.Second},
		Store:    store,
		Now:      func() time.Time { return r.now },
		Sleep:    func(_ context.Context, d time.Duration) error { r.sleeps = append(r.sleeps, d); return nil },
		Logger:   slog.New(slog.NewTextHandler(&r.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Recorder: r.rec,
		Secrets:  []string{wecomKey, dingToken, dingSecret, webhookSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.eng = eng
	return r
}

// evaluate runs the engine at t0 + at.
func (r *rig) evaluate(t *testing.T, at time.Duration, fs ...alert.Finding) alert.Report {
	t.Helper()
	r.now = t0.Add(at)
	rep, err := r.eng.Evaluate(context.Background(), fs)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func group(name string, minLevel int, ps ...alert.Provider) alert.Group {
	g := alert.Group{Name: name, Lang: "zh", RateLimit: 20, RatePer: time.Minute,
		Policy: alert.Policy{MinLevel: minLevel, ProgressLevel: 2, RepeatInterval: time.Hour}}
	for _, p := range ps {
		g.Receivers = append(g.Receivers, alert.Receiver{Name: p.Kind(), Provider: p})
	}
	return g
}

func TestEngine_RetriesWithBackoff(t *testing.T) {
	srv := newFakeServer(t, answer{502, "bad gateway"}, answer{200, `{"errcode":45009,"errmsg":"too fast"}`}, robotOK)
	r := newRig(t, nil, group("oncall", 3, alert.NewWeCom(srv.URL, wecomKey, srv.Client())))
	rep := r.evaluate(t, 0, finding("f1", 2))
	if rep != (alert.Report{Sent: 1}) {
		t.Errorf("report = %+v, want 1 sent", rep)
	}
	if got := len(srv.requests()); got != 3 {
		t.Errorf("%d requests, want 3 (two retries)", got)
	}
	if got, want := fmt.Sprint(r.sleeps), "[2s 3s]"; got != want {
		t.Errorf("backoff = %s, want %s (doubled, capped at max_backoff)", got, want)
	}
	if got := r.rec.counts["oncall/wecom/new/ok"]; got != 1 {
		t.Errorf("counted %v, want one delivery ok", r.rec.counts)
	}
	if !strings.Contains(r.log.String(), "retrying") {
		t.Errorf("no retry logged:\n%s", r.log.String())
	}
}

func TestEngine_GivesUpAndCounts(t *testing.T) {
	srv := newFakeServer(t, answer{500, "internal error"})
	r := newRig(t, nil, group("oncall", 3, alert.NewWeCom(srv.URL, wecomKey, srv.Client())))
	rep := r.evaluate(t, 0, finding("f1", 2))
	if rep != (alert.Report{Failed: 1}) {
		t.Errorf("report = %+v, want 1 failed", rep)
	}
	if got := len(srv.requests()); got != 3 {
		t.Errorf("%d requests, want 3 (the attempts limit)", got)
	}
	if got := r.rec.counts["oncall/wecom/new/failed"]; got != 1 {
		t.Errorf("counted %v, want one failed delivery", r.rec.counts)
	}
	fails := r.eng.Failures()
	if len(fails) != 1 || fails[0].Finding != "f1" || fails[0].Kind != alert.KindNew || fails[0].Failures != 1 ||
		!strings.Contains(fails[0].LastError, "HTTP 500") {
		t.Fatalf("Failures = %+v", fails)
	}
	if !strings.Contains(r.log.String(), "giving up") {
		t.Errorf("no failure logged:\n%s", r.log.String())
	}

	srv.answer(robotOK)
	if rep := r.evaluate(t, time.Minute, finding("f1", 2)); rep != (alert.Report{Waiting: 1}) || len(srv.requests()) != 0 {
		t.Errorf("a minute later: report %+v, %d requests; want it waiting, none", rep, len(srv.requests()))
	}
	if rep := r.evaluate(t, 6*time.Minute, finding("f1", 2)); rep != (alert.Report{Sent: 1}) {
		t.Errorf("after the cooldown: report %+v, want sent", rep)
	}
	if fails := r.eng.Failures(); len(fails) != 0 {
		t.Errorf("Failures after delivery = %+v", fails)
	}
}

// TestEngine_NoResendAfterRestart: what was sent is kept in the state
// file, so a restarted engine does not send it again.
func TestEngine_NoResendAfterRestart(t *testing.T) {
	srv := newFakeServer(t)
	store := &alert.FileStore{Path: filepath.Join(t.TempDir(), "alerts.json")}
	hook := alert.NewWebhook(srv.URL, webhookSecret, srv.Client())
	f := finding("f1", 3)
	newRig(t, store, group("oncall", 3, hook)).evaluate(t, 0, f)

	restarted := newRig(t, store, group("oncall", 3, hook))
	if rep := restarted.evaluate(t, time.Minute, f); rep != (alert.Report{}) {
		t.Errorf("after a restart: report %+v, want nothing sent", rep)
	}
	f.ResolvedAt = t0.Add(2 * time.Minute)
	restarted.evaluate(t, 3*time.Minute, f)
	if got := events(t, srv); got != "new resolved" {
		t.Errorf("events = %q, want new resolved", got)
	}
}

func TestEngine_RateLimitPerReceiver(t *testing.T) {
	srv := newFakeServer(t)
	r := newRig(t, nil, group("oncall", 3, alert.NewWeCom(srv.URL, wecomKey, srv.Client())))
	var fs []alert.Finding
	for i := range 25 {
		fs = append(fs, finding(fmt.Sprintf("f%02d", i), 3))
	}
	if rep := r.evaluate(t, 0, fs...); rep != (alert.Report{Sent: 20, Deferred: 5}) {
		t.Errorf("report = %+v, want 20 sent, 5 deferred (20 a minute)", rep)
	}
	if got := r.rec.deferred["oncall"]; got != 5 {
		t.Errorf("deferred counted %d, want 5", got)
	}
	if rep := r.evaluate(t, 30*time.Second, fs...); rep != (alert.Report{Deferred: 5}) {
		t.Errorf("half a minute later: report = %+v, want still deferred", rep)
	}
	if rep := r.evaluate(t, time.Minute, fs...); rep != (alert.Report{Sent: 5}) {
		t.Errorf("a minute later: report = %+v, want the 5 sent", rep)
	}
}

// TestEngine_FindingLifetime runs the engine every minute over a 二级
// finding open 3 h 30 min and a 四级 one the group does not take.
func TestEngine_FindingLifetime(t *testing.T) {
	srv := newFakeServer(t, answer{200, "{}"})
	r := newRig(t, nil, group("oncall", 3, alert.NewWebhook(srv.URL, webhookSecret, srv.Client())))
	f, minor := finding("f2", 2), finding("f4", 4)
	for m := 0; m <= 4*60; m++ {
		if m == 210 {
			f.ResolvedAt = t0.Add(210 * time.Minute)
		}
		r.evaluate(t, time.Duration(m)*time.Minute, f, minor)
	}
	want := "new@0 respond_overdue@10 progress#1@60 progress#2@120 resolve_overdue@180 resolved@210"
	if got := eventsAt(t, srv); got != want {
		t.Errorf("messages = %s\nwant       %s", got, want)
	}
}

// events lists the X-Pushaudit-Event of each webhook request.
func events(t *testing.T, srv *fakeServer) string {
	t.Helper()
	var out []string
	for _, r := range srv.requests() {
		out = append(out, r.Header.Get(alert.HeaderEvent))
	}
	return strings.Join(out, " ")
}

// eventsAt lists each webhook message as event[#seq]@minutes after t0.
func eventsAt(t *testing.T, srv *fakeServer) string {
	t.Helper()
	var out []string
	for _, r := range srv.requests() {
		var p alert.WebhookPayload
		if err := json.Unmarshal(r.Body, &p); err != nil {
			t.Fatal(err)
		}
		s := string(p.Event)
		if p.Seq > 0 {
			s += fmt.Sprintf("#%d", p.Seq)
		}
		out = append(out, fmt.Sprintf("%s@%d", s, int(p.SentAt.Sub(t0).Minutes())))
	}
	return strings.Join(out, " ")
}

// TestEngine_SecretsNeverShown: failing deliveries of every kind, whose
// servers even echo the key, leave no secret in the log, the failures or
// the errors.
func TestEngine_SecretsNeverShown(t *testing.T) {
	echo := newFakeServer(t, answer{500, "upstream said: key=" + wecomKey + " token=" + dingToken})
	gone := newFakeServer(t)
	gone.Close()
	hook := newFakeServer(t, answer{403, "bad signature for secret " + webhookSecret})
	r := newRig(t, nil, group("oncall", 4,
		alert.NewWeCom(echo.URL, wecomKey, echo.Client()),
		alert.NewDingTalk(gone.URL, dingToken, dingSecret, nil),
		alert.NewWebhook(hook.URL+"/h?token="+webhookSecret, webhookSecret, hook.Client())))
	rep := r.evaluate(t, 0, finding("f1", 1), finding("f2", 4))
	if rep.Failed != 6 {
		t.Errorf("report = %+v, want 6 failed", rep)
	}
	logs := r.log.String()
	if !strings.Contains(logs, "giving up") {
		t.Fatalf("no failure logged:\n%s", logs)
	}
	checkNoSecret(t, "log", logs)
	for _, f := range r.eng.Failures() {
		checkNoSecret(t, "failure", f.LastError)
	}
	lines, err := r.eng.Check()
	if err != nil || len(lines) != 3 {
		t.Errorf("Check = %q, %v", lines, err)
	}
	checkNoSecret(t, "check", strings.Join(lines, "\n"))
}

func TestNewEngine_BadReceiver(t *testing.T) {
	_, err := alert.NewEngine([]alert.Group{group("oncall", 3, alert.NewWeCom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "", nil))}, alert.Options{})
	if err == nil || !strings.Contains(err.Error(), "alert group oncall receiver wecom: wecom: empty key") {
		t.Errorf("err = %v", err)
	}
}

// TestEngine_FailuresWhileRetrying: the status page reads Failures while
// a delivery waits between retries.
func TestEngine_FailuresWhileRetrying(t *testing.T) {
	srv := newFakeServer(t, answer{503, "busy"})
	waiting, release := make(chan struct{}), make(chan struct{})
	eng, err := alert.NewEngine([]alert.Group{group("oncall", 3, alert.NewWeCom(srv.URL, wecomKey, srv.Client()))}, alert.Options{
		Retry:  alert.Retry{Attempts: 2, Backoff: time.Second},
		Now:    func() time.Time { return t0 },
		Sleep:  func(context.Context, time.Duration) error { close(waiting); <-release; return nil },
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan alert.Report)
	go func() {
		rep, _ := eng.Evaluate(context.Background(), []alert.Finding{finding("f1", 2)})
		done <- rep
	}()
	<-waiting
	answered := make(chan int)
	go func() { answered <- len(eng.Failures()) }()
	select {
	case n := <-answered:
		if n != 0 {
			t.Errorf("Failures during the first delivery = %d, want 0", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Failures blocked behind a delivery's retries")
	}
	close(release)
	if rep := <-done; rep.Failed != 1 {
		t.Errorf("report = %+v, want 1 failed", rep)
	}
}

// TestEngine_Reach: the dry run reaches each receiver's host without
// sending a message, and names the one it cannot reach without its key.
func TestEngine_Reach(t *testing.T) {
	up := newFakeServer(t)
	down := newFakeServer(t)
	down.Close()
	r := newRig(t, nil, group("oncall", 3,
		alert.NewWeCom(up.URL+"/cgi-bin/webhook/send", wecomKey, up.Client()),
		alert.NewDingTalk(down.URL+"/robot/send", dingToken, dingSecret, nil)))
	lines, err := r.eng.Reach(context.Background())
	if len(lines) != 1 || !strings.Contains(lines[0], "receiver wecom (wecom): reached") {
		t.Errorf("lines = %q", lines)
	}
	if err == nil || !strings.Contains(err.Error(), "alert group oncall receiver dingtalk: dingtalk: HEAD http://127.0.0.1") {
		t.Errorf("err = %v", err)
	}
	checkNoSecret(t, "reach error", fmt.Sprint(err))
	reqs := up.requests()
	if len(reqs) != 1 || reqs[0].Method != "HEAD" || reqs[0].Path != "/" || reqs[0].RawQuery != "" {
		t.Errorf("the dry run sent %+v, want one HEAD / without the key", reqs)
	}
}

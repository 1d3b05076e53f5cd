package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/metrics"
	"github.com/chengdu-cgw/pushaudit/internal/metrics/metricstest"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// simulatedSite simulates a site on MariaDB (the day 2026-11-19, 100
// cases, 9 faults, seed 5), writes its config with extra appended (a
// serve section, alerts) and returns the config's path and the config.
func simulatedSite(t *testing.T, extra string) (string, *config.Config) {
	t.Helper()
	dsn, db := MustMariaDB(t)
	isolateEnv(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "site.yaml")
	t0 := time.Now()
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "5", "--start", "2026-11-19", "--days", "1", "--cases-per-day", "100", "--faults", "9",
		"--manifest", filepath.Join(dir, "manifest.json"), "--write-config", cfgPath)
	site, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(site), "\nserve:") || strings.Contains(string(site), "\nalerts:") {
		t.Fatal("the simulator's config has a serve or alerts section already")
	}
	MustWriteFile(t, dir, "site.yaml", string(site)+extra)
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sim took %s", time.Since(t0).Round(time.Millisecond))
	return cfgPath, c
}

// webhookSink is a generic JSON webhook receiver: it keeps every payload.
type webhookSink struct {
	mu  sync.Mutex
	got []alert.WebhookPayload
	bad []string
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p alert.WebhookPayload
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.Unmarshal(b, &p); err != nil {
		s.bad = append(s.bad, string(b))
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.got = append(s.got, p)
}

func (s *webhookSink) payloads() []alert.WebhookPayload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]alert.WebhookPayload(nil), s.got...)
}

// scrape returns the body of GET url.
func scrape(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, res.StatusCode, err, b)
	}
	return string(b)
}

// metricValue is the value of series (name{labels} as exposed) in a
// scrape; -1 when absent.
func metricValue(body, series string) float64 {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// TestServe_AlertsAndMetrics runs serve over a simulated morning on
// MariaDB with a generic webhook receiver: the daily reconciliation of the
// simulated day finds its faults, the receiver is told about each finding
// (target, resource, verdict, level, the /findings/{id} link) as the
// ledger holds it, and /metrics shows the runs and the open findings.
func TestServe_AlertsAndMetrics(t *testing.T) {
	sink := &webhookSink{}
	hook := httptest.NewServer(sink)
	defer hook.Close()
	cfgPath, c := simulatedSite(t, `
serve:
  jitter: -1s
  schedules: # the snapshots at start (a new warehouse), the day's workbook at 08:45, nothing else
    {snapshot: "0 9 * * *", report:day: "45 8 * * *", snapshot_full: "off", reconcile:every_10m: "off",
     reconcile:every_30m: "off", reconcile:hourly: "off", reconcile:daily_after_2300: "off", reconcile:once: "off",
     reconcile:media_copy: "off", reconcile:stats: "off", report:half_month: "off", report:month: "off",
     report:quarter: "off", report:year: "off"}
alerts:
  base_url: http://pushaudit.test:9470/
  state_file: alerts-state.json
  retry: {attempts: 2, backoff: 10ms, timeout: 5s}
  groups:
    oncall:
      min_level: 4
      rate_limit: 1000
      receivers:
        - {name: ops, kind: webhook, url: "`+hook.URL+`/hooks/pushaudit"}
`)
	start, end := shanghai("2026-11-20 08:40"), shanghai("2026-11-20 08:50")
	clock := schedule.NewManual(start)
	idle := make(chan struct{}, 1)
	var stdout, stderr lockedBuffer
	m := NewMain(&stdout, &stderr)
	listening := make(chan string, 1)
	m.hooks = &serveHooks{clock: clock, listening: func(a string) { listening <- a }, onIdle: func(next time.Time) {
		if !next.After(end) {
			clock.Set(next)
			return
		}
		latest(idle, struct{}{})
	}}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- m.Run(ctx, []string{"--config", cfgPath, "--log-level", "warn", "serve", "--listen", "127.0.0.1:0",
			"--start", start.Format(time.RFC3339)})
	}()
	addr := <-listening
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if c := <-code; c != exitOK {
				t.Errorf("serve: exit %d\n%s", c, tail(stderr.String(), 40))
			}
			_ = m.Close()
		}
	}
	defer stop()
	// the runs up to 08:45 are done when serve idles with its next tick
	// after the end; the alert loop tells of the day's findings in one
	// evaluation, on its own goroutine, and prints it.
	select {
	case <-idle:
	case <-time.After(5 * time.Minute):
		t.Fatalf("serve did not reach 08:50 within 5 minutes\n%s", tail(stdout.String(), 20))
	}
	waitFor(t, func() bool { return strings.Contains(stdout.String(), "alerts ") })
	body := scrape(t, "http://"+addr+"/metrics")
	stop()

	// the ledger's open findings with a fault level.
	type want struct {
		target, resource, status string
		level                    int
	}
	findings := map[string]want{}
	w, err := warehouse.Open(context.Background(), c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := w.DB().Query(`SELECT finding_id, target, resource, status, fault_level FROM audit.findings
		WHERE fault_level IS NOT NULL AND resolved_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var f want
		if err := rows.Scan(&id, &f.target, &f.resource, &f.status, &f.level); err != nil {
			t.Fatal(err)
		}
		findings[id] = f
	}
	if err := errors.Join(rows.Err(), rows.Close(), w.Close()); err != nil {
		t.Fatal(err)
	}
	if len(findings) == 0 {
		t.Fatalf("no open finding with a fault level after the day's reconciliation\n%s", tail(stdout.String(), 20))
	}

	// every finding got its "new" message, and nothing else was sent.
	levels := []string{"", "一级", "二级", "三级", "四级"}
	seen := map[string]bool{}
	for _, p := range sink.payloads() {
		f, ok := findings[p.Finding.ID]
		if p.Event != alert.KindNew || !ok || seen[p.Finding.ID] {
			t.Errorf("a %s message about %s, not an open finding's first new one", p.Event, p.Finding.ID)
			continue
		}
		seen[p.Finding.ID] = true
		if p.Group != "oncall" || p.Finding.Target != f.target || p.Finding.Resource != f.resource ||
			p.Finding.Status != f.status || p.Finding.FaultLevel != f.level {
			t.Errorf("message %+v does not match the ledger's finding %+v", p.Finding, f)
		}
		if p.Link != "http://pushaudit.test:9470/findings/"+p.Finding.ID {
			t.Errorf("link %q, want the finding's page", p.Link)
		}
		for _, s := range []string{f.target, f.resource, f.status, levels[f.level]} {
			if !strings.Contains(p.Markdown, s) {
				t.Errorf("message about %s does not name %q:\n%s", p.Finding.ID, s, p.Markdown)
			}
		}
	}
	if len(seen) != len(findings) {
		t.Errorf("%d findings were told about, want %d\n%s", len(seen), len(findings), tail(stdout.String(), 20))
	}

	// /metrics: the runs that happened and the open findings by level.
	lastSuccess := func(job string) float64 {
		return metricValue(body, `pushaudit_pipeline_last_success_timestamp_seconds{pipeline="`+job+`"}`)
	}
	if got, want := lastSuccess("report:day"), float64(shanghai("2026-11-20 08:45").Unix()); got != want {
		t.Errorf("/metrics: last success of report:day %v, want %v (08:45)", got, want)
	}
	for _, s := range c.SourceNames() {
		if got, want := lastSuccess("snapshot:"+s), float64(start.Unix()); got != want {
			t.Errorf("/metrics: last success of snapshot:%s %v, want %v (08:40)", s, got, want)
		}
		if got := metricValue(body, `pushaudit_source_up{source="`+s+`"}`); got != 1 {
			t.Errorf("/metrics: source %s up %v, want 1", s, got)
		}
	}
	open := map[string]int{}
	for _, f := range findings {
		open[`pushaudit_findings_open{fault_level="`+strconv.Itoa(f.level)+`",target="`+f.target+`"}`]++
	}
	for series, n := range open {
		if got := metricValue(body, series); got != float64(n) {
			t.Errorf("/metrics: %s %v, want %d", series, got, n)
		}
	}
	if got := metricValue(body, `pushaudit_alert_deliveries_total{event="new",group="oncall",provider="webhook"}`); got != float64(len(findings)) {
		t.Errorf("/metrics: %v new alerts delivered, want %d", got, len(findings))
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(cfgPath), "alerts-state.json")); err != nil || !strings.Contains(string(b), "oncall") {
		t.Errorf("alert state file: %v %q", err, b)
	}
}

// TestServe_Prometheus starts Debian's Prometheus scraping serve's
// /metrics and reads a pipeline's interval back through its HTTP API.
func TestServe_Prometheus(t *testing.T) {
	isolateEnv(t)
	addr, _, stop := startServe(t, t.TempDir(), nil)
	defer stop()
	prom := metricstest.Start(t, addr)
	metricstest.WaitFor(t, "the 10-minute reconciliation's interval read back through Prometheus", func() (bool, string) {
		r, body, ok := prom.Query(`pushaudit_pipeline_interval_seconds{pipeline="reconcile:every_10m"}`)
		return ok && len(r) == 1 && r[0].Metric["job"] == metricstest.Job && r[0].Value == "600", body
	})
}

// TestCheck_AlertReceivers: check reaches every alert receiver without
// sending a message, one line each; an unreachable one is named, its key
// never printed, and check exits 2.
func TestCheck_AlertReceivers(t *testing.T) {
	isolateEnv(t)
	const key = "k3y-0f-the-r0b0t"
	t.Setenv("PUSHAUDIT_TEST_WECOM_KEY", key)
	var heads []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		heads = append(heads, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer hook.Close()
	cfg := MustWriteFile(t, t.TempDir(), "check.yaml", idleConfig+`
alerts:
  groups:
    oncall:
      receivers:
        - {name: ops, kind: webhook, url: "`+hook.URL+`/hooks/pushaudit"}
        - {name: robot, kind: wecom, url: "http://127.0.0.1:9/cgi-bin/webhook/send", key_env: PUSHAUDIT_TEST_WECOM_KEY}
`)
	r := MustRunMain(t, exitCannot, "--config", cfg, "check")
	if !strings.Contains(r.stdout, "alert group oncall receiver ops (webhook): reached") {
		t.Errorf("check does not say the webhook was reached:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "FAIL alert group oncall receiver robot") {
		t.Errorf("check does not name the unreachable robot:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, key) {
		t.Errorf("check prints the robot's key:\n%s\n%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "1 alert receivers not reached") {
		t.Errorf("stderr %q does not count the receiver not reached", r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(heads) != 1 || heads[0] != "HEAD /" {
		t.Errorf("the webhook got %q, want one HEAD / and no message", heads)
	}
}

// TestServe_ReloadMetricsAlerts: a reload that drops a job drops its
// series from /metrics; one whose alerts section cannot be built (a
// secret's variable unset) is refused, naming the field.
func TestServe_ReloadMetricsAlerts(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	hup := make(chan os.Signal, 1)
	addr, stderr, stop := startServe(t, dir, hup)
	defer stop()
	const series = `pushaudit_pipeline_interval_seconds{pipeline="reconcile:every_10m"}`
	if got := metricValue(scrape(t, "http://"+addr+"/metrics"), series); got != 600 {
		t.Fatalf("%s = %v, want 600", series, got)
	}
	MustWriteFile(t, dir, "serve.yaml", idleConfig+`alerts:
  groups:
    oncall:
      receivers: [{kind: wecom, key_env: PUSHAUDIT_TEST_UNSET_KEY}]
`)
	hup <- syscall.SIGHUP
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "config reload refused") })
	if !strings.Contains(stderr.String(), "alerts.groups.oncall.receivers[0]") || !strings.Contains(stderr.String(), "PUSHAUDIT_TEST_UNSET_KEY") {
		t.Errorf("the refusal does not name the receiver and its variable:\n%s", stderr.String())
	}
	MustWriteFile(t, dir, "serve.yaml", strings.Replace(idleConfig, `report:year: "off"`, `report:year: "off", reconcile:every_10m: "off"`, 1))
	hup <- syscall.SIGHUP
	waitFor(t, func() bool { return metricValue(scrape(t, "http://"+addr+"/metrics"), series) == -1 })
}

// TestServe_HealthzAlertFailures: /healthz lists the alert messages not
// delivered, their error redacted.
func TestServe_HealthzAlertFailures(t *testing.T) {
	const secret = "s3cret-signing-key"
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	now := shanghai("2026-11-21 10:00")
	eng, err := alert.NewEngine([]alert.Group{{Name: "oncall", Policy: alert.Policy{MinLevel: 4},
		Receivers: []alert.Receiver{{Name: "ops", Provider: alert.NewWebhook(down.URL+"/hook", secret, down.Client())}}}},
		alert.Options{Retry: alert.Retry{Attempts: 1}, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), []alert.Finding{{ID: "f-1", Target: "city_gov", Resource: "cases",
		WindowStart: now.Add(-time.Hour), WindowEnd: now, Status: pipelines.StatusMissed, Level: 2, FirstSeen: now}})
	if err != nil || rep.Failed != 1 {
		t.Fatalf("evaluate: %+v %v; want 1 failed", rep, err)
	}
	d := &daemon{clock: schedule.NewManual(now), last: map[string]schedule.Outcome{}, alerts: &alertLoop{}}
	d.alerts.eng.Store(eng)
	rec := httptest.NewRecorder()
	d.healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var h struct {
		AlertFailures []healthAlert `json:"alert_failures"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.AlertFailures) != 1 {
		t.Fatalf("/healthz alert failures %+v, want 1\n%s", h.AlertFailures, rec.Body.String())
	}
	a := h.AlertFailures[0]
	if a.Group != "oncall" || a.Receiver != "ops" || a.Finding != "f-1" || a.Event != "new" || a.Failures != 1 ||
		a.LastAttempt != "2026-11-21T10:00:00+08:00" || !strings.Contains(a.LastError, "503") {
		t.Errorf("/healthz alert failure %+v", a)
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Errorf("/healthz shows the signing secret:\n%s", rec.Body.String())
	}
}

// TestDaemon_Snapshotted: what a snapshot reports sets the source and
// table metrics; a source never reached is down, and its tables are not
// recorded.
func TestDaemon_Snapshotted(t *testing.T) {
	d := &daemon{metrics: metrics.New()}
	lag := 2.5
	var rates tableRates
	rates.progress(snapshot.ProgressEvent{Source: "biz", Table: "cases", Rows: 1200, Resumed: 200, Elapsed: 4 * time.Second, Done: true})
	rates.progress(snapshot.ProgressEvent{Source: "biz", Table: "cases", Rows: 600, Elapsed: time.Second}) // not done: no rate
	d.snapshotted(&snapshot.Report{Sources: []*snapshot.SourceReport{
		{Name: "biz", Addr: "10.0.0.5:3306", ReplicaLag: &lag, Tables: []*snapshot.TableReport{
			{Name: "cases", Status: snapshot.StatusOK, RowsLoaded: 1200},
		}},
		{Name: "stats", Err: errors.New("connect 10.0.0.6:3306: connection refused"), Tables: []*snapshot.TableReport{
			{Name: "*", Status: snapshot.StatusFailed},
		}},
	}}, &rates)
	srv := httptest.NewServer(d.metrics.Handler())
	defer srv.Close()
	body := scrape(t, srv.URL)
	for series, want := range map[string]float64{
		`pushaudit_source_up{source="biz"}`:                                    1,
		`pushaudit_source_up{source="stats"}`:                                  0,
		`pushaudit_replica_lag_seconds{source="biz"}`:                          2.5,
		`pushaudit_snapshot_table_rows{source="biz",table="cases"}`:            1200,
		`pushaudit_snapshot_table_rows_per_second{source="biz",table="cases"}`: 250,
		`pushaudit_snapshot_table_rows{source="stats",table="*"}`:              -1,
		`pushaudit_replica_lag_seconds{source="stats"}`:                        -1,
	} {
		if got := metricValue(body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

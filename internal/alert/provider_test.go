package alert_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
)

// Secrets of the tests: none may appear in a log line or an error.
const (
	wecomKey      = "wecom-key-6f1c2d3e"
	dingToken     = "ding-token-8a9b0c1d"
	dingSecret    = "SEC0123456789abcdef"
	webhookSecret = "hook-secret-42"
)

// request is what the fake server received.
type request struct {
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
}

// fakeServer records requests and answers each with the next scripted
// answer (status, body), then with the last one.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []request
	answers []answer
}

type answer struct {
	status int
	body   string
}

var robotOK = answer{200, `{"errcode":0,"errmsg":"ok"}`}

func newFakeServer(t *testing.T, answers ...answer) *fakeServer {
	t.Helper()
	f := &fakeServer{answers: answers}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery, r.URL.Query(), r.Header.Clone(), body})
		a := robotOK
		if len(f.answers) > 0 {
			a = f.answers[min(n, len(f.answers)-1)]
		}
		f.mu.Unlock()
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

// answer replaces the scripted answers.
func (f *fakeServer) answer(answers ...answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers, f.reqs = answers, nil
}

func (f *fakeServer) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// sampleMessage is a 二级 missed push, new, 5 minutes after first seen.
func sampleMessage(lang string) alert.Message {
	f := finding("f1", 2)
	exp, rec := int64(120), int64(0)
	f.Expected, f.Received = &exp, &rec
	return alert.Render(alert.Event{Kind: alert.KindNew, Finding: f}, "oncall", lang, "https://pa.example.gov.cn:9470/", t0.Add(5*time.Minute))
}

// wantInMessage is what every message about sampleMessage names: target,
// resource, window, verdict, fault level, respond-by and resolve-by, link.
var wantInMessage = []string{
	"市网络理政中心 (city_gov)", "案件信息 (case_record)", "2026-11-21 10:00 至 10:10", "漏推 (missed)",
	"故障等级：二级", "响应时限：2026-11-21 10:31", "解决时限：2026-11-21 13:21",
	"https://pa.example.gov.cn:9470/findings/f1", "应收 120 条，实收 0 条",
}

func checkContains(t *testing.T, what, s string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func TestWeCom_Send(t *testing.T) {
	srv := newFakeServer(t)
	p := alert.NewWeCom(srv.URL+"/cgi-bin/webhook/send", wecomKey, srv.Client())
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sampleMessage("zh")); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/cgi-bin/webhook/send" || r.Query.Get("key") != wecomKey {
		t.Errorf("request to %s?%s, want /cgi-bin/webhook/send?key=%s", r.Path, r.RawQuery, wecomKey)
	}
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if body.MsgType != "markdown" {
		t.Errorf("msgtype = %q, want markdown", body.MsgType)
	}
	checkContains(t, "wecom content", body.Markdown.Content, wantInMessage)
	if n := len(body.Markdown.Content); n > 4096 {
		t.Errorf("content is %d bytes, WeCom takes 4096", n)
	}
}

// TestDingTalk_Send checks the signature as DingTalk does: the base64
// HMAC-SHA256 of "timestamp\nsecret" keyed with the secret, URL-encoded.
func TestDingTalk_Send(t *testing.T) {
	srv := newFakeServer(t)
	p := alert.NewDingTalk(srv.URL+"/robot/send", dingToken, dingSecret, srv.Client())
	if err := p.Send(context.Background(), sampleMessage("zh")); err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if r.Path != "/robot/send" || r.Query.Get("access_token") != dingToken {
		t.Errorf("request to %s?%s", r.Path, r.RawQuery)
	}
	ts := r.Query.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(ts) != 13 {
		t.Fatalf("timestamp %q is not milliseconds since the epoch", ts)
	}
	mac := hmac.New(sha256.New, []byte(dingSecret))
	mac.Write([]byte(ts + "\n" + dingSecret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := r.Query.Get("sign"); got != want {
		t.Errorf("sign = %q, want %q (timestamp %d)", got, want, ms)
	}
	if !strings.Contains(r.RawQuery, "sign="+url.QueryEscape(want)) {
		t.Errorf("sign is not URL-encoded in %q", r.RawQuery)
	}
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title, Text string
		} `json:"markdown"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.MsgType != "markdown" || !strings.Contains(body.Markdown.Title, "新故障·二级") {
		t.Errorf("msgtype %q, title %q", body.MsgType, body.Markdown.Title)
	}
	checkContains(t, "dingtalk text", body.Markdown.Text, wantInMessage)
}

func TestDingTalkSign(t *testing.T) {
	// Computed with Python's hmac, hashlib and base64, DingTalk's example.
	if got, want := alert.DingTalkSign(1795256460000, dingSecret), "o013EGDvA2at+MHNtlLNjQHEIG73m6IGTxgzWhijT2Q="; got != want {
		t.Errorf("DingTalkSign = %q, want %q", got, want)
	}
}

func TestDingTalk_Unsigned(t *testing.T) {
	srv := newFakeServer(t)
	p := alert.NewDingTalk(srv.URL+"/robot/send", dingToken, "", srv.Client())
	if err := p.Send(context.Background(), sampleMessage("zh")); err != nil {
		t.Fatal(err)
	}
	if q := srv.requests()[0].Query; q.Has("sign") || q.Has("timestamp") {
		t.Errorf("an unsigned robot got sign/timestamp: %v", q)
	}
}

func TestWebhook_Send(t *testing.T) {
	srv := newFakeServer(t, answer{204, ""})
	p := alert.NewWebhook(srv.URL+"/hooks/pushaudit", webhookSecret, srv.Client())
	m := sampleMessage("zh")
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	ts := r.Header.Get(alert.HeaderTimestamp)
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(ts + "."))
	mac.Write(r.Body)
	if got, want := r.Header.Get(alert.HeaderSignature), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature = %q, want %q", got, want)
	}
	if got := r.Header.Get(alert.HeaderEvent); got != "new" {
		t.Errorf("event header = %q", got)
	}
	var body alert.WebhookPayload
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	f := body.Finding
	if body.Version != "1" || body.Group != "oncall" || body.Event != alert.KindNew || f.ID != "f1" ||
		f.Target != "city_gov" || f.Resource != "case_record" || f.Status != "missed" || f.FaultLevel != 2 ||
		body.Link != "https://pa.example.gov.cn:9470/findings/f1" {
		t.Errorf("payload = %+v", body)
	}
	if f.RespondBy == nil || !f.RespondBy.Equal(t0.Add(10*time.Minute)) || f.ResolveBy == nil || !f.ResolveBy.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("deadlines = %v, %v", f.RespondBy, f.ResolveBy)
	}
	if !strings.Contains(string(r.Body), `"window_start":"2026-11-21T10:00:00+08:00"`) {
		t.Errorf("window_start not RFC 3339 in +08:00: %s", r.Body)
	}
	if f.ResolvedAt != nil || f.RespondedAt != nil {
		t.Errorf("open finding has resolved_at/responded_at: %+v", f)
	}
	checkContains(t, "webhook markdown", body.Markdown, wantInMessage)
}

func TestWebhookSign(t *testing.T) {
	// Computed with Python's hmac and hashlib.
	if got, want := alert.WebhookSign(1795256460, []byte(`{"event":"new"}`), webhookSecret),
		"sha256=ed09df103b139eaaa904323914706c0163319ebd0cefab04928c7492314dc23e"; got != want {
		t.Errorf("WebhookSign = %q, want %q", got, want)
	}
}

// TestProvider_Errors: which failures are worth a retry, and no error
// holds a secret.
func TestProvider_Errors(t *testing.T) {
	tests := []struct {
		name      string
		kind      string
		answer    answer
		retryable bool
		want      string
	}{
		{"wecom bad key", "wecom", answer{200, `{"errcode":93000,"errmsg":"invalid webhook url, key=` + wecomKey + `"}`}, false, "errcode 93000"},
		{"wecom too fast", "wecom", answer{200, `{"errcode":45009,"errmsg":"api freq out of limit"}`}, true, "errcode 45009"},
		{"dingtalk too fast", "dingtalk", answer{200, `{"errcode":130101,"errmsg":"send too fast"}`}, true, "errcode 130101"},
		{"dingtalk bad sign", "dingtalk", answer{200, `{"errcode":310000,"errmsg":"sign not match"}`}, false, "errcode 310000"},
		{"robot busy", "dingtalk", answer{200, `{"errcode":-1,"errmsg":"system busy"}`}, true, "errcode -1"},
		{"5xx", "wecom", answer{502, "bad gateway"}, true, "HTTP 502"},
		{"429", "webhook", answer{429, "slow down"}, true, "HTTP 429"},
		{"4xx", "webhook", answer{403, "forbidden"}, false, "HTTP 403"},
		{"not JSON", "wecom", answer{200, "<html>portal login</html>"}, false, "not the robot's JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, tc.answer)
			err := providerFor(tc.kind, srv.URL, srv.Client()).Send(context.Background(), sampleMessage("zh"))
			if err == nil {
				t.Fatal("no error")
			}
			if got := alert.Retryable(err); got != tc.retryable {
				t.Errorf("Retryable(%v) = %v, want %v", err, got, tc.retryable)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			checkNoSecret(t, "error", err.Error())
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := newFakeServer(t)
		srv.Close()
		for _, kind := range []string{"wecom", "dingtalk", "webhook"} {
			err := providerFor(kind, srv.URL, nil).Send(context.Background(), sampleMessage("zh"))
			if err == nil || !alert.Retryable(err) {
				t.Errorf("%s: err = %v, want a retryable error", kind, err)
			}
			checkNoSecret(t, kind+" error", err.Error())
			if !strings.Contains(err.Error(), "***") {
				t.Errorf("%s: %q does not show where the key was redacted", kind, err)
			}
		}
	})
}

// providerFor returns a provider of kind at base with the tests' secrets;
// the webhook's URL carries a token in its query, as some endpoints do.
func providerFor(kind, base string, client *http.Client) alert.Provider {
	switch kind {
	case "wecom":
		return alert.NewWeCom(base+"/cgi-bin/webhook/send", wecomKey, client)
	case "dingtalk":
		return alert.NewDingTalk(base+"/robot/send", dingToken, dingSecret, client)
	}
	return alert.NewWebhook(base+"/hook?token="+webhookSecret, webhookSecret, client)
}

func checkNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{wecomKey, dingToken, dingSecret, webhookSecret, url.QueryEscape(dingSecret)} {
		if strings.Contains(s, sec) {
			t.Errorf("%s holds the secret %q: %s", what, sec, s)
		}
	}
}

func TestProvider_Validate(t *testing.T) {
	for _, tc := range []struct {
		p    alert.Provider
		want string
	}{
		{alert.NewWeCom(config.WeComURL, "", nil), "wecom: empty key"},
		{alert.NewDingTalk(config.DingTalkURL, "", "", nil), "dingtalk: empty access token"},
		{alert.NewWebhook("ftp://example.org/x?token=abcd1234", "", nil), "webhook: ftp://example.org/x?token=*** is not an http(s) URL"},
	} {
		err := tc.p.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Validate = %v, want %q", tc.p.Kind(), err, tc.want)
		}
	}
}

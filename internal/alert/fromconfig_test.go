package alert_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
)

// TestFromConfig wires a config's alerts section to local servers: keys
// from the environment and a file reach the requests, the state file is
// written, and the English group gets English.
func TestFromConfig(t *testing.T) {
	wecom, ding, hook := newFakeServer(t), newFakeServer(t), newFakeServer(t, answer{200, ""})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ding.secret"), []byte(dingSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PA_TEST_WECOM_KEY", wecomKey)
	t.Setenv("PA_TEST_DING_TOKEN", dingToken)
	t.Setenv("PA_TEST_HOOK_URL", hook.URL+"/h?token="+webhookSecret)
	src := fmt.Sprintf(`
alerts:
  base_url: https://pa.example.gov.cn
  state_file: alerts-state.json
  retry: {attempts: 2, backoff: 1s}
  groups:
    oncall:
      min_level: 2
      receivers:
        - {kind: wecom, url: %q, key_env: PA_TEST_WECOM_KEY}
        - {kind: dingtalk, url: %q, key_env: PA_TEST_DING_TOKEN, secret_file: ding.secret}
    stewards:
      min_level: 4
      lang: en
      targets: [city_gov]
      receivers:
        - {kind: webhook, url_env: PA_TEST_HOOK_URL}
`, wecom.URL+"/cgi-bin/webhook/send", ding.URL+"/robot/send")
	c, err := config.Parse(strings.NewReader(src), "test.yaml", dir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := alert.FromConfig(c, alert.Options{Now: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), []alert.Finding{finding("f2", 2), finding("f4", 4)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 4 {
		t.Errorf("report = %+v, want 4 sent (f2 to three receivers, f4 to the webhook)", rep)
	}
	if r := wecom.requests(); len(r) != 1 || r[0].Query.Get("key") != wecomKey {
		t.Errorf("wecom requests = %+v", r)
	}
	if r := ding.requests(); len(r) != 1 || r[0].Query.Get("access_token") != dingToken || r[0].Query.Get("sign") == "" {
		t.Errorf("dingtalk requests = %+v", r)
	}
	r := hook.requests()
	if len(r) != 2 || r[0].Query.Get("token") != webhookSecret || !strings.Contains(string(r[0].Body), "Fault level") ||
		!strings.Contains(string(r[0].Body), "https://pa.example.gov.cn/findings/f2") {
		t.Errorf("webhook requests = %d, first %s", len(r), r[0].Body)
	}
	if _, err := os.Stat(filepath.Join(dir, "alerts-state.json")); err != nil {
		t.Errorf("state file: %v", err)
	}
}

func TestFromConfig_MissingSecret(t *testing.T) {
	src := "alerts:\n  groups:\n    g: {receivers: [{kind: wecom, key_env: PA_TEST_UNSET_KEY}]}\n"
	c, err := config.Parse(strings.NewReader(src), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alert.FromConfig(c, alert.Options{}); err == nil || !strings.Contains(err.Error(), "PA_TEST_UNSET_KEY (key_env) is not set") {
		t.Errorf("err = %v", err)
	}
}

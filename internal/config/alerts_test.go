package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

const alertsBase = base + `
alerts:
  base_url: https://pushaudit.example.gov.cn:9470
  state_file: state/alerts.json
  groups:
    oncall:
      receivers:
        - {kind: wecom, key_env: PA_TEST_WECOM_KEY}
        - {kind: dingtalk, key_file: ding.token, secret_env: PA_TEST_DING_SECRET}
    stewards:
      min_level: 4
      targets: [city_gov]
      repeat_interval: 2h
      rate_limit: 5
      rate_per: 10m
      lang: en
      receivers:
        - {kind: webhook, url: "https://hooks.example.org/pushaudit", secret_file: hook.secret}
        - {kind: webhook, name: ops, url_env: PA_TEST_HOOK_URL}
`

func TestConfig_AlertSettings(t *testing.T) {
	c := mustParse(t, alertsBase, "/etc/pushaudit")
	a := c.AlertSettings()
	if got, want := a.Lang, "zh"; got != want {
		t.Errorf("Lang = %q, want %q", got, want)
	}
	if got, want := a.StateFile, "/etc/pushaudit/state/alerts.json"; got != want {
		t.Errorf("StateFile = %q, want %q", got, want)
	}
	if got, want := a.Retry, (config.AlertRetry{Attempts: 4, Backoff: 2 * time.Second, MaxBackoff: 30 * time.Second, Timeout: 10 * time.Second}); got != want {
		t.Errorf("Retry = %+v, want %+v", got, want)
	}
	on := a.Groups["oncall"]
	if on.MinLevel != 3 || on.ProgressLevel != 2 || on.RepeatInterval != time.Hour || on.RateLimit != 20 || on.RatePer != time.Minute || on.Lang != "zh" {
		t.Errorf("oncall defaults = %+v", on)
	}
	if got, want := on.Receivers[0].URL, config.WeComURL; got != want {
		t.Errorf("wecom URL = %q, want %q", got, want)
	}
	if got, want := on.Receivers[1].URL, config.DingTalkURL; got != want {
		t.Errorf("dingtalk URL = %q, want %q", got, want)
	}
	st := a.Groups["stewards"]
	if st.MinLevel != 4 || st.RepeatInterval != 2*time.Hour || st.RateLimit != 5 || st.RatePer != 10*time.Minute || st.Lang != "en" {
		t.Errorf("stewards = %+v", st)
	}
	if got, want := st.Receivers[0].Name+","+st.Receivers[1].Name, "webhook1,ops"; got != want {
		t.Errorf("receiver names = %q, want %q", got, want)
	}
	if got := c.Alerts.Groups["oncall"].Receivers[0].URL; got != "" {
		t.Errorf("AlertSettings changed the parsed config: %q", got)
	}
}

func TestConfig_AlertSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ding.token"), []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PA_TEST_DING_SECRET", "SECabc")
	c := mustParse(t, alertsBase, dir)
	a := c.AlertSettings()
	rc := a.Groups["oncall"].Receivers[1]
	s, err := c.AlertSecrets("oncall", 1, rc)
	if err != nil {
		t.Fatal(err)
	}
	if s.Key != "tok-123" || s.Secret != "SECabc" || s.URL != config.DingTalkURL {
		t.Errorf("secrets = %+v", s)
	}
	_, err = c.AlertSecrets("oncall", 0, a.Groups["oncall"].Receivers[0])
	if err == nil || !strings.Contains(err.Error(), "alerts.groups.oncall.receivers[0]: environment variable PA_TEST_WECOM_KEY (key_env) is not set") {
		t.Errorf("missing key: err = %v", err)
	}
	_, err = c.AlertSecrets("stewards", 0, a.Groups["stewards"].Receivers[0])
	if err == nil || !strings.Contains(err.Error(), "alerts.groups.stewards.receivers[0]: secret_file:") {
		t.Errorf("missing secret file: err = %v", err)
	}
	t.Setenv("PA_TEST_HOOK_URL", "https://hooks.example.org/x?token=s3cret")
	s, err = c.AlertSecrets("stewards", 1, a.Groups["stewards"].Receivers[1])
	if err != nil || s.URL != "https://hooks.example.org/x?token=s3cret" {
		t.Errorf("url_env: %+v, %v", s, err)
	}
}

func TestConfig_ValidateAlerts(t *testing.T) {
	tests := []struct {
		name, alerts string
		want         []string
	}{
		{"bad lang", "  lang: fr\n", []string{`alerts.lang: "fr" is not zh or en`}},
		{"bad base url", "  base_url: pushaudit.local\n", []string{`alerts.base_url: "pushaudit.local" is not an http(s) URL`}},
		{"no receivers", "  groups:\n    g: {min_level: 2}\n", []string{"alerts.groups.g.receivers: empty"}},
		{"level out of range", "  groups:\n    g: {min_level: 5, receivers: [{kind: wecom, key_env: K}]}\n",
			[]string{"alerts.groups.g.min_level: 5 is not a level 1..4"}},
		{"unknown kind", "  groups:\n    g: {receivers: [{kind: slack}]}\n",
			[]string{`alerts.groups.g.receivers[0].kind: "slack" is not wecom, dingtalk or webhook`}},
		{"wecom without key", "  groups:\n    g: {receivers: [{kind: wecom}]}\n",
			[]string{"alerts.groups.g.receivers[0]: wecom needs key_env or key_file"}},
		{"dingtalk without token", "  groups:\n    g: {receivers: [{kind: dingtalk, secret_env: S}]}\n",
			[]string{"alerts.groups.g.receivers[0]: dingtalk needs key_env or key_file (the robot's access_token)"}},
		{"key in url", "  groups:\n    g: {receivers: [{kind: wecom, key_env: K, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc\"}]}\n",
			[]string{"alerts.groups.g.receivers[0].url: holds a key or token"}},
		{"env and file", "  groups:\n    g: {receivers: [{kind: dingtalk, key_env: K, key_file: k.txt}]}\n",
			[]string{"alerts.groups.g.receivers[0]: give key_env or key_file, not both"}},
		{"webhook without url", "  groups:\n    g: {receivers: [{kind: webhook}]}\n",
			[]string{"alerts.groups.g.receivers[0]: webhook needs url, url_env or url_file"}},
		{"repeat too short", "  groups:\n    g: {repeat_interval: 10s, receivers: [{kind: wecom, key_env: K}]}\n",
			[]string{"alerts.groups.g.repeat_interval: 10s is under a minute"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(strings.NewReader(base+"alerts:\n"+tc.alerts), "test.yaml", "")
			if err == nil {
				t.Fatal("no error")
			}
			wantErrContains(t, err, tc.want...)
		})
	}
}

// TestParse_AlertSecretWritten: a key written in the file is refused with
// the way to give it, and the error does not echo it.
func TestParse_AlertSecretWritten(t *testing.T) {
	src := base + "alerts:\n  groups:\n    g: {receivers: [{kind: wecom, key: 693a91f6-dead-beef}]}\n"
	_, err := config.Parse(strings.NewReader(src), "test.yaml", "")
	if err == nil {
		t.Fatal("a written key was accepted")
	}
	if !strings.Contains(err.Error(), "give key_env or key_file") {
		t.Errorf("error %q lacks the hint", err)
	}
	if strings.Contains(err.Error(), "693a91f6") {
		t.Errorf("error %q echoes the key", err)
	}
}

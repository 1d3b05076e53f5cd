package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

func TestConfig_ServeJobs(t *testing.T) {
	c := mustParse(t, base+`
serve:
  schedules:
    snapshot: "*/5 * * * *"
    snapshot:stats: "0 * * * *"
    snapshot_full:stats: "off"
    reconcile:hourly: "7 * * * *"
    report:year: "off"
`, "")
	got := map[string]string{}
	for _, j := range c.ServeJobs() {
		got[j.Name] = j.Cron
		if j.Name != j.Kind+":"+j.Arg {
			t.Errorf("job %q is not kind:arg (%q, %q)", j.Name, j.Kind, j.Arg)
		}
	}
	want := map[string]string{
		"snapshot:biz":               "*/5 * * * *", // the kind's override
		"snapshot:stats":             "0 * * * *",   // the job's, over the kind's
		"snapshot_full:biz":          "0 2 * * *",   // the default: at night
		"reconcile:every_10m":        "",            // after each deadline
		"reconcile:daily_after_2300": "",
		"reconcile:hourly":           "7 * * * *",
		"reconcile:once":             "10 7 * * *",
		"reconcile:media_copy":       "15 7 * * *",
		"reconcile:stats":            "", // after the statistics deadline
		"report:day":                 "30 7 * * *",
		"report:half_month":          "0 8 1,16 * *",
		"report:month":               "15 8 1 * *",
		"report:quarter":             "30 8 1 1,4,7,10 *",
	}
	for name, cron := range want {
		if g, ok := got[name]; !ok || g != cron {
			t.Errorf("job %s: schedule %q (listed %v), want %q", name, g, ok, cron)
		}
	}
	for _, off := range []string{"snapshot_full:stats", "report:year"} {
		if _, ok := got[off]; ok {
			t.Errorf("job %s is listed; it is off", off)
		}
	}
	if n := len(got); n != 14 {
		t.Errorf("%d jobs, want 14 (3 snapshots, 7 reconciliations, 4 reports: a full snapshot and the year are off)", n)
	}
}

func TestConfig_ServeSettings(t *testing.T) {
	s := mustParse(t, base, "").ServeSettings()
	if s.Listen != "127.0.0.1:9470" || s.ReconcileDelay != 30*time.Second || s.Jitter != 30*time.Second ||
		s.Retries != 3 || s.RetryBackoff != 10*time.Second {
		t.Errorf("defaults %+v", s)
	}
	s = mustParse(t, base+"serve: {listen: ':9999', jitter: -1s, retries: -1, reconcile_delay: 30s}\n", "").ServeSettings()
	if s.Listen != ":9999" || s.Jitter != 0 || s.Retries != 0 || s.ReconcileDelay != 30*time.Second {
		t.Errorf("set %+v", s)
	}
	if got := mustParse(t, base, "").WarehouseWaitOr(); got != 2*time.Minute {
		t.Errorf("warehouse_wait default %s, want 2m", got)
	}
	if got := mustParse(t, base+"warehouse_wait: -1s\n", "").WarehouseWaitOr(); got != 0 {
		t.Errorf("warehouse_wait negative: %s, want 0", got)
	}
}

func TestConfig_ValidateServe(t *testing.T) {
	tests := []struct{ src, want string }{
		{"serve: {listen: localhost}\n", `serve.listen: "localhost" is not host:port`},
		{"serve: {reconcile_delay: -1m}\n", "serve.reconcile_delay: -1m0s is negative"},
		{"serve: {retry_backoff: -1s}\n", "serve.retry_backoff: -1s is negative"},
		{"serve: {schedules: {snapshot:nope: '* * * * *'}}\n", "serve.schedules.snapshot:nope: not a job"},
		{"serve: {schedules: {report:week: '* * * * *'}}\n", "serve.schedules.report:week: not a job"},
		{"serve: {schedules: {report:day: '0 25 * * *'}}\n", `serve.schedules.report:day: "0 25 * * *" is not a cron expression`},
		{"serve: {schedules: {snapshot: 'every ten minutes'}}\n", `serve.schedules.snapshot: "every ten minutes" is not a cron expression`},
		{"serve: {bogus: 1}\n", "field bogus not found"},
		{"serve: {token_file: /nonexistent/tokens}\n", "serve.token_file: stat /nonexistent/tokens: no such file or directory"},
		{"serve: {token_file: /}\n", "serve.token_file: / is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := config.Parse(strings.NewReader(base+tt.src), "test.yaml", "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConfig_WithClock(t *testing.T) {
	c := mustParse(t, base+"now: 2026-11-23T07:00:00+08:00\n", "")
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := c.WithClock(func() time.Time { return at })
	if got := d.Clock()(); !got.Equal(at) {
		t.Errorf("WithClock: Clock() = %s, want %s", got, at)
	}
	if got := c.Clock()(); got.Equal(at) {
		t.Error("WithClock changed the original config's clock")
	}
}

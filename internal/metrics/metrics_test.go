package metrics_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/metrics"
	"github.com/chengdu-cgw/pushaudit/internal/metrics/metricstest"
)

// populated returns metrics with every series set once.
func populated() *metrics.Metrics {
	m := metrics.New()
	at := time.Date(2026, 11, 21, 10, 20, 0, 0, time.UTC)
	m.PipelineScheduled("snapshot/biz", 10*time.Minute)
	m.RunFinished("snapshot/biz", at, 42*time.Second, true)
	m.RunFinished("reconcile/every_10m", at, 3*time.Second, false)
	m.FindingsOpen("city_gov", 1, 3)
	m.FindingsOpen("city_gov", 4, 0)
	m.SnapshotTable("biz", "cases", 11300, 25000.5)
	m.SourceUp("biz", true)
	m.SourceUp("stats", false)
	m.ReplicaLag("biz", 1.5)
	m.WindowsJudged("missed", 2)
	m.WindowsJudged("ok", 50)
	m.WindowsJudged("late", 0)
	m.AlertDelivery("oncall", "wecom", "new", true)
	m.AlertDelivery("oncall", "dingtalk", "new", false)
	m.AlertDeferred("oncall", 4)
	return m
}

// scrape returns what a Prometheus server reads from the handler.
func scrape(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: %s\n%s", resp.Status, body)
	}
	return string(body)
}

func TestMetrics_Handler(t *testing.T) {
	body := scrape(t, populated().Handler())
	for _, want := range []string{
		`pushaudit_pipeline_interval_seconds{pipeline="snapshot/biz"} 600`,
		`pushaudit_pipeline_last_success_timestamp_seconds{pipeline="snapshot/biz"} 1.7952564e+09`,
		`pushaudit_pipeline_last_run_duration_seconds{pipeline="snapshot/biz"} 42`,
		`pushaudit_pipeline_last_run_success{pipeline="reconcile/every_10m"} 0`,
		`pushaudit_pipeline_runs_total{pipeline="reconcile/every_10m",result="failed"} 1`,
		`pushaudit_findings_open{fault_level="1",target="city_gov"} 3`,
		`pushaudit_findings_open{fault_level="4",target="city_gov"} 0`,
		`pushaudit_snapshot_table_rows{source="biz",table="cases"} 11300`,
		`pushaudit_snapshot_table_rows_per_second{source="biz",table="cases"} 25000.5`,
		`pushaudit_source_up{source="stats"} 0`,
		`pushaudit_replica_lag_seconds{source="biz"} 1.5`,
		`pushaudit_windows_judged_total{verdict="missed"} 2`,
		`pushaudit_alert_deliveries_total{event="new",group="oncall",provider="dingtalk"} 1`,
		`pushaudit_alert_delivery_failures_total{event="new",group="oncall",provider="dingtalk"} 1`,
		`pushaudit_alert_delivery_failures_total{event="new",group="oncall",provider="wecom"} 0`,
		`pushaudit_alert_deferred_total{group="oncall"} 4`,
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `pushaudit_pipeline_last_success_timestamp_seconds{pipeline="reconcile/every_10m"}`) {
		t.Error("a failed run set the last success time")
	}
	if strings.Contains(body, `verdict="late"`) {
		t.Error("WindowsJudged(late, 0) created a series")
	}
}

// TestMetrics_PromtoolCheck runs `promtool check metrics`, Prometheus's
// own linter of names, units, help and types, on a scrape.
func TestMetrics_PromtoolCheck(t *testing.T) {
	promtool := metricstest.MustPromtool(t)
	body := scrape(t, populated().Handler())
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		t.Errorf("promtool check metrics complains:\n%s", s)
	}
}

func TestMetrics_PipelineRemoved(t *testing.T) {
	m := populated()
	m.PipelineRemoved("snapshot/biz")
	if body := scrape(t, m.Handler()); strings.Contains(body, `pipeline="snapshot/biz"`) {
		t.Errorf("a removed pipeline is still exported:\n%s", body)
	}
}

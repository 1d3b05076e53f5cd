package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestParse_EvidenceConventions(t *testing.T) {
	c := mustParse(t, base+`
evidence:
  push_log:
    table: exg.t_push_log
    columns: {rows_sent: record_count, status: state}
    status_ok: [成功]
    status_failed: [失败]
    time_format: epoch_ms
  empty_pushes: not_logged
  no_push_log: [chenghua]
  clock_offsets: {exg: -8h, city_cgw: 3m}
  retention: {city_gov: 720h}
`, "")
	e := c.SiteEvidence()
	if got := c.Evidence.PushLog.Table(); got != "exg.t_push_log" {
		t.Errorf("push_log table %q", got)
	}
	if e.PushLog.ClockOffset != -8*time.Hour {
		t.Errorf("the push log's source clock offset %v, want -8h", e.PushLog.ClockOffset)
	}
	if e.EmptyPushes != pipelines.EmptyPushesNotLogged || !e.NoPushLog["chenghua"] || e.ClockOffset("city_cgw") != 3*time.Minute || e.Retention["city_gov"] != 720*time.Hour {
		t.Errorf("site evidence %+v", e)
	}
	if e.PushLog.Column("rows_sent") != "record_count" || e.PushLog.StatusOK[0] != "成功" || e.PushLog.TimeFormat != pipelines.TimeEpochMS {
		t.Errorf("push log spec %+v", e.PushLog)
	}

	// the plain form still works, and is the default.
	if got := mustParse(t, base+"evidence:\n  push_log: x.y\n", "").Evidence.PushLog; got.Table() != "x.y" || !got.Plain() {
		t.Errorf("plain form: %+v", got)
	}
	if got := mustParse(t, base, "").Evidence.PushLog.Table(); got != pipelines.DefaultPushLog {
		t.Errorf("default push log %q", got)
	}
}

func TestParse_EvidenceErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"  push_log: nodot\n", `evidence.push_log: "nodot" is not source.table`},
		{"  push_log: {table: e.p, columns: {rowz: n}}\n", "evidence.push_log.columns.rowz: not a push-log field"},
		{"  push_log: {table: e.p, status_ok: [S], status_failed: [S]}\n", `evidence.push_log.status_failed[0]: "S" is also in status_ok`},
		{"  push_log: {table: e.p, time_format: unix}\n", `evidence.push_log.time_format: "unix" is not`},
		{"  push_log: {table: e.p, colums: {}}\n", "field colums not found"},
		{"  empty_pushes: sometimes\n", `evidence.empty_pushes: "sometimes" is not logged, not_logged or auto`},
		{"  clock_offsets: {exchange: 30h}\n", "evidence.clock_offsets.exchange: 30h0m0s is more than a day"},
		{"  retention: {city_gov: -1h}\n", "evidence.retention.city_gov: -1h0m0s is not a positive duration"},
	}
	for _, tc := range tests {
		_, err := config.Parse(strings.NewReader(base+"evidence:\n"+tc.yaml), "test.yaml", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", strings.TrimSpace(tc.yaml), err, tc.want)
		}
	}
}

func TestCheckEvidenceTargets(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, base+"evidence:\n  no_push_log: [nowhere]\n", "")
	if err := c.CheckEvidenceTargets(cat); err == nil || !strings.Contains(err.Error(), `evidence.no_push_log[0]: "nowhere" is not a target`) {
		t.Errorf("unknown target: %v", err)
	}
	c = mustParse(t, base+"evidence:\n  no_push_log: [chenghua]\n  retention: {city_gov: 24h}\n", "")
	if err := c.CheckEvidenceTargets(cat); err != nil {
		t.Errorf("known targets: %v", err)
	}
}

// A site catalog may add a target the embedded catalog does not know, with
// its resources, and name it in the evidence section.
func TestLoadCatalog_AddsTarget(t *testing.T) {
	dir := t.TempDir()
	site := `targets:
  - {key: wenjiang, name_zh: 温江区平台, name_en: Wenjiang district platform, database: fe_wenjiang}
resources:
  - target: wenjiang
    key: case_record
    seq: 1
    name_zh: 案件记录
    category_zh: 案件
    cadence: daily_after_2300
    mode: rows
    key_columns: [case_id]
    table: case_record
    window_column: report_time
    columns:
      - {name: case_id, zh: 案件标识, type: BIGINT, expr: c.id}
      - {name: report_time, zh: 上报时间, type: DATETIME, expr: c.report_time}
    from: biz.cases c
    where: c.report_time >= :window_start AND c.report_time < :window_end
`
	if err := os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, base+"catalog: site.yaml\nevidence:\n  no_push_log: [wenjiang]\n", dir)
	cat, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.Target("wenjiang"); !ok || len(cat.Targets) != 8 {
		t.Errorf("targets: %d, wenjiang %v", len(cat.Targets), ok)
	}
	res, ok := cat.Resource("wenjiang", "case_record")
	if !ok || res.WindowColumn != "report_time" {
		t.Errorf("resource %+v", res)
	}
}

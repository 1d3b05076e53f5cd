package reports_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

// The inspection log: the 20th and 21st were checked in time (00:12 the
// next day), the 19th only by a reconciliation on the 22nd at 12:00 —
// after its deadline: late, not counted, and the deduction stays; the
// 22nd's deadline (23rd 09:00) is after now.
func TestWriteOps_InspectionLog(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	if _, err := db.Exec(`
INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version) VALUES ('20261122T120000.000-reconcile', 'reconcile', '2026-11-22 12:00:00', '2026-11-22 12:05:00', 'ok', 'reconcile --from 2026-11-19', NULL, 'testhost', 'v0.1');
INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received) VALUES
 ('20261122T120000.000-reconcile', 'city_gov', 'case_report', '2026-11-19 10:00:00', '2026-11-19 10:10:00', '2026-11-19 10:20:00', 'ok', 5, 5, 5);
INSERT INTO audit.reports VALUES ('2026-11-20', 'day', 'zh', 'out/数据对接日检表_2026-11-20.xlsx', '2026-11-21 07:30:00')`); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(MustWriteOps(t, db, "2026-11", "zh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Rows: the 1st is row 3, so the 19th is row 21.
	for _, c := range []struct{ cell, want string }{
		{"A21", "2026-11-19"}, {"B21", "2026-11-20 09:00"}, {"C21", "2026-11-22 12:05"}, {"D21", "补查（超时，不计）"},
		{"E21", "20261122T120000.000-reconcile"}, {"M21", "核对 1 个窗口，未发现问题"},
		{"A22", "2026-11-20"}, {"C22", "2026-11-21 00:12"}, {"D22", "按时"}, {"F22", "6"}, {"M22", "核对 6 个窗口，发现问题 5 个"},
		{"O22", "数据对接日检表_2026-11-20.xlsx"}, {"P22", "2026-11-21 07:30"},
		{"D23", "按时"},
		{"D24", "未到截止时间"}, {"C24", ""},
		{"D20", "本程序运行前（不计）"},
	} {
		if got := mustCell(t, f, "日常巡检记录", c.cell); got != c.want {
			t.Errorf("日常巡检记录!%s = %q, want %q", c.cell, got, c.want)
		}
	}
	if got, _ := f.GetCellFormula("日常巡检记录", "O22"); !strings.Contains(got, "HYPERLINK(") {
		t.Errorf("日常巡检记录!O22 formula = %q, want a HYPERLINK", got)
	}
	// The late check does not make the 19th inspected: 1 day missing.
	if got := mustCell(t, f, "考核扣分", "C3"); got != "1" {
		t.Errorf("考核扣分!C3 = %q, want 1", got)
	}
}

// A counter flipped in the statistics DB (case 2's 派遣 set to 0) that
// the per-case check found: 锦江区's 派遣 reads 2 from the statistics DB,
// marked, with the business DB's 3 beside it.
func TestWriteOps_StatsMarks(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	if _, err := db.Exec(`
ALTER TABLE stats.case_eval ADD COLUMN computed_at TIMESTAMP;
UPDATE stats.case_eval SET computed_at = stat_date + INTERVAL 1 DAY + INTERVAL 1 HOUR;
UPDATE stats.case_eval SET dispatch_cnt = 0 WHERE case_id = 2;
INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, fault_level) VALUES
 ('20261121T001000.000-reconcile', 'stats', 'case_eval', '2026-11-20 00:00:00', '2026-11-21 00:00:00', '2026-11-21 06:00:00', 'mismatch', 2, 2, 2, 1);
INSERT INTO audit.result_keys VALUES ('20261121T001000.000-reconcile', 'stats', 'case_eval', '2026-11-20 00:00:00', 'mismatch', '2', 1)`); err != nil {
		t.Fatal(err)
	}
	cat := testCatalog()
	cat.StatsCounters = []pipelines.StatsCounter{
		{Name: "report_cnt", ZH: "上报数", Expr: "CASE WHEN c.report_time < :as_of THEN 1 ELSE 0 END"},
		{Name: "dispatch_cnt", ZH: "派遣数", Expr: "CASE WHEN c.dispatch_time < :as_of THEN 1 ELSE 0 END"},
	}
	p, _ := reports.ParsePeriod("2026-11")
	path, err := reports.WriteOps(context.Background(), db, cat, reports.OpsOptions{
		Period: p, OutDir: t.TempDir(), Now: func() time.Time { return opsNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// 案件流转: A district, B month, C reported, D filed, E dispatched.
	if got := mustCell(t, f, "案件流转", "E3"); got != "2" {
		t.Errorf("案件流转!E3 = %q, want the statistics DB's 2", got)
	}
	marked := func(sheet, cell string) {
		t.Helper()
		style, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) == 0 || st.Fill.Color[0] != "FFC7CE" {
			t.Errorf("%s!%s fill %v, want marked red", sheet, cell, st.Fill.Color)
		}
	}
	marked("案件流转", "E3")
	marked("区县汇总", "D3")
	comments, err := f.GetComments("案件流转")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range comments {
		if c.Cell == "E3" && strings.Contains(c.Text, "业务库为 3") {
			found = true
		}
	}
	if !found {
		t.Errorf("案件流转!E3: no note with the business DB's 3 (%+v)", comments)
	}
	// Unmarked: the reported count agrees.
	if style, _ := f.GetCellStyle("案件流转", "C3"); style != 0 {
		if st, _ := f.GetStyle(style); st != nil && len(st.Fill.Color) > 0 && st.Fill.Color[0] == "FFC7CE" {
			t.Error("案件流转!C3 marked, but the reported count agrees")
		}
	}
	// 业务统计核对: the fixture's c_report check (row 3), then the
	// per-case check: one day checked, inconsistent, two counters; the
	// difference listed.
	for cell, want := range map[string]string{"A4": "案件考评结果（stats.case_eval，逐案）", "B4": "1", "D4": "1", "F4": "2"} {
		if got := mustCell(t, f, "业务统计核对", cell); got != want {
			t.Errorf("业务统计核对!%s = %q, want %q", cell, got, want)
		}
	}
	rows, err := f.GetRows("业务统计核对")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, r := range rows {
		if len(r) >= 6 && r[0] == "锦江区" {
			line = strings.Join(r[:6], "|")
		}
	}
	if want := "锦江区|2026-11|派遣|2|3|-1"; line != want {
		t.Errorf("difference row = %q, want %q", line, want)
	}
}

package reports_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

const opsDir = "../testdata/reports/ops"

// opsNow is before the end of the fixture's month: the report counts up
// to it.
var opsNow = time.Date(2026, 11, 23, 7, 0, 0, 0, pipelines.Shanghai)

// MustOpenOpsWarehouse builds a warehouse with the schema and the
// fixture of testdata/reports/ops.
func MustOpenOpsWarehouse(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("duckdb", filepath.Join(tb.TempDir(), "warehouse.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, schemas.Warehouse()); err != nil {
		tb.Fatalf("warehouse schema: %v", err)
	}
	fixture, err := os.ReadFile(filepath.Join(opsDir, "fixture.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, string(fixture)); err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	// The incidents of the fixture's findings, as a reconciliation groups
	// them.
	if _, err := ledger.NewIncidents(db).Group(ctx, "fixture", pipelines.IncidentRules{}); err != nil {
		tb.Fatalf("incidents: %v", err)
	}
	return db
}

func MustWriteOps(tb testing.TB, db *sql.DB, period, lang string) string {
	tb.Helper()
	p, err := reports.ParsePeriod(period)
	if err != nil {
		tb.Fatal(err)
	}
	path, err := reports.WriteOps(context.Background(), db, testCatalog(), reports.OpsOptions{
		Period: p, OutDir: tb.TempDir(), Lang: lang, Now: func() time.Time { return opsNow }, Producer: "pushaudit test on testhost",
	})
	if err != nil {
		tb.Fatalf("WriteOps %s: %v", period, err)
	}
	return path
}

func TestWriteOps_Golden(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	for _, tc := range []struct{ period, lang, file, golden string }{
		{"2026-11", "zh", "运维报告_2026-11.xlsx", "golden.txt"},
		{"2026-11", "en", "operations-report_2026-11.xlsx", "golden_en.txt"},
		{"2026-Q4", "zh", "运维报告_2026-Q4.xlsx", "golden_q4.txt"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			path := MustWriteOps(t, db, tc.period, tc.lang)
			if got, want := filepath.Base(path), tc.file; got != want {
				t.Errorf("file name = %q, want %q", got, want)
			}
			got := dumpCells(t, path)
			golden := filepath.Join(opsDir, tc.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("cells differ from %s (go test ./reports -update refreshes it):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// The figures the fixture was built to produce, checked one by one so a
// golden refresh cannot hide a wrong rule.
func TestWriteOps_Figures(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	f, err := excelize.OpenFile(MustWriteOps(t, db, "2026-11", "zh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"概览", "数据对接", "推送量", "完整率趋势", "案件流转", "区县汇总", "业务统计核对", "故障等级", "故障记录",
		"日常巡检记录", "快照与结构", "表结构变更", "考核扣分", "运行与保障（人工填写）"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	for _, c := range []struct{ sheet, cell, want, why string }{
		// city_gov/case_report: the failed run's window counts, the running
		// run's and October's do not, the later run wins.
		{"数据对接", "B3", "case_report", ""},
		{"数据对接", "E3", "6", "due: every window but the pending one"},
		{"数据对接", "F3", "3", "on time"},
		{"数据对接", "G3", "1", "late"},
		{"数据对接", "H3", "1", "missed"},
		{"数据对接", "J3", "1", "unverifiable"},
		{"数据对接", "K3", "80.0%", "completeness (3+1)/(6-1)"},
		{"数据对接", "L3", "60.0%", "on time 3/(6-1)"},
		{"数据对接", "O3", "1", "one level-3 finding"},
		{"数据对接", "P3", "1", "one level-4 finding"},
		{"数据对接", "R3", "4.0", "mean time to resolve (2 h + 6 h)/2"},
		{"数据对接", "H8", "2", "chenghua: two stale windows"},
		// Case flow: 锦江区 November.
		{"案件流转", "A3", "锦江区", ""},
		{"案件流转", "C3", "3", "reported"},
		{"案件流转", "H3", "3", "to close = handled 2 + overdue unhandled 1"},
		{"案件流转", "J3", "66.7%", "close rate 2/3"},
		{"案件流转", "K3", "33.3%", "on-time close rate 1/3"},
		{"案件流转", "A4", "成华区", "districts by code; 青羊区 has only October"},
		{"案件流转", "J4", "", "nothing to close: blank"},
		// Faults by level.
		{"故障等级", "D3", "1", "level 1: the stats finding"},
		{"故障等级", "G3", "1", "resolved late"},
		// chenghua's two consecutive stale windows are one incident,
		// detected 11-21 00:10 and open past its 3 h limit.
		{"故障等级", "D4", "1", "level 2: one incident of two windows"},
		{"故障等级", "F4", "0", "level 2 not resolved"},
		{"故障等级", "H4", "1", "level 2 open past its limit"},
		{"故障等级", "I4", "0", "level 2 nothing open and not due"},
		{"故障等级", "H5", "1", "level 3 open past its limit"},
		{"故障等级", "D8", "5", "six findings, five incidents; October's left out"},
		// Responses: in time by respond_by, late (answered after it, or
		// none and it passed), none and not due.
		{"故障等级", "K3", "1", "level 1 answered in time"},
		{"故障等级", "K4", "1", "level 2 answered in time"},
		{"故障等级", "M4", "0", "level 2 answered by the response to one of its findings"},
		{"故障等级", "K5", "1", "level 3 answered in time"},
		{"故障等级", "L5", "1", "level 3 no response past respond_by"},
		{"故障等级", "L6", "1", "level 4 answered after respond_by"},
		{"故障等级", "K8", "3", "total in time"},
		{"故障等级", "L8", "2", "total late"},
		{"故障等级", "M8", "0", "total not recorded"},
		// Snapshots: October's left out; the failed load and the count
		// mismatch counted.
		{"快照与结构", "A3", "biz", ""},
		{"快照与结构", "B3", "2", "two snapshots of biz in November"},
		{"快照与结构", "E3", "1", "one failed load"},
		{"快照与结构", "G3", "1", "one count mismatch"},
		{"快照与结构", "K3", "3", "anomalies of November only"},
		{"快照与结构", "B6", "未检测（报告期内的快照未记录表结构）", ""},
		// Deductions.
		{"考核扣分", "C3", "1", "3 days past their inspection deadline since the first run (11-19; the 22nd's is the 23rd 09:00, after now), 2 checked in time"},
		{"考核扣分", "E3", "0.2", ""},
		{"考核扣分", "C4", "1", "level 1 resolved late"},
		{"考核扣分", "C6", "1", "level 3 open past its limit"},
		{"考核扣分", "C7", "1", "level 4 resolved late"},
		{"考核扣分", "C8", "0", "level 1 answered in time"},
		{"考核扣分", "C9", "0", "level 2: answered in time, or not due"},
		{"考核扣分", "C10", "1", "level 3 no response past respond_by"},
		{"考核扣分", "E10", "1.0", ""},
		{"考核扣分", "C11", "1", "level 4 answered late"},
		{"考核扣分", "E11", "1.0", ""},
		{"考核扣分", "C12", "1", "chenghua: 2 h of stale windows in November"},
		{"考核扣分", "C13", "0", "a month: no other report due in it"},
		{"考核扣分", "C5", "1", "level 2 incident open past its limit"},
		{"考核扣分", "C16", "0", "no summary report due yet (the 一级 stats fault resolved 11-22, due in a week)"},
		{"考核扣分", "C17", "1", "city_gov/case_report missed 10 minutes"},
		{"考核扣分", "C18", "1", "ministry/case_stats short for an hour"},
		{"考核扣分", "E19", "11.2", "total: 7.7 + 2 (level 2 late) + 0.5 + 1"},
		{"考核扣分", "E20", "88.8", "score"},
		// The fault register.
		{"故障记录", "B3", "三级", "the first incident by window: ministry short"},
		{"故障记录", "F3", "1", "one window"},
	} {
		got, err := f.GetCellValue(c.sheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s!%s = %q, want %q (%s)", c.sheet, c.cell, got, c.want, c.why)
		}
	}
	// The formulas are live.
	for _, c := range []struct{ sheet, cell, want string }{
		{"数据对接", "K3", `IF(E3-J3=0,"",(F3+G3)/(E3-J3))`},
		{"案件流转", "J3", `IF(H3=0,"",G3/H3)`},
		{"考核扣分", "E20", "100-E19"},
		{"故障等级", "L8", "SUM(L3:L7)"},
	} {
		if got, _ := f.GetCellFormula(c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s formula = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	for _, sheet := range want {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 2 {
			t.Errorf("%s: panes = %+v, want the first two rows frozen", sheet, panes)
		}
	}
}

// TestWriteOps_ReportDeductions: the quarter's report deducts for the
// monthly reports of the quarter that were due and missing or late
// (audit.reports); October's was written 2 days 12 h after it was due.
func TestWriteOps_ReportDeductions(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		insert               string
		missing, late, total string
	}{
		{"none written", "", "1", "0", "0.5"},
		{"October's late", `INSERT INTO audit.reports VALUES ('2026-10', 'month', 'zh', 'x.xlsx', TIMESTAMP '2026-11-08 12:00:00')`, "0", "3", "0.3"},
		{"October's in time", `INSERT INTO audit.reports VALUES ('2026-10', 'month', 'zh', 'x.xlsx', TIMESTAMP '2026-11-05 23:59:00')`, "0", "0", "0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenOpsWarehouse(t)
			mustFirstRunInOctober(t, db) // October's report is due
			if tc.insert != "" {
				if _, err := db.Exec(tc.insert); err != nil {
					t.Fatal(err)
				}
			}
			f, err := excelize.OpenFile(MustWriteOps(t, db, "2026-Q4", "zh"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, c := range []struct{ cell, want string }{
				{"C13", tc.missing}, {"C15", tc.late}, {"E15", map[bool]string{true: tc.total, false: "0.0"}[tc.late != "0"]},
			} {
				if got, _ := f.GetCellValue("考核扣分", c.cell); got != c.want {
					t.Errorf("考核扣分!%s = %q, want %q", c.cell, got, c.want)
				}
			}
			if tc.missing == "1" {
				if got, _ := f.GetCellValue("考核扣分", "E13"); got != tc.total {
					t.Errorf("考核扣分!E13 = %q, want %q", got, tc.total)
				}
				if got, _ := f.GetCellValue("考核扣分", "B13"); !strings.HasSuffix(got, "缺 1 份：2026-10") {
					t.Errorf("考核扣分!B13 = %q, want it to name 2026-10", got)
				}
			}
		})
	}
}

func TestWriteOps_Errors(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	ctx := context.Background()
	day, _ := reports.ParsePeriod("2026-11-21")
	if _, err := reports.WriteOps(ctx, db, testCatalog(), reports.OpsOptions{Period: day, OutDir: t.TempDir()}); err == nil {
		t.Error("a day: no error")
	}
	if _, err := reports.WriteOps(ctx, db, testCatalog(), reports.OpsOptions{OutDir: t.TempDir()}); err == nil {
		t.Error("no period: no error")
	}
	m, _ := reports.ParsePeriod("2026-11")
	if _, err := reports.WriteOps(ctx, db, testCatalog(), reports.OpsOptions{Period: m, Lang: "fr", OutDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("lang fr: err = %v", err)
	}
	// An empty warehouse (no sources snapshotted) still gives a report.
	empty, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "empty.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if _, err := empty.ExecContext(ctx, schemas.Warehouse()); err != nil {
		t.Fatal(err)
	}
	path, err := reports.WriteOps(ctx, empty, testCatalog(), reports.OpsOptions{Period: m, OutDir: t.TempDir(), Now: func() time.Time { return opsNow }})
	if err != nil {
		t.Fatalf("empty warehouse: %v", err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("案件流转", "A3"); !strings.Contains(got, "stats.case_eval") {
		t.Errorf("empty warehouse: 案件流转!A3 = %q, want the note that there are no cases", got)
	}
}

// The drift the snapshots record (audit.snapshots.schema_drift) is
// counted for the period: two changes in November, one in October.
func TestWriteOps_SchemaDrift(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	if _, err := db.Exec(`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, schema_drift) VALUES
 ('rd1', 'biz', 'cases', 'full', 1, '2026-11-10 00:00:00', 'ok', 'added x int(11); dropped y varchar(8)'),
 ('rd0', 'biz', 'cases', 'full', 1, '2026-10-10 00:00:00', 'ok', 'added z int(11)')`); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(MustWriteOps(t, db, "2026-11", "zh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := mustCell(t, f, "快照与结构", "B6"), "报告期内 2 项变更（audit.schema_drift）"; got != want {
		t.Errorf("drift = %q, want %q", got, want)
	}
}

func mustCell(tb testing.TB, f *excelize.File, sheet, cell string) string {
	tb.Helper()
	v, err := f.GetCellValue(sheet, cell)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Without the statistics database's counters the case flow comes from
// biz.cases, and matches them on the fixture.
func TestWriteOps_CasesFromBiz(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	if _, err := db.Exec(`DROP TABLE stats.case_eval`); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(MustWriteOps(t, db, "2026-11", "zh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{
		"A3": "锦江区", "C3": "3", "D3": "3", "E3": "3", "F3": "2", "G3": "2", "H3": "3", "I3": "1", "J3": "66.7%", "K3": "33.3%",
		"A4": "成华区", "C4": "1", "H4": "0", "J4": "",
	} {
		if got := mustCell(t, f, "案件流转", cell); got != want {
			t.Errorf("案件流转!%s = %q, want %q", cell, got, want)
		}
	}
	if got := mustCell(t, f, "案件流转", "A7"); !strings.Contains(got, "biz.cases") {
		t.Errorf("案件流转!A7 = %q, want the note naming biz.cases", got)
	}
}

// TestWriteOps_YearReportDeduction: "未提供年度服务报告，每有一次扣 1 分".
// The yearly report of 2026 is due 5 days after the year ends, so it
// counts in the period that holds 2027-01-06: missing, 1 point; written
// late, 0.1 a day like any other report.
func TestWriteOps_YearReportDeduction(t *testing.T) {
	now := time.Date(2027, 4, 10, 9, 0, 0, 0, pipelines.Shanghai)
	for _, tc := range []struct {
		name, insert, period     string
		missing, points, late    string
		missingMonthly, nameCell string
	}{
		{"missing", "", "2027-Q1", "1", "1.0", "0", "3", "2026"},
		{"written late", `INSERT INTO audit.reports VALUES ('2026', 'year', 'zh', 'x.xlsx', TIMESTAMP '2027-01-08 12:00:00')`, "2027-Q1", "0", "0.0", "3", "3", ""},
		{"a quarter it is not due in", "", "2026-Q4", "0", "0.0", "0", "3", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenOpsWarehouse(t)
			mustFirstRunInOctober(t, db)
			if tc.insert != "" {
				if _, err := db.Exec(tc.insert); err != nil {
					t.Fatal(err)
				}
			}
			p, err := reports.ParsePeriod(tc.period)
			if err != nil {
				t.Fatal(err)
			}
			path, err := reports.WriteOps(context.Background(), db, testCatalog(), reports.OpsOptions{Period: p, OutDir: t.TempDir(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, c := range []struct{ cell, want string }{
				{"A14", "年报缺失每份扣 1 分"}, {"C14", tc.missing}, {"E14", tc.points}, {"C15", tc.late}, {"C13", tc.missingMonthly},
			} {
				if got, _ := f.GetCellValue("考核扣分", c.cell); got != c.want {
					t.Errorf("考核扣分!%s = %q, want %q", c.cell, got, c.want)
				}
			}
			if got, _ := f.GetCellValue("考核扣分", "B14"); tc.nameCell != "" && !strings.HasSuffix(got, "缺 1 份："+tc.nameCell) {
				t.Errorf("考核扣分!B14 = %q, want it to name %s", got, tc.nameCell)
			}
		})
	}
}

// mustFirstRunInOctober records pushaudit's first run on 2026-10-01:
// reports of periods ending after it are due.
func mustFirstRunInOctober(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version) VALUES ('20261001T000000.000-snapshot', 'snapshot',
		'2026-10-01 00:00:00', '2026-10-01 00:05:00', 'ok', 'snapshot', NULL, 'testhost', 'v0.1')`); err != nil {
		t.Fatal(err)
	}
}

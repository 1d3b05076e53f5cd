package reports_test

import (
	"archive/zip"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

const goldenDir = "../testdata/reports/daily"

// MustOpenWarehouse builds a warehouse in a temporary folder with the
// schema and the fixture of testdata/reports/daily.
func MustOpenWarehouse(tb testing.TB) *sql.DB {
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
	fixture, err := os.ReadFile(filepath.Join(goldenDir, "fixture.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, string(fixture)); err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return db
}

// MustWriteDaily writes the fixture's workbook in lang to a temporary
// folder.
func MustWriteDaily(tb testing.TB, lang string) string {
	tb.Helper()
	db := MustOpenWarehouse(tb)
	path, err := reports.WriteDaily(context.Background(), db, testCatalog(), reports.DailyOptions{
		Day:            testDay,
		OutDir:         tb.TempDir(),
		Lang:           lang,
		Now:            func() time.Time { return testNow },
		Producer:       "pushaudit test on testhost",
		KeysPerFinding: 3,
	})
	if err != nil {
		tb.Fatalf("WriteDaily: %v", err)
	}
	return path
}

func TestWriteDaily_Golden(t *testing.T) {
	for _, tc := range []struct{ lang, file, golden string }{
		{"zh", "数据对接日检表_2026-11-21.xlsx", "golden.txt"},
		{"en", "daily-reconciliation_2026-11-21.xlsx", "golden_en.txt"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			path := MustWriteDaily(t, tc.lang)
			if got, want := filepath.Base(path), tc.file; got != want {
				t.Errorf("file name = %q, want %q", got, want)
			}
			got := dumpCells(t, path)
			golden := filepath.Join(goldenDir, tc.golden)
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

func TestWriteDaily_Workbook(t *testing.T) {
	path := MustWriteDaily(t, "zh")
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"汇总", "市网络理政中心", "国家住建部", "成华区", "彭州市", "缺失明细", "问题台账", "业务统计一致性"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Creator != "pushaudit" || props.Title != "数据对接日检表（2026-11-21）" || props.Created != "2026-11-21T17:00:00Z" {
		t.Errorf("doc props = creator %q title %q created %q", props.Creator, props.Title, props.Created)
	}
	for _, sheet := range want {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 2 {
			t.Errorf("%s: panes = %+v, want the first two rows frozen", sheet, panes)
		}
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if *layout.Size != 9 || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 || *layout.FitToHeight != 0 {
			t.Errorf("%s: page layout = size %d %s fit %dx%d", sheet, *layout.Size, *layout.Orientation, *layout.FitToWidth, *layout.FitToHeight)
		}
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddFooter, "&N") {
			t.Errorf("%s: footer %q has no page numbers", sheet, hf.OddFooter)
		}
	}
	// The verdict cells of a target sheet are coloured by rules, not fills.
	cf, err := f.GetConditionalFormats("市网络理政中心")
	if err != nil {
		t.Fatal(err)
	}
	if rules := cf["K3:K11"]; len(rules) != len(pipelines.Statuses) {
		t.Errorf("conditional formats of 市网络理政中心 = %v, want one rule per verdict on K3:K11", cf)
	}
	// The difference is a formula.
	if got, _ := f.GetCellFormula("市网络理政中心", "J5"); got != "I5-G5" {
		t.Errorf("市网络理政中心!J5 formula = %q, want I5-G5", got)
	}
}

// Excel repairs a sheet whose <col> elements are out of order; the stream
// writer keeps them in the order they were set.
func TestWriteDaily_ColumnOrder(t *testing.T) {
	path := MustWriteDaily(t, "zh")
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	colRE := regexp.MustCompile(`<col min="(\d+)"`)
	sheets := 0
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		sheets++
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		prev := 0
		for _, m := range colRE.FindAllStringSubmatch(string(b), -1) {
			n, _ := strconv.Atoi(m[1])
			if n <= prev {
				t.Errorf("%s: <col min=%d> after min=%d", zf.Name, n, prev)
			}
			prev = n
		}
		if prev == 0 {
			t.Errorf("%s: no column widths", zf.Name)
		}
	}
	if sheets != 8 {
		t.Errorf("%d worksheets, want 8", sheets)
	}
}

// A key sheet that would pass Excel's last row stops one row short and
// says how many keys it left out.
func TestWriteDaily_KeySheetFull(t *testing.T) {
	db := MustOpenWarehouse(t)
	path, err := reports.WriteDailyMaxRows(context.Background(), db, testCatalog(), reports.DailyOptions{
		Day: testDay, OutDir: t.TempDir(), Now: func() time.Time { return testNow }, KeysPerFinding: 3,
	}, 7)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("缺失明细")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	if got, want := rows[6][0], "… 已达 Excel 行数上限：列出 3 条，共 12 条，其余请查询数据仓库 audit.result_keys"; got != want {
		t.Errorf("last row = %q, want %q", got, want)
	}
}

func TestWriteDaily_Errors(t *testing.T) {
	db := MustOpenWarehouse(t)
	ctx := context.Background()
	_, err := reports.WriteDaily(ctx, db, testCatalog(), reports.DailyOptions{Day: testDay.AddDate(0, 0, -5), OutDir: t.TempDir()})
	if !errors.Is(err, reports.ErrNoResults) {
		t.Errorf("a day without results: err = %v, want ErrNoResults", err)
	}
	_, err = reports.WriteDaily(ctx, db, testCatalog(), reports.DailyOptions{Day: testDay, RunID: "no-such-run", OutDir: t.TempDir()})
	if !errors.Is(err, reports.ErrNoResults) {
		t.Errorf("an unknown run: err = %v, want ErrNoResults", err)
	}
	_, err = reports.WriteDaily(ctx, db, testCatalog(), reports.DailyOptions{Day: testDay, Lang: "fr", OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("lang fr: err = %v, want one naming the language", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := reports.WriteDaily(ctx2, db, testCatalog(), reports.DailyOptions{Day: testDay, OutDir: t.TempDir()}); err == nil {
		t.Error("a cancelled context: no error")
	}
}

func TestSummaryRows(t *testing.T) {
	db := MustOpenWarehouse(t)
	ctx := context.Background()
	run, err := reports.LatestRun(ctx, db, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := run, "20261122T001000.000-reconcile"; got != want {
		t.Errorf("LatestRun = %q, want %q (the running run and the earlier run must lose)", got, want)
	}
	rows, err := reports.SummaryRows(ctx, db, testCatalog(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		target               string
		res, checked, due, n int
		rag                  reports.RAG
	}
	want := []row{
		{"city_gov", 3, 3, 7, 9, reports.RAGRed},
		{"ministry", 2, 1, 3, 3, reports.RAGRed},
		{"chenghua", 1, 1, 2, 2, reports.RAGRed},
		{"pengzhou", 1, 0, 0, 0, reports.RAGNone},
		{"stats", 2, 2, 2, 2, reports.RAGRed},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		got := row{r.Target, r.Resources, r.Checked, r.Due, r.Windows, r.RAG()}
		if got != w {
			t.Errorf("row %d = %+v, want %+v", i, got, w)
		}
	}
	if got := rows[0].Counts[pipelines.StatusMissed]; got != 1 {
		t.Errorf("city_gov missed = %d, want 1 (the window ending at 00:00 belongs to the day before)", got)
	}
	if got := rows[0].Counts[pipelines.StatusPending]; got != 2 {
		t.Errorf("city_gov pending = %d, want 2 (the window ending at the next 00:00 belongs to the day)", got)
	}
	if got := rows[0].OK(); got != 1 {
		t.Errorf("city_gov ok = %d, want 1", got)
	}
}

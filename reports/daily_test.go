package reports_test

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/reports")

const goldenDir = "../testdata/reports/daily"

var (
	testDay = time.Date(2026, 11, 21, 0, 0, 0, 0, pipelines.Shanghai)
	testNow = time.Date(2026, 11, 22, 1, 0, 0, 0, pipelines.Shanghai)
)

// testCatalog is a small catalog: three targets with results, one
// without, and a resource (once) without results.
func testCatalog() *pipelines.Catalog {
	return &pipelines.Catalog{
		Targets: []pipelines.Target{
			{Key: "city_gov", NameZH: "市网络理政中心", NameEN: "City governance centre", Database: "fe_city_gov"},
			{Key: "ministry", NameZH: "国家住建部", NameEN: "Ministry of Housing", Database: "fe_ministry"},
			{Key: "chenghua", NameZH: "成华区", NameEN: "Chenghua District", Database: "fe_chenghua"},
			{Key: "pengzhou", NameZH: "彭州市", NameEN: "Pengzhou", Database: "fe_pengzhou"},
		},
		Resources: []pipelines.Resource{
			{Target: "city_gov", Key: "case_report", NameZH: "案件上报信息", Cadence: pipelines.Every10m},
			{Target: "city_gov", Key: "case_dispatch", NameZH: "案件派遣信息", Cadence: pipelines.Every30m},
			{Target: "city_gov", Key: "eval_daily", NameZH: "考评结果（按区县、街道、社区汇总）", Cadence: pipelines.DailyAfter2300},
			{Target: "ministry", Key: "case_stats", NameZH: "案件统计数据", Cadence: pipelines.Hourly},
			{Target: "ministry", Key: "component_census", NameZH: "部件普查数据", Cadence: pipelines.Once},
			{Target: "chenghua", Key: "case_handle", NameZH: "案件处置信息", Cadence: pipelines.Hourly},
			{Target: "pengzhou", Key: "media_archive", NameZH: "视频监控介质", Cadence: pipelines.MediaCopy},
		},
		StatsCounters: []pipelines.StatsCounter{
			{Name: "c_report", ZH: "上报数"},
			{Name: "c_file", ZH: "立案数"},
		},
	}
}

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

// dumpCells lists every non-empty cell of every sheet as
// "sheet!A1<TAB>value" (formatted as shown), with "<TAB>=formula" after
// the value of a formula cell.
func dumpCells(tb testing.TB, path string) string {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				fml, err := f.GetCellFormula(sheet, cell)
				if err != nil {
					tb.Fatal(err)
				}
				if v == "" && fml == "" {
					continue
				}
				fmt.Fprintf(&b, "%s!%s\t%s", sheet, cell, strings.ReplaceAll(v, "\n", `\n`))
				if fml != "" {
					fmt.Fprintf(&b, "\t=%s", fml)
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
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

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
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

// The workbook must open in other readers than excelize: Debian's
// python3-openpyxl, run by /usr/bin/python3 (not a python3 on PATH that
// may be another build without the Debian modules).
func TestWriteDaily_Openpyxl(t *testing.T) {
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import openpyxl").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import openpyxl (%v: %s); `make test` installs it (apt-get install python3-openpyxl)", py, err, out)
	}
	path := MustWriteDaily(t, "zh")
	out, err := exec.Command(py, filepath.Join("..", "testdata", "reports", "inspect_xlsx.py"), path).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("inspect_xlsx.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Sheets []string `json:"sheets"`
		Cells  map[string]struct {
			Value  any    `json:"value"`
			Format string `json:"format"`
		} `json:"cells"`
		Freeze      map[string]string `json:"freeze"`
		Filter      map[string]string `json:"filter"`
		PrintTitles map[string]string `json:"print_titles"`
		Orientation map[string]string `json:"orientation"`
		Creator     string            `json:"creator"`
		Title       string            `json:"title"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("inspect_xlsx.py output: %v\n%s", err, out)
	}
	t.Logf("openpyxl sees: %s", out)
	if len(got.Sheets) != 8 || got.Sheets[0] != "汇总" || got.Sheets[7] != "业务统计一致性" {
		t.Errorf("sheets = %v", got.Sheets)
	}
	checks := []struct {
		cell   string
		value  any
		format string
	}{
		{"汇总!A1", "数据对接日检表（2026-11-21）", ""},
		{"汇总!A3", "市网络理政中心", ""},
		{"国家住建部!G3", 1234.0, "#,##0"},
		{"国家住建部!D3", "2026-11-21T08:00:00", "yyyy-mm-dd hh:mm"},
		{"市网络理政中心!K4", "漏推", ""},
	}
	for _, c := range checks {
		v, ok := got.Cells[c.cell]
		if !ok {
			t.Errorf("%s: not reported", c.cell)
			continue
		}
		if v.Value != c.value {
			t.Errorf("%s = %#v, want %#v", c.cell, v.Value, c.value)
		}
		if c.format != "" && v.Format != c.format {
			t.Errorf("%s format = %q, want %q", c.cell, v.Format, c.format)
		}
	}
	for _, s := range got.Sheets {
		if got.Freeze[s] != "A3" {
			t.Errorf("%s: freeze panes at %q, want A3", s, got.Freeze[s])
		}
		if !strings.HasPrefix(strings.ReplaceAll(got.Filter[s], "$", ""), "A2:") {
			t.Errorf("%s: autofilter %q, want it on the header row 2", s, got.Filter[s])
		}
		if got.PrintTitles[s] != "$1:$2" {
			t.Errorf("%s: print title rows %q, want $1:$2", s, got.PrintTitles[s])
		}
		if got.Orientation[s] != "landscape" {
			t.Errorf("%s: orientation %q", s, got.Orientation[s])
		}
	}
	if got.Creator != "pushaudit" {
		t.Errorf("creator = %q", got.Creator)
	}
}

// LibreOffice must convert the workbook to PDF (what a steward without
// Excel does to print it).
func TestWriteDaily_LibreOffice(t *testing.T) {
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		if os.Getenv("PUSHAUDIT_MYSQL_DSN") != "" {
			t.Fatal("libreoffice is not installed; `make test` installs it (scripts/test-deps.sh)")
		}
		t.Skip("libreoffice is not installed (apt-get install libreoffice-calc); skipping the PDF conversion")
	}
	if testing.Short() {
		t.Skip("-short: skipping the PDF conversion")
	}
	path := MustWriteDaily(t, "zh")
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, lo, "-env:UserInstallation=file://"+t.TempDir(),
		"--headless", "--convert-to", "pdf", "--outdir", out, path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, b)
	}
	pdf := filepath.Join(out, strings.TrimSuffix(filepath.Base(path), ".xlsx")+".pdf")
	fi, err := os.Stat(pdf)
	if err != nil {
		t.Fatalf("no PDF: %v", err)
	}
	if fi.Size() < 1000 {
		t.Errorf("PDF is %d bytes", fi.Size())
	}
	if dir := os.Getenv("PUSHAUDIT_KEEP_PDF"); dir != "" {
		b, _ := os.ReadFile(pdf)
		_ = os.WriteFile(filepath.Join(dir, filepath.Base(pdf)), b, 0o644)
		x, _ := os.ReadFile(path)
		_ = os.WriteFile(filepath.Join(dir, filepath.Base(path)), x, 0o644)
	}
}

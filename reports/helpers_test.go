package reports_test

// Helpers shared by the tests of the package: golden files, the test
// catalog, cell dumps and their diff.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/reports")

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

// mustLibreOffice returns the libreoffice binary; it skips the test when
// it is missing, except under `make test` (PUSHAUDIT_MYSQL_DSN set), which
// installs it (scripts/test-deps.sh).
func mustLibreOffice(t *testing.T) string {
	t.Helper()
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		if os.Getenv("PUSHAUDIT_MYSQL_DSN") != "" {
			t.Fatal("libreoffice is not installed; `make test` installs it (scripts/test-deps.sh)")
		}
		t.Skip("libreoffice is not installed (apt-get install libreoffice-calc); skipping the PDF conversion")
	}
	return lo
}

// mustConvertPDF converts the workbook at path to PDF with lo and checks
// the PDF is not empty; PUSHAUDIT_KEEP_PDF=DIR keeps both for a look.
func mustConvertPDF(t *testing.T, lo, path string) {
	t.Helper()
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

// mustInspectXLSX reads the workbook at path with Debian's openpyxl (run
// by /usr/bin/python3, not a python3 on PATH that may lack the Debian
// modules) through testdata/reports/inspect_xlsx.py, args passed on, and
// returns its JSON.
func mustInspectXLSX(t *testing.T, path string, args ...string) []byte {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import openpyxl").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import openpyxl (%v: %s); `make test` installs it (apt-get install python3-openpyxl)", py, err, out)
	}
	out, err := exec.Command(py, append([]string{filepath.Join("..", "testdata", "reports", "inspect_xlsx.py"), path}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("inspect_xlsx.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

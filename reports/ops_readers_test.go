package reports_test

// The operations workbook opens in openpyxl and converts to PDF in
// LibreOffice.

import (
	"encoding/json"
	"strings"
	"testing"
)

// Debian's openpyxl reads the operations report: sheets, values, number
// formats, the charts and the notes on the rate headers.
func TestWriteOps_Openpyxl(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	path := MustWriteOps(t, db, "2026-11", "zh")
	out := mustInspectXLSX(t, path, "40")
	var got struct {
		Sheets []string `json:"sheets"`
		Cells  map[string]struct {
			Value  any    `json:"value"`
			Format string `json:"format"`
		} `json:"cells"`
		Freeze      map[string]string   `json:"freeze"`
		Filter      map[string]string   `json:"filter"`
		PrintTitles map[string]string   `json:"print_titles"`
		Orientation map[string]string   `json:"orientation"`
		Charts      map[string][]string `json:"charts"`
		Notes       map[string]string   `json:"notes"`
		Title       string              `json:"title"`
		Dimension   map[string]string   `json:"dimension"`
		Missed      map[string][]string `json:"readonly_missed"`
		FitToPage   map[string]bool     `json:"fit_to_page"`
		FilterMode  map[string]bool     `json:"filter_mode"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("inspect_xlsx.py output: %v\n%s", err, out)
	}
	if len(got.Sheets) != 14 || got.Sheets[0] != "概览" || got.Sheets[8] != "故障记录" || got.Sheets[9] != "日常巡检记录" || got.Sheets[13] != "运行与保障（人工填写）" {
		t.Errorf("sheets = %v", got.Sheets)
	}
	if got.Title != "数字城管数据对接运维报告（月度，2026-11）" {
		t.Errorf("title = %q", got.Title)
	}
	for _, c := range []struct {
		cell   string
		value  any
		format string
	}{
		{"概览!A1", "数字城管数据对接运维报告（月度，2026-11）", ""},
		{"数据对接!E3", 6.0, "#,##0"},
		{"数据对接!K3", `=IF(E3-J3=0,"",(F3+G3)/(E3-J3))`, "0.0%"},
		{"数据对接!R3", 4.0, "#,##0.0"},
		{"完整率趋势!A22", "2026-11-20T00:00:00", "yyyy-mm-dd"},
		{"案件流转!B3", "2026-11-01T00:00:00", "yyyy-mm"},
		{"案件流转!J3", `=IF(H3=0,"",G3/H3)`, "0.0%"},
		{"考核扣分!E20", "=100-E19", "#,##0.0"},
	} {
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
	wantCharts := map[string]string{"完整率趋势": "LineChart", "区县汇总": "BarChart", "故障等级": "BarChart,PieChart"}
	for sheet, want := range wantCharts {
		if g := strings.Join(got.Charts[sheet], ","); g != want {
			t.Errorf("%s: charts %q, want %q", sheet, g, want)
		}
	}
	if n := got.Notes["案件流转!J2"]; !strings.Contains(n, "结案率 = 结案数 / 应结案数") {
		t.Errorf("案件流转!J2 note = %q, want the formula of 结案率", n)
	}
	for _, s := range got.Sheets {
		// Read-only openpyxl trusts the declared used range.
		if d := got.Dimension[s]; d == "" || d == "A1" || d == "A1:A1" {
			t.Errorf("%s: declared used range %q", s, d)
		}
		if m := got.Missed[s]; len(m) > 0 {
			t.Errorf("%s: read-only openpyxl misses cells %v (declared range %s)", s, m, got.Dimension[s])
		}
		// Printed fit to the page's width, not marked as filtered (which
		// hides rows in some readers).
		if !got.FitToPage[s] || got.FilterMode[s] {
			t.Errorf("%s: fit to page %v, filter mode %v; want fit, not filtered", s, got.FitToPage[s], got.FilterMode[s])
		}
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
}

// LibreOffice converts the operations report to PDF. `make test`
// installs it (scripts/test-deps.sh), so this does not skip there.
func TestWriteOps_LibreOffice(t *testing.T) {
	lo := mustLibreOffice(t)
	db := MustOpenOpsWarehouse(t)
	path := MustWriteOps(t, db, "2026-Q4", "zh")
	mustConvertPDF(t, lo, path)
}

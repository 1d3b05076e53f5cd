package reports_test

// The daily workbook opens in openpyxl and converts to PDF in LibreOffice.

import (
	"encoding/json"
	"strings"
	"testing"
)

// The workbook must open in other readers than excelize: Debian's
// python3-openpyxl, run by /usr/bin/python3 (not a python3 on PATH that
// may be another build without the Debian modules).
func TestWriteDaily_Openpyxl(t *testing.T) {
	path := MustWriteDaily(t, "zh")
	out := mustInspectXLSX(t, path)
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
		Creator     string              `json:"creator"`
		Title       string              `json:"title"`
		Dimension   map[string]string   `json:"dimension"`
		Missed      map[string][]string `json:"readonly_missed"`
		FitToPage   map[string]bool     `json:"fit_to_page"`
		FilterMode  map[string]bool     `json:"filter_mode"`
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
	if got.Creator != "pushaudit" {
		t.Errorf("creator = %q", got.Creator)
	}
}

// LibreOffice must convert the workbook to PDF (what a steward without
// Excel does to print it).
func TestWriteDaily_LibreOffice(t *testing.T) {
	lo := mustLibreOffice(t)
	if testing.Short() {
		t.Skip("-short: skipping the PDF conversion")
	}
	path := MustWriteDaily(t, "zh")
	mustConvertPDF(t, lo, path)
}

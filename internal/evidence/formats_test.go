package evidence

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var (
	enHeader = []string{"code", "name", "amount", "reported_at", "day", "n"}
	// zhOrder is a Chinese header in another order, with an unknown
	// column: the values of a row follow it.
	zhHeader = []string{"数量", "日期", "上报时间", "金额", "名称", "编码", "备注（内部）"}
)

// fields returns the values of r in the order of enHeader.
func fields(r fxRow) []*string {
	return []*string{&r.Code, r.Name, r.Amount, r.At, r.Day, r.Count}
}

// zhFields reorders enHeader-ordered values as zhHeader, with a value
// for the unknown column.
func zhFields(v []string, unknown string) []string {
	return []string{v[5], v[4], v[3], v[2], v[1], v[0], unknown}
}

func orEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// writeCSVBatch writes batch b as CSV: the first file with the English
// header and no BOM, the others with the Chinese header and a BOM.
func writeCSVBatch(t *testing.T, path string, b fxBatch, i int) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	zh := i%2 == 1
	if zh {
		buf.Write(utf8BOM)
		w.Write(zhHeader)
	} else {
		w.Write(enHeader)
	}
	for _, r := range b.Rows {
		var v []string
		for _, f := range fields(r) {
			v = append(v, orEmpty(f))
		}
		if zh {
			v = zhFields(v, "内部, 忽略")
		}
		w.Write(v)
	}
	w.Flush()
	writeFile(t, path, buf.Bytes(), b.Arrived)
}

// writeXLSXBatch writes batch b as XLSX with typed cells where the first
// file has them: numbers, a date-time cell; the others as text under the
// Chinese header.
func writeXLSXBatch(t *testing.T, path string, b fxBatch, i int) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	zh := i%2 == 1
	head := enHeader
	if zh {
		head = zhHeader
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		t.Fatal(err)
	}
	for j, r := range b.Rows {
		var row []any
		if zh {
			var v []string
			for _, x := range fields(r) {
				v = append(v, orEmpty(x))
			}
			for _, x := range zhFields(v, "忽略") {
				if x == "" {
					row = append(row, nil)
				} else {
					row = append(row, x)
				}
			}
		} else {
			row = append(row, r.Code, nilOr(r.Name), nil, nil, nilOr(r.Day), nil)
			if r.Amount != nil {
				x, _ := strconv.ParseFloat(*r.Amount, 64)
				row[2] = x
			}
			if r.At != nil {
				x, err := time.ParseInLocation(time.DateTime, *r.At, pipelines.Shanghai)
				if err != nil {
					t.Fatal(err)
				}
				row[3] = x
			}
			if r.Count != nil {
				// Spreadsheet numbers are doubles: big integers go as text.
				if x, _ := strconv.ParseInt(*r.Count, 10, 64); x > -1<<53 && x < 1<<53 {
					row[5] = x
				} else {
					row[5] = *r.Count
				}
			}
		}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", j+2), &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes(), b.Arrived)
}

func nilOr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// writeJSONBatch writes batch b as JSON: the first file as an array with
// English keys, numbers as numbers; the others as {"records": [...]} with
// Chinese keys and strings.
func writeJSONBatch(t *testing.T, path string, b fxBatch, i int) {
	var recs []map[string]any
	for _, r := range b.Rows {
		m := map[string]any{}
		for k, v := range fields(r) {
			var x any
			if v != nil {
				x = *v
				if i%2 == 0 && (k == 2 || k == 5) {
					x = json.Number(*v)
				}
			}
			if i%2 == 0 {
				m[enHeader[k]] = x
			} else if v != nil { // a missing key is NULL too
				m[zhFields(enHeader, "")[len(enHeader)-1-k]] = x
			}
		}
		recs = append(recs, m)
	}
	var doc any = recs
	if i%2 == 1 {
		doc = map[string]any{"total": len(recs), "records": recs}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, data, b.Arrived)
}

// malformedCSV writes bad CSV receipts next to the good ones.
func malformedCSV(t *testing.T, dir string) malformed {
	writeFile(t, filepath.Join(dir, "fx_20261122.csv"), []byte(strings.Join([]string{
		"code,name,amount,reported_at,day,n",
		"M-1,ok,1.5,2026-11-22 08:00:00,2026-11-22,1",
		"M-2,bad time,1.5,2026-13-40 25:00:00,2026-11-22,1",
		"M-3,bad amount,12345.6x,2026-11-22 08:00:00,2026-11-22,1",
		"M-4,too few fields",
		",no key,1,2026-11-22 08:00:00,2026-11-22,1",
		`M-5,"bad "quote",1,2026-11-22 08:00:00,2026-11-22,1`,
		"M-7,too big,12345.6,2026-11-22 08:00:00,2026-11-22,1",
		"M-6,ok again,-2,2026-11-22T08:00:00+08:00,2026/11/22,2",
	}, "\n")+"\n"), t3)
	writeFile(t, filepath.Join(dir, "fx_20261123.csv"), []byte("code,name\nX-1,\xff\xfe\n"), t3)
	writeFile(t, filepath.Join(dir, "fx_20261124.csv"), []byte("名称,amount\nx,1\n"), t3)
	f := func(name string, line int, col string) pipelines.RowError {
		return pipelines.RowError{File: name, Line: line, Column: col}
	}
	return malformed{
		errs: []pipelines.RowError{
			f("fx_20261122.csv", 3, "reported_at"), f("fx_20261122.csv", 4, "amount"), f("fx_20261122.csv", 5, ""),
			f("fx_20261122.csv", 6, "code"), f("fx_20261122.csv", 7, ""), f("fx_20261122.csv", 8, "amount"),
			f("fx_20261123.csv", 2, ""), f("fx_20261124.csv", 1, "code"),
		},
		failed: []string{"fx_20261123.csv", "fx_20261124.csv"},
		good:   []string{"M-1", "M-6"},
	}
}

// malformedXLSX writes bad XLSX receipts next to the good ones.
func malformedXLSX(t *testing.T, dir string) malformed {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows := [][]any{
		{"编码", "名称", "金额", "上报时间", "日期", "数量"},
		{"M-1", "ok", 1.5, "2026-11-22 08:00:00", "2026-11-22", 1},
		{"M-2", "bad time", 1.5, "not a time", "2026-11-22", 1},
		{"M-3", "bad amount", "12,5", "2026-11-22 08:00:00", "2026-11-22", 1},
		{nil, "no key", 1, "2026-11-22 08:00:00", "2026-11-22", 1},
		{},
		{"M-6", "ok again", -2, "2026-11-22 08:00", "2026-11-22", 2.0},
		{"M-7", "bad n", -2, "2026-11-22 08:00", "2026-11-22", 2.5},
	}
	for i := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "fx_20261122.xlsx"), buf.Bytes(), t3)
	writeFile(t, filepath.Join(dir, "fx_20261123.xlsx"), []byte("PK not really a zip"), t3)
	g := excelize.NewFile()
	defer g.Close()
	g.SetSheetRow(g.GetSheetName(0), "A1", &[]any{"name", "amount"})
	g.SetSheetRow(g.GetSheetName(0), "A2", &[]any{"x", 1})
	buf.Reset()
	if err := g.Write(&buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "fx_20261124.xlsx"), buf.Bytes(), t3)
	e := func(name string, line int, col string) pipelines.RowError {
		return pipelines.RowError{File: name, Line: line, Column: col}
	}
	return malformed{
		errs: []pipelines.RowError{
			e("fx_20261122.xlsx", 3, "reported_at"), e("fx_20261122.xlsx", 4, "amount"), e("fx_20261122.xlsx", 5, "code"),
			e("fx_20261122.xlsx", 8, "n"), e("fx_20261123.xlsx", 0, ""), e("fx_20261124.xlsx", 1, "code"),
		},
		failed: []string{"fx_20261123.xlsx", "fx_20261124.xlsx"},
		good:   []string{"M-1", "M-6"},
	}
}

// malformedJSON writes bad JSON receipts next to the good ones.
func malformedJSON(t *testing.T, dir string) malformed {
	writeFile(t, filepath.Join(dir, "fx_20261122.json"), []byte(strings.Join([]string{
		`[`,
		`  {"code": "M-1", "name": "ok", "amount": 1.5, "reported_at": "2026-11-22 08:00:00"},`,
		`  {"code": "M-2", "reported_at": "yesterday"},`,
		`  {"code": "M-3", "amount": "1e"},`,
		`  {"code": null, "name": "no key"},`,
		`  ["not", "an", "object"],`,
		`  {"code": "M-4", "name": {"nested": true}},`,
		`  {"编码": "M-6", "数量": 2, "日期": "2026-11-22", "code2": "unknown, ignored"}`,
		`]`,
	}, "\n")), t3)
	writeFile(t, filepath.Join(dir, "fx_20261123.json"), []byte("[\n  {\"code\": \"S-1\"},\n  {\"code\": \"S-2\",,}\n]"), t3)
	writeFile(t, filepath.Join(dir, "fx_20261124.json"), []byte(`{"data": []}`), t3)
	e := func(name string, line int, col string) pipelines.RowError {
		return pipelines.RowError{File: name, Line: line, Column: col}
	}
	return malformed{
		errs: []pipelines.RowError{
			e("fx_20261122.json", 3, "reported_at"), e("fx_20261122.json", 4, "amount"), e("fx_20261122.json", 5, "code"),
			e("fx_20261122.json", 6, ""), e("fx_20261122.json", 7, "name"),
			e("fx_20261123.json", 3, ""), e("fx_20261124.json", 1, ""),
		},
		failed: []string{"fx_20261123.json", "fx_20261124.json"},
		good:   []string{"M-1", "M-6", "S-1"},
	}
}

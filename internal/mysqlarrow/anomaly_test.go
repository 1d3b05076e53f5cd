package mysqlarrow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// anomalyRow is a row of wt with the given values; others NULL.
func anomalyRow(id int64, vals map[int][]byte) []byte {
	all := make([][]byte, wtN)
	all[wtID] = wI64(id)
	for c, v := range vals {
		all[c] = v
	}
	return binRow(all...)
}

func TestAddWire_Anomalies(t *testing.T) {
	tbl, cols := wireTable(t)
	b, ops := newWireBatcher(t, tbl, cols)
	bd, _ := newWireBatcher(t, tbl, cols) // the driver path, for comparison
	vals := map[int][]byte{
		wtVarchar: wStr("a\xffb"),
		wtText:    wStr("ok"),
		wtDate:    wDate(2021, 0, 10),               // partial
		wtDT:      wRaw(),                           // zero
		wtTS:      wDT(2021, 2, 30, 10, 11, 12, -1), // invalid
	}
	for _, id := range []int64{7, 8} {
		row := anomalyRow(id, vals)
		if err := b.addWire(ops, row); err != nil {
			t.Fatal(err)
		}
		dv, err := wireValues(ops, row)
		if err != nil {
			t.Fatal(err)
		}
		if err := bd.Add(dv); err != nil {
			t.Fatal(err)
		}
	}
	got := flushCells(t, b)
	for _, r := range got {
		if r[wtVarchar] != "a\uFFFDb" || r[wtText] != "ok" || r[wtDate] != "NULL" || r[wtDT] != "NULL" || r[wtTS] != "NULL" {
			t.Errorf("row %v", r)
		}
	}
	want := []Anomaly{
		{Column: "c_varchar", Kind: AnomalyInvalidUTF8, Count: 2, Example: `id=7: "a` + "\uFFFD" + `b"`},
		{Column: "c_date", Kind: AnomalyPartialDate, Count: 2, Example: `id=7: "2021-00-10"`},
		{Column: "c_dt", Kind: AnomalyZeroDate, Count: 2, Example: `id=7: "0000-00-00 00:00:00.000000"`},
		{Column: "c_ts", Kind: AnomalyInvalidDate, Count: 2, Example: `id=7: "2021-02-30 10:11:12"`},
	}
	list := b.a.List()
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Errorf("anomalies\n got %+v\nwant %+v", list, want)
	}
	if dl := bd.a.List(); fmt.Sprint(dl) != fmt.Sprint(list) {
		t.Errorf("driver path anomalies %+v, wire path %+v", dl, list)
	}
	_ = flushCells(t, bd)
}

func TestAddWire_DateAnomalies(t *testing.T) {
	tests := []struct {
		name string
		col  int
		v    []byte
		kind string // "" for a valid date
		cell string
	}{
		{"zero date", wtDate, wRaw(), AnomalyZeroDate, "NULL"},
		{"zero date of 4 bytes", wtDate, wDate(0, 0, 0), AnomalyZeroDate, "NULL"},
		{"zero datetime with time", wtDT, wDT(0, 0, 0, 10, 0, 0, 5), AnomalyZeroDate, "NULL"},
		{"zero timestamp", wtTS, wRaw(), AnomalyZeroDate, "NULL"},
		{"month 0", wtDate, wDate(2021, 0, 10), AnomalyPartialDate, "NULL"},
		{"day 0", wtDT, wDT(2021, 3, 0, 1, 2, 3, -1), AnomalyPartialDate, "NULL"},
		{"feb 30", wtDate, wDate(2021, 2, 30), AnomalyInvalidDate, "NULL"},
		{"feb 29 not leap", wtDate, wDate(1900, 2, 29), AnomalyInvalidDate, "NULL"},
		{"feb 29 leap 2000", wtDate, wDate(2000, 2, 29), "", "2000-02-29"},
		{"month 13", wtDT, wDT(2021, 13, 1, 0, 0, 0, -1), AnomalyInvalidDate, "NULL"},
		{"april 31", wtTS, wDT(2021, 4, 31, 0, 0, 0, 0), AnomalyInvalidDate, "NULL"},
		{"year 0", wtDate, wDate(0, 1, 1), "", "0000-01-01"},
		{"before 1970", wtDT, wDT(1969, 12, 31, 23, 59, 59, 999999), "", "1969-12-31 23:59:59.999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, cols := wireTable(t)
			b, ops := newWireBatcher(t, tbl, cols)
			if err := b.addWire(ops, anomalyRow(5, map[int][]byte{tc.col: tc.v})); err != nil {
				t.Fatal(err)
			}
			if got := flushCells(t, b)[0][tc.col]; got != tc.cell {
				t.Errorf("cell %q, want %q", got, tc.cell)
			}
			list := b.a.List()
			if tc.kind == "" {
				if len(list) != 0 {
					t.Errorf("anomalies %+v", list)
				}
				return
			}
			if len(list) != 1 || list[0].Kind != tc.kind || list[0].Column != wtColumns[tc.col].name ||
				list[0].Count != 1 || !strings.HasPrefix(list[0].Example, "id=5: ") {
				t.Errorf("anomalies %+v, want one %s", list, tc.kind)
			}
		})
	}
}

// TestAddWire_AnomalyWithoutKey: a table without a primary key names the
// row by its number.
func TestAddWire_AnomalyWithoutKey(t *testing.T) {
	tbl := &Table{Name: "nokey", Columns: []Column{
		{Name: "n", DataType: "int", ColumnType: "int(11)"},
		{Name: "s", DataType: "varchar", ColumnType: "varchar(10)"},
	}}
	for i := range tbl.Columns {
		MapColumn(&tbl.Columns[i])
	}
	b, ops := newWireBatcher(t, tbl, []mysqlwire.Column{{Name: "n", Type: mysqlwire.TypeLong}, {Name: "s", Type: mysqlwire.TypeVarString}})
	for _, s := range []string{"fine", "bad\xc3"} {
		if err := b.addWire(ops, binRow(wI32(1), wStr(s))); err != nil {
			t.Fatal(err)
		}
	}
	want := `[{s invalid_utf8 1 row 2: "bad` + "\uFFFD" + `"}]`
	if got := fmt.Sprint(b.a.List()); got != want {
		t.Errorf("anomalies %s, want %s", got, want)
	}
	_ = flushCells(t, b)
}

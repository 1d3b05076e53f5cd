package mysqlarrow

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// The tests of wirebatch.go encode binary-protocol rows by hand and check
// the Arrow values addWire makes of them.

// wtColumns is a table of every common type, with the column definitions
// MySQL sends for it in a binary result.
var wtColumns = []struct {
	name, dataType, columnType string
	prec, scale                int64
	key                        bool
	w                          mysqlwire.Column
	op                         uint8 // the op wirePlan chooses
}{
	{"id", "bigint", "bigint(20)", 19, 0, true, mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: 0x4203}, opInt},
	{"c_tiny", "tinyint", "tinyint(4)", 3, 0, false, mysqlwire.Column{Type: mysqlwire.TypeTiny}, opInt},
	{"c_small", "smallint", "smallint(6)", 5, 0, false, mysqlwire.Column{Type: mysqlwire.TypeShort}, opInt},
	{"c_int", "int", "int(11)", 10, 0, false, mysqlwire.Column{Type: mysqlwire.TypeLong}, opInt},
	{"c_big", "bigint", "bigint(20)", 19, 0, false, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, opInt},
	{"c_ubig", "bigint", "bigint(20) unsigned", 20, 0, false, mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, opUint},
	{"c_utiny", "tinyint", "tinyint(3) unsigned", 3, 0, false, mysqlwire.Column{Type: mysqlwire.TypeTiny, Flags: mysqlwire.FlagUnsigned}, opUint},
	{"c_year", "year", "year(4)", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeYear, Flags: mysqlwire.FlagUnsigned | 0x40}, opInt},
	{"c_float", "float", "float", 12, 0, false, mysqlwire.Column{Type: mysqlwire.TypeFloat, Decimals: 31}, opFloat32},
	{"c_double", "double", "double", 22, 0, false, mysqlwire.Column{Type: mysqlwire.TypeDouble, Decimals: 31}, opFloat64},
	{"c_dec12", "decimal", "decimal(12,3)", 12, 3, false, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal, Decimals: 3}, opDecimal},
	{"c_dec38", "decimal", "decimal(38,10)", 38, 10, false, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal, Decimals: 10}, opDecimal},
	{"c_varchar", "varchar", "varchar(50)", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeVarString}, opText},
	{"c_text", "text", "text", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeBlob, Flags: 0x10}, opText},
	{"c_blob", "blob", "blob", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeBlob, Flags: 0x90}, opBlob},
	{"c_varbin", "varbinary", "varbinary(16)", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeVarString, Flags: 0x80}, opBlob},
	{"c_date", "date", "date", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeDate}, opDate},
	{"c_dt", "datetime", "datetime(6)", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, opDateTime},
	{"c_ts", "timestamp", "timestamp", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeTimestamp}, opDateTime},
	{"c_time", "time", "time(3)", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, opGeneric},
	{"c_bit", "bit", "bit(10)", 10, 0, false, mysqlwire.Column{Type: mysqlwire.TypeBit, Flags: mysqlwire.FlagUnsigned}, opGeneric},
	{"c_json", "json", "json", 0, 0, false, mysqlwire.Column{Type: mysqlwire.TypeJSON, Flags: 0x90}, opText},
}

// Column indexes of wtColumns.
const (
	wtID = iota
	wtTiny
	wtSmall
	wtInt
	wtBig
	wtUbig
	wtUtiny
	wtYear
	wtFloat
	wtDouble
	wtDec12
	wtDec38
	wtVarchar
	wtText
	wtBlob
	wtVarbin
	wtDate
	wtDT
	wtTS
	wtTime
	wtBit
	wtJSON
	wtN
)

// wireTable returns the table of wtColumns and its wire columns.
func wireTable(t testing.TB) (*Table, []mysqlwire.Column) {
	t.Helper()
	tbl := &Table{Name: "wt"}
	var cols []mysqlwire.Column
	for _, c := range wtColumns {
		col := Column{Name: c.name, DataType: c.dataType, ColumnType: c.columnType,
			Precision: c.prec, Scale: c.scale, Nullable: !c.key, Key: c.key}
		if !MapColumn(&col) {
			t.Fatalf("MapColumn(%s): unknown type", c.dataType)
		}
		tbl.Columns = append(tbl.Columns, col)
		w := c.w
		w.Name = c.name
		cols = append(cols, w)
	}
	return tbl, cols
}

// newWireBatcher returns a Batcher of tbl and its ops for cols.
func newWireBatcher(t testing.TB, tbl *Table, cols []mysqlwire.Column) (*Batcher, []wireOp) {
	t.Helper()
	b := NewBatcher(tbl, NewAnomalies(tbl), memory.DefaultAllocator)
	t.Cleanup(b.Release)
	ops, err := b.wirePlan(cols)
	if err != nil {
		t.Fatal(err)
	}
	return b, ops
}

// Binary-protocol encodings of values.
func wI8(v int8) []byte     { return []byte{byte(v)} }
func wI16(v int16) []byte   { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func wI32(v int32) []byte   { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func wI64(v int64) []byte   { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func wU64(v uint64) []byte  { return binary.LittleEndian.AppendUint64(nil, v) }
func wF32(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
func wF64(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }
func wStr(s string) []byte  { return mysqlwire.AppendLenenc(nil, []byte(s)) }

// wRaw is a length-prefixed temporal value of raw bytes.
func wRaw(b ...byte) []byte { return append([]byte{byte(len(b))}, b...) }

// wDate is a DATE (4 bytes).
func wDate(y, m, d int) []byte {
	return wRaw(byte(y), byte(y>>8), byte(m), byte(d))
}

// wDT is a DATETIME of 7 bytes, or 11 with microseconds (us >= 0).
func wDT(y, m, d, hh, mm, ss, us int) []byte {
	b := []byte{byte(y), byte(y >> 8), byte(m), byte(d), byte(hh), byte(mm), byte(ss)}
	if us >= 0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(us))
	}
	return wRaw(b...)
}

// wTime is a TIME of 8 bytes, or 12 with microseconds (us >= 0).
func wTime(neg bool, days uint32, hh, mm, ss, us int) []byte {
	b := []byte{0}
	if neg {
		b[0] = 1
	}
	b = binary.LittleEndian.AppendUint32(b, days)
	b = append(b, byte(hh), byte(mm), byte(ss))
	if us >= 0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(us))
	}
	return wRaw(b...)
}

// binRow is a binary row of the encoded values; nil is NULL.
func binRow(vals ...[]byte) []byte {
	row := make([]byte, 1+(len(vals)+9)/8)
	for i, v := range vals {
		if v == nil {
			row[1+(i+2)/8] |= 1 << ((i + 2) % 8)
		} else {
			row = append(row, v...)
		}
	}
	return row
}

// cell shows value i of arr.
func cell(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "NULL"
	}
	switch a := arr.(type) {
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return fmt.Sprintf("%x", a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.999999")
	case *array.Duration:
		return (time.Duration(a.Value(i)) * time.Microsecond).String()
	}
	return fmt.Sprintf("?%T", arr)
}

// flushCells flushes b and returns its rows as cells.
func flushCells(t testing.TB, b *Batcher) [][]string {
	t.Helper()
	rec := b.Flush()
	defer rec.Release()
	out := make([][]string, rec.NumRows())
	for r := range out {
		for c := range int(rec.NumCols()) {
			out[r] = append(out[r], cell(rec.Column(c), r))
		}
	}
	return out
}

// wtRows are valid rows of the wt table and their cells.
var wtRows = []struct {
	name  string
	vals  [][]byte
	cells []string
}{
	{"typical", [][]byte{
		wI64(1), wI8(12), wI16(-300), wI32(70000), wI64(1 << 40), wU64(1<<63 + 5), {200}, wI16(2024),
		wF32(1.5), wF64(-2.25), wStr("123456789.123"), wStr("-1234567890123456789012345678.0123456789"),
		wStr("héllo"), wStr("日本語テキスト"), wStr("\x00\x01\x02\xff"), wStr("\xde\xad"),
		wDate(2024, 2, 29), wDT(2024, 1, 2, 3, 4, 5, 123456), wDT(2023, 12, 31, 23, 59, 59, -1),
		wTime(false, 0, 12, 34, 56, 789000), wStr("\x02\x01"), wStr(`{"a": [1, 2]}`),
	}, []string{
		"1", "12", "-300", "70000", "1099511627776", "9223372036854775813", "200", "2024",
		"1.5", "-2.25", "123456789.123", "-1234567890123456789012345678.0123456789",
		"héllo", "日本語テキスト", "000102ff", "dead",
		"2024-02-29", "2024-01-02 03:04:05.123456", "2023-12-31 23:59:59",
		"12h34m56.789s", "513", `{"a": [1, 2]}`,
	}},
	{"nulls", [][]byte{
		wI64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
	}, []string{
		"2", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
	}},
	{"extremes", [][]byte{
		wI64(-3), wI8(math.MinInt8), wI16(math.MinInt16), wI32(math.MinInt32), wI64(math.MinInt64), wU64(math.MaxUint64), {255}, wI16(1901),
		wF32(math.MaxFloat32), wF64(1e-300), wStr("-999999999.999"), wStr("1234567890123456789012345678.9"),
		wStr(""), wStr(""), wStr(""), wStr(strings.Repeat("\xff", 300)),
		wDate(1, 1, 1), wDT(9999, 12, 31, 23, 59, 59, 999999), wDate(1970, 1, 1),
		wTime(true, 34, 22, 59, 59, -1), wStr("\x03\xff"), wStr("null"),
	}, []string{
		"-3", "-128", "-32768", "-2147483648", "-9223372036854775808", "18446744073709551615", "255", "1901",
		"3.4028235e+38", "1e-300", "-999999999.999", "1234567890123456789012345678.9000000000",
		"", "", "", strings.Repeat("ff", 300),
		"0001-01-01", "9999-12-31 23:59:59.999999", "1970-01-01 00:00:00",
		"-838h59m59s", "1023", "null",
	}},
	{"alternate encodings", [][]byte{
		wI64(4), wI8(-1), wI16(0), wI32(-1), wI64(0), wU64(0), {0}, wI16(0),
		wF32(float32(math.Inf(-1))), wF64(-0.5), wStr("+.5"), wStr("7"),
		wStr(strings.Repeat("x", 251)), wStr(strings.Repeat("y", 70000)), wStr("x"), wStr("y"),
		wRaw(0xe8, 0x07, 6, 15, 0, 0, 0), wDT(2024, 6, 15, 0, 0, 0, -1), wRaw(0xe8, 0x07, 6, 15, 1, 2, 3, 0, 0, 0, 0),
		wRaw(), wStr(""), wStr("[]"),
	}, []string{
		"4", "-1", "0", "-1", "0", "0", "0", "0",
		"-Inf", "-0.5", "0.500", "7.0000000000",
		strings.Repeat("x", 251), strings.Repeat("y", 70000), "78", "79",
		"2024-06-15", "2024-06-15 00:00:00", "2024-06-15 01:02:03",
		"0s", "0", "[]",
	}},
}

func wtRow(i int) []byte { return binRow(wtRows[i].vals...) }

func TestAddWire_Plan(t *testing.T) {
	tbl, cols := wireTable(t)
	b, ops := newWireBatcher(t, tbl, cols)
	for i, op := range ops {
		if op.code != wtColumns[i].op {
			t.Errorf("%s: op %d, want %d", wtColumns[i].name, op.code, wtColumns[i].op)
		}
		if op.key != (i == b.keyCol) {
			t.Errorf("%s: key %v", wtColumns[i].name, op.key)
		}
	}
	if _, err := b.wirePlan(cols[:3]); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("wirePlan of 3 columns: %v", err)
	}
}

func TestAddWire_Values(t *testing.T) {
	tbl, cols := wireTable(t)
	if len(tbl.Columns) != wtN {
		t.Fatalf("%d columns", len(tbl.Columns))
	}
	b, ops := newWireBatcher(t, tbl, cols)
	for _, r := range wtRows {
		if len(r.vals) != wtN || len(r.cells) != wtN {
			t.Fatalf("%s: %d values, %d cells", r.name, len(r.vals), len(r.cells))
		}
		if err := b.addWire(ops, binRow(r.vals...)); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	if b.rows != len(wtRows) || b.total != int64(len(wtRows)) {
		t.Errorf("rows %d total %d", b.rows, b.total)
	}
	if b.bytes == 0 {
		t.Error("bytes not counted")
	}
	got := flushCells(t, b)
	for i, r := range wtRows {
		for c := range wtN {
			if got[i][c] != r.cells[c] {
				t.Errorf("%s: %s = %.80q, want %.80q", r.name, wtColumns[c].name, got[i][c], r.cells[c])
			}
		}
	}
	if an := b.a.List(); len(an) != 0 {
		t.Errorf("anomalies %+v", an)
	}
	// the Batcher goes on after a flush
	if err := b.addWire(ops, wtRow(0)); err != nil {
		t.Fatal(err)
	}
	if got := flushCells(t, b); len(got) != 1 || got[0][wtVarchar] != "héllo" {
		t.Errorf("after flush: %v", got)
	}
}

// TestAddWire_SameAsDriverPath: every row loads as the driver path loads
// the values go-sql-driver would return for it (wireValues).
func TestAddWire_SameAsDriverPath(t *testing.T) {
	tbl, cols := wireTable(t)
	bw, ops := newWireBatcher(t, tbl, cols)
	bd, _ := newWireBatcher(t, tbl, cols)
	for _, r := range wtRows {
		row := binRow(r.vals...)
		if err := bw.addWire(ops, row); err != nil {
			t.Fatalf("%s: addWire: %v", r.name, err)
		}
		vals, err := wireValues(ops, row)
		if err != nil {
			t.Fatalf("%s: wireValues: %v", r.name, err)
		}
		if err := bd.Add(vals); err != nil {
			t.Fatalf("%s: add: %v", r.name, err)
		}
	}
	w, d := flushCells(t, bw), flushCells(t, bd)
	for i := range w {
		for c := range w[i] {
			if w[i][c] != d[i][c] {
				t.Errorf("%s: %s: wire %.60q, driver %.60q", wtRows[i].name, wtColumns[c].name, w[i][c], d[i][c])
			}
		}
	}
}

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

// TestAddWire_OutOfRange: values the column's type cannot hold fail the
// row, naming its key and the column.
func TestAddWire_OutOfRange(t *testing.T) {
	tests := []struct {
		name string
		col  int
		w    mysqlwire.Column // the column as the server describes it
		v    []byte
		want string
	}{
		{"unsigned above MaxInt64 into BIGINT", wtBig, mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxUint64), "18446744073709551615 for BIGINT"},
		{"negative into UBIGINT", wtUbig, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(-5), "-5 for UBIGINT"},
		{"negative into UTINYINT", wtUtiny, mysqlwire.Column{Type: mysqlwire.TypeTiny}, wI8(-1), "-1 for UTINYINT"},
		{"INT into SMALLINT", wtSmall, mysqlwire.Column{Type: mysqlwire.TypeLong}, wI32(70000), "70000 for SMALLINT"},
		{"BIGINT into INTEGER", wtInt, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(1 << 40), "1099511627776 for INTEGER"},
		{"BIGINT into TINYINT", wtTiny, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(-129), "-129 for TINYINT"},
		{"SMALLINT UNSIGNED into UTINYINT", wtUtiny, mysqlwire.Column{Type: mysqlwire.TypeShort, Flags: mysqlwire.FlagUnsigned}, wI16(300), "300 for UTINYINT"},
		{"unsigned INT into INTEGER", wtInt, mysqlwire.Column{Type: mysqlwire.TypeLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxUint32)[:4], "4294967295 for INTEGER"},
		{"decimal with too many decimals", wtDec12, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("1.23456"), `decimal "1.23456"`},
		{"decimal not a number", wtDec38, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("12a"), `decimal "12a"`},
		{"DATE with a time of day", wtDate, mysqlwire.Column{Type: mysqlwire.TypeDate}, wDT(2024, 1, 2, 3, 4, 5, -1), `"2024-01-02" for DATE`},
		{"datetime hour 24", wtDT, mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 1, 2, 24, 0, 0, 0), `"2024-01-02 24:00:00.000000" for TIMESTAMP`},
		{"datetime microseconds 1e6", wtDT, mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 1, 2, 0, 0, 0, 1_000_000), "for TIMESTAMP"},
		{"datetime of 5 bytes", wtDT, mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wRaw(1, 2, 3, 4, 5), "column c_dt"},
		{"TIME minute 60", wtTime, mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 0, 1, 60, 0, -1), `time "01:60:00"`},
		{"BIT of 9 bytes", wtBit, mysqlwire.Column{Type: mysqlwire.TypeBit}, wStr("123456789"), "bit value of 9 bytes"},
		{"BIGINT into BLOB", wtBlob, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(5), "int64 for BLOB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, cols := wireTable(t)
			tc.w.Name = cols[tc.col].Name
			cols[tc.col] = tc.w
			b, ops := newWireBatcher(t, tbl, cols)
			err := b.addWire(ops, anomalyRow(1, map[int][]byte{tc.col: tc.v}))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "row id=1, column "+wtColumns[tc.col].name+": ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want row id=1, column %s and %q", msg, wtColumns[tc.col].name, tc.want)
			}
			if b.rows != 0 {
				t.Errorf("rows %d after a failed row", b.rows)
			}
		})
	}
}

// TestAddWire_Decimal38Max: DECIMAL(38,s) holds 38 digits; the unscaled
// value 10^38-1 fits in Arrow's Decimal128 (127 bits and a sign).
func TestAddWire_Decimal38Max(t *testing.T) {
	for _, v := range []string{
		"9999999999999999999999999999.9999999999",
		"-9999999999999999999999999999.9999999999",
		"8507059173023461586584365185.7942052864", // 2^126
	} {
		tbl, cols := wireTable(t)
		b, ops := newWireBatcher(t, tbl, cols)
		if err := b.addWire(ops, anomalyRow(1, map[int][]byte{wtDec38: wStr(v)})); err != nil {
			t.Errorf("BUG: %s: %v (batch.go decimal128Of rejects unscaled values of 127 bits, BitLen() > 126)", v, err)
			continue
		}
		if got := flushCells(t, b)[0][wtDec38]; got != v {
			t.Errorf("%s: got %s", v, got)
		}
	}
}

// TestAddWire_Truncated: every prefix of a valid row is an error, never a
// panic.
func TestAddWire_Truncated(t *testing.T) {
	tbl, cols := wireTable(t)
	for i, r := range wtRows {
		row := wtRow(i)
		b, ops := newWireBatcher(t, tbl, cols)
		for n := range len(row) {
			err := b.addWire(ops, row[:n])
			if err == nil {
				t.Fatalf("%s: prefix of %d bytes (of %d): no error", r.name, n, len(row))
			}
			if !errors.Is(err, errWireRow) || !strings.HasPrefix(err.Error(), "row ") {
				t.Fatalf("%s: prefix of %d bytes: %v", r.name, n, err)
			}
		}
		if b.rows != 0 {
			t.Errorf("%s: rows %d", r.name, b.rows)
		}
	}
}

func TestAddWire_LastKey(t *testing.T) {
	t.Run("signed", func(t *testing.T) {
		tbl, cols := wireTable(t)
		b, _ := newWireBatcher(t, tbl, cols)
		b.keyCol = wtID
		ops, err := b.wirePlan(cols)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"1", "2", "-3", "4"} {
			if err := b.addWire(ops, wtRow(i)); err != nil {
				t.Fatal(err)
			}
			if got := b.LastKeyText(false); got != want {
				t.Errorf("after row %d: key %s, want %s", i, got, want)
			}
		}
		_ = flushCells(t, b)
	})
	tests := []struct {
		name     string
		col      Column
		w        mysqlwire.Column
		vals     [][]byte
		unsigned bool
		want     string
	}{
		{"bigint unsigned", Column{Name: "k", DataType: "bigint", ColumnType: "bigint(20) unsigned", Key: true},
			mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, [][]byte{wU64(5), wU64(math.MaxUint64)}, true, "18446744073709551615"},
		{"int unsigned", Column{Name: "k", DataType: "int", ColumnType: "int(10) unsigned", Key: true},
			mysqlwire.Column{Type: mysqlwire.TypeLong, Flags: mysqlwire.FlagUnsigned}, [][]byte{wI32(-1)}, true, "4294967295"},
		{"smallint", Column{Name: "k", DataType: "smallint", ColumnType: "smallint(6)", Key: true},
			mysqlwire.Column{Type: mysqlwire.TypeShort}, [][]byte{wI16(-7)}, false, "-7"},
		{"mediumint", Column{Name: "k", DataType: "mediumint", ColumnType: "mediumint(9)", Key: true},
			mysqlwire.Column{Type: mysqlwire.TypeInt24}, [][]byte{wI32(8388607)}, false, "8388607"},
		{"NULL keeps the last key", Column{Name: "k", DataType: "bigint", ColumnType: "bigint(20)", Key: true},
			mysqlwire.Column{Type: mysqlwire.TypeLongLong}, [][]byte{wI64(9), nil}, false, "9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl := &Table{Name: "k", Columns: []Column{tc.col}}
			MapColumn(&tbl.Columns[0])
			b := NewBatcher(tbl, NewAnomalies(tbl), memory.DefaultAllocator)
			defer b.Release()
			b.keyCol = 0
			tc.w.Name = "k"
			ops, err := b.wirePlan([]mysqlwire.Column{tc.w})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tc.vals {
				if err := b.addWire(ops, binRow(v)); err != nil {
					t.Fatal(err)
				}
			}
			if got := b.LastKeyText(tc.unsigned); got != tc.want {
				t.Errorf("key %s, want %s", got, tc.want)
			}
			b.Flush().Release()
		})
	}
}

// TestAddWire_GenericPath: pairs of wire type and column kind without a
// fast path go through the column's driver-value appender.
func TestAddWire_GenericPath(t *testing.T) {
	tests := []struct {
		name       string
		dataType   string
		columnType string
		prec       int64
		scale      int64
		w          mysqlwire.Column
		v          []byte
		want       string
	}{
		{"date as text", "date", "date", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeVarString}, wStr("2024-03-04"), "2024-03-04"},
		{"zero date as text", "date", "date", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeVarString}, wStr("0000-00-00"), "NULL"},
		{"datetime as text", "datetime", "datetime(3)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeVarString}, wStr("2024-03-04 05:06:07.250"), "2024-03-04 05:06:07.25"},
		{"DATE into TIMESTAMP", "datetime", "datetime", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeDate}, wDate(2024, 3, 4), "2024-03-04 00:00:00"},
		{"DATETIME into DATE", "date", "date", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wDT(2024, 3, 4, 0, 0, 0, -1), "2024-03-04"},
		{"DOUBLE into FLOAT", "float", "float", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeDouble}, wF64(0.25), "0.25"},
		{"FLOAT into DOUBLE", "double", "double", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeFloat}, wF32(0.5), "0.5"},
		{"DECIMAL into DOUBLE", "double", "double", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("1.125"), "1.125"},
		{"BIGINT into DECIMAL", "decimal", "decimal(10,2)", 10, 2, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(-42), "-42.00"},
		{"DECIMAL into BIGINT", "bigint", "bigint(20)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("-17"), "-17"},
		{"BIGINT into VARCHAR", "varchar", "varchar(20)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(-17), "-17"},
		{"TIME", "time", "time", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 4, 3, 2, 1, -1), "99h2m1s"},
		{"TIME(6) negative", "time", "time(6)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 6}, wTime(true, 0, 0, 0, 1, 500000), "-1.5s"},
		{"zero TIME", "time", "time", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeTime}, wRaw(), "0s"},
		{"BIT of 8 bytes", "bit", "bit(64)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeBit}, wStr("\xff\xff\xff\xff\xff\xff\xff\xff"), "18446744073709551615"},
		{"BIT as integer", "bit", "bit(8)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(3), "3"},
		{"BIT into VARCHAR", "varchar", "varchar(20)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeBit}, wStr("ab"), "ab"},
		{"wide decimal as text", "decimal", "decimal(65,2)", 65, 2, mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("123.45"), "123.45"},
		{"NULL type", "varchar", "varchar(20)", 0, 0, mysqlwire.Column{Type: mysqlwire.TypeNull}, []byte{}, "NULL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl := &Table{Name: "g", Columns: []Column{{Name: "c", DataType: tc.dataType, ColumnType: tc.columnType, Precision: tc.prec, Scale: tc.scale}}}
			MapColumn(&tbl.Columns[0])
			b := NewBatcher(tbl, NewAnomalies(tbl), memory.DefaultAllocator)
			defer b.Release()
			tc.w.Name = "c"
			ops, err := b.wirePlan([]mysqlwire.Column{tc.w})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.addWire(ops, binRow(tc.v)); err != nil {
				t.Fatal(err)
			}
			if got := flushCells(t, b)[0][0]; got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

// TestWireValue_DriverText: dates and times read as text the way
// go-sql-driver formats them without ParseTime (formatBinaryDateTime,
// formatBinaryTime).
func TestWireValue_DriverText(t *testing.T) {
	tests := []struct {
		name string
		c    mysqlwire.Column
		v    []byte
		want string
	}{
		{"zero DATETIME(6)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wRaw(), "0000-00-00 00:00:00.000000"},
		{"zero DATETIME", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wRaw(), "0000-00-00 00:00:00"},
		{"zero DATETIME(3)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 3}, wRaw(), "0000-00-00 00:00:00.000"},
		{"zero TIMESTAMP decimals 0x1f", mysqlwire.Column{Type: mysqlwire.TypeTimestamp, Decimals: 0x1f}, wRaw(), "0000-00-00 00:00:00"},
		{"zero DATE", mysqlwire.Column{Type: mysqlwire.TypeDate}, wRaw(), "0000-00-00"},
		{"DATE", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDate(2024, 2, 9), "2024-02-09"},
		{"DATE of 7 bytes", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDT(2024, 2, 9, 0, 0, 0, -1), "2024-02-09"},
		{"DATETIME of 4 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wDate(2024, 2, 9), "2024-02-09 00:00:00"},
		{"DATETIME(6) of 4 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDate(2024, 2, 9), "2024-02-09 00:00:00.000000"},
		{"DATETIME(6) of 7 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 2, 9, 1, 2, 3, -1), "2024-02-09 01:02:03.000000"},
		{"DATETIME(6)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 2, 9, 1, 2, 3, 4005), "2024-02-09 01:02:03.004005"},
		{"DATETIME(3)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 3}, wDT(2024, 2, 9, 1, 2, 3, 123456), "2024-02-09 01:02:03.123"},
		{"DATETIME(1)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 1}, wDT(2024, 2, 9, 1, 2, 3, 50000), "2024-02-09 01:02:03.0"},
		{"TIMESTAMP(2)", mysqlwire.Column{Type: mysqlwire.TypeTimestamp, Decimals: 2}, wDT(2024, 2, 9, 1, 2, 3, 999999), "2024-02-09 01:02:03.99"},
		{"DATETIME decimals 0x1f with micros", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 0x1f}, wDT(2024, 2, 9, 1, 2, 3, 5), "2024-02-09 01:02:03"},
		{"year 5", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wDT(5, 1, 1, 0, 0, 0, -1), "0005-01-01 00:00:00"},
		{"partial date", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDate(2021, 0, 0), "2021-00-00"},
		{"zero TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wRaw(), "00:00:00"},
		{"zero TIME(3)", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wRaw(), "00:00:00.000"},
		{"TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 0, 1, 2, 3, -1), "01:02:03"},
		{"TIME(3)", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wTime(false, 0, 1, 2, 3, 456789), "01:02:03.456"},
		{"TIME(6) of 8 bytes", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 6}, wTime(false, 0, 1, 2, 3, -1), "01:02:03.000000"},
		{"TIME 99 hours", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 4, 3, 0, 0, -1), "99:00:00"},
		{"TIME 100+ hours", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 4, 4, 5, 6, -1), "100:05:06"},
		{"TIME 838 hours", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wTime(false, 34, 22, 59, 59, 0), "838:59:59.000"},
		{"negative TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(true, 0, 1, 2, 3, -1), "-01:02:03"},
		{"negative TIME 100+ hours", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 2}, wTime(true, 34, 22, 59, 59, 990000), "-838:59:59.99"},
		{"TIME decimals 0x1f", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 0x1f}, wTime(false, 0, 1, 2, 3, 5), "01:02:03"},
		{"DECIMAL", mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("-1.50"), "-1.50"},
		{"VARCHAR", mysqlwire.Column{Type: mysqlwire.TypeVarString}, wStr("x y"), "x y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append(tc.v, 0xaa, 0xbb) // what follows is not read
			v, n, err := wireValue(tc.c, in)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(tc.v) {
				t.Errorf("read %d bytes, want %d", n, len(tc.v))
			}
			b, ok := v.([]byte)
			if !ok || string(b) != tc.want {
				t.Errorf("%#v, want %q", v, tc.want)
			}
		})
	}
}

func TestWireValue_Numbers(t *testing.T) {
	tests := []struct {
		name string
		c    mysqlwire.Column
		v    []byte
		want driver.Value
	}{
		{"TINYINT", mysqlwire.Column{Type: mysqlwire.TypeTiny}, []byte{0xff}, int64(-1)},
		{"TINYINT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeTiny, Flags: mysqlwire.FlagUnsigned}, []byte{0xff}, int64(255)},
		{"SMALLINT", mysqlwire.Column{Type: mysqlwire.TypeShort}, wI16(-2), int64(-2)},
		{"SMALLINT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeShort, Flags: mysqlwire.FlagUnsigned}, wI16(-2), int64(65534)},
		{"YEAR", mysqlwire.Column{Type: mysqlwire.TypeYear, Flags: mysqlwire.FlagUnsigned}, wI16(2155), int64(2155)},
		{"MEDIUMINT", mysqlwire.Column{Type: mysqlwire.TypeInt24}, wI32(-8388608), int64(-8388608)},
		{"INT", mysqlwire.Column{Type: mysqlwire.TypeLong}, wI32(-1), int64(-1)},
		{"INT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeLong, Flags: mysqlwire.FlagUnsigned}, wI32(-1), int64(math.MaxUint32)},
		{"BIGINT", mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(math.MinInt64), int64(math.MinInt64)},
		{"BIGINT UNSIGNED small", mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxInt64), int64(math.MaxInt64)},
		{"BIGINT UNSIGNED large", mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxUint64), uint64(math.MaxUint64)},
		{"FLOAT", mysqlwire.Column{Type: mysqlwire.TypeFloat}, wF32(1.25), float32(1.25)},
		{"DOUBLE", mysqlwire.Column{Type: mysqlwire.TypeDouble}, wF64(-1e100), -1e100},
		{"NULL", mysqlwire.Column{Type: mysqlwire.TypeNull}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, n, err := wireValue(tc.c, append(tc.v, 0xaa))
			if err != nil {
				t.Fatal(err)
			}
			if v != tc.want || n != len(tc.v) {
				t.Errorf("%#v (%d bytes), want %#v (%d)", v, n, tc.want, len(tc.v))
			}
		})
	}
	// malformed values
	for _, tc := range []struct {
		c mysqlwire.Column
		v []byte
	}{
		{mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI32(1)},
		{mysqlwire.Column{Type: mysqlwire.TypeTiny}, nil},
		{mysqlwire.Column{Type: mysqlwire.TypeFloat}, []byte{1, 2, 3}},
		{mysqlwire.Column{Type: mysqlwire.TypeDouble}, wF32(1)},
		{mysqlwire.Column{Type: mysqlwire.TypeVarString}, []byte{5, 'a'}},
		{mysqlwire.Column{Type: mysqlwire.TypeVarString}, []byte{0xfb}},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, nil},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, []byte{4, 1, 2}},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wRaw(1, 2, 3)},
		{mysqlwire.Column{Type: mysqlwire.TypeTime}, wRaw(1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{mysqlwire.Column{Type: 0x11}, []byte{1, 2, 3}}, // TIMESTAMP2: not sent on the wire
	} {
		if v, _, err := wireValue(tc.c, tc.v); err == nil || !errors.Is(err, errWireRow) {
			t.Errorf("wireValue(type %#x, % x) = %v, %v", tc.c.Type, tc.v, v, err)
		}
	}
}

func TestWireValue_FormatErrors(t *testing.T) {
	for _, n := range []int{1, 3, 5, 8, 12} {
		if _, err := formatWireDateTime(make([]byte, n), false, 0); err == nil {
			t.Errorf("formatWireDateTime of %d bytes: no error", n)
		}
	}
	for _, n := range []int{1, 7, 9, 11, 13} {
		if _, err := formatWireTime(make([]byte, n), 0); err == nil {
			t.Errorf("formatWireTime of %d bytes: no error", n)
		}
	}
}

// FuzzAddWire: whatever the bytes of a row, addWire returns (an error for
// a malformed one) and never panics; a row it accepts is one value in
// every column.
func FuzzAddWire(f *testing.F) {
	for i := range wtRows {
		// large inputs slow the fuzzer down (minimizing them takes long)
		if row := wtRow(i); len(row) <= 4096 {
			f.Add(row)
		}
	}
	f.Add(anomalyRow(7, map[int][]byte{wtVarchar: wStr("a\xffb"), wtDate: wDate(2021, 0, 10), wtDT: wRaw(), wtTS: wDT(2021, 2, 30, 1, 2, 3, -1)}))
	f.Add(anomalyRow(8, map[int][]byte{wtTime: wTime(true, 34, 22, 59, 59, 999999), wtBit: wStr("\xff\xff\xff\xff\xff\xff\xff\xff")}))
	f.Add(anomalyRow(9, map[int][]byte{wtDec38: wStr("-9999999999999999999999999999.9999999999"), wtDec12: wStr("+.1")}))
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(binRow(make([][]byte, wtN)...))
	tbl, cols := wireTable(f)
	// A Batcher serves many inputs (making one per input is most of the
	// time of an execution); its builders are left uneven by rejected
	// rows, so it is replaced before it grows large.
	var b *Batcher
	var ops []wireOp
	f.Fuzz(func(t *testing.T, data []byte) {
		if b == nil || b.total >= 512 {
			if b != nil {
				b.Release()
			}
			b = NewBatcher(tbl, NewAnomalies(tbl), memory.DefaultAllocator)
			b.keyCol = wtID
			var err error
			if ops, err = b.wirePlan(cols); err != nil {
				t.Fatal(err)
			}
		}
		b.a = NewAnomalies(tbl)
		lens := make([]int, len(ops))
		for i, op := range ops {
			lens[i] = op.fb.Len()
		}
		if err := b.addWire(ops, data); err != nil {
			if !strings.HasPrefix(err.Error(), "row ") {
				t.Fatalf("error %q does not name the row", err)
			}
			return
		}
		for i, op := range ops {
			if n := op.fb.Len() - lens[i]; n != 1 {
				t.Fatalf("column %s: %d values for one row", wtColumns[i].name, n)
			}
		}
		for _, an := range b.a.List() {
			if an.Count != 1 || !strings.HasPrefix(an.Example, "id=") {
				t.Fatalf("anomaly %+v", an)
			}
		}
	})
}

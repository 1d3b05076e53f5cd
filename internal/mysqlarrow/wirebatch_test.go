package mysqlarrow

import (
	"encoding/binary"
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
	case *array.String:
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

// TestAddWire_ManyRows: batches larger than the room reserved at a time
// (and a batch after them, reserved from the last one's size) carry every
// value and NULL of every type, variable-length ones included.
func TestAddWire_ManyRows(t *testing.T) {
	tbl, cols := wireTable(t)
	b, ops := newWireBatcher(t, tbl, cols)
	for _, n := range []int{5000, 3, minReserveRows + 1} {
		for i := range n {
			if err := b.addWire(ops, wtRow(i%len(wtRows))); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
		}
		got := flushCells(t, b)
		if len(got) != n {
			t.Fatalf("%d rows, want %d", len(got), n)
		}
		for i, row := range got {
			want := wtRows[i%len(wtRows)]
			for c := range wtN {
				if row[c] != want.cells[c] {
					t.Fatalf("batch of %d, row %d (%s): %s = %.60q, want %.60q", n, i, want.name, wtColumns[c].name, row[c], want.cells[c])
				}
			}
		}
	}
}

// TestAddWire_DatesOneColumn: one column's dates in turn, each month met
// again after another one, with days past the month's end and a February
// 29 of a leap year then of a common one: each is loaded, or not, as Go's
// calendar says.
func TestAddWire_DatesOneColumn(t *testing.T) {
	type ymd struct{ y, m, d int }
	seq := []ymd{
		{2021, 4, 30}, {2021, 4, 31}, {2021, 4, 1}, {2021, 4, 0}, {2021, 4, 30},
		{2020, 2, 29}, {2021, 2, 29}, {2021, 2, 28}, {2020, 2, 29}, {2020, 2, 30},
		{2021, 3, 1}, {2021, 3, 31}, {1969, 12, 31}, {1970, 1, 1}, {2021, 13, 1}, {2021, 12, 31},
		{0, 0, 0}, {2021, 12, 32}, {2400, 2, 29}, {2100, 2, 29}, {2100, 2, 28},
	}
	for _, col := range []int{wtDate, wtDT} {
		tbl, cols := wireTable(t)
		b, ops := newWireBatcher(t, tbl, cols)
		for i, v := range seq {
			enc := wDate(v.y, v.m, v.d)
			if col == wtDT {
				enc = wDT(v.y, v.m, v.d, 13, 14, 15, 16)
			}
			if err := b.addWire(ops, anomalyRow(int64(i), map[int][]byte{col: enc})); err != nil {
				t.Fatalf("%v: %v", v, err)
			}
		}
		got := flushCells(t, b)
		for i, v := range seq {
			want := "NULL"
			if tm := time.Date(v.y, time.Month(v.m), v.d, 13, 14, 15, 16000, time.UTC); v.m >= 1 && v.m <= 12 && v.d >= 1 &&
				tm.Day() == v.d && int(tm.Month()) == v.m {
				want = tm.Format("2006-01-02")
				if col == wtDT {
					want = tm.Format("2006-01-02 15:04:05.999999")
				}
			}
			if got[i][col] != want {
				t.Errorf("%s %04d-%02d-%02d: %q, want %q", wtColumns[col].name, v.y, v.m, v.d, got[i][col], want)
			}
		}
	}
}

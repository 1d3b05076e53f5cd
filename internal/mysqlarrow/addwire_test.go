package mysqlarrow

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

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
			t.Errorf("BUG: %s: %v (parseDecimal rejects unscaled values of 127 bits, BitLen() > 126)", v, err)
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
	// time of an execution); the builders it does not stage values for
	// are left uneven by rejected rows, so it is replaced before it grows
	// large.
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
		b.spillStaged() // the builders hold every value staged so far
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
		b.spillStaged()
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

package mysqlarrow

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// narrowTable is snapshot-narrow's shape (make bench): an INT key and 63
// small nullable columns, TINYINT, SMALLINT, INT, DATE and CHAR(2) in turn.
func narrowTable(tb testing.TB) (*Table, []mysqlwire.Column) {
	tb.Helper()
	tbl := &Table{Name: "readings"}
	cols := []mysqlwire.Column{{Name: "id", Type: mysqlwire.TypeLong, Flags: 0x4203}}
	tbl.Columns = append(tbl.Columns, Column{Name: "id", DataType: "int", ColumnType: "int(11)", Precision: 10, Key: true})
	for i := 1; i < 64; i++ {
		c := Column{Name: fmt.Sprintf("c%d", i), Nullable: true}
		w := mysqlwire.Column{Name: c.Name}
		switch i % 5 {
		case 0:
			c.DataType, c.ColumnType, c.Precision, w.Type = "tinyint", "tinyint(4)", 3, mysqlwire.TypeTiny
		case 1:
			c.DataType, c.ColumnType, c.Precision, w.Type = "smallint", "smallint(6)", 5, mysqlwire.TypeShort
		case 2:
			c.DataType, c.ColumnType, c.Precision, w.Type = "int", "int(11)", 10, mysqlwire.TypeLong
		case 3:
			c.DataType, c.ColumnType, w.Type = "date", "date", mysqlwire.TypeDate
		case 4:
			c.DataType, c.ColumnType, w.Type = "char", "char(2)", mysqlwire.TypeString
		}
		if !MapColumn(&c) {
			tb.Fatalf("MapColumn(%s)", c.DataType)
		}
		tbl.Columns = append(tbl.Columns, c)
		cols = append(cols, w)
	}
	return tbl, cols
}

// narrowRow is row seq of the narrow table, its NULLs as make bench
// generates them.
func narrowRow(seq int) []byte {
	vals := [][]byte{wI32(int32(seq))}
	for i := 1; i < 64; i++ {
		var v []byte
		switch i % 5 {
		case 0:
			if seq%(i%3+2) != 0 {
				v = wI8(int8((seq + i) % 100))
			}
		case 1:
			if (seq+i)%4 >= 3 {
				v = wI16(int16(seq * i % 30000))
			}
		case 2:
			if seq%2 != 0 {
				v = wI32(int32(seq * i % 1000003))
			}
		case 3:
			if (seq+i)%3 != 0 {
				d := (seq + i) % 2000
				v = wDate(2020+d/365, 1+d%365/31, 1+d%31%28)
			}
		case 4:
			if seq%5 != i%5 {
				v = wStr([]string{"A", "B1", "甲", "ZZ"}[(seq+i)%4])
			}
		}
		vals = append(vals, v)
	}
	return binRow(vals...)
}

// BenchmarkAddWire decodes binary rows into Arrow batches of 16,384 rows,
// as a snapshot does: the Go side of a full snapshot's CPU.
func BenchmarkAddWire(b *testing.B) {
	shapes := []struct {
		name string
		tbl  func(testing.TB) (*Table, []mysqlwire.Column)
		row  func(int) []byte
	}{
		{"narrow", narrowTable, narrowRow},
		{"types", wireTable, func(i int) []byte { return wtRow(i % 2) }},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			tbl, cols := s.tbl(b)
			rows := make([][]byte, 4096)
			for i := range rows {
				rows[i] = s.row(i)
			}
			bat := NewBatcher(tbl, NewAnomalies(tbl), memory.NewGoAllocator())
			defer bat.Release()
			ops, err := bat.wirePlan(cols)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := bat.addWire(ops, rows[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
				if bat.Rows() == 16*1024 {
					bat.Flush().Release()
				}
			}
		})
	}
}

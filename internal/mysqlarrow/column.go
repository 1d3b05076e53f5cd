package mysqlarrow

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Kind is how a column's values are read and converted.
type Kind int

const (
	KindInt      Kind = iota // signed integer types, YEAR
	KindUint                 // unsigned integer types
	KindFloat32              // FLOAT
	KindFloat64              // DOUBLE
	KindDecimal              // DECIMAL(p ≤ 38, s)
	KindText                 // text types and anything else read as text
	KindBlob                 // binary types, spatial types
	KindDate                 // DATE
	KindDateTime             // DATETIME, TIMESTAMP
	KindTime                 // TIME
	KindBit                  // BIT(n)
)

// Column is one source column and how it is carried into DuckDB.
type Column struct {
	Name       string
	DataType   string // information_schema DATA_TYPE, lower case
	ColumnType string // information_schema COLUMN_TYPE, e.g. "bigint(20) unsigned"
	Precision  int64  // DECIMAL precision (from Duck once mapped)
	Scale      int64  // DECIMAL scale (from Duck once mapped)
	Nullable   bool
	Key        bool // part of the primary key

	Kind Kind
	Duck string // DuckDB column type: pipelines.DuckTypeOf(ColumnType)
}

// Table is a source table's name and columns.
type Table struct {
	Name    string
	Columns []Column
}

// MapColumn sets Duck (pipelines.DuckTypeOf) and Kind of c from its MySQL
// type. It reports false for a type it does not know, read as text into
// VARCHAR.
func MapColumn(c *Column) bool {
	typ := c.ColumnType
	if typ == "" {
		typ = c.DataType
	}
	duck, known := pipelines.DuckTypeOf(typ)
	c.Duck = duck
	switch duck {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		c.Kind = KindInt
	case "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT":
		c.Kind = KindUint
		if strings.EqualFold(c.DataType, "bit") || strings.HasPrefix(strings.ToLower(typ), "bit") {
			c.Kind = KindBit // big-endian bytes on the wire
		}
	case "FLOAT":
		c.Kind = KindFloat32
	case "DOUBLE":
		c.Kind = KindFloat64
	case "BLOB":
		c.Kind = KindBlob
	case "DATE":
		c.Kind = KindDate
	case "TIMESTAMP":
		c.Kind = KindDateTime
	case "INTERVAL":
		c.Kind = KindTime
	default:
		c.Kind = KindText
		if _, err := fmt.Sscanf(duck, "DECIMAL(%d,%d)", &c.Precision, &c.Scale); err == nil {
			c.Kind = KindDecimal
		}
	}
	return known
}

// arrowType is the Arrow type a column travels in; DuckDB imports it as
// c.Duck.
func (c *Column) arrowType() arrow.DataType {
	switch c.Kind {
	case KindInt, KindUint:
		if t, ok := intArrowTypes[c.Duck]; ok {
			return t
		}
		if c.Kind == KindUint {
			return arrow.PrimitiveTypes.Uint64
		}
		return arrow.PrimitiveTypes.Int64
	case KindFloat32:
		return arrow.PrimitiveTypes.Float32
	case KindFloat64:
		return arrow.PrimitiveTypes.Float64
	case KindDecimal:
		return &arrow.Decimal128Type{Precision: int32(c.Precision), Scale: int32(c.Scale)}
	case KindText:
		// Offsets and bytes, not string views: a view is a 16-byte
		// header a value, written to fresh memory for every value
		// however short (the CHAR(2) codes of a status table), where
		// an offset is 4, and DuckDB reads either as fast.
		// BenchmarkAddWire/narrow: 695-866 against 809-926 ns a row,
		// 292 against 383 bytes. Whole snapshots, medians of 5 to 7
		// interleaved runs on 2 cores (2026-12-07): snapshot-narrow
		// 3.14 against 3.22 s, snapshot-1m 2.24 against 2.28 s (CPU
		// 3.11 against 3.23 s), the simulated site 4.55 against 4.70 s.
		return arrow.BinaryTypes.String
	case KindBlob:
		return arrow.BinaryTypes.Binary
	case KindDate:
		return arrow.FixedWidthTypes.Date32
	case KindDateTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case KindTime:
		return arrow.FixedWidthTypes.Duration_us
	case KindBit:
		return arrow.PrimitiveTypes.Uint64
	}
	return arrow.BinaryTypes.String
}

// intArrowTypes are the Arrow types of DuckDB's integer types.
var intArrowTypes = map[string]arrow.DataType{
	"TINYINT": arrow.PrimitiveTypes.Int8, "SMALLINT": arrow.PrimitiveTypes.Int16,
	"INTEGER": arrow.PrimitiveTypes.Int32, "BIGINT": arrow.PrimitiveTypes.Int64,
	"UTINYINT": arrow.PrimitiveTypes.Uint8, "USMALLINT": arrow.PrimitiveTypes.Uint16,
	"UINTEGER": arrow.PrimitiveTypes.Uint32, "UBIGINT": arrow.PrimitiveTypes.Uint64,
}

// schema is the Arrow schema of t's rows.
func (t *Table) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i := range t.Columns {
		fields[i] = arrow.Field{Name: t.Columns[i].Name, Type: t.Columns[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

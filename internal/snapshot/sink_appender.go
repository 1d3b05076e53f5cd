//go:build !duckdb_arrow

package snapshot

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// SinkKind names the warehouse write path compiled in. Build with
// -tags=duckdb_arrow for the faster Arrow path.
const SinkKind = "appender"

// appenderSink appends each batch row by row through DuckDB's Appender:
// the portable path, used when the Arrow interface is not compiled in.
type appenderSink struct {
	app  *duckdb.Appender
	t    *table
	vals []driver.Value
}

func newSink(ctx context.Context, dc driver.Conn, schema, stage string, t *table) (sink, error) {
	app, err := duckdb.NewAppenderFromConn(dc, schema, stage)
	if err != nil {
		return nil, fmt.Errorf("appender: %w", err)
	}
	return &appenderSink{app: app, t: t, vals: make([]driver.Value, len(t.Columns))}, nil
}

func (s *appenderSink) insert(ctx context.Context, rdr array.RecordReader) error {
	for rdr.Next() {
		if err := s.insertRecord(rdr.RecordBatch()); err != nil {
			return err
		}
	}
	return rdr.Err()
}

func (s *appenderSink) insertRecord(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	cols := rec.Columns()
	for r := 0; r < n; r++ {
		for i, col := range cols {
			s.vals[i] = arrowValue(col, r)
		}
		if err := s.app.AppendRow(s.vals...); err != nil {
			return err
		}
	}
	return nil
}

func (s *appenderSink) flush(context.Context) error { return s.app.Flush() }

func (s *appenderSink) close() error { return s.app.Close() }

// arrowValue is the Appender value of row r of col.
func arrowValue(col arrow.Array, r int) driver.Value {
	if col.IsNull(r) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int8:
		return int64(a.Value(r))
	case *array.Int16:
		return int64(a.Value(r))
	case *array.Int32:
		return int64(a.Value(r))
	case *array.Int64:
		return a.Value(r)
	case *array.Uint8:
		return uint64(a.Value(r))
	case *array.Uint16:
		return uint64(a.Value(r))
	case *array.Uint32:
		return uint64(a.Value(r))
	case *array.Uint64:
		return a.Value(r)
	case *array.Float32:
		return a.Value(r)
	case *array.Float64:
		return a.Value(r)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		v := a.Value(r)
		if dt.Precision <= 18 {
			return int64(v.LowBits())
		}
		return new(big.Int).Set(v.BigInt())
	case *array.String:
		return []byte(a.Value(r))
	case *array.StringView:
		return []byte(a.Value(r))
	case *array.Binary:
		return append([]byte(nil), a.Value(r)...)
	case *array.Date32:
		return time.Unix(int64(a.Value(r))*86400, 0).UTC()
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(r))).UTC()
	case *array.Duration:
		return duckdb.Interval{Micros: int64(a.Value(r))}
	}
	return col.ValueStr(r)
}

//go:build duckdb_arrow

package snapshot

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// SinkKind names the warehouse write path compiled in.
const SinkKind = "arrow"

// arrowSink registers each batch as an Arrow view and inserts it with one
// INSERT … SELECT: DuckDB reads the Arrow buffers in place.
type arrowSink struct {
	dc     driver.Conn
	ar     *duckdb.Arrow
	view   string
	insSQL string
}

func newSink(ctx context.Context, dc driver.Conn, schema, stage string, t *table) (sink, error) {
	ar, err := duckdb.NewArrowFromConn(dc)
	if err != nil {
		return nil, fmt.Errorf("arrow: %w", err)
	}
	view := "__arrow_" + schema + "_" + stage
	return &arrowSink{
		dc: dc, ar: ar, view: view,
		insSQL: "INSERT INTO " + quoteDuck(schema) + "." + quoteDuck(stage) + " SELECT * FROM " + quoteDuck(view),
	}, nil
}

func (s *arrowSink) insert(ctx context.Context, rdr array.RecordReader) error {
	release, err := s.ar.RegisterView(rdr, s.view)
	if err != nil {
		return err
	}
	defer release()
	return execDuck(ctx, s.dc, s.insSQL)
}

func (s *arrowSink) flush(context.Context) error { return nil }

func (s *arrowSink) close() error {
	return execDuck(context.Background(), s.dc, "DROP VIEW IF EXISTS "+quoteDuck(s.view))
}

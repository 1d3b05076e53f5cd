//go:build duckdb_arrow

package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// arrowBuilt says whether -arrow works in this build.
const arrowBuilt = true

// arrowBatchRows is the rows of each batch inserted: the snapshot's
// batch size (internal/snapshot, batchRows).
const arrowBatchRows = 16 * 1024

// arrowTable is one table read into memory: its columns whole.
type arrowTable struct {
	table
	types *arrow.Schema // the batches' columns
	cols  []arrow.Array
	rows  int64
}

// copyArrow reads every table of src into memory (strings as views, as
// the snapshot's batches carry them), then times inserting them into
// dst: per table a CREATE TABLE of the batches' types, and in one
// transaction one INSERT … SELECT from a registered view of its batches.
func copyArrow(src, dst string, schemas []string) error {
	ctx := context.Background()
	tables, err := readArrow(ctx, src, schemas)
	if err != nil {
		return err
	}
	defer func() {
		for _, t := range tables {
			for _, c := range t.cols {
				c.Release()
			}
		}
	}()
	t0, c0 := time.Now(), cpuSeconds()
	db, conn, err := openDest(ctx, dst)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int64
	err = conn.Raw(func(dc any) error {
		d, ar, err := arrowConn(dc)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if err := insertArrow(ctx, d, ar, t); err != nil {
				return fmt.Errorf("%s: %w", t.quoted(), err)
			}
			n += t.rows
		}
		return nil
	})
	if err != nil {
		return err
	}
	return finish(ctx, db, conn, t0, c0, len(tables), n)
}

// insertArrow creates t in the destination and inserts its batches.
func insertArrow(ctx context.Context, conn driver.Conn, ar *duckdb.Arrow, t arrowTable) error {
	// the types first, from a reader of no batch
	empty, err := array.NewRecordReader(t.types, nil)
	if err != nil {
		return err
	}
	defer empty.Release()
	release, err := ar.RegisterView(empty, "__duckcopy")
	if err != nil {
		return err
	}
	err = execDriver(ctx, conn, "CREATE SCHEMA IF NOT EXISTS "+warehouse.QuoteIdent(t.schema),
		"CREATE TABLE "+t.quoted()+" AS SELECT * FROM __duckcopy LIMIT 0")
	release()
	if err != nil {
		return err
	}
	// then the rows, in batches of arrowBatchRows
	columns := make([][]arrow.Array, len(t.cols))
	for i, c := range t.cols {
		columns[i] = []arrow.Array{c}
	}
	whole := array.NewTableFromSlice(t.types, columns)
	defer whole.Release()
	batches := array.NewTableReader(whole, arrowBatchRows)
	defer batches.Release()
	if release, err = ar.RegisterView(batches, "__duckcopy"); err != nil {
		return err
	}
	defer release()
	return execDriver(ctx, conn, "BEGIN TRANSACTION", "INSERT INTO "+t.quoted()+" SELECT * FROM __duckcopy", "COMMIT")
}

// readArrow reads the tables of src into memory, each column as one
// array.
func readArrow(ctx context.Context, src string, schemas []string) ([]arrowTable, error) {
	db, err := sql.Open("duckdb", src+"?access_mode=read_only")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := execAll(ctx, conn, "SET produce_arrow_string_view = true"); err != nil {
		return nil, err
	}
	var name string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		return nil, err
	}
	list, err := listTables(ctx, conn, name, schemas)
	if err != nil {
		return nil, err
	}
	var tables []arrowTable
	err = conn.Raw(func(dc any) error {
		_, ar, err := arrowConn(dc)
		if err != nil {
			return err
		}
		for _, t := range list {
			at, err := readTable(ctx, ar, t)
			if err != nil {
				return fmt.Errorf("read %s: %w", t.quoted(), err)
			}
			tables = append(tables, at)
		}
		return nil
	})
	return tables, err
}

// readTable reads one table and concatenates its batches column by column.
func readTable(ctx context.Context, ar *duckdb.Arrow, t table) (arrowTable, error) {
	rr, err := ar.QueryContext(ctx, "SELECT * FROM "+t.quoted())
	if err != nil {
		return arrowTable{}, err
	}
	defer rr.Release()
	at := arrowTable{table: t, types: rr.Schema()}
	parts := make([][]arrow.Array, len(at.types.Fields()))
	defer func() {
		for _, p := range parts {
			for _, a := range p {
				a.Release()
			}
		}
	}()
	for rr.Next() {
		rec := rr.RecordBatch()
		for i, c := range rec.Columns() {
			c.Retain()
			parts[i] = append(parts[i], c)
		}
		at.rows += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		return arrowTable{}, err
	}
	for i, p := range parts {
		if len(p) == 0 {
			at.cols = append(at.cols, array.MakeArrayOfNull(memory.DefaultAllocator, at.types.Field(i).Type, 0))
			continue
		}
		c, err := array.Concatenate(p, memory.DefaultAllocator)
		if err != nil {
			return arrowTable{}, err
		}
		at.cols = append(at.cols, c)
	}
	return at, nil
}

// execDriver runs statements on a driver connection: inside
// sql.Conn.Raw, the sql.Conn itself is held and cannot be used.
func execDriver(ctx context.Context, conn driver.Conn, stmts ...string) error {
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("connection %T cannot execute statements", conn)
	}
	for _, q := range stmts {
		if _, err := ex.ExecContext(ctx, q, nil); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// arrowConn is the DuckDB connection under sql.Conn.Raw, and its Arrow
// interface.
func arrowConn(dc any) (driver.Conn, *duckdb.Arrow, error) {
	d, ok := dc.(driver.Conn)
	if !ok {
		return nil, nil, fmt.Errorf("connection is %T, not a driver.Conn", dc)
	}
	ar, err := duckdb.NewArrowFromConn(d)
	return d, ar, err
}

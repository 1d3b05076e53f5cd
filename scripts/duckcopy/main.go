// Command duckcopy copies the tables of some schemas of one DuckDB file
// into a new one, as DuckDB itself stores them (one table after another,
// each in its own transaction, one DuckDB thread, the warehouse's storage
// version), and prints the seconds it took, the CPU it used, the tables
// and the rows: a floor under what any snapshot writing the same rows into
// the warehouse costs, with no MySQL server, wire or decoding involved
// (scripts/bench/snapshot.sh and site.sh). Usage:
//
//	duckcopy [-arrow] SRC DST [SCHEMA...]
//
// Without schemas, every one but the warehouse's own (audit, main): the
// tables a snapshot wrote. By default each table is copied with CREATE
// TABLE … AS SELECT from SRC attached. With -arrow (built with
// -tags=duckdb_arrow), the tables are first read into Arrow record
// batches in memory, not timed, and then inserted as the snapshot inserts
// its batches (a registered Arrow view, one INSERT … SELECT per table in
// one transaction): the cost of DuckDB storing rows handed to it in
// Arrow, the part of a snapshot's CPU that no work on the reading side
// can remove.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

func main() {
	viaArrow := flag.Bool("arrow", false, "insert the tables from Arrow batches in memory, as a snapshot does")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: duckcopy [-arrow] SRC DST [SCHEMA...]") }
	flag.Parse()
	if flag.NArg() < 2 {
		flag.Usage()
		os.Exit(64)
	}
	copyTables := copySQL
	if *viaArrow {
		copyTables = copyArrow
	}
	if err := copyTables(flag.Arg(0), flag.Arg(1), flag.Args()[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "duckcopy:", err)
		os.Exit(2)
	}
}

// cpuSeconds is the user and system CPU the process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// table is one table to copy, by schema and name.
type table struct{ schema, name string }

func (t table) quoted() string {
	return warehouse.QuoteIdent(t.schema) + "." + warehouse.QuoteIdent(t.name)
}

// listTables lists the tables of database db (as conn sees it) in the
// schemas named, or in every schema but audit and main.
func listTables(ctx context.Context, conn *sql.Conn, db string, schemas []string) ([]table, error) {
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables()
		WHERE database_name = ? AND CASE WHEN len(?::VARCHAR[]) = 0 THEN schema_name NOT IN ('audit', 'main')
		ELSE list_contains(?::VARCHAR[], schema_name) END ORDER BY ALL`, db, schemas, schemas)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.schema, &t.name); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// openDest removes dst and opens it anew on one connection, with one
// DuckDB thread and insertion order not kept (as the snapshot loads).
func openDest(ctx context.Context, dst string) (*sql.DB, *sql.Conn, error) {
	for _, p := range []string{dst, dst + ".wal"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return nil, nil, err
		}
	}
	db, err := sql.Open("duckdb", dst+"?storage_compatibility_version="+warehouse.StorageVersion)
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		err = execAll(ctx, conn, "SET threads = 1", "SET preserve_insertion_order = false")
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}

func execAll(ctx context.Context, conn *sql.Conn, stmts ...string) error {
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// finish checkpoints and closes the destination, and prints the figures
// measured from t0 and c0.
func finish(ctx context.Context, db *sql.DB, conn *sql.Conn, t0 time.Time, c0 float64, tables int, rows int64) error {
	if err := execAll(ctx, conn, "CHECKPOINT"); err != nil {
		return err
	}
	if err := conn.Close(); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Printf("%.3f %.3f %d %d\n", time.Since(t0).Seconds(), cpuSeconds()-c0, tables, rows)
	return nil
}

// copySQL copies each table with CREATE TABLE … AS SELECT from src
// attached read-only; the figures include reading src.
func copySQL(src, dst string, schemas []string) error {
	ctx := context.Background()
	t0, c0 := time.Now(), cpuSeconds()
	db, conn, err := openDest(ctx, dst)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := execAll(ctx, conn, "ATTACH '"+strings.ReplaceAll(src, "'", "''")+"' AS src (READ_ONLY)"); err != nil {
		return err
	}
	tables, err := listTables(ctx, conn, "src", schemas)
	if err != nil {
		return err
	}
	var n int64
	for _, t := range tables {
		q := "CREATE TABLE " + t.quoted() + " AS SELECT * FROM src." + t.quoted()
		if err := execAll(ctx, conn, "CREATE SCHEMA IF NOT EXISTS "+warehouse.QuoteIdent(t.schema), q); err != nil {
			return err
		}
		// the rows copied (DuckDB reports none for CREATE TABLE AS)
		var c int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+t.quoted()).Scan(&c); err != nil {
			return err
		}
		n += c
	}
	if err := execAll(ctx, conn, "DETACH src"); err != nil {
		return err
	}
	return finish(ctx, db, conn, t0, c0, len(tables), n)
}

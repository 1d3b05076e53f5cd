// Command duckcopy copies the tables of some schemas of one DuckDB file
// into a new one, as DuckDB itself stores them (CREATE TABLE … AS SELECT,
// one table after another, each in its own transaction, one DuckDB
// thread, the warehouse's storage version), and prints the seconds it
// took and the CPU it used: the floor under what any snapshot writing the
// same rows into the warehouse costs, with no MySQL server, wire or
// decoding involved (scripts/bench/site.sh, snapshot-site). Usage:
// duckcopy SRC DST [SCHEMA...]; without schemas, every one but the
// warehouse's own (audit, main): the tables a snapshot wrote.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: duckcopy SRC DST [SCHEMA...]")
		os.Exit(64)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3:]); err != nil {
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

func run(src, dst string, schemas []string) error {
	for _, p := range []string{dst, dst + ".wal"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	ctx := context.Background()
	t0, c0 := time.Now(), cpuSeconds()
	db, err := sql.Open("duckdb", dst+"?storage_compatibility_version="+warehouse.StorageVersion)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{"SET threads = 1", "SET preserve_insertion_order = false",
		"ATTACH " + "'" + strings.ReplaceAll(src, "'", "''") + "' AS src (READ_ONLY)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	type tbl struct{ schema, name string }
	var tables []tbl
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables()
		WHERE database_name = 'src' AND CASE WHEN len(?::VARCHAR[]) = 0 THEN schema_name NOT IN ('audit', 'main')
		ELSE list_contains(?::VARCHAR[], schema_name) END ORDER BY ALL`, schemas, schemas)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.schema, &t.name); err != nil {
			return err
		}
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var n int64
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+warehouse.QuoteIdent(t.schema)); err != nil {
			return err
		}
		name := warehouse.QuoteIdent(t.schema) + "." + warehouse.QuoteIdent(t.name)
		q := "CREATE TABLE " + name + " AS SELECT * FROM src." + name
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		// the rows copied (DuckDB reports none for CREATE TABLE AS)
		var c int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+name).Scan(&c); err != nil {
			return err
		}
		n += c
	}
	for _, q := range []string{"DETACH src", "CHECKPOINT"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := conn.Close(); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Printf("%.3f %.3f %d %d\n", time.Since(t0).Seconds(), cpuSeconds()-c0, len(tables), n)
	return nil
}

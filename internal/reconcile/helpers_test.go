package reconcile

// Helpers shared by the tests of the package: Shanghai times and a warehouse
// in a temporary folder.

import (
	"database/sql"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

func sh(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, pipelines.Shanghai)
}

// mustOpenWarehouse returns an in-memory DuckDB with the warehouse schema
// and the given statements applied.
func mustOpenWarehouse(tb testing.TB, stmts ...string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	tb.Cleanup(func() { db.Close() })
	for _, s := range append([]string{schemas.Warehouse()}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("%v\nSQL: %s", err, s)
		}
	}
	return db
}

func mustExec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("%v\nSQL: %s", err, s)
		}
	}
}

func mustCount(tb testing.TB, db *sql.DB, query string) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%v\nSQL: %s", err, query)
	}
	return n
}

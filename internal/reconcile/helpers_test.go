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

// exchangeDDL is the schema of the small reconcile fixtures: the sources
// biz (cases), exchange (the push log) and the front-end database fe_t,
// whose tables each test adds.
func exchangeDDL() []string {
	return []string{
		"CREATE SCHEMA biz", "CREATE SCHEMA exchange", "CREATE SCHEMA fe_t",
		"CREATE TABLE biz.cases (id BIGINT, report_time TIMESTAMP)",
		`CREATE TABLE exchange.push_log (id BIGINT, target VARCHAR, resource VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP,
		   batch_id VARCHAR, rows_sent INTEGER, status VARCHAR, error VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP)`,
	}
}

// mustSnapshotted records a good full snapshot of each source, taken at
// (Shanghai wall clock), in run snap-1.
func mustSnapshotted(tb testing.TB, db *sql.DB, at string, sources ...string) {
	tb.Helper()
	for _, src := range sources {
		if _, err := db.Exec(`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
			VALUES ('snap-1', ?, 'all', 'full', 1, CAST(? AS TIMESTAMP), 'ok', CAST(? AS TIMESTAMP))`, src, at, at); err != nil {
			tb.Fatalf("snapshot of %s: %v", src, err)
		}
	}
}

// caseIDsCatalog is a catalog of one rows resource key of target t
// (front-end database fe_t, table key) at cadence: the ids of biz.cases
// reported in the window.
func caseIDsCatalog(key string, cadence pipelines.Cadence) *pipelines.Catalog {
	return &pipelines.Catalog{
		Targets: []pipelines.Target{{Key: "t", Database: "fe_t"}},
		Resources: []pipelines.Resource{{
			Target: "t", Key: key, Cadence: cadence, Mode: pipelines.ModeRows,
			KeyColumns: []string{"id"}, Table: key,
			Columns: []pipelines.Column{{Name: "id", Type: "BIGINT", Expr: "c.id"}},
			From:    "biz.cases c",
			Where:   "c.report_time >= :window_start AND c.report_time < :window_end",
		}},
	}
}

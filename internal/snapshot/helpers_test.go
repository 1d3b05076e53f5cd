package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// testDatabase is a MySQL database created for one test and dropped after.
type testDatabase struct {
	Name  string
	DSN   string  // DSN of the database, for Source.DSN
	Admin *sql.DB // one connection to it, for setting up data
	cfg   *mysql.Config
}

// MustCreateDatabase creates a database with a unique name on the server
// of PUSHAUDIT_MYSQL_DSN, or skips the test when it is not set.
func MustCreateDatabase(tb testing.TB) *testDatabase {
	tb.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		tb.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %v", err)
	}
	name := fmt.Sprintf("pa_snapshot_%d_%04d", time.Now().UnixMilli(), rand.IntN(10000))
	cfg.DBName = ""
	cfg.ParseTime = true
	cfg.Loc = pipelines.Shanghai
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+08:00'"
	root, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	defer root.Close()
	if _, err := root.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	cfg.DBName = name
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	admin.SetMaxOpenConns(1) // session settings (sql_mode, NAMES) stick
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	return &testDatabase{Name: name, DSN: cfg.FormatDSN(), Admin: admin, cfg: cfg}
}

// Exec runs statements in order on the admin connection.
func (d *testDatabase) Exec(tb testing.TB, stmts ...string) {
	tb.Helper()
	for _, q := range stmts {
		if _, err := d.Admin.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// DSNWith returns the database's DSN changed by f.
func (d *testDatabase) DSNWith(f func(*mysql.Config)) string {
	c := d.cfg.Clone()
	f(c)
	return c.FormatDSN()
}

// MustOpenWarehouse opens a warehouse in a temporary directory.
func MustOpenWarehouse(tb testing.TB) *warehouse.Warehouse {
	tb.Helper()
	wh, err := warehouse.Open(context.Background(), filepath.Join(tb.TempDir(), "warehouse.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = wh.Close() })
	return wh
}

// snapTables snapshots source "biz" of db with the policies and options
// (AllowPrimary set) and returns its table reports by name.
func snapTables(tb testing.TB, wh *warehouse.Warehouse, db *testDatabase, pols map[string]TablePolicy, o Options) map[string]*TableReport {
	tb.Helper()
	o.AllowPrimary = true
	rep, err := Snapshot(context.Background(), wh, MustBeginRun(tb, wh), []Source{{Name: "biz", DSN: db.DSN, Policies: pols}}, o)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*TableReport{}
	for _, tr := range rep.Sources[0].Tables {
		out[tr.Name] = tr
	}
	return out
}

// MustBeginRun starts a snapshot run.
func MustBeginRun(tb testing.TB, wh *warehouse.Warehouse) *warehouse.Run {
	tb.Helper()
	run, err := wh.BeginRun(context.Background(), "snapshot", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return run
}

// queryStrings runs q on the warehouse and returns the rows, each column
// as text ("NULL" for NULL).
func queryStrings(tb testing.TB, wh *warehouse.Warehouse, q string, args ...any) [][]string {
	tb.Helper()
	rows, err := wh.DB().Query(q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			} else {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return out
}

func queryInt(tb testing.TB, wh *warehouse.Warehouse, q string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := wh.DB().QueryRow(q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// readPaths yields each read path with the change to a DSN that makes a
// snapshot take it: the wire path on a plain connection, the driver's on a
// compressed one.
func readPaths(t *testing.T) iter.Seq2[string, func(*mysql.Config)] {
	return func(yield func(string, func(*mysql.Config)) bool) {
		if !yield(ReadPathWire, func(*mysql.Config) {}) {
			return
		}
		yield(ReadPathDriver, func(c *mysql.Config) {
			if err := c.Apply(mysql.EnableCompression(true)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

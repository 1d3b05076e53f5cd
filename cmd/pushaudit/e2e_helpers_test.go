package main

// Helpers of the end-to-end tests: the test MariaDB, unique database
// prefixes, workbooks read by openpyxl, the simulator's manifest.

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustMariaDB returns the DSN of the test server (PUSHAUDIT_MYSQL_DSN)
// and a connection to it, or skips the test when the variable is unset.
func MustMariaDB(tb testing.TB) (string, *sql.DB) {
	tb.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		tb.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test (it starts MariaDB), or set it to scripts/mariadb.sh dsn")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %s: %v", cfg.Addr, err)
	}
	return dsn, db
}

// MustUniquePrefix returns a database prefix no other run uses, and drops
// after the test every database with that prefix that carries the
// simulator's marker table.
func MustUniquePrefix(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	prefix := "pacli_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_"
	tb.Cleanup(func() {
		for _, name := range databasesWithPrefix(tb, db, prefix) {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", name, sim.MarkerTable).Scan(&n); err != nil {
				tb.Errorf("cleanup: %v", err)
				continue
			}
			if n == 0 {
				tb.Errorf("cleanup: database %s has no %s table: left in place", name, sim.MarkerTable)
				continue
			}
			if _, err := db.Exec("DROP DATABASE `" + name + "`"); err != nil {
				tb.Errorf("cleanup: %v", err)
			}
		}
	})
	return prefix
}

// databasesWithPrefix lists the server's databases whose name starts with
// prefix.
func databasesWithPrefix(tb testing.TB, db *sql.DB, prefix string) []string {
	tb.Helper()
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE LEFT(schema_name, ?) = ? ORDER BY 1", len(prefix), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// workbook is what openpyxl sees in an .xlsx file.
type workbook struct {
	Sheets  []string `json:"sheets"`
	Summary any      `json:"summary_a1"` // A1 of 汇总, null when absent
}

// MustOpenWorkbook opens path with Debian's python3-openpyxl (run by
// /usr/bin/python3, not a python3 on PATH that may lack it).
func MustOpenWorkbook(tb testing.TB, path string) workbook {
	tb.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import openpyxl").CombinedOutput(); err != nil {
		tb.Fatalf("%s cannot import openpyxl (%v: %s); scripts/test-deps.sh installs it (apt-get install python3-openpyxl)", py, err, out)
	}
	const script = `import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
a1 = wb["汇总"]["A1"].value if "汇总" in wb.sheetnames else None
print(json.dumps({"sheets": wb.sheetnames, "summary_a1": a1}, ensure_ascii=False, default=str))
`
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("openpyxl cannot open %s: %v\n%s", path, err, stderr)
	}
	var wb workbook
	if err := json.Unmarshal(out, &wb); err != nil {
		tb.Fatalf("openpyxl output %q: %v", out, err)
	}
	tb.Logf("openpyxl sees %s: %v, 汇总!A1 = %v", filepath.Base(path), wb.Sheets, wb.Summary)
	return wb
}

// manifest is the part of the fault manifest the tests read.
type manifest struct {
	Faults  int `json:"faults"`
	Entries []struct {
		Target       string `json:"target"`
		Resource     string `json:"resource"`
		WindowStart  string `json:"window_start"`
		Kind         string `json:"kind"`
		ExpectStatus string `json:"expect_status"`
	} `json:"entries"`
	Injected []struct {
		Kind     string `json:"kind"`
		Target   string `json:"target"`
		From, To string
	} `json:"injected"`
}

func MustReadManifest(tb testing.TB, path string) manifest {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("manifest %s: %v", path, err)
	}
	return m
}

// mustStrings returns the one text column of every row of query.
func mustStrings(tb testing.TB, db *sql.DB, query string, args ...any) []string {
	tb.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// tablesWithColumn names the tables of a MySQL database that have column.
const tablesWithColumn = "SELECT table_name FROM information_schema.columns WHERE table_schema = ? AND column_name = ? ORDER BY table_name"

// mustConfigCatalog loads the config at path and its catalog.
func mustConfigCatalog(tb testing.TB, path string) (*config.Config, *pipelines.Catalog) {
	tb.Helper()
	c, err := config.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	return c, cat
}

package pipelines_test

// Helpers shared by the tests of the package: the test window, SQL scripts
// read, split and translated for DuckDB.

import (
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var (
	// testT0 lies in the fixture's windows of every cadence.
	testT0 = time.Date(2026, 11, 27, 10, 5, 0, 0, pipelines.Shanghai)
	// testAsOf is after the daily window containing testT0.
	testAsOf = time.Date(2026, 11, 28, 6, 0, 0, 0, pipelines.Shanghai)
)

// testWindow is the window of cadence c containing testT0; one-time and
// media-copy resources take the daily window (their SQL has no parameter).
func testWindow(t *testing.T, c pipelines.Cadence) pipelines.Window {
	t.Helper()
	if !c.Periodic() {
		c = pipelines.DailyAfter2300
	}
	w, err := pipelines.DefaultSchedules()[c].WindowAt(testT0)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// splitSQL splits a script into statements on semicolons outside string
// literals, dropping -- comment lines.
func splitSQL(script string) []string {
	var out []string
	var cur strings.Builder
	inStr := false
	for _, line := range strings.SplitAfter(script, "\n") {
		if !inStr && strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		for _, r := range line {
			if r == '\'' {
				inStr = !inStr
			}
			if r == ';' && !inStr {
				if s := strings.TrimSpace(cur.String()); s != "" {
					out = append(out, s)
				}
				cur.Reset()
				continue
			}
			cur.WriteRune(r)
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

var (
	createRE     = regexp.MustCompile(`(?s)^CREATE TABLE (\w+) \((.*)\)\s*(?:COMMENT\s*=\s*'(?:[^']|'')*')?$`)
	colCommentRE = regexp.MustCompile(`\s+COMMENT\s+'(?:[^']|'')*'`)
	datetimeRE   = regexp.MustCompile(`\bDATETIME(\(\d\))?`)
)

// mysqlToDuckDB translates the CREATE TABLE statements of a schemas/mysql
// script to DuckDB tables in schema: COMMENT clauses, KEY lines,
// AUTO_INCREMENT and table options go; DATETIME(n) becomes TIMESTAMP.
func mysqlToDuckDB(script, schema string) ([]string, error) {
	var out []string
	for _, stmt := range splitSQL(script) {
		m := createRE.FindStringSubmatch(stmt)
		if m == nil {
			return nil, fmt.Errorf("not a CREATE TABLE: %.60s", stmt)
		}
		var defs []string
		for _, line := range strings.Split(m[2], "\n") {
			line = strings.TrimSuffix(strings.TrimSpace(line), ",")
			up := strings.ToUpper(line)
			if line == "" || strings.HasPrefix(up, "KEY ") || strings.HasPrefix(up, "UNIQUE KEY ") || strings.HasPrefix(up, "INDEX ") {
				continue
			}
			line = colCommentRE.ReplaceAllString(line, "")
			line = strings.ReplaceAll(line, " AUTO_INCREMENT", "")
			line = datetimeRE.ReplaceAllString(line, "TIMESTAMP")
			defs = append(defs, "  "+line)
		}
		out = append(out, fmt.Sprintf("CREATE TABLE %s.%s (\n%s\n)", schema, m[1], strings.Join(defs, ",\n")))
	}
	return out, nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// text renders a scanned value for keys and messages.
func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	t.Cleanup(func() { db.Close() })
	return db
}

func duckDDL(t *testing.T) func(script, schema string) []string {
	return func(script, schema string) []string {
		stmts, err := mysqlToDuckDB(script, schema)
		if err != nil {
			t.Fatal(err)
		}
		return append([]string{"CREATE SCHEMA " + schema}, stmts...)
	}
}

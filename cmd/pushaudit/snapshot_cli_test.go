package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// mustTwoDatabases creates two databases on the server of
// PUSHAUDIT_MYSQL_DSN (skipping without it) and returns their names, an
// admin connection and the server's config.
func mustTwoDatabases(t *testing.T) (a, b string, admin *sql.DB, cfg *mysql.Config) {
	t.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		t.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	admin, err = sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UnixNano() % 1e9
	a, b = fmt.Sprintf("pa_cli_a_%d", stamp), fmt.Sprintf("pa_cli_b_%d", stamp)
	for _, n := range []string{a, b} {
		if _, err := admin.Exec("CREATE DATABASE " + n); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, n := range []string{a, b} {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + n)
		}
		_ = admin.Close()
	})
	return a, b, admin, cfg
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestCheck_Schemas compares a primary's and a replica's structure.
func TestCheck_Schemas(t *testing.T) {
	a, b, admin, cfg := mustTwoDatabases(t)
	t.Setenv("PUSHAUDIT_MYSQL_DSN", "")
	t.Setenv("PUSHAUDIT_TEST_MYSQL_PASSWORD", cfg.Passwd)
	for _, n := range []string{a, b} {
		mustExec(t, admin, "CREATE TABLE "+n+".cases (id BIGINT PRIMARY KEY, case_no VARCHAR(32) NOT NULL)")
	}
	dir := t.TempDir()
	conf := MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
mysql: {addr: %q, user: %q, password_env: PUSHAUDIT_TEST_MYSQL_PASSWORD}
sources:
  primary: {database: %s}
  replica: {database: %s}
`, cfg.Addr, cfg.User, a, b))
	r := MustRunMain(t, 0, "--config", conf, "check", "--schemas", "primary,replica")
	if !strings.Contains(r.stdout, "agree (1 tables)") {
		t.Errorf("stdout %q", r.stdout)
	}
	mustExec(t, admin, "ALTER TABLE "+b+".cases MODIFY case_no VARCHAR(64) NOT NULL")
	r = MustRunMain(t, 1, "--config", conf, "check", "--schemas", "primary,replica")
	if !strings.Contains(r.stdout, "cases: changed case_no varchar(32) NOT NULL → case_no varchar(64) NOT NULL") {
		t.Errorf("stdout %q", r.stdout)
	}
	MustRunMain(t, 64, "--config", conf, "check", "--schemas", "primary")
	MustRunMain(t, 64, "--config", conf, "check", "--schemas", "primary,nosuch")
}

// TestSnapshot_CLIPolicyAndParquet: --policy, --parquet and bad policies.
func TestSnapshot_CLIPolicyAndParquet(t *testing.T) {
	a, _, admin, cfg := mustTwoDatabases(t)
	mustExec(t, admin,
		"CREATE TABLE "+a+".cases (id BIGINT PRIMARY KEY, v VARCHAR(10), updated_at DATETIME(3) NOT NULL)",
		"INSERT INTO "+a+".cases VALUES (1, 'a', '2026-11-20 10:00:00.001'), (2, 'b', '2026-11-20 11:00:00.002')")
	c := cfg.Clone()
	c.DBName = a
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	args := []string{"snapshot", "--source", "biz=" + c.FormatDSN(), "--warehouse", wh, "--allow-primary",
		"--policy", "cases=incremental:updated_at", "--parquet", filepath.Join(dir, "pq")}
	MustRunMain(t, 0, args...)
	if _, err := os.Stat(filepath.Join(dir, "pq", "biz", "cases", "data.parquet")); err != nil {
		t.Error(err)
	}
	mustExec(t, admin, "INSERT INTO "+a+".cases VALUES (3, 'c', '2026-11-21 00:00:00')")
	r := MustRunMain(t, 0, args...)
	if !strings.Contains(r.stdout, "3 rows") && !strings.Contains(r.stdout, "1 tables") {
		t.Errorf("stdout %q", r.stdout)
	}
	MustRunMain(t, 64, "snapshot", "--source", "biz="+c.FormatDSN(), "--warehouse", wh, "--policy", "cases=incremental")
	MustRunMain(t, 64, "snapshot", "--source", "biz="+c.FormatDSN(), "--warehouse", wh, "--policy", "cases=sometimes")
}

// TestSnapshot_CLIVerify: a row updated with an older update time is
// invisible to the incremental snapshot; `snapshot --verify TABLE` finds
// and repairs it. Arguments without --verify are bad usage.
func TestSnapshot_CLIVerify(t *testing.T) {
	a, _, admin, cfg := mustTwoDatabases(t)
	mustExec(t, admin,
		"CREATE TABLE "+a+".cases (id BIGINT PRIMARY KEY, v VARCHAR(10), updated_at DATETIME(3) NOT NULL, KEY (updated_at))",
		"INSERT INTO "+a+".cases VALUES (1, 'a', '2026-11-20 10:00:00.001'), (2, 'b', '2026-11-20 11:00:00.002')")
	c := cfg.Clone()
	c.DBName = a
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	args := []string{"snapshot", "--source", "biz=" + c.FormatDSN(), "--warehouse", wh, "--allow-primary",
		"--policy", "cases=incremental:updated_at"}
	MustRunMain(t, 0, args...)
	mustExec(t, admin, "UPDATE "+a+".cases SET v = 'slow', updated_at = '2026-11-19 00:00:00' WHERE id = 1")
	value := func() string {
		t.Helper()
		w, err := warehouse.Open(context.Background(), wh)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		var v string
		if err := w.DB().QueryRow(`SELECT v FROM biz.cases WHERE id = 1`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	MustRunMain(t, 0, args...)
	if got := value(); got != "a" {
		t.Fatalf("incremental snapshot read the row updated with an old update time: %q", got)
	}
	MustRunMain(t, 0, append(args, "--verify", "cases")...)
	if got := value(); got != "slow" {
		t.Errorf("after --verify: %q, want slow", got)
	}
	MustRunMain(t, 64, append(args, "cases")...)
}

// TestSnapshot_CLICount: with snapshot.count_every, a row deleted below
// an append table's largest key stays until the table's count falls due;
// `snapshot --count` counts every table at once and removes it.
func TestSnapshot_CLICount(t *testing.T) {
	a, _, admin, cfg := mustTwoDatabases(t)
	t.Setenv("PUSHAUDIT_MYSQL_DSN", "")
	t.Setenv("PUSHAUDIT_TEST_MYSQL_PASSWORD", cfg.Passwd)
	mustExec(t, admin,
		"CREATE TABLE "+a+".gps (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, x INT)",
		"INSERT INTO "+a+".gps (x) VALUES (1), (2), (3), (4)")
	dir := t.TempDir()
	conf := MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
mysql: {addr: %q, user: %q, password_env: PUSHAUDIT_TEST_MYSQL_PASSWORD}
snapshot: {allow_primary: true, count_every: 1h}
sources:
  biz:
    database: %s
    policies:
      gps: {policy: append}
`, cfg.Addr, cfg.User, a))
	rows := func() (n int64, note string) {
		t.Helper()
		w, err := warehouse.Open(context.Background(), filepath.Join(dir, "w.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		var nn sql.NullString
		if err := w.DB().QueryRow(`SELECT (SELECT count(*) FROM biz.gps), (SELECT note FROM audit.snapshots
			WHERE table_name = 'gps' ORDER BY run_id DESC LIMIT 1)`).Scan(&n, &nn); err != nil {
			t.Fatal(err)
		}
		return n, nn.String
	}
	// The summary on stdout says what was done with the tables: the
	// line under the source's.
	done := func(r runResult) string {
		t.Helper()
		lines := strings.Split(r.stdout, "\n")
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "biz ") && i+1 < len(lines) {
				return strings.TrimSpace(lines[i+1])
			}
		}
		t.Fatalf("no summary of source biz in:\n%s", r.stdout)
		return ""
	}
	if got := done(MustRunMain(t, 0, "--config", conf, "snapshot")); got != "1 copied in full" {
		t.Errorf("first snapshot: summary %q", got)
	}
	mustExec(t, admin, "DELETE FROM "+a+".gps WHERE id = 2")
	r := MustRunMain(t, 0, "--config", conf, "snapshot")
	if n, note := rows(); n != 4 || !strings.Contains(note, "not counted at the source this run: last count agreed at ") {
		t.Errorf("count not due: %d rows in the warehouse (want 4, the deletion not seen yet), note %q", n, note)
	}
	if got := done(r); got != "1 read as a delta, 1 not counted at the source (why: audit.snapshots.note)" {
		t.Errorf("count not due: summary %q", got)
	}
	r = MustRunMain(t, 0, "--config", conf, "snapshot", "--count")
	if n, note := rows(); n != 3 || note != "" {
		t.Errorf("after --count: %d rows in the warehouse, want 3; note %q", n, note)
	}
	if got := done(r); got != "1 read as a delta, 1 repaired" { // the count disagreed: the deleted row removed
		t.Errorf("after --count: summary %q", got)
	}
}

// TestTablesDone holds the summary line of a source's tables: each kind
// counted once, in order, a failed table only as failed.
func TestTablesDone(t *testing.T) {
	for _, c := range []struct {
		tables []*snapshot.TableReport
		want   string
	}{
		{nil, ""},
		{[]*snapshot.TableReport{{Status: snapshot.StatusOK}, {Status: snapshot.StatusOK}}, "2 copied in full"},
		{[]*snapshot.TableReport{
			{Status: snapshot.StatusOK, Unchanged: true, CountSkipped: true},
			{Status: snapshot.StatusOK, Delta: true, CountSkipped: true},
			{Status: snapshot.StatusInexact, Delta: true, Repaired: 3},
			{Status: snapshot.StatusOK, Verified: true, SchemaDrift: "column x added"},
			{Status: snapshot.StatusFailed, Delta: true, CountSkipped: true},
		}, "1 copied in full, 2 read as a delta, 1 unchanged (not copied), 2 not counted at the source (why: audit.snapshots.note), " +
			"1 repaired, 1 verified, 1 with schema drift, 1 INEXACT, 1 FAILED"},
	} {
		if got := tablesDone(c.tables); got != c.want {
			t.Errorf("tablesDone:\n got %q\nwant %q", got, c.want)
		}
	}
}

// TestProgress_TableDoneAfterTheNextBegan: a source's next table begins
// while the one before still commits, so the terminal's bar may already
// show the next table when the one before reports done: that event is
// dropped, and the bar stays on the table loading.
func TestProgress_TableDoneAfterTheNextBegan(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, term: true}
	p.update(snapshot.ProgressEvent{Source: "biz", Table: "cases", Total: 100, Rows: 40})
	p.update(snapshot.ProgressEvent{Source: "biz", Table: "media", Total: 1000})
	p.update(snapshot.ProgressEvent{Source: "biz", Table: "cases", Total: 100, Rows: 100, Done: true})
	if p.table != "biz.media" || p.bar == nil {
		t.Fatalf("bar on %q (bar %v), want it on biz.media, still loading", p.table, p.bar != nil)
	}
	p.update(snapshot.ProgressEvent{Source: "biz", Table: "media", Total: 1000, Rows: 1000, Done: true})
	if p.table != "" || p.bar != nil {
		t.Errorf("bar on %q after media is done, want none", p.table)
	}
}

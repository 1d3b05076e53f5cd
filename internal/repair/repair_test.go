package repair

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

func TestQuoteString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"plain 中文 😀", "'plain 中文 😀'"},
		{"it's", "'it''s'"},
		{`a\b`, "_utf8mb4 X'615c62'"},
		{"line\nbreak", "_utf8mb4 X'6c696e650a627265616b'"},
		{"nul\x00", "_utf8mb4 X'6e756c00'"},
		{"\x1a", "_utf8mb4 X'1a'"},
		{"\xff\xfe", "X'fffe'"},
	} {
		if got := QuoteString(c.in); got != c.want {
			t.Errorf("QuoteString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLiteral(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		v    *string
		typ  string
		want string
	}{
		{nil, "INT", "NULL"},
		{nil, "VARCHAR(8)", "NULL"},
		{s("42"), "INT", "42"},
		{s("-7"), "BIGINT UNSIGNED", "-7"},
		{s("12.500"), "DECIMAL(12,3)", "12.500"},
		{s("1e-05"), "DOUBLE", "1e-05"},
		{s("42"), "VARCHAR(8)", "'42'"},                    // text stays text
		{s("1; DROP TABLE x"), "INT", "'1; DROP TABLE x'"}, // not a number: quoted
		{s("2026-11-20 10:05:00"), "DATETIME", "'2026-11-20 10:05:00'"},
	} {
		if got := Literal(c.v, c.typ); got != c.want {
			t.Errorf("Literal(%v, %s) = %s, want %s", c.v, c.typ, got, c.want)
		}
	}
}

// hostile is source text a plan must carry byte for byte.
const hostile = "O'Brien \"q\" \\ \\' --\n\r\t\x00 😀 末"

// fixture is a warehouse holding one resource t/r whose front-end table
// has no row id: source codes A, B, C in the 10:00 window; the target got
// A twice, C, and Z (not in the source) under batch b1; B never arrived.
func fixture(t *testing.T) (*sql.DB, *pipelines.Catalog) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	stmts := []string{schemas.Warehouse(),
		"CREATE SCHEMA biz", "CREATE SCHEMA exchange", "CREATE SCHEMA fe_t",
		"CREATE TABLE biz.cases (code VARCHAR, note VARCHAR, amount DECIMAL(12,3), report_time TIMESTAMP)",
		`CREATE TABLE exchange.push_log (id BIGINT, target VARCHAR, resource VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP,
		   batch_id VARCHAR, rows_sent INTEGER, status VARCHAR, error VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP)`,
		"CREATE TABLE fe_t.r (code VARCHAR, note VARCHAR, amount DECIMAL(12,3), batch_id VARCHAR, arrived_at TIMESTAMP)",
		"INSERT INTO biz.cases VALUES ('A', 'a', 1.5, TIMESTAMP '2026-11-20 10:01:00'), ('B', NULL, NULL, TIMESTAMP '2026-11-20 10:02:00'), ('C', 'c', 0, TIMESTAMP '2026-11-20 10:03:00')",
		"UPDATE biz.cases SET note = " + duckString(hostile) + " WHERE code = 'B'",
		`INSERT INTO exchange.push_log VALUES (1, 't', 'r', TIMESTAMP '2026-11-20 10:00:00', TIMESTAMP '2026-11-20 10:30:00', 'b1', 4, 'success', NULL,
		   TIMESTAMP '2026-11-20 10:31:00', TIMESTAMP '2026-11-20 10:32:00')`,
		"INSERT INTO fe_t.r VALUES ('A', 'a', 1.5, 'b1', TIMESTAMP '2026-11-20 10:32:00'), ('A', 'a', 1.5, 'b1', TIMESTAMP '2026-11-20 10:32:00'), ('C', 'c', 0, 'b1', TIMESTAMP '2026-11-20 10:32:00'), ('Z', 'z', 9, 'b1', TIMESTAMP '2026-11-20 10:32:00')",
	}
	// every other window of the day: an empty push on time.
	for m := 0; m < 24*60; m += 30 {
		if m == 600 {
			continue
		}
		start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
		f := func(d time.Duration) string { return start.Add(d).Format("2006-01-02 15:04:05") }
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO exchange.push_log VALUES (%d, 't', 'r', TIMESTAMP '%s', TIMESTAMP '%s', 'e%d', 0, 'success', NULL, TIMESTAMP '%s', TIMESTAMP '%s')`,
			m+10, f(0), f(30*time.Minute), m, f(31*time.Minute), f(32*time.Minute)))
	}
	for _, src := range []string{"biz", "exchange", "fe_t"} {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
			VALUES ('snap-1', '%s', 'all', 'full', 1, TIMESTAMP '2026-11-21 00:30:00', 'ok', TIMESTAMP '2026-11-21 00:30:00')`, src))
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\nSQL: %s", err, s)
		}
	}
	cat := &pipelines.Catalog{
		Targets: []pipelines.Target{{Key: "t", Database: "fe_t"}},
		Resources: []pipelines.Resource{{
			Target: "t", Key: "r", Cadence: pipelines.Every30m, Mode: pipelines.ModeRows, KeyColumns: []string{"code"}, Table: "r",
			Columns: []pipelines.Column{{Name: "code", Type: "VARCHAR(16)", Expr: "c.code"}, {Name: "note", Type: "VARCHAR(64)", Expr: "c.note"},
				{Name: "amount", Type: "DECIMAL(12,3)", Expr: "c.amount"}},
			From: "biz.cases c", Where: "c.report_time >= :window_start AND c.report_time < :window_end",
		}},
	}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	return db, cat
}

// duckString is a DuckDB string literal of s (the fixture's hostile text).
func duckString(s string) string {
	var parts []string
	for _, r := range s {
		parts = append(parts, "chr("+strconv.Itoa(int(r))+")")
	}
	return "concat(" + strings.Join(parts, ", ") + ")"
}

func TestPlanner_ForTargetDay_WithoutRowID(t *testing.T) {
	ctx := context.Background()
	db, cat := fixture(t)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai)
	now := time.Date(2026, 11, 21, 1, 0, 0, 0, pipelines.Shanghai)
	if _, err := reconcile.New(db, cat).Run(ctx, reconcile.Options{From: day, To: day, Target: "t", Now: now, RunID: "run-1"}); err != nil {
		t.Fatal(err)
	}
	ws, err := New(db, cat, Options{Now: now}).ForTargetDay(ctx, "t", day)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 {
		t.Fatalf("%d windows planned, want the 10:00 window", len(ws))
	}
	w := ws[0]
	if w.Status != pipelines.StatusDuplicate || w.HasRowID || w.Batch != "b1" {
		t.Fatalf("window %s: status %s, row id %v, batch %q; want duplicate, no row id, b1", w.Window, w.Status, w.HasRowID, w.Batch)
	}
	if len(w.Push) != 1 || w.Push[0].Key != "B" || w.Push[0].Values[1].String != hostile || w.Push[0].Values[2].Valid {
		t.Errorf("push %+v, want B with the hostile note and a NULL amount", w.Push)
	}
	if got, want := w.Deleted(), int64(2); got != want {
		t.Errorf("%d rows deleted, want %d (one copy of A, Z)", got, want)
	}
	// claimed 4, received 4 less 2 plus 1: the log claims more than the
	// target would hold.
	if w.Covered || w.Predicted != pipelines.StatusFailed || len(w.PushLog) != 1 {
		t.Errorf("covered %v, after %s, push log %+v; want not covered, failed, b1 wrong", w.Covered, w.Predicted, w.PushLog)
	}
	var b bytes.Buffer
	if err := WriteSQL(&b, ws, now); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"-- DELETE FROM `r` WHERE BINARY `code` = 'A' AND `batch_id` IN ('b1') LIMIT 1; -- duplicate A",
		"-- DELETE FROM `r` WHERE BINARY `code` = 'Z' AND `batch_id` IN ('b1'); -- extra Z",
		"-- NOT APPLIED: the push log claims 4 rows, the target would hold 3",
		"-- push log: batch b1 (success, 4 rows sent): logged 4 rows sent, the target would hold 3 rows",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("SQL lacks %q:\n%s", want, text)
		}
	}

	// once the log says what was sent, the same plan covers the window,
	// and MySQL runs it.
	if _, err := db.Exec("UPDATE exchange.push_log SET rows_sent = 3 WHERE batch_id = 'b1'"); err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.New(db, cat).Run(ctx, reconcile.Options{From: day, To: day, Target: "t", Now: now, RunID: "run-2"}); err != nil {
		t.Fatal(err)
	}
	if ws, err = New(db, cat, Options{Now: now}).ForTargetDay(ctx, "t", day); err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || !ws[0].Covered || ws[0].Predicted != pipelines.StatusOK {
		t.Fatalf("plan after the log's fix: %+v", ws[0])
	}
	b.Reset()
	if err := WriteSQL(&b, ws, now); err != nil {
		t.Fatal(err)
	}
	mustApplyInMariaDB(t, b.String())
}

// mustApplyInMariaDB creates the front-end table r with the fixture's
// rows in a scratch database of the test server, runs the plan in it and
// checks what r holds after. It skips without PUSHAUDIT_MYSQL_DSN.
func mustApplyInMariaDB(t *testing.T, plan string) {
	t.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		t.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test (it starts MariaDB), or set it to scripts/mariadb.sh dsn")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := "parepair_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	admin := cfg.Clone()
	admin.DBName = ""
	root, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the drop, then the close. (A deferred
	// close ran before the cleanup, whose drop then failed unseen and
	// left a scratch database behind after every run.)
	t.Cleanup(func() { root.Close() })
	if _, err := root.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := root.Exec("DROP DATABASE `" + name + "`"); err != nil {
			t.Errorf("drop the scratch database %s: %v", name, err)
		}
	})
	c := cfg.Clone()
	c.DBName, c.MultiStatements = name, true
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"SET NAMES utf8mb4",
		"CREATE TABLE r (code VARCHAR(16) NULL, note VARCHAR(64) NULL, amount DECIMAL(12,3) NULL, batch_id VARCHAR(64) NULL, arrived_at DATETIME NULL)",
		// 'a' differs from 'A' only in case: the collation says equal, the
		// plan's BINARY match must leave it.
		"INSERT INTO r VALUES ('A', 'a', 1.5, 'b1', NOW()), ('A', 'a', 1.5, 'b1', NOW()), ('C', 'c', 0, 'b1', NOW()), ('Z', 'z', 9, 'b1', NOW()), ('z', 'other', 1, 'b1', NOW())",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%v\nSQL: %s", err, q)
		}
	}
	if _, err := db.Exec(plan); err != nil {
		t.Fatalf("the plan does not run in MariaDB: %v\n%s", err, plan)
	}
	rows, err := db.Query("SELECT code, note, amount, batch_id FROM r ORDER BY BINARY code")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var code, batch string
		var note, amount sql.NullString
		if err := rows.Scan(&code, &note, &amount, &batch); err != nil {
			t.Fatal(err)
		}
		n := "NULL"
		if note.Valid {
			n = strconv.Quote(note.String)
		}
		a := "NULL"
		if amount.Valid {
			a = amount.String
		}
		got = append(got, code+" "+n+" "+a+" "+batch)
	}
	want := []string{`A "a" 1.500 b1`, "B " + strconv.Quote(hostile) + " NULL b1", `C "c" 0.000 b1`, `z "other" 1.000 b1`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("r after the plan:\n%s\nwant:\n%s\nplan:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), plan)
	}
}

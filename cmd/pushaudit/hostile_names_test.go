package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestSnapshot_HostileNames: MySQL database, table and column names are
// the site's, not pushaudit's, and may be anything MySQL allows. A database
// and tables named to break out of quoting (both MySQL's backquotes and
// DuckDB's double quotes), with hostile column names and a watermark column
// among them, are snapshotted in full, incrementally and verified: every
// name arrives as it is, every value with it, and no statement runs that
// the names smuggle in (audit.runs and a canary table survive).
func TestSnapshot_HostileNames(t *testing.T) {
	_, _, admin, cfg := mustTwoDatabases(t)
	isolateEnv(t)
	db := fmt.Sprintf("pa_h`'\"; -- %d", len(t.Name()))
	tables := []string{
		"t\"; DROP TABLE audit.runs; --",
		"Robert'); DROP TABLE canary;--",
		"a`b\"c 名 字",
	}
	qdb := "`" + strings.ReplaceAll(db, "`", "``") + "`"
	q := func(s string) string { return qdb + ".`" + strings.ReplaceAll(s, "`", "``") + "`" }
	mustExec(t, admin, "DROP DATABASE IF EXISTS "+qdb, "CREATE DATABASE "+qdb)
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + qdb) })
	for _, tb := range tables {
		mustExec(t, admin,
			"CREATE TABLE "+q(tb)+" (`id\"; --` BIGINT PRIMARY KEY, `select` VARCHAR(40), `c``d\"e` TEXT, `u\"p'd` DATETIME NOT NULL, KEY (`u\"p'd`))",
			"INSERT INTO "+q(tb)+" VALUES (1, 'a', 'x\"; DROP TABLE canary; --', '2026-11-20 08:00:00'), (2, NULL, 'b`c', '2026-11-20 09:00:00')")
	}
	dir := t.TempDir()
	t.Setenv("PUSHAUDIT_TEST_HOSTILE_PW", cfg.Passwd)
	yamlQuote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	conf := MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
snapshot: {allow_primary: true}
mysql: {addr: "%s", user: %s, password_env: PUSHAUDIT_TEST_HOSTILE_PW}
sources:
  hostile:
    database: %s
    policies:
      %s: {policy: incremental, watermark: %s}
      %s: {policy: append}
`, cfg.Addr, cfg.User, yamlQuote(db), yamlQuote(tables[0]), yamlQuote("u\"p'd"), yamlQuote(tables[1])))
	whPath := filepath.Join(dir, "w.duckdb")
	wh, err := warehouse.Open(t.Context(), whPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.DB().Exec(`CREATE TABLE main.canary (x INT); INSERT INTO main.canary VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	wh.Close()

	check := func(step string, rows int) {
		t.Helper()
		wh, err := warehouse.Open(t.Context(), whPath)
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		var canary, runs int
		if err := wh.DB().QueryRow(`SELECT (SELECT count(*) FROM main.canary), (SELECT count(*) FROM audit.runs)`).Scan(&canary, &runs); err != nil || canary != 1 || runs == 0 {
			t.Fatalf("%s: canary %d rows, audit.runs %d rows, %v: a name ran as SQL", step, canary, runs, err)
		}
		for _, tb := range tables {
			var n int
			var sel, cd string
			err := wh.DB().QueryRow(`SELECT count(*), string_agg(coalesce("select", '∅'), ',' ORDER BY "id""; --"), string_agg("c`+"`"+`d""e", '|' ORDER BY "id""; --") FROM `+
				warehouse.QuoteTable("hostile."+tb)).Scan(&n, &sel, &cd)
			if err != nil {
				t.Fatalf("%s: table %q in the warehouse: %v", step, tb, err)
			}
			wantSel, wantCD := "a,∅", "x\"; DROP TABLE canary; --|b`c"
			if rows == 3 {
				wantSel, wantCD = "a,∅,z", wantCD+"|'"
			}
			if n != rows || sel != wantSel || cd != wantCD {
				t.Errorf("%s: %q holds %d rows %q %q; want %d %q %q", step, tb, n, sel, cd, rows, wantSel, wantCD)
			}
		}
	}
	MustRunMain(t, exitOK, "--config", conf, "snapshot")
	check("first snapshot", 2)
	for _, tb := range tables {
		mustExec(t, admin, "INSERT INTO "+q(tb)+" VALUES (3, 'z', '''', '2026-11-20 10:00:00')")
	}
	MustRunMain(t, exitOK, "--config", conf, "snapshot")
	check("incremental, append and full", 3)
	MustRunMain(t, exitOK, "--config", conf, "snapshot", "--verify")
	check("verify", 3)

	// The policies reached the tables they name: the second run read
	// only the new row of the append table, and of the incremental one
	// the new row and the row at the watermark's own second (re-read by
	// design, for rows written within it).
	wh, err = warehouse.Open(t.Context(), whPath)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for i, want := range []string{"incremental 2", "append 1"} {
		var policy string
		var delta int
		if err := wh.DB().QueryRow(`SELECT policy, coalesce(delta_rows, -1) FROM audit.snapshots
			WHERE source = 'hostile' AND table_name = ? AND run_id = (SELECT DISTINCT run_id FROM audit.snapshots ORDER BY run_id LIMIT 1 OFFSET 1)`, tables[i]).Scan(&policy, &delta); err != nil {
			t.Fatalf("%q: %v", tables[i], err)
		}
		if got := fmt.Sprintf("%s %d", policy, delta); got != want {
			t.Errorf("%q: second snapshot %s, want %s", tables[i], got, want)
		}
	}
}

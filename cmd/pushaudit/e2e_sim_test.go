package main

// The sim command refuses a database it did not create.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
)

func TestMain_Run_SimRefusesForeignDatabase(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	foreign := prefix + "biz"
	if _, err := db.Exec("CREATE DATABASE `" + foreign + "`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + foreign + "`"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, q := range []string{
		"CREATE TABLE `" + foreign + "`.cases (case_id BIGINT PRIMARY KEY, note VARCHAR(32))",
		"INSERT INTO `" + foreign + "`.cases VALUES (1, 'real data')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	r := MustRunMain(t, exitCannot, "sim", "--mysql", dsn, "--db-prefix", prefix, "--days", "1", "--cases-per-day", "50", "--faults", "0",
		"--manifest", filepath.Join(dir, "m.json"), "--write-config", filepath.Join(dir, "c.yaml"))
	errLines := withoutLogRecords(lines(r.stderr))
	if len(errLines) != 1 {
		t.Fatalf("stderr has %d error lines, want 1:\n%s", len(errLines), r.stderr)
	}
	for _, want := range []string{foreign, "refus", sim.MarkerTable} {
		if !strings.Contains(errLines[0], want) {
			t.Errorf("stderr does not contain %q: %s", want, errLines[0])
		}
	}

	var note string
	if err := db.QueryRow("SELECT note FROM `" + foreign + "`.cases WHERE case_id = 1").Scan(&note); err != nil {
		t.Fatalf("the foreign database lost its table: %v", err)
	}
	if note != "real data" {
		t.Errorf("the foreign row is %q, want %q", note, "real data")
	}
	if got := databasesWithPrefix(t, db, prefix); len(got) != 1 || got[0] != foreign {
		t.Errorf("databases with prefix %s: %v, want only %s (nothing created before the refusal)", prefix, got, foreign)
	}
	for _, name := range []string{"m.json", "c.yaml", "c.password"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written by a refused simulation", name)
		}
	}
}

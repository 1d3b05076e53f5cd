package main

// snapshot --resource and --table with a config: only the tables asked
// for (or the tables a resource's reconciliation reads) are read and
// published; the other tables keep their previous snapshot.

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// dueFixture creates the databases of sources biz, exchange and
// fe_province with the tables province/case_basic reads (written out
// here from the catalog by hand) and two it does not, writes a config and
// returns it with the admin connection and the database prefix.
func dueFixture(t *testing.T) (conf string, admin *sql.DB, prefix, wh string) {
	_, _, admin, cfg := mustTwoDatabases(t) // skips without a server
	prefix = fmt.Sprintf("pa_due_%d_", time.Now().UnixNano()%1e9)
	tables := map[string][]string{
		"biz":         {"cases", "case_sources", "case_stages", "categories", "regions", "unit_grids", "staff", "media"},
		"exchange":    {"push_log"},
		"fe_province": {"case_basic"},
	}
	for db, ts := range tables {
		mustExec(t, admin, "CREATE DATABASE "+prefix+db)
		for _, tb := range ts {
			mustExec(t, admin, "CREATE TABLE "+prefix+db+"."+tb+" (id BIGINT PRIMARY KEY, v VARCHAR(16))",
				"INSERT INTO "+prefix+db+"."+tb+" VALUES (1, 'one')")
		}
	}
	t.Cleanup(func() {
		for db := range tables {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + prefix + db)
		}
	})
	t.Setenv("PUSHAUDIT_MYSQL_DSN", "")
	t.Setenv("PUSHAUDIT_TEST_MYSQL_PASSWORD", cfg.Passwd)
	dir := t.TempDir()
	conf = MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
mysql: {addr: %q, user: %q, password_env: PUSHAUDIT_TEST_MYSQL_PASSWORD}
snapshot: {allow_primary: true}
sources:
  biz: {database: %sbiz}
  exchange: {database: %sexchange}
  fe_province: {database: %sfe_province}
`, cfg.Addr, cfg.User, prefix, prefix, prefix))
	return conf, admin, prefix, dir + "/w.duckdb"
}

// warehouseRows counts the rows of every snapshotted table, and the runs
// that loaded each (audit.table_snapshots).
func warehouseRows(t *testing.T, path string) (rows map[string]int, runs map[string]string) {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, runs = map[string]int{}, map[string]string{}
	rs, err := db.Query("SELECT source || '.' || table_name, run_id FROM audit.table_snapshots WHERE trusted")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var n, run string
		if err := rs.Scan(&n, &run); err != nil {
			t.Fatal(err)
		}
		runs[n] = run
	}
	rs.Close()
	for n := range runs {
		var c int
		if err := db.QueryRow("SELECT count(*) FROM " + n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		rows[n] = c
	}
	return rows, runs
}

func TestSnapshot_DueTables(t *testing.T) {
	conf, admin, prefix, wh := dueFixture(t)
	MustRunMain(t, 0, "--config", conf, "snapshot")
	_, first := warehouseRows(t, wh)
	if len(first) != 10 {
		t.Fatalf("first snapshot: %d tables, want 10: %v", len(first), first)
	}
	grow := func() {
		for _, q := range []string{"biz.cases", "biz.regions", "biz.staff", "biz.media", "exchange.push_log", "fe_province.case_basic"} {
			mustExec(t, admin, "INSERT INTO "+prefix+q+" SELECT MAX(id) + 1, 'more' FROM "+prefix+q)
		}
	}

	// --table: just those.
	grow()
	r := MustRunMain(t, 0, "--config", conf, "snapshot", "--table", "biz.staff", "--table", "exchange.push_log")
	if !strings.Contains(r.stdout, "2 sources, 2 tables") {
		t.Errorf("stdout %q", r.stdout)
	}
	rows, runs := warehouseRows(t, wh)
	for n, want := range map[string]int{"biz.staff": 2, "exchange.push_log": 2, "biz.cases": 1, "biz.media": 1, "fe_province.case_basic": 1} {
		if rows[n] != want {
			t.Errorf("after --table: %s has %d rows, want %d", n, rows[n], want)
		}
	}
	if runs["biz.staff"] == first["biz.staff"] || runs["biz.cases"] != first["biz.cases"] || runs["biz.staff"] != runs["exchange.push_log"] {
		t.Errorf("runs after --table: %v (first %v)", runs, first)
	}

	// --resource: the 8 tables province/case_basic's reconciliation reads.
	r = MustRunMain(t, 0, "--config", conf, "snapshot", "--resource", "province/case_basic")
	if !strings.Contains(r.stdout, "3 sources, 8 tables") {
		t.Errorf("stdout %q", r.stdout)
	}
	rows, runs = warehouseRows(t, wh)
	due := []string{"biz.cases", "biz.case_sources", "biz.case_stages", "biz.categories", "biz.regions", "biz.unit_grids", "exchange.push_log", "fe_province.case_basic"}
	for n := range runs {
		if slices.Contains(due, n) != (runs[n] == runs["biz.cases"]) {
			t.Errorf("after --resource: %s loaded by run %s; the resource's run is %s", n, runs[n], runs["biz.cases"])
		}
	}
	for n, want := range map[string]int{"biz.cases": 2, "biz.regions": 2, "fe_province.case_basic": 2, "biz.media": 1, "biz.staff": 2} {
		if rows[n] != want {
			t.Errorf("after --resource: %s has %d rows, want %d", n, rows[n], want)
		}
	}
	// the whole target: the same tables (province has one resource).
	r = MustRunMain(t, 0, "--config", conf, "snapshot", "--resource", "province", "--table", "biz.media")
	if !strings.Contains(r.stdout, "3 sources, 9 tables") {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestSnapshot_DueTablesBadUsage(t *testing.T) {
	conf, _, _, _ := dueFixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--table", "cases"}, `--table "cases": with a config, name a table as SOURCE.TABLE`},
		{[]string{"--table", "nosuch.cases"}, "no source nosuch in the config (sources: biz, exchange, fe_province)"},
		{[]string{"--resource", "nosuch"}, "--resource nosuch: no target nosuch in the catalog"},
		{[]string{"--resource", "province/nosuch"}, "no resource nosuch of target province"},
		// ministry's resources read fe_ministry, which the config lacks.
		{[]string{"--resource", "ministry"}, "no source fe_ministry in the config"},
	} {
		r := MustRunMain(t, 64, append([]string{"--config", conf, "snapshot"}, tc.args...)...)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr %q, want %q", tc.args, r.stderr, tc.want)
		}
	}
	r := MustRunMain(t, 64, "snapshot", "--source", "biz=u:p@tcp(127.0.0.1:1)/biz", "--warehouse", t.TempDir()+"/w.duckdb", "--resource", "province")
	if !strings.Contains(r.stderr, "--resource needs a config") {
		t.Errorf("stderr %q", r.stderr)
	}
}

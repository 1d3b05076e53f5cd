package sim_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustDSN returns the test MariaDB's DSN or skips: `make test` sets it.
func MustDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		tb.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test (it starts MariaDB)")
	}
	return dsn
}

// MustServer opens the server of dsn with Shanghai wall-clock times.
func MustServer(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ParseTime, cfg.Loc, cfg.DBName = true, pipelines.Shanghai, ""
	cfg.Params = map[string]string{"time_zone": "'+08:00'"}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	return db
}

// prefix is unique per test run so tests may share one server.
func prefix(tb testing.TB, name string) string {
	return fmt.Sprintf("t%d_%s_", time.Now().UnixNano()%1_000_000_000, name)
}

// MustRun simulates and drops the databases when the test ends.
func MustRun(tb testing.TB, o sim.Options) *sim.Result {
	tb.Helper()
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	o.Catalog = cat
	db := MustServer(tb, o.DSN)
	tb.Cleanup(func() {
		for _, name := range sim.DatabaseNames(o.DBPrefix, cat) {
			db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		}
	})
	res, err := sim.Run(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

var start = time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai)

// checksums returns CHECKSUM TABLE of every table of the simulated
// databases, keyed by logical database and table.
func checksums(tb testing.TB, db *sql.DB, res *sim.Result) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for logical, actual := range res.Databases {
		rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", actual)
		if err != nil {
			tb.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var t string
			rows.Scan(&t)
			tables = append(tables, t)
		}
		rows.Close()
		for _, t := range tables {
			var name string
			var sum sql.NullInt64
			if err := db.QueryRow(fmt.Sprintf("CHECKSUM TABLE `%s`.`%s`", actual, t)).Scan(&name, &sum); err != nil {
				tb.Fatal(err)
			}
			out[logical+"."+t] = fmt.Sprint(sum.Int64)
		}
	}
	return out
}

func TestRun_Deterministic(t *testing.T) {
	dsn := MustDSN(t)
	db := MustServer(t, dsn)
	o := sim.Options{Seed: 11, Start: start, Days: 2, Faults: 12, CasesPerDay: 600, Components: 500, DSN: dsn}
	a := o
	a.DBPrefix = prefix(t, "a")
	b := o
	b.DBPrefix = prefix(t, "b")
	ra, rb := MustRun(t, a), MustRun(t, b)
	ca, cb := checksums(t, db, ra), checksums(t, db, rb)
	if len(ca) < 80 {
		t.Fatalf("only %d tables checksummed", len(ca))
	}
	for k, v := range ca {
		if cb[k] != v {
			t.Errorf("%s: checksum %s then %s", k, v, cb[k])
		}
	}
	ja, _ := json.Marshal(ra.Manifest)
	jb, _ := json.Marshal(rb.Manifest)
	if string(ja) != string(jb) {
		t.Errorf("manifests differ:\n%s\n%s", ja, jb)
	}
	// another seed gives other data.
	c := o
	c.Seed, c.DBPrefix = 12, prefix(t, "c")
	cc := checksums(t, db, MustRun(t, c))
	if cc["biz.cases"] == ca["biz.cases"] {
		t.Error("seeds 11 and 12 gave the same cases")
	}
}

func TestRun_StatisticsConsistent(t *testing.T) {
	dsn := MustDSN(t)
	db := MustServer(t, dsn)
	o := sim.Options{Seed: 5, Start: start, Days: 2, CasesPerDay: 1500, Components: 500, DSN: dsn, DBPrefix: prefix(t, "st")}
	res := MustRun(t, o)
	cat, _ := pipelines.DefaultCatalog()
	biz, stats := res.Databases["biz"], res.Databases["stats"]
	asOf := pipelines.TimeParam(res.AsOf)
	// every counter, recomputed from the case history, equals the
	// statistics DB's, case by case.
	for _, c := range cat.StatsCounters {
		e, err := pipelines.Render(c.Expr, pipelines.Params{"as_of": asOf})
		if err != nil {
			t.Fatal(err)
		}
		e = pipelines.RenameSchemas(e, res.Databases)
		q := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(e.%s), 0) FROM `%s`.case_eval e JOIN `%s`.cases c ON c.id = e.case_id WHERE e.%s <> (%s)", c.Name, stats, biz, c.Name, e)
		var diff, total int64
		if err := db.QueryRow(q).Scan(&diff, &total); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if diff != 0 {
			t.Errorf("%s (%s): %d cases differ from the case history", c.Name, c.ZH, diff)
		}
	}
	var cases, facts int64
	db.QueryRow(fmt.Sprintf("SELECT (SELECT COUNT(*) FROM `%s`.cases), (SELECT COUNT(*) FROM `%s`.case_eval)", biz, stats)).Scan(&cases, &facts)
	if cases == 0 || cases != facts {
		t.Errorf("cases %d, statistics facts %d", cases, facts)
	}
	// the daily aggregates are the sums of the facts.
	var bad int64
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s.daily_district_stats d JOIN (
	  SELECT stat_date, district_id, SUM(report_cnt) r, SUM(close_cnt) c, SUM(ontime_close_cnt) o FROM %[1]s.case_eval GROUP BY stat_date, district_id) e
	  ON e.stat_date = d.stat_date AND e.district_id = d.district_id
	  WHERE e.r <> d.report_cnt OR e.c <> d.close_cnt OR e.o <> d.ontime_close_cnt`, "`"+stats+"`")
	if err := db.QueryRow(q).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d daily aggregates differ from the facts", bad)
	}
	// the workflow is ordered: no stage happens before the one it follows.
	var disorder int64
	q = fmt.Sprintf(`SELECT COUNT(*) FROM %s.cases WHERE accept_time < report_time OR file_time < accept_time
	  OR dispatch_time < file_time OR handle_time < COALESCE(dispatch_time, file_time) OR verify_time < handle_time
	  OR close_time < verify_time OR archive_time < close_time OR report_time > %s`, "`"+biz+"`", asOf)
	if err := db.QueryRow(q).Scan(&disorder); err != nil {
		t.Fatal(err)
	}
	if disorder != 0 {
		t.Errorf("%d cases with stages out of order", disorder)
	}
	// volume: about CasesPerDay a day, with a weekday rhythm.
	per := float64(res.Rows["biz.cases"]) / (2 + float64(sim.AsOfAfter)/float64(24*time.Hour))
	if per < 0.6*1500 || per > 1.4*1500 {
		t.Errorf("%.0f cases a day, want about 1500", per)
	}
}

func TestRun_ManifestCoversEveryKind(t *testing.T) {
	dsn := MustDSN(t)
	o := sim.Options{Seed: 60, Start: start, Days: 3, Faults: 60, CasesPerDay: 800, Components: 500, DSN: dsn, DBPrefix: prefix(t, "mf")}
	res := MustRun(t, o)
	kinds := map[sim.FaultKind]int{}
	seen := map[string]bool{}
	for _, e := range res.Manifest.Entries {
		kinds[e.Kind]++
		if e.ExpectStatus != e.Kind.ExpectStatus() {
			t.Errorf("%+v: expect_status is not the kind's", e)
		}
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		if seen[k] {
			t.Errorf("%s listed twice", k)
		}
		seen[k] = true
		ws, err := time.Parse(time.RFC3339, e.WindowStart)
		if err != nil || !strings.HasSuffix(e.WindowStart, "+08:00") {
			t.Errorf("%s: window_start %q is not RFC 3339 in +08:00", k, e.WindowStart)
		}
		if ws.After(res.AsOf) {
			t.Errorf("%s: window after the simulated clock", k)
		}
	}
	for _, k := range sim.FaultKinds {
		if kinds[k] == 0 {
			t.Errorf("no manifest entry of kind %s", k)
		}
	}
	if len(res.Manifest.Injected) != 60 {
		t.Errorf("%d faults recorded, want 60", len(res.Manifest.Injected))
	}
	var got []string
	for k, n := range kinds {
		got = append(got, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(got)
	t.Logf("manifest entries by kind: %s", strings.Join(got, " "))
}

func TestRun_RefusesForeignDatabase(t *testing.T) {
	dsn := MustDSN(t)
	db := MustServer(t, dsn)
	p := prefix(t, "fx")
	if _, err := db.Exec("CREATE DATABASE `" + p + "stats`"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE `" + p + "stats`.keep (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS `" + p + "stats`") })
	cat, _ := pipelines.DefaultCatalog()
	_, err := sim.Run(context.Background(), sim.Options{Seed: 1, Start: start, Days: 1, CasesPerDay: 50, DSN: dsn, DBPrefix: p, Catalog: cat})
	if err == nil || !strings.Contains(err.Error(), p+"stats") || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err = %v, want a refusal naming %sstats", err, p)
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'keep'", p+"stats").Scan(&n)
	if n != 1 {
		t.Error("the foreign database was touched")
	}
	// nothing else was created either: the check comes before any drop.
	db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?", p+"%").Scan(&n)
	if n != 1 {
		t.Errorf("%d databases with the prefix, want only the foreign one", n)
	}
}

func TestRun_BadServer(t *testing.T) {
	cat, _ := pipelines.DefaultCatalog()
	for _, tc := range []struct{ name, dsn string }{
		{"closed port", "u:s3cretpw@tcp(127.0.0.1:1)/"},
		{"bad dsn", "not a dsn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.Run(context.Background(), sim.Options{Seed: 1, Start: start, Days: 1, DSN: tc.dsn, Catalog: cat})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "s3cretpw") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q shows the password or spans lines", err)
			}
		})
	}
}

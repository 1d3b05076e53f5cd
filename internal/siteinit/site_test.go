package siteinit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/internal/siteinit"
	"github.com/chengdu-cgw/pushaudit/internal/siteinit/sitetest"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// mustServer returns the test server's DSN (PUSHAUDIT_MYSQL_DSN) and a
// connection, or skips.
func mustServer(tb testing.TB) (string, *sql.DB) {
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
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %v", err)
	}
	return dsn, db
}

// mustSimulate runs a small simulation under a unique prefix, dropped
// after the test, and returns the DSN of each of its databases.
func mustSimulate(tb testing.TB, dsn string, db *sql.DB, cat *pipelines.Catalog) (*sim.Result, []string) {
	tb.Helper()
	prefix := "pasi_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_"
	tb.Cleanup(func() {
		rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE LEFT(schema_name, ?) = ?", len(prefix), prefix)
		if err != nil {
			tb.Error(err)
			return
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			var m int
			db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", n, sim.MarkerTable).Scan(&m)
			if m == 1 {
				db.Exec("DROP DATABASE `" + n + "`")
			}
		}
	})
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai)
	res, err := sim.Run(context.Background(), sim.Options{Seed: 7, Start: start, Days: 1, CasesPerDay: 300, Components: 1000,
		DSN: dsn, DBPrefix: prefix, Catalog: cat})
	if err != nil {
		tb.Fatal(err)
	}
	cfg, _ := mysql.ParseDSN(dsn)
	var dsns []string
	for _, name := range res.Databases {
		c := cfg.Clone()
		c.DBName = name
		dsns = append(dsns, c.FormatDSN())
	}
	return res, dsns
}

// mustDrafts runs init, writes its drafts in a temporary folder and
// loads the config draft with the test server's password.
func mustDrafts(tb testing.TB, dsn string, cat *pipelines.Catalog, dsns []string) (*siteinit.Mapping, *config.Config, string) {
	tb.Helper()
	m, err := siteinit.Run(context.Background(), cat, dsns)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if _, err := m.WriteDrafts(dir); err != nil {
		tb.Fatal(err)
	}
	cfg, _ := mysql.ParseDSN(dsn)
	tb.Setenv(siteinit.PasswordEnv, cfg.Passwd)
	c, err := config.Load(filepath.Join(dir, siteinit.ConfigFile))
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, siteinit.CatalogFile))
		tb.Fatalf("config draft does not load: %v\n%s", err, b)
	}
	return m, c, dir
}

// mustCheck runs check --catalog's checks on the drafts.
func mustCheck(tb testing.TB, c *config.Config, now time.Time) []siteinit.Problem {
	tb.Helper()
	cat, err := c.LoadCatalog()
	if err != nil {
		tb.Fatalf("catalog draft does not load: %v", err)
	}
	k := &siteinit.Checker{Config: c, Catalog: cat, Now: now}
	ps, err := k.Check(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

// TestInit_Simulated: on the simulated system init finds every resource
// without help, each in the table of its own name, and the drafts pass
// check --catalog; a row deleted from a front-end table is then one
// problem naming the resource and the window.
func TestInit_Simulated(t *testing.T) {
	dsn, db := mustServer(t)
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res, dsns := mustSimulate(t, dsn, db, cat)
	m, c, _ := mustDrafts(t, dsn, cat, dsns)
	if got, want := m.Found(), len(cat.Resources); got != want || want != 55 {
		t.Fatalf("found %d of %d resources, want 55", got, want)
	}
	for _, s := range m.Sources {
		if s.DB == nil || s.DB.Name != res.Databases[s.Role.Source] {
			t.Errorf("source %s: got %v, want database %s", s.Role.Source, s.DB, res.Databases[s.Role.Source])
		}
	}
	for _, r := range m.Resources {
		if r.Resource.Mode != pipelines.ModeReceipt && (r.Table.Site.Name != r.Resource.Table || r.Score() < siteinit.Sure) {
			t.Errorf("%s: matched %s (score %.2f), want %s", r.Resource.ID(), r.Table.Site.Name, r.Score(), r.Resource.Table)
		}
	}
	if len(m.Draft.Resources) != 0 {
		t.Errorf("site catalog draft rewrites %d resources of a site named as the catalog", len(m.Draft.Resources))
	}
	if ps := mustCheck(t, c, res.AsOf); len(ps) > 0 {
		t.Fatalf("check --catalog on the simulated system: %d problems, first %s", len(ps), ps[0])
	}
	// a fault the check must see: one received row of province/case_basic gone
	if _, err := db.Exec(fmt.Sprintf("DELETE FROM `%s`.case_basic WHERE batch_id = (SELECT batch_id FROM `%s`.push_log WHERE target = 'province' AND rows_sent > 0 AND status = 'success' ORDER BY window_start DESC LIMIT 1) LIMIT 1",
		res.Databases["fe_province"], res.Databases["exchange"])); err != nil {
		t.Fatal(err)
	}
	ps := mustCheck(t, c, res.AsOf)
	if len(ps) != 1 || ps[0].Resource != "province/case_basic" || ps[0].Field != "window" || !strings.Contains(ps[0].Msg, "received") {
		t.Fatalf("after deleting one received row: %v, want one window problem of province/case_basic", ps)
	}
	// a broken expression is located to its field
	broken, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := broken.Resource("city_gov", "case_record")
	r.Columns[2].Expr = "c.no_such_column"
	broken.StatsCounters[1].Expr = "c.nor_this_one"
	// (its SQL runs: only when a row last changed names a missing column)
	r2, _ := broken.Resource("city_gov", "today_case_total")
	r2.ChangedAt = "c.modified_on"
	k := &siteinit.Checker{Config: c, Catalog: broken, Now: res.AsOf}
	ps, err = k.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range ps {
		if p.Resource != "province/case_basic" {
			lines = append(lines, p.String())
		}
	}
	want := []string{
		"city_gov/case_record: columns[2] (" + r.Columns[2].Name + ").expr: ",
		"city_gov/today_case_total: changed_at: c.modified_on does not run at the source: ",
		"stats/case_eval: stats_counters[1] (" + broken.StatsCounters[1].Name + ").expr: ",
	}
	if len(lines) != len(want) {
		t.Fatalf("problems %q, want %d", lines, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || !strings.Contains(lines[i], "Unknown column") {
			t.Errorf("problem %q, want %s… Unknown column", lines[i], w)
		}
	}
}

// TestInit_Renamed: a simulated site whose front-end tables and columns,
// push log and two business tables are renamed by SQL, with the Chinese
// COMMENTs as the only clue. init still finds every resource in its
// renamed table with every field in its renamed column, the site catalog
// draft carries the new names (and the business SQL rewritten), and the
// drafts pass check --catalog.
func TestInit_Renamed(t *testing.T) {
	dsn, db := mustServer(t)
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res, dsns := mustSimulate(t, dsn, db, cat)
	truth := sitetest.RenameSite(t, db, res, cat)
	m, c, dir := mustDrafts(t, dsn, cat, dsns)
	found, right, fields, rightFields := 0, 0, 0, 0
	for _, r := range m.Resources {
		if r.Resource.Mode == pipelines.ModeReceipt {
			continue
		}
		database := res.Databases[r.Source]
		if !r.Found() {
			t.Errorf("%s: not found", r.Resource.ID())
			continue
		}
		found++
		if want := truth.Tables[database+"."+r.Resource.Table]; r.Table.Site.Name != want {
			t.Errorf("%s: matched table %s, want %s", r.Resource.ID(), r.Table.Site.Name, want)
			continue
		}
		right++
		for _, col := range r.Resource.Columns {
			fields++
			want := truth.Columns[database+"."+r.Resource.Table+"."+col.Name]
			if got := r.Table.SiteColumn(col.Name); got == nil || got.Name != want {
				t.Errorf("%s: field %s (%s) matched %v, want %s", r.Resource.ID(), col.Name, col.ZH, got, want)
				continue
			}
			rightFields++
		}
	}
	t.Logf("renamed site: %d of %d evidence tables found, %d right; %d of %d fields right; %d resources rewritten in the site catalog",
		found, len(cat.Resources)-2, right, rightFields, fields, len(m.Draft.Resources))
	if m.PushLog == nil || m.PushLog.Table.Site.Name != "jh_tsrz" {
		t.Fatalf("push log: %+v, want jh_tsrz", m.PushLog)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, siteinit.ConfigFile)); !strings.Contains(string(b), "push_log: exchange.jh_tsrz\n") {
		t.Errorf("config draft does not name the push log exchange.jh_tsrz:\n%s", b)
	}
	// the business SQL follows the renamed tables and columns
	for _, d := range m.Draft.Resources {
		want := map[string]string{"site_photo_media": "biz.dmt_xx md", "supervisor_track": "biz.jdy_gj tk"}[d.Key]
		if d.Target == "city_cgw" && want != "" && (!strings.Contains(d.From, want) || strings.Contains(d.Where, "created_at") || strings.Contains(d.Where, "upload_time")) {
			t.Errorf("%s: from %q where %q, want %s and its renamed columns", d.ID(), d.From, d.Where, want)
		}
	}
	if t.Failed() {
		return
	}
	if ps := mustCheck(t, c, res.AsOf); len(ps) > 0 {
		for _, p := range ps {
			t.Error(p)
		}
		t.Fatalf("check --catalog on the renamed site's drafts (%s): %d problems", dir, len(ps))
	}
}

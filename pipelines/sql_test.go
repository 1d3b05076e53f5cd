package pipelines_test

// The catalog's SQL must run unchanged on DuckDB (the warehouse), MariaDB
// and go-mysql-server (the simulated sources). These tests create the biz
// and stats tables of schemas/mysql on each engine, load
// testdata/catalog/fixture.sql, fill stats.case_eval with the catalog's
// counters, and run every resource query and counter expression.

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gms "github.com/dolthub/go-mysql-server/sql"
	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/go-sql-driver/mysql"
	"github.com/sirupsen/logrus"

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

// engine is one SQL engine under test, with its names of the biz and
// stats schemas.
type engine struct {
	name   string
	db     *sql.DB
	rename map[string]string
}

func (e *engine) q(s string) string { return pipelines.RenameSchemas(s, e.rename) }

func (e *engine) exec(t *testing.T, stmt string) {
	t.Helper()
	if _, err := e.db.Exec(e.q(stmt)); err != nil {
		t.Fatalf("%s: %v\n%s", e.name, err, e.q(stmt))
	}
}

// caseEvalFill is the INSERT … SELECT that fills stats.case_eval from
// biz.cases with the catalog's counters, as the simulator does.
func caseEvalFill(t *testing.T, c *pipelines.Catalog, asOf time.Time) string {
	t.Helper()
	cols := []string{"case_id", "case_no", "report_time", "stat_date", "district_id", "street_id", "community_id",
		"unit_grid_id", "resp_grid_id", "source_id", "kind", "type_id", "main_id", "sub_id", "detail_id", "stage_id",
		"dept_id", "supervisor_id"}
	exprs := []string{"c.id", "c.case_no", "c.report_time", "CAST(c.report_time AS DATE)", "c.district_id", "c.street_id",
		"c.community_id", "c.unit_grid_id", "c.resp_grid_id", "c.source_id", "c.kind", "c.type_id", "c.main_id", "c.sub_id",
		"c.detail_id", "c.stage_id", "c.dept_id", "c.supervisor_id"}
	for _, s := range c.StatsCounters {
		cols = append(cols, s.Name)
		exprs = append(exprs, s.Expr)
	}
	cols = append(cols, "computed_at")
	exprs = append(exprs, ":as_of")
	q := "INSERT INTO stats.case_eval (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(exprs, ", ") +
		" FROM biz.cases c WHERE c.report_time < :as_of"
	out, err := pipelines.Render(q, pipelines.Params{"as_of": pipelines.TimeParam(asOf)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// loadFixture creates and fills biz and stats on e; ddl turns a MySQL
// script into the engine's statements for a schema.
func loadFixture(t *testing.T, e *engine, c *pipelines.Catalog, ddl func(script, schema string) []string) {
	t.Helper()
	for _, s := range []string{"biz", "stats"} {
		for _, stmt := range ddl(readFile(t, "../schemas/mysql/"+s+".sql"), s) {
			e.exec(t, stmt)
		}
	}
	for _, stmt := range splitSQL(readFile(t, "../testdata/catalog/fixture.sql")) {
		e.exec(t, stmt)
	}
	e.exec(t, caseEvalFill(t, c, testAsOf))
}

// text renders a scanned value for keys and messages.
func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// fixtureRows is what each resource query returns on the fixture for the
// test windows: the window semantics of the catalog, spelled out.
var fixtureRows = map[string]int{
	"city_gov/grid_info":                                3, // every responsibility grid
	"city_gov/facility_region_distribution":             3, // every district
	"city_gov/facility_display":                         2, // component sub categories
	"city_gov/streetlight_facility":                     3,
	"city_gov/facility_category_distribution":           1,
	"city_gov/facility_top10_dept_distribution":         3, // three owners
	"city_gov/component_gis_layer":                      3,
	"city_gov/case_record":                              5, // reported [11-26 23:00, 11-27 23:00)
	"city_gov/case_process":                             5, // activities started in the window
	"city_gov/streetlight_issue":                        1, // 1001, dispatched in the window
	"city_gov/road_waterlogging":                        1, // 1002
	"city_gov/streetlight_today":                        1, // 1001: filed by 11:00, open
	"city_gov/supervisor_basic":                         3, // all, no time filter
	"city_gov/supervisor_realtime_position":             4, // samples at 10:00 and 10:30
	"city_gov/supervisor_online":                        2, // online at 10:00
	"city_gov/today_case_total":                         2, // reported [10:00, 10:30)
	"city_gov/today_case_category":                      2,
	"city_gov/today_case_dept_distribution":             2,
	"city_gov/today_case_central_district_distribution": 1, // 成华区 only
	"city_gov/today_high_incidence_category_stats":      2,
	"city_gov/current_disposal_count":                   2, // 1001 and the old 1004
	"ministry/component_stats":                          2,
	"ministry/grid_stats":                               3,
	"ministry/personnel_stats":                          2,
	"ministry/department":                               5,
	"ministry/case_source_stats":                        3, // every district
	"ministry/case_category_stats":                      3,
	"ministry/case_status_stats":                        3,
	"ministry/region_case_stats":                        3,
	"ministry/dept_case_stats":                          2, // (成华区, 路灯处), (彭州市, 城管局)
	"province/case_basic":                               2, // reported [10:00, 10:10)
	"city_cgw/component_info":                           3,
	"city_cgw/case_basic":                               5,
	"city_cgw/case_process":                             5,
	"city_cgw/grid_supervisor_relation":                 3,
	"city_cgw/region_info":                              9,
	"city_cgw/supervisor_info":                          3,
	"city_cgw/site_photo_media":                         3,
	"city_cgw/case_category_relation":                   4, // three subs without details, one detail
	"city_cgw/evaluation_result":                        5,
	"city_cgw/timing_management":                        1,
	"city_cgw/supervisor_track":                         2,
	"city_cgw/organization":                             5,
	"city_cgw/position":                                 2,
	"city_cgw/personnel":                                2,
	"chenghua/case_basic":                               2, // 1001, 1006
	"chenghua/case_stats":                               2,
	"pengzhou/historical_event":                         2, // 1002, 1005
	"pengzhou/event_alert":                              1, // 1002 went overdue at 12:00
	"pengzhou/case_source_stats":                        1,
	"pengzhou/month_case_disposal":                      1,
	"pengzhou/monthly_high_incidence_stats":             1,
	"pengzhou/event_analysis_by_region":                 1, // its one street
	"pengzhou/event_analysis_trend":                     1, // 2026-11
	"qingbaijiang/case_record":                          1, // 1003
}

// runCatalog runs every resource query and every counter expression on e.
// It returns each resource's rows, normalised (see canon) and sorted, so
// engines can be compared.
func runCatalog(t *testing.T, e *engine, c *pipelines.Catalog) map[string][]string {
	results := map[string][]string{}
	for _, r := range c.Resources {
		t.Run(r.Target+"/"+r.Key, func(t *testing.T) {
			q, err := pipelines.Render(r.SourceSQL(), pipelines.WindowParams(testWindow(t, r.Cadence), testAsOf))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := e.db.Query(e.q(q))
			if err != nil {
				t.Fatalf("%s: %v\n%s", e.name, err, e.q(q))
			}
			defer rows.Close()
			names, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			idx := map[string]int{}
			for i, n := range names {
				idx[strings.ToLower(n)] = i
			}
			if len(names) != len(r.Columns) {
				t.Fatalf("%d columns, want %d", len(names), len(r.Columns))
			}
			for i, col := range r.Columns {
				if !strings.EqualFold(names[i], col.Name) {
					t.Errorf("column %d is %q, want %q", i, names[i], col.Name)
				}
			}
			keys := map[string]int{}
			n := 0
			for rows.Next() {
				vals := make([]any, len(names))
				ptrs := make([]any, len(names))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				n++
				row := make([]string, len(vals))
				for i, v := range vals {
					row[i] = canon(v)
				}
				results[r.ID()] = append(results[r.ID()], strings.Join(row, " | "))
				var k []string
				for _, kc := range r.KeyColumns {
					v := vals[idx[kc]]
					if v == nil {
						t.Errorf("row %d: key column %s is NULL", n, kc)
					}
					k = append(k, text(v))
				}
				keys[strings.Join(k, "|")]++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if want, ok := fixtureRows[r.ID()]; !ok {
				t.Errorf("no expected row count for %s", r.ID())
			} else if n != want {
				t.Errorf("%s: %d rows for window %s, want %d", e.name, n, testWindow(t, r.Cadence), want)
			}
			for k, cnt := range keys {
				if cnt > 1 {
					t.Errorf("%s: key %s appears %d times", e.name, k, cnt)
				}
			}
			sort.Strings(results[r.ID()])
		})
	}
	t.Run("stats_counters", func(t *testing.T) {
		params := pipelines.Params{"as_of": pipelines.TimeParam(testAsOf)}
		for _, s := range c.StatsCounters {
			// 0 on the NULL row of an outer join.
			q, err := pipelines.Render("SELECT "+s.Expr+" AS v FROM (SELECT 1 AS one) z LEFT JOIN biz.cases c ON 1 = 0", params)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := e.db.QueryRow(e.q(q)).Scan(&v); err != nil {
				t.Errorf("%s: counter %s: %v\n%s", e.name, s.Name, err, e.q(q))
				continue
			}
			if text(v) != "0" {
				t.Errorf("%s: counter %s is %v on an outer join's NULL row, want 0", e.name, s.Name, text(v))
			}
		}
		// The counters stats.case_eval holds are what the expressions give.
		var n int
		if err := e.db.QueryRow(e.q("SELECT COUNT(*) FROM stats.case_eval e WHERE e.report_cnt = 1")).Scan(&n); err != nil || n != 6 {
			t.Errorf("%s: stats.case_eval has %d reported cases (%v), want 6", e.name, n, err)
		}
	})
	return results
}

var (
	dateTimeRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.0+)?$`)
	numberRE   = regexp.MustCompile(`^-?\d+(\.\d+)?$`)
)

// canon renders a scanned value the same way whatever the engine and
// driver: times as "2006-01-02 15:04:05" (a date alone at midnight),
// numbers without trailing zeros.
func canon(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		s = x.Format("2006-01-02 15:04:05.000")
	case interface{ Float64() float64 }:
		s = strconv.FormatFloat(x.Float64(), 'f', -1, 64)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = text(v)
	}
	if m := dateTimeRE.FindStringSubmatch(s); m != nil {
		if m[2] == "00:00:00" {
			return m[1]
		}
		return m[1] + " " + m[2]
	}
	if numberRE.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return s
}

// duckResults runs the catalog on a fresh DuckDB, the reference engine.
func duckResults(t *testing.T, c *pipelines.Catalog) map[string][]string {
	t.Helper()
	e := &engine{name: "duckdb", db: openDuckDB(t)}
	loadFixture(t, e, c, duckDDL(t))
	var out map[string][]string
	t.Run("duckdb", func(t *testing.T) { out = runCatalog(t, e, c) })
	return out
}

// compareResults reports resources whose rows differ between engines.
func compareResults(t *testing.T, name string, got, want map[string][]string) {
	t.Helper()
	for id, w := range want {
		g := got[id]
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: %s differs from DuckDB\n%s:\n  %s\nduckdb:\n  %s", name, id, name,
				strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}
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

func TestCatalogSQLDuckDB(t *testing.T) {
	c := defaultCatalog(t)
	e := &engine{name: "duckdb", db: openDuckDB(t)}
	loadFixture(t, e, c, duckDDL(t))
	runCatalog(t, e, c)
}

// uniquePrefix names the databases of one test run on a shared server.
func uniquePrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pa_test_" + hex.EncodeToString(b) + "_"
}

var createTableRE = regexp.MustCompile(`(?m)^CREATE TABLE (\w+) \(`)

// mysqlEngine prepares a MySQL-dialect server: databases <prefix>biz and
// <prefix>stats with the schemas/mysql DDL as it is, dropped at the end.
func mysqlEngine(t *testing.T, name, dsn string) *engine {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	prefix := uniquePrefix(t)
	e := &engine{name: name, db: db, rename: map[string]string{}}
	for _, s := range []string{"biz", "stats"} {
		e.rename[s] = prefix + s
	}
	for _, tg := range defaultCatalog(t).Targets {
		e.rename[tg.Database] = prefix + tg.Database
	}
	t.Cleanup(func() {
		for _, d := range e.rename {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + d)
		}
	})
	return e
}

func mysqlDDL(e *engine) func(script, schema string) []string {
	return func(script, schema string) []string {
		db := e.rename[schema]
		stmts := []string{"CREATE DATABASE " + db}
		for _, s := range splitSQL(script) {
			stmts = append(stmts, createTableRE.ReplaceAllString(s, "CREATE TABLE "+db+".$1 ("))
		}
		return stmts
	}
}

// runFrontendDDL creates each target's front-end database from
// Catalog.FrontendDDL.
func runFrontendDDL(t *testing.T, e *engine, c *pipelines.Catalog) {
	for _, tg := range c.Targets {
		ddl, err := c.FrontendDDL(tg.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range mysqlDDL(e)(ddl, tg.Database) {
			e.exec(t, stmt)
		}
		for _, r := range c.ResourcesOf(tg.Key) {
			if r.Mode == pipelines.ModeReceipt {
				continue
			}
			cols := []string{"batch_id", "arrived_at"}
			vals := []string{"'b1'", "'2026-11-27 23:05:00.123'"}
			for _, col := range r.Columns {
				cols = append(cols, col.Name)
				vals = append(vals, "NULL")
			}
			e.exec(t, fmt.Sprintf("INSERT INTO %s.%s (%s) VALUES (%s)", tg.Database, r.Table, strings.Join(cols, ", "), strings.Join(vals, ", ")))
		}
	}
}

func TestCatalogSQLMariaDB(t *testing.T) {
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		t.Skip("PUSHAUDIT_MYSQL_DSN is not set: set it to a go-sql-driver DSN of a MariaDB/MySQL server where the user may create databases to run the catalog SQL there")
	}
	c := defaultCatalog(t)
	e := mysqlEngine(t, "mariadb", dsn)
	loadFixture(t, e, c, mysqlDDL(e))
	compareResults(t, e.name, runCatalog(t, e, c), duckResults(t, c))
	t.Run("frontend_ddl", func(t *testing.T) { runFrontendDDL(t, e, c) })
}

// startGMS serves an empty in-memory go-mysql-server on a loopback port
// and returns its DSN.
func startGMS(t *testing.T) string {
	t.Helper()
	logrus.SetOutput(io.Discard)
	pro := memory.NewDBProvider()
	eng := sqle.NewDefault(pro)
	mdb := eng.Analyzer.Catalog.MySQLDb
	ed := mdb.Editor()
	mdb.AddSuperUser(ed, "root", "localhost", "")
	mdb.AddSuperUser(ed, "root", "%", "")
	ed.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(server.Config{Protocol: "tcp", Address: l.Addr().String(), Listener: l},
		eng, gms.NewContext, memory.NewSessionBuilder(pro), nil)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Start() }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		_ = eng.Close()
	})
	return "root:@tcp(" + l.Addr().String() + ")/"
}

func TestCatalogSQLGoMySQLServer(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	c := defaultCatalog(t)
	e := mysqlEngine(t, "go-mysql-server", startGMS(t))
	loadFixture(t, e, c, mysqlDDL(e))
	compareResults(t, e.name, runCatalog(t, e, c), duckResults(t, c))
	t.Run("frontend_ddl", func(t *testing.T) { runFrontendDDL(t, e, c) })
}

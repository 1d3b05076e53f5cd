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
	"strings"
	"testing"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gms "github.com/dolthub/go-mysql-server/sql"
	"github.com/sirupsen/logrus"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// duckResults runs the catalog on a fresh DuckDB, the reference engine.
func duckResults(t *testing.T, c *pipelines.Catalog) map[string][]string {
	t.Helper()
	e := &engine{name: "duckdb", db: openDuckDB(t)}
	loadFixture(t, e, c, duckDDL(t))
	var out map[string][]string
	t.Run("duckdb", func(t *testing.T) { out = runCatalog(t, e, c) })
	return out
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

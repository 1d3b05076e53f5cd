package sim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MarkerTable is the table the simulator creates in every database it
// owns. It drops only databases that carry it.
const MarkerTable = "_pushaudit_sim"

// ErrNotOurs is returned when a database to be replaced exists without the
// simulator's marker.
var ErrNotOurs = errors.New("database exists and was not created by the simulator")

// ErrServer wraps every failure to reach or use the MySQL server.
var ErrServer = errors.New("mysql server")

// openServer connects to the server of dsn (its database name is ignored),
// with the session settings the simulator relies on.
func openServer(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: bad DSN: %s", ErrServer, scrub(err.Error()))
	}
	cfg.DBName = ""
	cfg.ParseTime = true
	cfg.Loc = pipelines.Shanghai
	cfg.InterpolateParams = true
	cfg.MultiStatements = false
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+08:00'"
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrServer, scrub(err.Error()))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: cannot connect to %s as %s: %s", ErrServer, cfg.Addr, cfg.User, scrub(err.Error()))
	}
	return db, nil
}

// scrub removes anything that looks like a password from a driver message.
func scrub(s string) string {
	if i := strings.Index(s, "@tcp("); i >= 0 {
		if j := strings.LastIndex(s[:i], ":"); j >= 0 {
			s = s[:j+1] + "***" + s[i:]
		}
	}
	return s
}

// checkOwned fails with ErrNotOurs when database name exists without the
// simulator's marker. It returns whether the database exists.
func checkOwned(ctx context.Context, db *sql.DB, name string) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		return false, fmt.Errorf("%w: look up database %s: %v", ErrServer, name, err)
	}
	if n == 0 {
		return false, nil
	}
	var m int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", name, MarkerTable).Scan(&m); err != nil {
		return false, fmt.Errorf("%w: look up %s.%s: %v", ErrServer, name, MarkerTable, err)
	}
	if m == 0 {
		return true, fmt.Errorf("database %s: %w (it has no %s table); refusing to drop it", name, ErrNotOurs, MarkerTable)
	}
	return true, nil
}

// prepareDatabase drops db when it carries the marker (refusing otherwise),
// creates it with the marker, and runs ddl in it, each statement through
// rewrite when it is not nil.
func prepareDatabase(ctx context.Context, db *sql.DB, name, ddl string, seed uint64, rewrite func(string) string) error {
	exists, err := checkOwned(ctx, db, name)
	if err != nil {
		return err
	}
	if exists {
		if _, err := db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)); err != nil {
			return fmt.Errorf("%w: drop database %s: %v", ErrServer, name, err)
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return fmt.Errorf("%w: create database %s: %v", ErrServer, name, err)
	}
	marker := fmt.Sprintf("CREATE TABLE %s.%s (created_at DATETIME NOT NULL, seed BIGINT UNSIGNED NOT NULL, note VARCHAR(128) NOT NULL, PRIMARY KEY (created_at))", quoteIdent(name), MarkerTable)
	if _, err := db.ExecContext(ctx, marker); err != nil {
		return fmt.Errorf("%w: create marker in %s: %v", ErrServer, name, err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.%s VALUES ('2000-01-01 00:00:00', ?, 'created by pushaudit sim; safe to drop')", quoteIdent(name), MarkerTable), seed); err != nil {
		return fmt.Errorf("%w: fill marker in %s: %v", ErrServer, name, err)
	}
	for _, stmt := range splitSQL(ddl) {
		if rewrite != nil {
			stmt = rewrite(stmt)
		}
		stmt = qualifyCreate(stmt, name)
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w: DDL of %s: %v\n%s", ErrServer, name, err, firstLine(stmt))
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// splitSQL splits a DDL file into statements at semicolons that end a line,
// dropping comment-only lines.
func splitSQL(ddl string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(ddl, "\n") {
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trim, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, s)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// serverKind tells MariaDB/MySQL from go-mysql-server (the embedded server
// of the demo), whose in-memory tables check primary and unique keys with
// a linear scan per inserted row.
func serverKind(ctx context.Context, db *sql.DB) (string, error) {
	var version, comment sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@version, @@version_comment").Scan(&version, &comment); err != nil {
		return "", fmt.Errorf("%w: read server version: %v", ErrServer, err)
	}
	v := strings.ToLower(version.String + " " + comment.String)
	switch {
	case strings.Contains(v, "mariadb"):
		return "mariadb", nil
	case strings.Contains(v, "dolt") || strings.Contains(v, "go-mysql-server") || !strings.Contains(v, "mysql"):
		return "go-mysql-server", nil
	}
	return "mysql", nil
}

var (
	primaryKeyRE = regexp.MustCompile(`(?m)^(\s*)PRIMARY KEY \(`)
	uniqueKeyRE  = regexp.MustCompile(`(?m)^(\s*)UNIQUE KEY `)
)

// keyedTables keep their primary keys on every server, so that joins on
// them are key lookups: the dimension tables, and the cases with their
// statistics, which the many-row tables join to.
var keyedTables = map[string]bool{
	"regions": true, "resp_grids": true, "unit_grids": true, "departments": true, "positions": true,
	"staff": true, "supervisors": true, "categories": true, "components": true, "timing_rules": true,
	"case_sources": true, "case_stages": true, "cases": true, "case_eval": true,
}

var createTableRE = regexp.MustCompile(`^CREATE TABLE ([a-z_0-9]+)`)

// keylessDDL declares the primary and unique keys of the growing tables as
// plain indexes, for go-mysql-server: its in-memory tables check such keys
// by scanning the whole table for every inserted row, which makes a load
// quadratic, while plain indexes cost nothing to keep. The simulator's keys
// are unique by construction, so the data are the same.
func keylessDDL(stmt string) string {
	if m := createTableRE.FindStringSubmatch(stmt); m != nil && keyedTables[m[1]] {
		return stmt
	}
	stmt = primaryKeyRE.ReplaceAllString(stmt, "${1}KEY pk (")
	return uniqueKeyRE.ReplaceAllString(stmt, "${1}KEY ")
}

// qualifyCreate turns "CREATE TABLE t (" into "CREATE TABLE db.t (".
func qualifyCreate(stmt, db string) string {
	const p = "CREATE TABLE "
	if strings.HasPrefix(stmt, p) {
		return p + quoteIdent(db) + "." + stmt[len(p):]
	}
	return stmt
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// insertBatch is how many rows one INSERT carries.
const insertBatch = 500

// insertTable writes t into database dbName with multi-row INSERTs.
func insertTable(ctx context.Context, db *sql.DB, dbName string, t *table) error {
	if len(t.rows) == 0 {
		return nil
	}
	head := fmt.Sprintf("INSERT INTO %s.%s (%s) VALUES ", quoteIdent(dbName), quoteIdent(t.name), strings.Join(t.cols, ", "))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	stmt := func(rows int) string {
		return head + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
	}
	// Every batch but the last has the same statement: build it once.
	size := min(insertBatch, len(t.rows))
	full := stmt(size)
	args := make([]any, 0, size*len(t.cols))
	for i := 0; i < len(t.rows); i += insertBatch {
		j := min(i+insertBatch, len(t.rows))
		q := full
		if j-i != size {
			q = stmt(j - i)
		}
		args = args[:0]
		for _, row := range t.rows[i:j] {
			args = append(args, row...)
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%w: insert into %s.%s (rows %d–%d): %v", ErrServer, dbName, t.name, i+1, j, err)
		}
	}
	return nil
}

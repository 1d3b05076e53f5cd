// Package siteinit onboards a site: it inspects the MySQL databases a
// list of DSNs can read (information_schema: tables, columns, types, keys,
// indexes and the Chinese COMMENTs this kind of system writes), matches
// them to the catalog's sources, resources and fields with a confidence,
// and checks a site catalog against the live databases. It only reads.
package siteinit

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Database is what one readable database holds.
type Database struct {
	// Server is the DSN's address and user (never the password).
	Addr, User string
	Name       string
	Tables     []*Table
	// dsn is the DSN it was read through (with the password): for the
	// checks only, never printed.
	dsn string
}

// Table is one base table of a site database.
type Table struct {
	Name          string
	Comment       string
	Rows          int64 // information_schema's estimate
	AutoIncrement bool
	Columns       []*Column
	// Unique lists the column sets of the primary key and unique indexes.
	Unique [][]string
	// Indexed lists the first column of every index.
	Indexed map[string]bool
}

// Column is one column of a site table.
type Column struct {
	Name    string
	Type    string // COLUMN_TYPE, e.g. varchar(64)
	Comment string
	Key     bool // part of the primary key
}

// Column returns the column named n (case-insensitive).
func (t *Table) Column(n string) *Column {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, n) {
			return c
		}
	}
	return nil
}

// Table returns the table named n (case-insensitive).
func (d *Database) Table(n string) *Table {
	for _, t := range d.Tables {
		if strings.EqualFold(t.Name, n) {
			return t
		}
	}
	return nil
}

var systemSchemas = map[string]bool{"information_schema": true, "mysql": true, "performance_schema": true, "sys": true}

// ParseDSN parses a DSN the way init and check use it (times in Shanghai).
// The error never holds the password.
func ParseDSN(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	cfg.Loc = pipelines.Shanghai
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+08:00'"
	return cfg, nil
}

// Open connects to the server of dsn with init's session settings.
func Open(ctx context.Context, dsn string) (*sql.DB, *mysql.Config, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("bad DSN: %s", scrub(err.Error()))
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s@%s: %s", cfg.User, cfg.Addr, scrub(err.Error()))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s@%s: %s", cfg.User, cfg.Addr, scrub(err.Error()))
	}
	return db, cfg, nil
}

// scrub removes a password from a driver message.
func scrub(s string) string {
	if i := strings.Index(s, "@tcp("); i >= 0 {
		if j := strings.LastIndex(s[:i], ":"); j >= 0 {
			s = s[:j+1] + "***" + s[i:]
		}
	}
	return s
}

// Inspect reads the structure of every database the DSNs can read: the
// DSN's database, or every non-system database of the server when the
// DSN names none. A database reached through two DSNs is read once.
func Inspect(ctx context.Context, dsns []string) ([]*Database, error) {
	var out []*Database
	seen := map[string]bool{}
	for i, dsn := range dsns {
		db, cfg, err := Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("--mysql #%d: %w", i+1, err)
		}
		dbs, err := inspectServer(ctx, db, cfg)
		db.Close()
		if err != nil {
			return nil, fmt.Errorf("--mysql #%d (%s@%s): %w", i+1, cfg.User, cfg.Addr, err)
		}
		for _, d := range dbs {
			id := d.Addr + "/" + d.Name
			if seen[id] {
				continue
			}
			seen[id] = true
			c := cfg.Clone()
			c.DBName = d.Name
			d.dsn = c.FormatDSN()
			out = append(out, d)
		}
	}
	return out, nil
}

func inspectServer(ctx context.Context, db *sql.DB, cfg *mysql.Config) ([]*Database, error) {
	var names []string
	if cfg.DBName != "" {
		names = []string{cfg.DBName}
	} else {
		rows, err := db.QueryContext(ctx, "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name")
		if err != nil {
			return nil, fmt.Errorf("list databases: %w", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return nil, err
			}
			if !systemSchemas[strings.ToLower(n)] {
				names = append(names, n)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []*Database
	for _, n := range names {
		d, err := inspectDatabase(ctx, db, n)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", n, err)
		}
		d.Addr, d.User = cfg.Addr, cfg.User
		if len(d.Tables) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

func inspectDatabase(ctx context.Context, db *sql.DB, name string) (*Database, error) {
	d := &Database{Name: name}
	byName := map[string]*Table{}
	rows, err := db.QueryContext(ctx, `SELECT table_name, COALESCE(table_comment, ''), COALESCE(table_rows, 0), auto_increment IS NOT NULL
		FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name`, name)
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	for rows.Next() {
		t := &Table{Indexed: map[string]bool{}}
		if err := rows.Scan(&t.Name, &t.Comment, &t.Rows, &t.AutoIncrement); err != nil {
			rows.Close()
			return nil, err
		}
		if t.Name == "_pushaudit_sim" {
			continue
		}
		d.Tables = append(d.Tables, t)
		byName[t.Name] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT table_name, column_name, column_type, COALESCE(column_comment, ''), column_key
		FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, ordinal_position`, name)
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	for rows.Next() {
		var tn, key string
		c := &Column{}
		if err := rows.Scan(&tn, &c.Name, &c.Type, &c.Comment, &key); err != nil {
			rows.Close()
			return nil, err
		}
		c.Key = key == "PRI"
		if t := byName[tn]; t != nil {
			t.Columns = append(t.Columns, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT table_name, index_name, non_unique, column_name
		FROM information_schema.statistics WHERE table_schema = ? ORDER BY table_name, index_name, seq_in_index`, name)
	if err != nil {
		return nil, fmt.Errorf("indexes: %w", err)
	}
	type idx struct {
		unique bool
		cols   []string
	}
	idxs := map[string]map[string]*idx{}
	for rows.Next() {
		var tn, in, cn string
		var nonUnique int
		if err := rows.Scan(&tn, &in, &nonUnique, &cn); err != nil {
			rows.Close()
			return nil, err
		}
		if idxs[tn] == nil {
			idxs[tn] = map[string]*idx{}
		}
		x := idxs[tn][in]
		if x == nil {
			x = &idx{unique: nonUnique == 0}
			idxs[tn][in] = x
		}
		x.cols = append(x.cols, cn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for tn, m := range idxs {
		t := byName[tn]
		if t == nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Indexed[m[k].cols[0]] = true
			if m[k].unique {
				t.Unique = append(t.Unique, m[k].cols)
			}
		}
	}
	return d, nil
}

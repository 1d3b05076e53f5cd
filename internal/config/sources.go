package config

import (
	"fmt"
	"net"
	"regexp"
	"sort"

	"github.com/go-sql-driver/mysql"
)

// validateSources checks every source: its name, database, policies,
// masks and connection; bad is Validate's collector.
func (c *Config) validateSources(bad func(string, ...any)) {
	if e := c.Snapshot.CountEvery; e < 0 {
		bad("snapshot.count_every: %v is negative (0 counts every run)", e)
	}
	if n := c.Snapshot.Parallel; n < 0 {
		bad("snapshot.parallel: %d is negative (0 takes the default %d, 1 one source after the other)", n, DefaultSnapshotParallel)
	}
	if r := c.Snapshot.MaxRowsPerSec; r < 0 {
		bad("snapshot.max_rows_per_sec: %v is negative (0 sets no cap)", r)
	}
	checkAddr := func(at, addr string) {
		if _, _, err := net.SplitHostPort(addr); addr != "" && err != nil {
			bad("%s.addr: %q is not host:port", at, addr)
		}
	}
	checkAddr(mysqlSection, c.MySQL.Addr) // once, not by each source that inherits it
	for _, name := range c.SourceNames() {
		s := c.Sources[name]
		if !sourceNameRE.MatchString(name) {
			bad("sources.%q: a source name is the warehouse schema the catalog's SQL names (biz.cases): letters, digits and _, not starting with a digit, at most 64", name)
		}
		if s.Database == "" {
			bad("sources.%s.database: empty", name)
		}
		for table, p := range s.Policies {
			switch p.Policy {
			case "", "full", "append":
			case "incremental":
				if p.Watermark == "" {
					bad("sources.%s.policies.%s.watermark: empty (incremental needs a watermark column)", name, table)
				}
			default:
				bad("sources.%s.policies.%s.policy: %q is not full, incremental or append", name, table, p.Policy)
			}
			if p.CountEvery != nil && *p.CountEvery < 0 {
				bad("sources.%s.policies.%s.count_every: %v is negative (0 counts every run)", name, table, *p.CountEvery)
			}
		}
		c.validateMasks(name, s, bad)
		conn := c.conn(name, s)
		if conn.Addr == "" {
			bad("sources.%s.addr: empty (and no mysql.addr)", name)
		} else if conn.addrAt != mysqlSection {
			checkAddr(conn.addrAt, conn.Addr)
		}
		if conn.User == "" {
			bad("sources.%s.user: empty (and no mysql.user)", name)
		}
		if conn.TLS != nil && conn.Params["tls"] != "" {
			bad("sources.%s: tls and params.tls together (give tls only)", name)
		}
	}
}

// sourceNameRE is what a source name may be: a plain SQL identifier, since
// it is the warehouse schema of the source's tables and the catalog's SQL
// names it unquoted. MySQL database and table names, which the site does
// not choose, may be anything and are always quoted.
var sourceNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// SourceNames returns the configured source names, sorted.
func (c *Config) SourceNames() []string {
	out := make([]string, 0, len(c.Sources))
	for k := range c.Sources {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mysqlSection is where the connection settings every source inherits
// are written.
const mysqlSection = "mysql"

// sourceConn is a source's connection as used: its own settings, each
// one it leaves out taken from the mysql section; and where the settings
// whose errors are reported were written ("sources.NAME" or mysql), so an
// error names the block to fix.
type sourceConn struct {
	Conn
	addrAt, passwordAt, tlsAt string
}

func (c *Config) conn(name string, s Source) sourceConn {
	own := "sources." + name
	m := sourceConn{Conn: s.Conn, addrAt: own, passwordAt: own, tlsAt: own}
	if m.Addr == "" {
		m.Addr, m.addrAt = c.MySQL.Addr, mysqlSection
	}
	if m.User == "" {
		m.User = c.MySQL.User
	}
	if m.PasswordEnv == "" && m.PasswordFile == "" {
		m.PasswordEnv, m.PasswordFile, m.passwordAt = c.MySQL.PasswordEnv, c.MySQL.PasswordFile, mysqlSection
	}
	if m.Params == nil {
		m.Params = c.MySQL.Params
	}
	if m.TLS == nil {
		m.TLS, m.tlsAt = c.MySQL.TLS, mysqlSection
	}
	return m
}

// DSN builds the go-sql-driver DSN of source name, reading its password
// from the environment or the file. The DSN holds the password: never log
// it (Redact it first).
func (c *Config) DSN(name string) (string, error) {
	s, ok := c.Sources[name]
	if !ok {
		return "", fmt.Errorf("config: no source %q", name)
	}
	conn := c.conn(name, s)
	pw, err := c.password(name, conn)
	if err != nil {
		return "", err
	}
	m := mysql.NewConfig()
	m.User, m.Passwd, m.Net, m.Addr, m.DBName = conn.User, pw, "tcp", conn.Addr, s.Database
	if len(conn.Params) > 0 {
		m.Params = map[string]string{}
		for k, v := range conn.Params {
			m.Params[k] = v
		}
	}
	if conn.TLS != nil {
		if m.TLSConfig, err = c.tlsConfig(name, conn); err != nil {
			return "", err
		}
	}
	return m.FormatDSN(), nil
}

// password reads the password of source name; an error names the block
// the setting is written in, and the source when it inherits it.
func (c *Config) password(name string, conn sourceConn) (string, error) {
	field := conn.passwordAt
	if field == mysqlSection {
		field += " (inherited by sources." + name + ")"
	}
	return c.readSecret(field, "password", conn.PasswordEnv, conn.PasswordFile)
}

// Redact replaces the password of a DSN with ***.
func Redact(dsn string) string {
	m, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if m.Passwd != "" {
		m.Passwd = "***"
	}
	return m.FormatDSN()
}

package config_test

// Connection strings built from the config, their errors, and secrets
// redacted wherever a DSN is shown.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

func TestConfig_DSN(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw.txt"), []byte("file-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pw-crlf.txt"), []byte("crlf-s3cret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PA_TEST_MYSQL_PASSWORD", "env-s3cret")
	t.Setenv("PA_TEST_OTHER_PASSWORD", "other-s3cret")
	src := `
mysql:
  addr: 10.0.0.12:3306
  user: auditor
  password_env: PA_TEST_MYSQL_PASSWORD
  params: {charset: utf8mb4, wait_timeout: "60"}
sources:
  biz: {database: biz}
  stats: {database: stats, addr: 10.0.0.20:3307, user: stats_reader}
  exchange: {database: exchange, password_file: pw.txt}
  fe_a: {database: fe_a, password_file: pw-crlf.txt}
  fe_b: {database: fe_b, password_env: PA_TEST_OTHER_PASSWORD, params: {sql_select_limit: "1000"}}
`
	c := mustParse(t, src, dir)
	tests := []struct {
		source                 string
		addr, user, pw, dbname string
		params                 map[string]string
	}{
		{"biz", "10.0.0.12:3306", "auditor", "env-s3cret", "biz", map[string]string{"charset": "utf8mb4", "wait_timeout": "60"}},
		{"stats", "10.0.0.20:3307", "stats_reader", "env-s3cret", "stats", map[string]string{"charset": "utf8mb4", "wait_timeout": "60"}},
		{"exchange", "10.0.0.12:3306", "auditor", "file-s3cret", "exchange", map[string]string{"charset": "utf8mb4", "wait_timeout": "60"}},
		{"fe_a", "10.0.0.12:3306", "auditor", "crlf-s3cret", "fe_a", map[string]string{"charset": "utf8mb4", "wait_timeout": "60"}},
		{"fe_b", "10.0.0.12:3306", "auditor", "other-s3cret", "fe_b", map[string]string{"sql_select_limit": "1000"}},
	}
	for _, tc := range tests {
		t.Run(tc.source, func(t *testing.T) {
			dsn, err := c.DSN(tc.source)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatalf("ParseDSN(%q): %v", config.Redact(dsn), err)
			}
			if got, want := m.Addr, tc.addr; got != want {
				t.Errorf("Addr = %q, want %q", got, want)
			}
			if got, want := m.Net, "tcp"; got != want {
				t.Errorf("Net = %q, want %q", got, want)
			}
			if got, want := m.User, tc.user; got != want {
				t.Errorf("User = %q, want %q", got, want)
			}
			if got, want := m.Passwd, tc.pw; got != want {
				t.Errorf("Passwd = %q, want %q", got, want)
			}
			if got, want := m.DBName, tc.dbname; got != want {
				t.Errorf("DBName = %q, want %q", got, want)
			}
			for k, v := range tc.params {
				if !strings.Contains(dsn, k+"="+v) {
					t.Errorf("DSN %q lacks %s=%s", config.Redact(dsn), k, v)
				}
			}
			if got, want := strings.Count(dsn, "="), len(tc.params); got != want {
				t.Errorf("DSN %q has %d parameters, want %d", config.Redact(dsn), got, want)
			}
		})
	}
}

func TestConfig_DSNErrors(t *testing.T) {
	t.Setenv("PA_TEST_OTHER_PASSWORD", "other-s3cret")
	src := base + `  exchange: {database: exchange, password_file: nowhere/pw.txt}
  fe_b: {database: fe_b, password_env: PA_TEST_OTHER_PASSWORD}
`
	checkDSNErrors(t, mustParse(t, src, t.TempDir()), []dsnErrorCase{
		{"unknown source", "nosuch", []string{`no source "nosuch"`}, ""},
		{"env var not set", "biz", []string{"mysql (inherited by sources.biz)", "PA_TEST_MYSQL_PASSWORD", "password_env", "not set"}, ""},
		{"password file missing", "exchange", []string{"sources.exchange", "password_file", filepath.Join("nowhere", "pw.txt")}, ""},
	})
}

// dsnErrorCase is a source whose DSN must fail with an error holding
// every string of want and not notWant (when not empty).
type dsnErrorCase struct {
	name, source string
	want         []string
	notWant      string
}

// checkDSNErrors runs each case against c; no error may hold a secret.
func checkDSNErrors(t *testing.T, c *config.Config, cases []dsnErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dsn, err := c.DSN(tc.source)
			if err == nil {
				t.Fatalf("no error, DSN %s", config.Redact(dsn))
			}
			wantErrContains(t, err, tc.want...)
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error %q names %s", err, tc.notWant)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q holds a secret", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"password hidden", "auditor:s3cret@tcp(10.0.0.12:3306)/biz", "auditor:***@tcp(10.0.0.12:3306)/biz"},
		{"no password", "auditor@tcp(10.0.0.12:3306)/biz", "auditor@tcp(10.0.0.12:3306)/biz"},
		{"password with @ and :", "auditor:p@ss:w0rd@tcp(10.0.0.12:3306)/biz", "auditor:***@tcp(10.0.0.12:3306)/biz"},
		{"unparsable", "auditor:s3cret@tcp(10.0.0.12:3306)biz", "(unparsable DSN)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := config.Redact(tc.dsn)
			if got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.dsn, got, tc.want)
			}
			if strings.Contains(got, "s3cret") || strings.Contains(got, "w0rd") {
				t.Errorf("Redact(%q) = %q holds the password", tc.dsn, got)
			}
		})
	}
}

// TestConfig_DSNErrors_Inherited: an error in a connection setting a
// source inherits from mysql names mysql, where it is fixed; one in the
// source's own block names the source.
func TestConfig_DSNErrors_Inherited(t *testing.T) {
	t.Setenv("PA_TEST_MYSQL_PASSWORD", "s3cret")
	src := `
mysql:
  addr: 10.0.0.12:3306
  user: auditor
  password_file: nowhere/pw.txt
  tls: {ca_file: nowhere/ca.pem}
sources:
  biz: {database: biz}
  own: {database: own, password_env: PA_TEST_MYSQL_PASSWORD, tls: {ca_file: elsewhere/ca.pem}}
  pw: {database: pw, password_env: PA_TEST_MYSQL_PASSWORD}
`
	checkDSNErrors(t, mustParse(t, src, t.TempDir()), []dsnErrorCase{
		{"inherited password file", "biz", []string{"mysql (inherited by sources.biz)", "password_file", filepath.Join("nowhere", "pw.txt")}, ""},
		{"inherited tls", "pw", []string{"mysql.tls.ca_file", filepath.Join("nowhere", "ca.pem")}, "sources.pw"},
		{"own tls", "own", []string{"sources.own.tls.ca_file", filepath.Join("elsewhere", "ca.pem")}, "mysql"},
	})
}

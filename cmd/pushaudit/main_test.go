package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runResult is what one in-process run of the CLI gave.
type runResult struct {
	code           int
	stdout, stderr string
}

// runMain runs the whole CLI in-process, closes what it opened, and
// returns the exit code and the output.
func runMain(tb testing.TB, args ...string) runResult {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	code := m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		tb.Errorf("pushaudit %s: close: %v", strings.Join(args, " "), err)
	}
	return runResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// MustRunMain runs the CLI in-process and fails the test when the exit
// code is not want.
func MustRunMain(tb testing.TB, want int, args ...string) runResult {
	tb.Helper()
	r := runMain(tb, args...)
	if r.code != want {
		tb.Fatalf("pushaudit %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, tail(r.stdout, 40), tail(r.stderr, 40))
	}
	return r
}

// MustWriteFile writes content to name in dir and returns its path.
func MustWriteFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// isolateEnv clears the environment variables the CLI reads, so a test
// does not pick up a developer's config or server.
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"PUSHAUDIT_CONFIG", "PUSHAUDIT_MYSQL_DSN", "PUSHAUDIT_LOG_LEVEL"} {
		t.Setenv(k, "")
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// withoutLogRecords drops the JSON log records from lines of stderr.
func withoutLogRecords(ls []string) []string {
	var out []string
	for _, l := range ls {
		if !strings.HasPrefix(l, "{") {
			out = append(out, l)
		}
	}
	return out
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestMain_Run_Usage(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		name       string
		args       []string
		want       int
		stdout     string // substring of stdout ("" = not checked)
		stderr     string // substring of stderr ("" = must be empty)
		stderrLine bool   // stderr is exactly one line
	}{
		{name: "no command", args: nil, want: exitUsage, stdout: "usage: pushaudit"},
		{name: "unknown command", args: []string{"bogus"}, want: exitUsage, stderr: `unknown command "bogus"`},
		{name: "help flag", args: []string{"--help"}, want: exitOK, stdout: "Exit codes: 0 all ok, 1 findings, 2 could not run, 64 bad usage or config."},
		{name: "help short flag", args: []string{"-h"}, want: exitOK, stdout: "usage: pushaudit"},
		{name: "help command", args: []string{"help"}, want: exitOK, stdout: "usage: pushaudit"},
		{name: "unknown global flag", args: []string{"--bogus", "check"}, want: exitUsage, stderr: "-bogus", stderrLine: true},

		{name: "reconcile bad from", args: []string{"reconcile", "--from", "2026-13-01"}, want: exitUsage, stderr: `--from: "2026-13-01" is not a date`, stderrLine: true},
		{name: "reconcile bad to", args: []string{"reconcile", "--from", "2026-11-20", "--to", "20261121"}, want: exitUsage, stderr: "--to", stderrLine: true},
		{name: "reconcile to before from", args: []string{"reconcile", "--from", "2026-11-20", "--to", "2026-11-19"}, want: exitUsage, stderr: "--to 2026-11-19 is before --from", stderrLine: true},
		{name: "reconcile no from", args: []string{"reconcile"}, want: exitUsage, stderr: "--from is required", stderrLine: true},
		{name: "reconcile no config", args: []string{"reconcile", "--from", "2026-11-20"}, want: exitUsage, stderr: "--config", stderrLine: true},
		{name: "reconcile bad format", args: []string{"reconcile", "--from", "2026-11-20", "--format", "xml"}, want: exitUsage, stderr: `--format "xml"`, stderrLine: true},
		{name: "reconcile unknown flag", args: []string{"reconcile", "--nope"}, want: exitUsage, stderr: "-nope", stderrLine: true},
		{name: "reconcile stray argument", args: []string{"reconcile", "--from", "2026-11-20", "extra"}, want: exitUsage, stderr: `unexpected argument "extra"`, stderrLine: true},
		{name: "bad log level", args: []string{"--log-level", "verbose", "check"}, want: exitUsage, stderr: `--log-level (or PUSHAUDIT_LOG_LEVEL) "verbose"`, stderrLine: true},
		{name: "report bad quarter", args: []string{"report", "--period", "2026-Q5"}, want: exitUsage, stderr: `--period "2026-Q5"`, stderrLine: true},
		{name: "report bad half-month", args: []string{"report", "--period", "2026-11-H3"}, want: exitUsage, stderr: `--period "2026-11-H3"`, stderrLine: true},
		{name: "report bad month", args: []string{"report", "--period", "2026-13"}, want: exitUsage, stderr: `--period "2026-13"`, stderrLine: true},
		{name: "report no period", args: []string{"report"}, want: exitUsage, stderr: "--period is required", stderrLine: true},
		{name: "report quarter no config", args: []string{"report", "--period", "2026-Q4"}, want: exitUsage, stderr: "--config", stderrLine: true},
		{name: "report impossible day", args: []string{"report", "--period", "2026-02-30"}, want: exitUsage, stderr: "--period", stderrLine: true},
		{name: "report bad lang", args: []string{"report", "--period", "2026-11-20", "--lang", "fr"}, want: exitUsage, stderr: `--lang "fr"`, stderrLine: true},
		{name: "report no config", args: []string{"report", "--period", "2026-11-20"}, want: exitUsage, stderr: "--config", stderrLine: true},
		{name: "sim no mysql", args: []string{"sim"}, want: exitUsage, stderr: "--mysql DSN is required", stderrLine: true},
		{name: "sim bad days", args: []string{"sim", "--days", "abc"}, want: exitUsage, stderr: "-days", stderrLine: true},
		{name: "sim bad start", args: []string{"sim", "--mysql", "u:p@tcp(127.0.0.1:1)/", "--start", "2026/11/20"}, want: exitUsage, stderr: "--start", stderrLine: true},
		{name: "sim zero days", args: []string{"sim", "--mysql", "u:p@tcp(127.0.0.1:1)/", "--days", "0"}, want: exitUsage, stderr: "--days", stderrLine: true},
		{name: "snapshot source without warehouse", args: []string{"snapshot", "--source", "biz=u:p@tcp(127.0.0.1:1)/biz"}, want: exitUsage, stderr: "--warehouse", stderrLine: true},
		{name: "snapshot source not name=dsn", args: []string{"snapshot", "--source", "biz", "--warehouse", "w.duckdb"}, want: exitUsage, stderr: `--source "biz"`, stderrLine: true},
		{name: "snapshot negative cap", args: []string{"snapshot", "--source", "biz=u:p@tcp(127.0.0.1:1)/biz", "--warehouse", "w.duckdb", "--max-rows-per-sec", "-5"}, want: exitUsage, stderr: "--max-rows-per-sec -5 is negative", stderrLine: true},
		{name: "repair bad date", args: []string{"repair", "--target", "province", "--date", "2026-13-01", "--out", "x"}, want: exitUsage, stderr: `--date: "2026-13-01" is not a date`, stderrLine: true},
		{name: "check no config", args: []string{"check"}, want: exitUsage, stderr: "--config", stderrLine: true},
		{name: "demo bad start", args: []string{"demo", "--start", "tomorrow"}, want: exitUsage, stderr: "--start", stderrLine: true},
	}
	for _, c := range commands {
		tests = append(tests, struct {
			name       string
			args       []string
			want       int
			stdout     string
			stderr     string
			stderrLine bool
		}{name: c.name + " help", args: []string{c.name, "--help"}, want: exitOK, stdout: "usage: pushaudit"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustRunMain(t, tt.want, tt.args...)
			if tt.stdout != "" && !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.stdout, r.stdout)
			}
			switch {
			case tt.stderr == "" && r.stderr != "":
				t.Errorf("stderr not empty:\n%s", r.stderr)
			case !strings.Contains(r.stderr, tt.stderr):
				t.Errorf("stderr does not contain %q:\n%s", tt.stderr, r.stderr)
			}
			if n := len(lines(r.stderr)); tt.stderrLine && n != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", n, r.stderr)
			}
			if tt.stderrLine && !strings.HasPrefix(r.stderr, "pushaudit: ") {
				t.Errorf("stderr does not start with %q: %q", "pushaudit: ", r.stderr)
			}
		})
	}
}

func TestMain_Run_BadConfig(t *testing.T) {
	isolateEnv(t)
	const good = "mysql: {addr: \"127.0.0.1:1\", user: auditor}\nsources:\n  biz: {database: biz}\n"
	tests := []struct {
		name   string
		config string
		args   []string // after --config FILE; default check
		field  string   // the message names it
	}{
		{name: "timezone", config: "timezone: UTC\n" + good, field: `timezone: "UTC"`},
		{name: "empty source", config: "sources: {biz: {}}\n", field: "sources.biz.database: empty"},
		{name: "source without address", config: "sources: {biz: {database: biz}}\n", field: "sources.biz.addr"},
		{name: "address without port", config: "mysql: {addr: db.example, user: auditor}\nsources: {biz: {database: biz}}\n", field: `mysql.addr: "db.example"`},
		{name: "now", config: "now: yesterday\n" + good, field: `now: "yesterday"`},
		{name: "once_at", config: "once_at: 2026-11-31\n" + good, field: "once_at"},
		{name: "push_log", config: "evidence: {push_log: push_log}\n" + good, field: "evidence.push_log"},
		{name: "schedule cadence", config: "schedules: {every_15m: {stale_after: 1h}}\n" + good, field: "schedules.every_15m"},
		{name: "unknown field", config: "warehous: x.duckdb\n" + good, field: "warehous"},
		{name: "empty warehouse", config: "warehouse: \"\"\n" + good, field: "warehouse: empty"},
		{name: "not yaml", config: "sources: [\n", field: "yaml"},
		{name: "reconcile", config: "timezone: UTC\n" + good, args: []string{"reconcile", "--from", "2026-11-20"}, field: "timezone"},
		{name: "report", config: "timezone: UTC\n" + good, args: []string{"report", "--period", "2026-11-20"}, field: "timezone"},
		{name: "snapshot", config: "timezone: UTC\n" + good, args: []string{"snapshot"}, field: "timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := MustWriteFile(t, t.TempDir(), "pushaudit.yaml", tt.config)
			args := tt.args
			if args == nil {
				args = []string{"check"}
			}
			r := MustRunMain(t, exitUsage, append([]string{"--config", path}, args...)...)
			if !strings.Contains(r.stderr, tt.field) {
				t.Errorf("stderr does not name %q:\n%s", tt.field, r.stderr)
			}
			if !strings.Contains(r.stderr, path) {
				t.Errorf("stderr does not name the file %s:\n%s", path, r.stderr)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nowhere.yaml")
		r := MustRunMain(t, exitUsage, "--config", path, "check")
		if !strings.Contains(r.stderr, path) {
			t.Errorf("stderr does not name the file %s:\n%s", path, r.stderr)
		}
	})
}

// TestMain_Run_CannotRun covers the failures that mean "could not run"
// (exit 2), and malformed DSNs, which are bad usage (64) caught before
// anything starts: one line on stderr, never the password.
func TestMain_Run_CannotRun(t *testing.T) {
	isolateEnv(t)
	const secret = "s3cretpw"
	t.Setenv("PA_TEST_PASSWORD", secret)
	dir := t.TempDir()
	MustWriteFile(t, dir, "db.password", secret+"\n")
	envConfig := MustWriteFile(t, dir, "env.yaml", "mysql: {addr: \"127.0.0.1:1\", user: auditor, password_env: PA_TEST_PASSWORD}\nsources:\n  biz: {database: biz}\n  stats: {database: stats}\n")
	fileConfig := MustWriteFile(t, dir, "file.yaml", "mysql: {addr: \"127.0.0.1:1\", user: auditor, password_file: db.password}\nsources:\n  biz: {database: biz}\n")
	tests := []struct {
		name   string
		args   []string
		want   int
		stderr string // substring of the one error line on stderr
		logs   bool   // JSON log records may come before the error line
	}{
		{name: "sim server down", args: []string{"sim", "--mysql", "u:" + secret + "@tcp(127.0.0.1:1)/"}, want: exitCannot, stderr: "127.0.0.1:1"},
		{name: "sim server down with debug log", args: []string{"--log-level", "debug", "sim", "--mysql", "u:" + secret + "@tcp(127.0.0.1:1)/", "--manifest", filepath.Join(dir, "m.json")}, want: exitCannot, stderr: "127.0.0.1:1"},
		{name: "sim bad dsn", args: []string{"sim", "--mysql", "not a dsn"}, want: exitUsage, stderr: "--mysql"},
		{name: "sim bad dsn with password", args: []string{"sim", "--mysql", "u:" + secret + "@tcp(127.0.0.1:1"}, want: exitUsage, stderr: "--mysql"},
		{name: "demo bad dsn", args: []string{"demo", "--mysql", "u:" + secret + "@127.0.0.1"}, want: exitUsage, stderr: "--mysql"},
		{name: "check source down, password_env", args: []string{"--config", envConfig, "check"}, want: exitCannot, stderr: "2 of 2 sources unreachable"},
		{name: "check source down, password_file", args: []string{"--config", fileConfig, "check"}, want: exitCannot, stderr: "1 of 1 sources unreachable"},
		{name: "snapshot source down", args: []string{"--config", fileConfig, "snapshot", "--warehouse", filepath.Join(dir, "w.duckdb")}, want: exitCannot, stderr: "127.0.0.1:1", logs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustRunMain(t, tt.want, tt.args...)
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the password is printed:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			got := lines(r.stderr)
			if tt.logs {
				got = withoutLogRecords(got)
			}
			if len(got) != 1 {
				t.Fatalf("stderr has %d lines, want 1:\n%s", len(got), r.stderr)
			}
			if !strings.HasPrefix(got[0], "pushaudit: ") || !strings.Contains(got[0], tt.stderr) {
				t.Errorf("stderr = %q, want a line starting with %q and containing %q", got[0], "pushaudit: ", tt.stderr)
			}
		})
	}
	t.Run("check lists the failing sources", func(t *testing.T) {
		r := MustRunMain(t, exitCannot, "--config", envConfig, "check")
		for _, want := range []string{"biz", "stats", "FAIL", "auditor@127.0.0.1:1/biz"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
			}
		}
	})
}

// MustBuildDemoDB builds cmd/pushaudit-demodb into a temporary folder and
// returns its path: the demo's embedded server runs as a child process.
func MustBuildDemoDB(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), demoDBName)
	out, err := exec.Command("go", "build", "-o", p, "../pushaudit-demodb").CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %v\n%s", demoDBName, err, out)
	}
	return p
}

func TestMain_Run_DemoWithoutServerBinary(t *testing.T) {
	isolateEnv(t)
	t.Setenv("PUSHAUDIT_DEMODB", filepath.Join(t.TempDir(), "missing"))
	r := MustRunMain(t, exitCannot, "demo", "--out", t.TempDir())
	if !strings.Contains(r.stderr, "embedded MySQL server") {
		t.Errorf("stderr does not name the embedded server:\n%s", r.stderr)
	}
}

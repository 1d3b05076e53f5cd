package main

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// badDir is the project's corpus of malformed inputs (issue 14): configs,
// site catalogs and DSNs here; receipt files under receipts/, loaded by
// the evidence package's test.
const (
	badDir       = "../../testdata/bad"
	badCLIGolden = badDir + "/cli.golden"
	badSecret    = "s3cret"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/bad/cli.golden")

// badCase is one malformed input and the command line that reads it.
type badCase struct {
	name string   // e.g. config/01-unknown-top-key.yaml, dsn.txt:4
	args []string // the CLI arguments
	// wantUsage: the input is the user's mistake (64); otherwise a
	// failed run (2) is also accepted, as for a secret that cannot be
	// read when a source is reached.
	wantUsage bool
	// warehouse is a path that must not exist after the run.
	warehouse string
}

// badCases lists every case of the corpus, with dir a scratch folder.
func badCases(t *testing.T, dir string) []badCase {
	t.Helper()
	var cases []badCase
	abs, err := filepath.Abs(badDir)
	if err != nil {
		t.Fatal(err)
	}
	configs, _ := filepath.Glob(filepath.Join(abs, "config", "*.yaml"))
	for _, p := range configs {
		name := "config/" + filepath.Base(p)
		// the secrets cases are reached by check, which then fails to run
		usage := !strings.Contains(name, "password-") && !strings.Contains(name, "mask-key-")
		cases = append(cases, badCase{name: name, args: []string{"--config", p, "check"}, wantUsage: usage})
	}
	catalogs, _ := filepath.Glob(filepath.Join(abs, "catalog", "*.yaml"))
	for _, p := range catalogs {
		cfg := MustWriteFile(t, dir, "catalog-"+filepath.Base(p), "warehouse: w.duckdb\ncatalog: "+p+"\n")
		cases = append(cases, badCase{name: "catalog/" + filepath.Base(p), args: []string{"--config", cfg, "check"}, wantUsage: true})
	}
	f, err := os.Open(filepath.Join(abs, "dsn.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		dsn := sc.Text()
		if dsn == "" || strings.HasPrefix(dsn, "#") {
			continue
		}
		wh := filepath.Join(dir, "dsn", strings.Repeat("x", line)+".duckdb")
		cases = append(cases, badCase{name: "dsn.txt:" + strconv.Itoa(line), args: []string{"snapshot", "--source", "biz=" + dsn, "--warehouse", wh}, wantUsage: true, warehouse: wh})
	}
	return cases
}

// TestBadInputs_CLI runs every malformed config, site catalog and DSN of
// the corpus through the CLI: none panics, each exits 64 (bad usage) or,
// for a secret that cannot be read, 2; each prints a line naming the
// file (or the flag) and the line or field; no DSN case creates a
// warehouse; the password never appears. cli.golden holds the messages;
// -update rewrites it.
func TestBadInputs_CLI(t *testing.T) {
	isolateEnv(t)
	t.Setenv("PUSHAUDIT_BAD_CORPUS_UNSET", "")
	dir := t.TempDir()
	cases := badCases(t, dir)
	abs, _ := filepath.Abs(badDir)
	var got strings.Builder
	for _, c := range cases {
		r := runMain(t, c.args...)
		out := withoutLogRecords(lines(r.stdout + r.stderr))
		text := strings.NewReplacer(abs+"/", "", dir+"/", "").Replace(strings.Join(out, "\n"))
		got.WriteString("== " + c.name + ": exit " + strconv.Itoa(r.code) + "\n" + text + "\n")
		switch {
		case c.wantUsage && r.code != exitUsage:
			t.Errorf("%s: exit %d, want %d (bad usage)\n%s", c.name, r.code, exitUsage, text)
		case !c.wantUsage && r.code != exitUsage && r.code != exitCannot:
			t.Errorf("%s: exit %d, want %d or %d\n%s", c.name, r.code, exitUsage, exitCannot, text)
		}
		if strings.Contains(r.stdout+r.stderr, badSecret) {
			t.Errorf("%s: the password is printed:\n%s", c.name, text)
		}
		if file, _, _ := strings.Cut(c.name, ":"); !strings.Contains(text, filepath.Base(file)) && !strings.Contains(text, "--source biz") && !strings.Contains(text, "sources.biz") {
			t.Errorf("%s: no line names the file, the flag or the field:\n%s", c.name, text)
		}
		if c.warehouse != "" {
			if _, err := os.Stat(c.warehouse); err == nil {
				t.Errorf("%s: a warehouse was created for a malformed DSN", c.name)
			}
		}
	}
	if n := len(cases); n < 40 {
		t.Errorf("the corpus has %d CLI cases, want at least 40 (receipts aside)", n)
	}
	if *updateGolden {
		if err := os.WriteFile(badCLIGolden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(badCLIGolden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", badCLIGolden, got.String())
	}
}

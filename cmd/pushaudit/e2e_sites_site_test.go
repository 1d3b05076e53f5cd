package main

// The simulated site the conventions test changes by SQL (site), and how it
// reconciles it and judges each window's verdict.

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// siteResult is one line of reconcile --format json.
type siteResult struct {
	Target      string  `json:"target"`
	Resource    string  `json:"resource"`
	WindowStart string  `json:"window_start"`
	Status      string  `json:"status"`
	Expected    *int64  `json:"expected"`
	Claimed     *int64  `json:"claimed"`
	Received    *int64  `json:"received"`
	Detail      *string `json:"detail"`
}

func (r siteResult) key() string { return r.Target + "/" + r.Resource + "/" + r.WindowStart }

func (r siteResult) detail() string {
	if r.Detail == nil {
		return ""
	}
	return *r.Detail
}

// site is the simulated system under change.
type site struct {
	t        *testing.T
	db       *sql.DB
	dir      string
	cfg      *config.Config
	names    map[string]string // logical database → actual
	man      manifest
	snapshot bool // the MySQL side changed since the last snapshot
	// known are findings a step made on purpose (a row moved to the next
	// window's batch arrives late), by key, with their verdict.
	known map[string]string
	// quietDown: the exchange logs no empty push, so a quiet window of a
	// target that was down is ok (nothing says a push was missed).
	quietDown bool
	// stderr is what the last reconcile printed there.
	stderr string
}

func (s *site) exec(q string, args ...any) int64 {
	s.t.Helper()
	for logical, actual := range s.names {
		q = strings.ReplaceAll(q, "{"+logical+"}", "`"+actual+"`")
	}
	res, err := s.db.Exec(q, args...)
	if err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	n, _ := res.RowsAffected()
	s.snapshot = true
	return n
}

// reconcile writes the config, snapshots when the databases changed and
// reconciles the days; it returns the results by key.
func (s *site) reconcile(from, to string) map[string]siteResult {
	s.t.Helper()
	b, err := yaml.Marshal(s.cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	path := filepath.Join(s.dir, "site.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		s.t.Fatal(err)
	}
	if s.snapshot {
		r := MustRunMain(s.t, exitOK, "--config", path, "snapshot")
		if strings.Contains(r.stdout, "NOT published") {
			s.t.Fatalf("snapshot:\n%s", r.stdout)
		}
		s.snapshot = false
	}
	r := runMain(s.t, "--config", path, "reconcile", "--from", from, "--to", to, "--format", "json")
	if r.code != exitOK && r.code != exitFindings {
		s.t.Fatalf("reconcile: exit %d\n%s", r.code, tail(r.stderr, 40))
	}
	s.stderr = r.stderr
	out := map[string]siteResult{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var x siteResult
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			s.t.Fatalf("reconcile line %q: %v", sc.Text(), err)
		}
		out[x.key()] = x
	}
	if len(out) == 0 {
		s.t.Fatalf("reconcile printed no results:\n%s", tail(r.stderr, 20))
	}
	return out
}

// verdicts compares the results with the manifest: each injected fault
// has its verdict, or one allow accepts for it; a finding nothing was
// injected for is a false alarm, unless clean accepts it.
func (s *site) verdicts(got map[string]siteResult, allow func(e manifestEntry, x siteResult) bool, clean func(x siteResult) bool) {
	s.t.Helper()
	injected := map[string]bool{}
	for _, e := range s.man.Entries {
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		injected[k] = true
		x, ok := got[k]
		switch {
		case !ok:
			s.t.Errorf("%s (%s): no result, want %s", k, e.Kind, e.ExpectStatus)
		case s.quietDown && e.Kind == "target_down" && x.Status == "ok" && x.Expected != nil && *x.Expected == 0:
		case x.Status != e.ExpectStatus && (allow == nil || !allow(e, x)):
			s.t.Errorf("%s (%s): %s, want %s (%s)", k, e.Kind, x.Status, e.ExpectStatus, x.detail())
		}
	}
	findings := 0
	for k, x := range got {
		if !pipelines.Status(x.Status).Finding() {
			continue
		}
		findings++
		if !injected[k] && s.known[k] != x.Status && (clean == nil || !clean(x)) {
			s.t.Errorf("%s: %s, not injected (%s)", k, x.Status, x.detail())
		}
	}
	s.t.Logf("%d results, %d findings, %d manifest entries", len(got), findings, len(s.man.Entries))
}

type manifestEntry = struct {
	Target       string `json:"target"`
	Resource     string `json:"resource"`
	WindowStart  string `json:"window_start"`
	Kind         string `json:"kind"`
	ExpectStatus string `json:"expect_status"`
}

// windowFilter is a resource's usual window filter on one time column.
var windowFilter = regexp.MustCompile(`^\s*([a-z_]+\.[a-z_]+)\s*>=\s*:window_start\s+AND\s+([a-z_]+\.[a-z_]+)\s*<\s*:window_end\s*$`)

// mustSimSite simulates a site (seed, days, cases a day, faults) in a
// MariaDB of the test's own and returns it ready to change by SQL.
func mustSimSite(t *testing.T, seed, days, cases, faults int) (*site, *sql.DB) {
	t.Helper()
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	manifestPath, configPath := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "sim.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", fmt.Sprint(seed), "--days", fmt.Sprint(days),
		"--cases-per-day", fmt.Sprint(cases), "--faults", fmt.Sprint(faults), "--manifest", manifestPath, "--write-config", configPath)
	c, err := config.Load(configPath)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, db: db, dir: dir, cfg: c, names: map[string]string{}, man: MustReadManifest(t, manifestPath), snapshot: true, known: map[string]string{}}
	for logical, src := range c.Sources {
		s.names[logical] = src.Database
		// The changes rewrite the site's history in place (push-log times,
		// statuses, dropped batch columns, purged rows), which an append or
		// incremental policy rightly does not re-read: copy every table in
		// full, as a site's first snapshot does.
		src.Policies = nil
		c.Sources[logical] = src
	}
	return s, db
}

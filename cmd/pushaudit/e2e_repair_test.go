package main

// The repair plan, applied: its SQL run in the simulated front-end
// databases after injected faults (made by SQL, or by the simulator)
// resolves every finding it covers, and no new finding appears.

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// planWindow is the part of a window of repair --format json the tests read.
type planWindow struct {
	Target      string    `json:"target"`
	Resource    string    `json:"resource"`
	WindowStart string    `json:"window_start"`
	Status      string    `json:"status"`
	StatusAfter string    `json:"status_after"`
	Covered     bool      `json:"covered"`
	Columns     []string  `json:"columns"`
	Push        []jsonKey `json:"push"`
	Delete      []struct {
		Rows []jsonKey `json:"rows"`
	} `json:"delete"`
}

type jsonKey struct {
	Key    string    `json:"key"`
	Values []*string `json:"values"`
}

// targetsWithFindings lists the targets (not stats) with a finding in got.
func targetsWithFindings(got map[string]*gotKeys) []string {
	seen := map[string]bool{}
	for k, g := range got {
		t, _, _ := strings.Cut(k, "/")
		if g.status.Finding() && t != pipelines.StatsTarget {
			seen[t] = true
		}
	}
	var out []string
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// repairPlan runs repair for every target of targets on day in format
// into dir/format and returns the files written.
func (s *faultSite) repairPlan(day, format string, targets []string) []string {
	s.t.Helper()
	dir := filepath.Join(s.dir, "repair-"+format)
	for _, tg := range targets {
		r := runMain(s.t, "--config", s.config, "repair", "--target", tg, "--date", day, "--format", format, "--out", dir)
		if r.code != exitOK && r.code != exitFindings {
			s.t.Fatalf("repair --target %s: exit %d\n%s\n%s", tg, r.code, r.stdout, tail(r.stderr, 20))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*."+format))
	if err != nil || len(files) == 0 {
		s.t.Fatalf("repair wrote no %s file in %s (%v)", format, dir, err)
	}
	return files
}

// planOf reads the JSON plans.
func (s *faultSite) planOf(files []string) map[string]planWindow {
	s.t.Helper()
	out := map[string]planWindow{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			s.t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var w planWindow
			if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
				s.t.Fatalf("%s: %v", f, err)
			}
			out[w.Target+"/"+w.Resource+"/"+w.WindowStart] = w
		}
	}
	return out
}

var databaseLine = regexp.MustCompile(`(?m)^--\s+mysql .*-D (\S+) < FILE$`)

// applySQL runs each file as it is in the database its header names, as
// `mysql -D db < file` does: the whole text, statements and comments, in
// one multi-statement request.
func (s *faultSite) applySQL(files []string) {
	s.t.Helper()
	cfg, err := mysql.ParseDSN(os.Getenv("PUSHAUDIT_MYSQL_DSN"))
	if err != nil {
		s.t.Fatal(err)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			s.t.Fatal(err)
		}
		if strings.Contains(string(text), "`"+s.names["biz"]+"`") || regexp.MustCompile("(?i)(INTO|FROM) `[^`]+`\\.`").Match(text) {
			s.t.Errorf("%s names a table with its database", f)
		}
		m := databaseLine.FindSubmatch(text)
		if m == nil {
			s.t.Fatalf("%s does not say which database it runs in", f)
		}
		c := cfg.Clone()
		c.DBName, c.MultiStatements = string(m[1]), true
		conn, err := mysql.NewConnector(c)
		if err != nil {
			s.t.Fatal(err)
		}
		db := sql.OpenDB(conn)
		if _, err := db.Exec(string(text)); err != nil {
			s.t.Errorf("%s in %s: %v", filepath.Base(f), m[1], err)
		}
		db.Close()
	}
}

// checkRepaired compares the results before and after the repair: every
// window the plan covers is no finding any more, and every finding after
// was the same finding before.
func checkRepaired(t *testing.T, plan map[string]planWindow, before, after map[string]*gotKeys) (covered int) {
	t.Helper()
	for k, w := range plan {
		a := after[k]
		switch {
		case a == nil:
			t.Errorf("%s: no result after the repair", k)
		case w.Covered && a.status.Finding():
			t.Errorf("%s: %s before, covered by the plan (%s after), still %s", k, w.Status, w.StatusAfter, a.status)
		case w.Covered:
			covered++
		}
	}
	for k, a := range after {
		if !a.status.Finding() {
			continue
		}
		if b := before[k]; b == nil || b.status != a.status {
			t.Errorf("%s: %s after the repair, a new finding (before: %v)", k, a.status, b)
		}
	}
	return covered
}

func TestMain_Run_RepairResolvesSimulatorFaults(t *testing.T) {
	s := mustCleanSite(t, 3, 300, 9)
	MustRunMain(t, exitOK, "--config", s.config, "snapshot")
	before := s.reconcileKeys("2026-11-20")
	targets := targetsWithFindings(before)
	plan := s.planOf(s.repairPlan("2026-11-20", "json", targets))
	s.applySQL(s.repairPlan("2026-11-20", "sql", targets))
	MustRunMain(t, exitOK, "--config", s.config, "snapshot")
	after := s.reconcileKeys("2026-11-20")
	covered := checkRepaired(t, plan, before, after)
	t.Logf("%d windows planned, %d covered", len(plan), covered)
	// the simulator's partial push, lost rows, failed-as-success push and
	// drifted one-time push are each repairable in the front end.
	man := MustReadManifest(t, filepath.Join(s.dir, "manifest.json"))
	kinds := map[string]bool{}
	for _, e := range man.Entries {
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		switch e.Kind {
		case "partial_push", "lost_at_target", "failed_as_success", "once_source_drift":
			kinds[e.Kind] = true
			if !plan[k].Covered {
				t.Errorf("%s (%s): not covered by the plan: %+v", k, e.Kind, plan[k])
			}
		}
	}
	if len(kinds) != 4 {
		t.Errorf("the simulation made the repairable faults %v, want all 4 kinds", kinds)
	}

	// An incident's plan: the windows of its findings.
	inc := MustRunMain(t, exitOK, "--config", s.config, "incidents", "--format", "json")
	var first struct {
		ID      string `json:"id"`
		Windows int    `json:"windows"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(inc.stdout, "\n", 2)[0]), &first); err != nil || first.ID == "" {
		t.Fatalf("incidents --format json: %v\n%s", err, inc.stdout)
	}
	incOut := filepath.Join(s.dir, "incident-plan")
	if r := runMain(t, "--config", s.config, "repair", "--incident", first.ID, "--format", "json", "--out", incOut); r.code != exitOK && r.code != exitFindings {
		t.Errorf("repair --incident %s: exit %d\n%s", first.ID, r.code, r.stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(incOut, "*.json")); len(files) == 0 {
		t.Errorf("repair --incident %s (%d windows) wrote no plan", first.ID, first.Windows)
	}

	// what it refuses, and why.
	out := filepath.Join(s.dir, "refused")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--incident", "inc-1"}, exitUsage, `incident "inc-1": no such finding`},
		{[]string{"--finding", "0000000000000000"}, exitUsage, `finding "0000000000000000": no such finding`},
		{[]string{"--target", "nowhere", "--date", "2026-11-20"}, exitUsage, `"nowhere" is not a target`},
		{[]string{"--target", "province"}, exitUsage, "--target needs --date"},
		{[]string{"--finding", "x", "--target", "province", "--date", "2026-11-20"}, exitUsage, "give one of"},
		{[]string{"--target", "province", "--date", "2026-11-20", "--format", "xml"}, exitUsage, `--format "xml"`},
	} {
		r := runMain(t, append([]string{"--config", s.config, "repair", "--out", out}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("repair %v: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused repair created %s", out)
	}
}

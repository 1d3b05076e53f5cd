package main

// The clean simulation the keys test faults by SQL (faultSite), and how it
// reads back the keys each verdict holds on both reconcile paths.

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// wantKeys is what one faulted window must hold.
type wantKeys struct {
	status                     pipelines.Status
	missing, extra, mismatch   []string
	duplicate                  map[string]int64 // key → occurrences
	expected, claimed, receive int64            // -1: not checked
}

// gotKeys is what reconcile stored for one window.
type gotKeys struct {
	status                               pipelines.Status
	missing, extra, mismatch             []string
	duplicate                            map[string]int64
	nMissing, nExtra, nDup, nMismatch    int64
	expected, claimed, received, jsonHit int64
}

// faultSite is a clean simulation on the test server with its names.
type faultSite struct {
	t      *testing.T
	db     *sql.DB
	names  map[string]string // logical database → server database
	dir    string
	config string
	cat    *pipelines.Catalog
	// hostileCase is the case whose source text is hostile.
	hostileCase string
}

func mustCleanSite(t *testing.T, seed, casesPerDay, faults int) *faultSite {
	t.Helper()
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	config := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", fmt.Sprint(seed), "--days", "1",
		"--cases-per-day", fmt.Sprint(casesPerDay), "--faults", fmt.Sprint(faults),
		"--manifest", filepath.Join(dir, "manifest.json"), "--write-config", config)
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return &faultSite{t: t, db: db, names: sim.DatabaseNames(prefix, cat), dir: dir, config: config, cat: cat}
}

// tbl is `server database`.`table` of a logical database.
func (s *faultSite) tbl(logical, table string) string {
	return "`" + s.names[logical] + "`.`" + table + "`"
}

func (s *faultSite) exec(q string, args ...any) int64 {
	s.t.Helper()
	r, err := s.db.Exec(q, args...)
	if err != nil {
		s.t.Fatalf("%v\nSQL: %s", err, q)
	}
	n, _ := r.RowsAffected()
	return n
}

func (s *faultSite) strings(q string, args ...any) []string {
	s.t.Helper()
	rows, err := s.db.Query(q, args...)
	if err != nil {
		s.t.Fatalf("%v\nSQL: %s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, v.String)
	}
	return out
}

// batch is one push-log batch of the clean simulation.
type simBatch struct {
	start time.Time
	id    string
	rows  int64
}

// batches lists the batches of target/resource whose window starts in
// [from, to) with at least minRows rows.
func (s *faultSite) batches(target, resource, from, to string, minRows int) []simBatch {
	s.t.Helper()
	rows, err := s.db.Query("SELECT window_start, batch_id, rows_sent FROM "+s.tbl("exchange", "push_log")+
		" WHERE target = ? AND resource = ? AND window_start >= ? AND window_start < ? AND rows_sent >= ? ORDER BY window_start",
		target, resource, from, to, minRows)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var out []simBatch
	for rows.Next() {
		var b simBatch
		var ws string
		if err := rows.Scan(&ws, &b.id, &b.rows); err != nil {
			s.t.Fatal(err)
		}
		b.start, err = time.ParseInLocation("2006-01-02 15:04:05", ws, pipelines.Shanghai)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// copyRow inserts a copy of the front-end row rowID of table with some
// columns set to SQL expressions, and returns nothing: the copy gets its
// own row id.
func (s *faultSite) copyRow(feDB, table string, rowID string, set map[string]string) {
	s.t.Helper()
	cols := s.strings("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name <> 'fe_row_id' ORDER BY ordinal_position",
		s.names[feDB], table)
	var sel []string
	for _, c := range cols {
		if e, ok := set[c]; ok {
			sel = append(sel, e)
		} else {
			sel = append(sel, "`"+c+"`")
		}
	}
	s.exec(fmt.Sprintf("INSERT INTO %s (`%s`) SELECT %s FROM %s WHERE fe_row_id = %s",
		s.tbl(feDB, table), strings.Join(cols, "`, `"), strings.Join(sel, ", "), s.tbl(feDB, table), rowID))
}

func wkey(target, resource string, start time.Time) string {
	return target + "/" + resource + "/" + start.In(pipelines.Shanghai).Format(time.RFC3339)
}

// reconcileKeys runs reconcile for the day and returns every result's
// status and counts (JSON) with its keys (the warehouse's result keys).
func (s *faultSite) reconcileKeys(day string) map[string]*gotKeys {
	s.t.Helper()
	r := runMain(s.t, "--config", s.config, "reconcile", "--from", day, "--format", "json")
	if r.code != exitOK && r.code != exitFindings {
		s.t.Fatalf("reconcile: exit %d\n%s", r.code, tail(r.stderr, 20))
	}
	out := map[string]*gotKeys{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var j jsonResult
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			s.t.Fatalf("%v: %s", err, sc.Text())
		}
		g := &gotKeys{status: pipelines.Status(j.Status), nMissing: j.MissingKeys, nExtra: j.ExtraKeys, nDup: j.DuplicateKeys, duplicate: map[string]int64{}}
		for p, v := range map[*int64]*int64{&g.expected: j.Expected, &g.claimed: j.Claimed, &g.received: j.Received} {
			*p = -1
			if v != nil {
				*p = *v
			}
		}
		out[j.Target+"/"+j.Resource+"/"+j.WindowStart] = g
	}
	wh, err := sql.Open("duckdb", filepath.Join(s.dir, "site.duckdb")+"?access_mode=read_only")
	if err != nil {
		s.t.Fatal(err)
	}
	defer wh.Close()
	d, _ := time.ParseInLocation(time.DateOnly, day, pipelines.Shanghai)
	rows, err := wh.Query(`SELECT r.target, r.resource, r.window_start, r.mismatched, k.kind, k.key, k.occurrences
FROM audit.latest_results(?::TIMESTAMP, ?::TIMESTAMP) r
LEFT JOIN audit.result_keys k USING (run_id, target, resource, window_start)`,
		d.Format("2006-01-02 15:04:05"), d.AddDate(0, 0, 1).Format("2006-01-02 15:04:05"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, resource string
		var ws time.Time
		var mismatched int64
		var kind, key sql.NullString
		var occ sql.NullInt64
		if err := rows.Scan(&target, &resource, &ws, &mismatched, &kind, &key, &occ); err != nil {
			s.t.Fatal(err)
		}
		start := time.Date(ws.Year(), ws.Month(), ws.Day(), ws.Hour(), ws.Minute(), ws.Second(), 0, pipelines.Shanghai)
		g := out[wkey(target, resource, start)]
		if g == nil {
			continue // a window of the day not in the JSON (stats are)
		}
		g.nMismatch = mismatched
		switch kind.String {
		case "missing":
			g.missing = append(g.missing, key.String)
		case "extra":
			g.extra = append(g.extra, key.String)
		case "mismatch":
			g.mismatch = append(g.mismatch, key.String)
		case "duplicate":
			g.duplicate[key.String] = occ.Int64
		}
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	for _, g := range out {
		sort.Strings(g.missing)
		sort.Strings(g.extra)
		sort.Strings(g.mismatch)
	}
	return out
}

// explainKeys runs explain (the one-window path) for the window k
// (target/resource/start) and returns its status and keys.
func (s *faultSite) explainKeys(k string) *gotKeys {
	s.t.Helper()
	parts := strings.SplitN(k, "/", 3)
	r := runMain(s.t, "--config", s.config, "explain", "--target", parts[0], "--resource", parts[1], "--window", parts[2], "--format", "json")
	if r.code != exitOK && r.code != exitFindings {
		s.t.Fatalf("explain %s: exit %d\n%s", k, r.code, tail(r.stderr, 20))
	}
	var e struct {
		jsonResult
		Keys      map[string][]string `json:"keys"`
		KeyCounts map[string]int64    `json:"key_counts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil {
		s.t.Fatalf("explain %s: %v", k, err)
	}
	g := &gotKeys{status: pipelines.Status(e.Status), missing: e.Keys["missing"], extra: e.Keys["extra"], mismatch: e.Keys["mismatch"],
		nMissing: e.KeyCounts["missing"], nExtra: e.KeyCounts["extra"], nDup: e.KeyCounts["duplicate"], nMismatch: e.KeyCounts["mismatch"],
		duplicate: map[string]int64{}}
	for _, d := range e.Keys["duplicate"] {
		g.duplicate[d] = -1 // explain lists duplicate keys without occurrences
	}
	return g
}

// checkKeys compares what a path stored with what the fault must give.
func checkKeys(t *testing.T, path, k string, g *gotKeys, w wantKeys) {
	t.Helper()
	if g == nil {
		t.Errorf("%s %s: no result, want %s", path, k, w.status)
		return
	}
	if g.status != w.status {
		t.Errorf("%s %s: status %s, want %s", path, k, g.status, w.status)
	}
	sorted := func(ss []string) []string {
		out := slices.Clone(ss)
		sort.Strings(out)
		return out
	}
	for _, c := range []struct {
		kind      string
		got, want []string
		n         int64
	}{{"missing", g.missing, w.missing, g.nMissing}, {"extra", g.extra, w.extra, g.nExtra}, {"mismatch", g.mismatch, w.mismatch, g.nMismatch}} {
		if !slices.Equal(sorted(c.got), sorted(c.want)) {
			t.Errorf("%s %s: %s keys %v, want %v", path, k, c.kind, c.got, sorted(c.want))
		}
		if c.n != int64(len(c.want)) {
			t.Errorf("%s %s: %d %s keys counted, want %d", path, k, c.n, c.kind, len(c.want))
		}
	}
	if g.nDup != int64(len(w.duplicate)) || len(g.duplicate) != len(w.duplicate) {
		t.Errorf("%s %s: %d duplicate keys (%v), want %d (%v)", path, k, g.nDup, g.duplicate, len(w.duplicate), w.duplicate)
	}
	for key, occ := range w.duplicate {
		got, ok := g.duplicate[key]
		if !ok || (got != -1 && got != occ) {
			t.Errorf("%s %s: duplicate key %s received %d times (present %v), want %d", path, k, key, got, ok, occ)
		}
	}
	if path == "reconcile" {
		for _, c := range []struct {
			name      string
			got, want int64
		}{{"expected", g.expected, w.expected}, {"claimed", g.claimed, w.claimed}, {"received", g.received, w.receive}} {
			if c.want >= 0 && c.got != c.want {
				t.Errorf("%s %s: %s %d, want %d", path, k, c.name, c.got, c.want)
			}
		}
	}
}

package main

// The demo's incidents against the simulator's fault manifest: each
// injected fault is one incident, of the level a reader of table 3-5
// expects; the target down of hours (about a hundred stale windows) is one
// 一级 incident, not a hundred findings.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// demoIncident is a line of `incidents --format json`, as a script reads
// it.
type demoIncident struct {
	ID               string   `json:"id"`
	Targets          []string `json:"targets"`
	Resources        []string `json:"resources"`
	FirstWindowStart string   `json:"first_window_start"`
	LastWindowEnd    string   `json:"last_window_end"`
	Windows          int      `json:"windows"`
	Statuses         []string `json:"statuses"`
	Level            int      `json:"level"`
	DetectedAt       string   `json:"detected_at"`
	RespondBy        *string  `json:"respond_by"`
	ResolveBy        *string  `json:"resolve_by"`
	RespondedAt      *string  `json:"responded_at"`
	ResolvedAt       *string  `json:"resolved_at"`
	WholeTarget      bool     `json:"whole_target"`
	Report           string   `json:"report"`
}

// holdIncidents checks the incidents of the demo in out against its
// manifest.
func holdIncidents(t *testing.T, out string) {
	r := MustRunMain(t, exitOK, "--config", filepath.Join(out, "demo.yaml"), "incidents", "--format", "json")
	var incs []demoIncident
	byID := map[string]demoIncident{}
	for _, l := range lines(r.stdout) {
		var in demoIncident
		if err := json.Unmarshal([]byte(l), &in); err != nil {
			t.Fatalf("incidents line %q: %v", l, err)
		}
		for _, s := range []string{in.FirstWindowStart, in.LastWindowEnd, in.DetectedAt, *in.RespondBy, *in.ResolveBy} {
			if _, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "+08:00") {
				t.Errorf("%s: time %q is not RFC 3339 at +08:00", in.ID, s)
			}
		}
		incs = append(incs, in)
		byID[in.ID] = in
	}

	b, err := os.ReadFile(filepath.Join(out, "demo-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man sim.Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	// Which incident holds each manifest entry: the ledger's link of the
	// finding of that window.
	db, err := sql.Open("duckdb", filepath.Join(out, "demo.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var findings, linked, unverifiableLinked int
	if err := db.QueryRow(`SELECT count(*), count(incident_id), count(incident_id) FILTER (WHERE status = 'unverifiable') FROM audit.findings`).
		Scan(&findings, &linked, &unverifiableLinked); err != nil {
		t.Fatal(err)
	}
	if unverifiableLinked != 0 {
		t.Errorf("%d unverifiable findings in incidents, want none", unverifiableLinked)
	}
	faultOf := map[int]sim.FaultRecord{}
	for _, f := range man.Injected {
		faultOf[f.N] = f
	}
	incidentsOf := map[int]map[string]bool{}
	faultsOf := map[string]map[int]bool{}
	for _, e := range man.Entries {
		ws, err := time.Parse(time.RFC3339, e.WindowStart)
		if err != nil {
			t.Fatal(err)
		}
		var id sql.NullString
		err = db.QueryRow(`SELECT any_value(incident_id) FROM audit.findings WHERE target = ? AND resource = ? AND window_start = ?`,
			e.Target, e.Resource, ws.In(pipelines.Shanghai).Format("2006-01-02 15:04:05")).Scan(&id)
		if err != nil || !id.Valid {
			t.Errorf("fault %d (%s) %s/%s %s: no incident (%v)", e.Fault, e.Kind, e.Target, e.Resource, e.WindowStart, err)
			continue
		}
		if incidentsOf[e.Fault] == nil {
			incidentsOf[e.Fault] = map[string]bool{}
		}
		incidentsOf[e.Fault][id.String] = true
		if faultsOf[id.String] == nil {
			faultsOf[id.String] = map[int]bool{}
		}
		faultsOf[id.String][e.Fault] = true
	}
	entries := map[int]int{}
	for _, e := range man.Entries {
		entries[e.Fault]++
	}
	var faults []int
	for n := range incidentsOf {
		faults = append(faults, n)
	}
	sort.Ints(faults)
	for _, n := range faults {
		f := faultOf[n]
		ids := incidentsOf[n]
		if len(ids) != 1 {
			t.Errorf("fault %d (%s, %s/%s, %d windows) is in %d incidents %v, want one", n, f.Kind, f.Target, f.Resource, entries[n], len(ids), keys(ids))
			continue
		}
		for id := range ids {
			in := byID[id]
			if len(faultsOf[id]) != 1 {
				t.Errorf("incident %s holds faults %v, want only fault %d", id, faultsOf[id], n)
			}
			want := expectLevel(f.Kind)
			if want != 0 && in.Level != want {
				t.Errorf("fault %d (%s): incident %s level %d, want %d", n, f.Kind, id, in.Level, want)
			}
			if f.Kind == sim.FaultTargetDown && (!in.WholeTarget || in.Windows != entries[n] || len(in.Targets) != 1 || in.Targets[0] != f.Target) {
				t.Errorf("target down %s: incident %+v, want the whole target, %d windows", f.Target, in, entries[n])
			}
			t.Logf("fault %d %-18s %-13s %3d windows -> %s level %d whole %v", n, f.Kind, f.Target, entries[n], id, in.Level, in.WholeTarget)
		}
	}
	// Every incident is a fault of the manifest: the demo has no other
	// finding.
	for _, in := range incs {
		if len(faultsOf[in.ID]) == 0 {
			t.Errorf("incident %s (%v %v %v) holds no injected fault", in.ID, in.Targets, in.Resources, in.Statuses)
		}
	}
	if len(incs) != len(faults) {
		t.Errorf("%d incidents for %d injected faults", len(incs), len(faults))
	}
	t.Logf("%d findings (%d linked) grouped into %d incidents", findings, linked, len(incs))
}

// expectLevel is the level a reader of table 3-5 expects of a fault kind
// in the demo, whose windows hold far fewer rows than major_rows.
func expectLevel(k sim.FaultKind) int {
	switch k {
	case sim.FaultTargetDown:
		return 1 // "导致系统瘫痪，重要核心业务无法开展"
	case sim.FaultMissed, sim.FaultPartial, sim.FaultFailedAsSuccess, sim.FaultLostAtTarget:
		return 3 // one window of one resource: "系统功能削弱，但大部分业务运作仍可正常工作"
	case sim.FaultLate, sim.FaultDuplicate, sim.FaultStatsDrift, sim.FaultOnceDrift:
		return 4 // "软硬件临时性报错、某个单项功能"
	}
	return 0
}

func keys(m map[string]bool) string {
	var l []string
	for k := range m {
		l = append(l, k)
	}
	sort.Strings(l)
	return fmt.Sprint(l)
}

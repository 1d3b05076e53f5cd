package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain_Run_Accuracy holds the reconciliation against the simulator's
// manifests over several seeds: every injected fault gets its verdict and
// no other window is a finding (precision and recall 1.0), a run without
// faults has no finding at all, and explain agrees with reconcile.
func TestMain_Run_Accuracy(t *testing.T) {
	dsn, db := MustMariaDB(t)
	type run struct {
		seed   int
		faults int
	}
	runs := []run{{101, 45}, {102, 45}, {103, 40}, {104, 40}, {105, 40}, {106, 0}}
	const days = "2"
	totalFaults, hits, entries, extra := 0, 0, 0, 0
	kinds := map[string]int{}
	for _, rn := range runs {
		t.Run(fmt.Sprintf("seed %d, %d faults", rn.seed, rn.faults), func(t *testing.T) {
			t0 := time.Now()
			prefix := MustUniquePrefix(t, db)
			dir := t.TempDir()
			man, cfg := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "site.yaml")
			MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", fmt.Sprint(rn.seed), "--days", days,
				"--cases-per-day", "400", "--components", "300", "--faults", fmt.Sprint(rn.faults), "--manifest", man, "--write-config", cfg)
			MustRunMain(t, exitOK, "--config", cfg, "snapshot")
			want := exitFindings
			if rn.faults == 0 {
				want = exitOK
			}
			r := MustRunMain(t, want, "--config", cfg, "reconcile", "--from", "2026-11-20", "--to", "2026-11-22", "--format", "json")
			got := map[string]string{}
			for _, l := range lines(r.stdout) {
				var x struct{ Target, Resource, Status, WindowStart string }
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("%v: %s", err, l)
				}
				x.Target, x.Resource, x.Status, x.WindowStart = m["target"].(string), m["resource"].(string), m["status"].(string), m["window_start"].(string)
				got[x.Target+"/"+x.Resource+"/"+x.WindowStart] = x.Status
			}
			mf := MustReadManifest(t, man)
			wanted := map[string]bool{}
			explained := map[string]bool{}
			for _, e := range mf.Entries {
				k := e.Target + "/" + e.Resource + "/" + e.WindowStart
				wanted[k] = true
				kinds[e.Kind]++
				entries++
				if got[k] == e.ExpectStatus {
					hits++
				} else {
					t.Errorf("%s (%s): got %q, want %s", k, e.Kind, got[k], e.ExpectStatus)
				}
				if explained[e.Kind] {
					continue
				}
				explained[e.Kind] = true
				x := MustRunMain(t, exitFindings, "--config", cfg, "explain", "--target", e.Target, "--resource", e.Resource, "--window", e.WindowStart, "--format", "json")
				var ex struct {
					Status string `json:"status"`
				}
				if err := json.Unmarshal([]byte(x.stdout), &ex); err != nil || ex.Status != e.ExpectStatus {
					t.Errorf("explain %s: status %q (%v), want %s", k, ex.Status, err, e.ExpectStatus)
				}
			}
			for k, s := range got {
				if !wanted[k] && s != "ok" && s != "pending" {
					extra++
					t.Errorf("%s: %s, but no fault was injected there", k, s)
				}
			}
			totalFaults += mf.Faults
			t.Logf("%d results, %d manifest entries, in %s", len(got), len(mf.Entries), time.Since(t0).Round(time.Millisecond))
		})
	}
	if totalFaults < 200 {
		t.Errorf("only %d faults injected over the seeds, want at least 200", totalFaults)
	}
	for _, k := range []string{"missed_push", "partial_push", "duplicate_push", "late_push", "failed_as_success", "lost_at_target", "target_down", "stats_drift", "once_source_drift"} {
		if kinds[k] == 0 {
			t.Errorf("no fault of kind %s", k)
		}
	}
	recall := float64(hits) / float64(max(entries, 1))
	precision := float64(hits) / float64(max(hits+extra, 1))
	t.Logf("%d faults, %d manifest entries: recall %.3f, precision %.3f; by kind %v", totalFaults, entries, recall, precision, kinds)
	if !strings.HasPrefix(fmt.Sprintf("%.3f%.3f", recall, precision), "1.0001.000") {
		t.Errorf("recall %.3f, precision %.3f, want 1.000 and 1.000", recall, precision)
	}
}

package reconcile

// Trust by table: a snapshot run that loaded only some tables of a source
// (a due snapshot) vouches for those tables only; the others keep the
// trust of the run that last loaded them.

import (
	"context"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestTrustByTable(t *testing.T) {
	db := mustOpenWarehouse(t, `INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, replica_lag_s, snapshot_at) VALUES
 -- r1: the whole of biz at 10:00; r2: only cases at 10:20 (a due snapshot).
 ('r1', 'biz', 'cases', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r1', 'biz', 'regions', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r1', 'biz', 'staff', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r2', 'biz', 'cases', 'incremental', 1, '2026-11-20 10:20:00', 'ok', NULL, '2026-11-20 10:20:00'),
 -- exchange: r1 ok; r3 failed before listing its tables: nothing trusted.
 ('r1', 'exchange', 'push_log', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r3', 'exchange', '*', 'full', 0, '2026-11-20 10:30:00', 'failed', NULL, NULL),
 -- fe_t: r2 loaded one table and failed another: both untrusted, the
 -- one r2 did not touch keeps r1.
 ('r1', 'fe_t', 'a', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r1', 'fe_t', 'c', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r2', 'fe_t', 'a', 'full', 1, '2026-11-20 10:20:00', 'ok', NULL, '2026-11-20 10:20:00'),
 ('r2', 'fe_t', 'b', 'full', 1, '2026-11-20 10:20:00', 'failed', NULL, '2026-11-20 10:20:00')`)
	ctx := context.Background()
	r := &Reconciler{}
	trusted, err := r.trustedSources(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{}
	if o.snapTables, err = trustedTables(ctx, db, trusted); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"biz.cases": "10:20", "biz.regions": "10:00", "biz.staff": "10:00",
		"fe_t.c": "10:00", "exchange.push_log": "", "fe_t.a": "", "fe_t.b": "",
		// by source, the latest run: biz's r2 (which says nothing of regions).
		"biz": "10:20", "exchange": "", "fe_t": "",
	} {
		at, ok := trusted[key]
		switch {
		case want == "" && ok:
			t.Errorf("%s trusted to %v, want untrusted", key, at)
		case want != "" && (!ok || at.Format("15:04") != want):
			t.Errorf("%s: trusted %v to %v, want %s", key, ok, at, want)
		}
	}
	unverifiable := func(tables []string, end int) bool {
		tr := pipelines.Trust{Snapshots: trusted, Compared: o.trustKeys(tables)}
		return tr.Unverifiable(pipelines.Window{Start: sh(2026, 11, 20, 10, end-10), End: sh(2026, 11, 20, 10, end)})
	}
	for _, tc := range []struct {
		tables []string
		end    int
		want   bool
	}{
		{[]string{"biz.cases"}, 20, false},               // the due snapshot covers its window
		{[]string{"biz.cases", "biz.regions"}, 20, true}, // regions only to 10:00
		{[]string{"biz.cases", "biz.regions"}, 10, true}, // 10:10 > 10:00
		{[]string{"biz.cases", "biz.regions"}, 0, false}, // window ending 10:00
		{[]string{"biz.staff"}, 20, true},                // not the source's 10:20
		{[]string{"biz.never_loaded"}, 20, false},        // no record by name: biz's latest run
		{[]string{"fe_t.c"}, 0, false},
		{[]string{"fe_t.a"}, 0, true}, // its latest run failed another table
		{[]string{"exchange.push_log"}, 0, true},
	} {
		if got := unverifiable(tc.tables, tc.end); got != tc.want {
			t.Errorf("%v, window ending 10:%02d: unverifiable %v, want %v", tc.tables, tc.end, got, tc.want)
		}
	}
}

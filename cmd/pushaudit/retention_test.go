package main

import (
	"strings"
	"testing"
	"time"
)

// TestMain_Run_InferredRetention: a front-end database purged by age,
// built by SQL on a clean simulation of three days: every row of the city
// governance centre's pushes of windows before 21 November 12:00 deleted,
// as a purge job would, and no evidence.retention in the config. Before
// the purge nothing is inferred and the faults are found; after it, the
// windows before each table's first kept push are unverifiable with the
// inferred retention as the reason, none is charged, and the faults after
// the cut are still found. Another target's tables are untouched, though
// its clock is a month behind.
func TestMain_Run_InferredRetention(t *testing.T) {
	t.Parallel() // beside the long fault tests; no t.Setenv here
	s, db := mustSimSite(t, 17, 3, 150, 10)
	const from, to = "2026-11-20", "2026-11-22"
	inferred := func(x siteResult) bool { return strings.Contains(x.detail(), "推断保留期") }

	// A front end whose clock is a month behind: its rows fall outside the
	// reach the first-push check looks in, and its tables still hold their
	// first pushes (found by the query of the first push held): nothing is
	// inferred for it, before the purge or after.
	for _, n := range mustStrings(t, db, tablesWithColumn, s.names["fe_pengzhou"], "arrived_at") {
		s.exec("UPDATE {fe_pengzhou}.`" + n + "` SET arrived_at = arrived_at - INTERVAL 30 DAY")
	}

	clean := s.reconcile(from, to)
	for k, x := range clean {
		if inferred(x) {
			t.Fatalf("%s: a retention inferred before any purge: %s", k, x.detail())
		}
	}
	s.verdicts(clean, nil, nil)

	cut := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) // naive, as the push log's DATETIME
	tables := 0
	names := mustStrings(t, db, tablesWithColumn, s.names["fe_city_gov"], "batch_id")
	purged := int64(0)
	for _, n := range names {
		purged += s.exec("DELETE FROM {fe_city_gov}.`"+n+"` WHERE batch_id IN "+
			"(SELECT batch_id FROM {exchange}.push_log WHERE target = 'city_gov' AND window_start < ?)", cut)
		tables++
	}
	if tables < 5 || purged < 100 {
		t.Fatalf("purged %d rows of %d tables", purged, tables)
	}

	got := s.reconcile(from, to)
	unver := 0
	for k, x := range got {
		before := strings.Compare(x.WindowStart, "2026-11-21T12:00:00+08:00") < 0
		switch {
		case inferred(x) && x.Target != "city_gov":
			t.Errorf("%s: a retention inferred for an untouched target: %s", k, x.detail())
		case inferred(x) && x.Status != "unverifiable":
			t.Errorf("%s: %s with the retention reason", k, x.Status)
		case inferred(x) && !before:
			// a table whose first kept push is later: kept from the purge's
			// latest cut, a daily window starts before it.
			if strings.Compare(x.WindowStart, "2026-11-21T23:00:00+08:00") > 0 {
				t.Errorf("%s: unverifiable by retention after the cut: %s", k, x.detail())
			}
			unver++
		case inferred(x):
			unver++
		case x.Target == "city_gov" && before && x.Status != "unverifiable" && x.Status != "pending" && x.Status != "ok":
			t.Errorf("%s: %s before the cut (%s), want unverifiable by retention", k, x.Status, x.detail())
		}
	}
	if unver < 100 {
		t.Errorf("only %d windows unverifiable by the inferred retention", unver)
	}
	t.Logf("%d rows purged from %d tables; %d windows unverifiable by the inferred retention", purged, tables, unver)
	// The faults: those of city_gov before the cut cannot be verified
	// any more; every other is found with its verdict, and nothing else.
	s.verdicts(got, func(e manifestEntry, x siteResult) bool {
		return e.Target == "city_gov" && x.Status == "unverifiable" && inferred(x)
	}, inferred)
}

package warehouse_test

import (
	"database/sql"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// rankedLatest is the rule of audit.latest_results stated as directly
// as SQL can: every result of the period ranked within its window by its
// run's start (a run missing from audit.runs last), then run id; runs
// still running left out. The macro gets there another way (it ranks
// only the windows more than one run judged), so the two are compared.
const rankedLatest = `
SELECT x.run_id, x.target, x.resource, strftime(x.window_start, '%Y-%m-%d %H:%M'), x.status,
       strftime(audit.window_day(x.window_end), '%Y-%m-%d')
FROM audit.results x LEFT JOIN audit.runs u ON u.run_id = x.run_id
WHERE coalesce(u.status, '') <> 'running' AND x.window_end > ? AND x.window_end <= ?
QUALIFY row_number() OVER (PARTITION BY x.target, x.resource, x.window_start
                           ORDER BY u.started_at DESC NULLS LAST, x.run_id DESC) = 1
ORDER BY 2, 3, 4`

const macroLatest = `
SELECT run_id, target, resource, strftime(window_start, '%Y-%m-%d %H:%M'), status, strftime(day, '%Y-%m-%d')
FROM audit.latest_results(?, ?) ORDER BY 2, 3, 4`

func TestMacro_LatestResults_Overlaps(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	// Hand-made: run p judged 00:00 and 00:20, q 00:10 (spans overlap, no
	// window shared); r and s share 01:00 with the same start (run id
	// decides); m is missing from audit.runs and shares 02:00 with p2
	// (p2 wins); w is running and alone on 03:00 (no result).
	mustExec(t, db, `INSERT INTO audit.runs (run_id, command, started_at, status) VALUES
 ('p', 'reconcile', '2026-11-21 01:00:00', 'ok'),
 ('q', 'reconcile', '2026-11-21 00:30:00', 'ok'),
 ('r', 'reconcile', '2026-11-21 05:00:00', 'ok'),
 ('s', 'reconcile', '2026-11-21 05:00:00', 'findings'),
 ('p2', 'reconcile', '2026-11-20 01:00:00', 'ok'),
 ('w', 'reconcile', '2026-11-21 06:00:00', 'running')`)
	mustExec(t, db, `INSERT INTO audit.results (run_id, target, resource, window_start, window_end, status) VALUES
 ('p', 't', 'a', '2026-11-20 00:00:00', '2026-11-20 00:10:00', 'ok'),
 ('p', 't', 'a', '2026-11-20 00:20:00', '2026-11-20 00:30:00', 'ok'),
 ('q', 't', 'a', '2026-11-20 00:10:00', '2026-11-20 00:20:00', 'short'),
 ('r', 't', 'a', '2026-11-20 01:00:00', '2026-11-20 01:10:00', 'missed'),
 ('s', 't', 'a', '2026-11-20 01:00:00', '2026-11-20 01:10:00', 'ok'),
 ('m', 't', 'a', '2026-11-20 02:00:00', '2026-11-20 02:10:00', 'missed'),
 ('p2', 't', 'a', '2026-11-20 02:00:00', '2026-11-20 02:10:00', 'late'),
 ('w', 't', 'a', '2026-11-20 03:00:00', '2026-11-20 03:10:00', 'ok'),
 ('w', 't', 'b', '2026-11-20 00:00:00', '2026-11-20 00:10:00', 'ok'),
 ('q', 't', 'b', '2026-11-20 00:00:00', '2026-11-20 00:10:00', 'missed')`)
	lo, hi := warehouse.Timestamp(shTime(20, 0, 0)), warehouse.Timestamp(shTime(21, 0, 0))
	got := latestRows(t, db, macroLatest, lo, hi)
	want := []string{
		"p t a 2026-11-20 00:00 ok 2026-11-20",
		"q t a 2026-11-20 00:10 short 2026-11-20",
		"p t a 2026-11-20 00:20 ok 2026-11-20",
		"s t a 2026-11-20 01:00 ok 2026-11-20",
		"p2 t a 2026-11-20 02:00 late 2026-11-20",
		"q t b 2026-11-20 00:00 missed 2026-11-20",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("latest_results =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMacro_LatestResults_Random holds the macro against the ranking
// rule on random histories: runs that re-judge some windows of others,
// runs missing from audit.runs, runs still running, equal start times,
// and periods cutting through them.
func TestMacro_LatestResults_Random(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	rng := rand.New(rand.NewSource(11))
	statuses := []string{"ok", "late", "missed", "short", "pending"}
	for seed := 0; seed < 6; seed++ {
		mustExec(t, db, `DELETE FROM audit.results`)
		mustExec(t, db, `DELETE FROM audit.runs`)
		var runs, results []string
		nRuns := 2 + rng.Intn(12)
		for i := 0; i < nRuns; i++ {
			id := fmt.Sprintf("run%02d", i)
			switch k := rng.Intn(10); {
			case k == 0: // missing from audit.runs
			case k == 1:
				runs = append(runs, fmt.Sprintf("('%s', 'reconcile', TIMESTAMP '2026-11-21 00:00:00' + INTERVAL %d HOUR, 'running')", id, rng.Intn(5)))
			default:
				runs = append(runs, fmt.Sprintf("('%s', 'reconcile', TIMESTAMP '2026-11-21 00:00:00' + INTERVAL %d HOUR, 'ok')", id, rng.Intn(5)))
			}
			for _, res := range []string{"a", "b", "c"} {
				if rng.Intn(3) == 0 {
					continue
				}
				first := rng.Intn(30)
				for w := first; w < first+1+rng.Intn(20); w++ {
					if rng.Intn(4) == 0 {
						continue // a gap: spans may overlap without sharing windows
					}
					results = append(results, fmt.Sprintf("('%s', 't', '%s', TIMESTAMP '2026-11-20 00:00:00' + INTERVAL %d HOUR, TIMESTAMP '2026-11-20 01:00:00' + INTERVAL %d HOUR, '%s')",
						id, res, w, w, statuses[rng.Intn(len(statuses))]))
				}
			}
		}
		if len(runs) > 0 {
			mustExec(t, db, `INSERT INTO audit.runs (run_id, command, started_at, status) VALUES `+strings.Join(runs, ", "))
		}
		if len(results) == 0 {
			continue
		}
		mustExec(t, db, `INSERT INTO audit.results (run_id, target, resource, window_start, window_end, status) VALUES `+strings.Join(results, ", "))
		for _, span := range [][2]int{{20, 22}, {20, 21}, {21, 22}} {
			lo, hi := warehouse.Timestamp(shTime(span[0], 0, 0)), warehouse.Timestamp(shTime(span[1], 0, 0))
			got := latestRows(t, db, macroLatest, lo, hi)
			want := latestRows(t, db, rankedLatest, lo, hi)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("history %d, days %v: latest_results =\n%s\nthe ranking rule gives\n%s", seed, span,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if seed == 0 && len(want) == 0 {
				t.Fatalf("history %d: no result in the period, nothing compared", seed)
			}
		}
	}
}

func latestRows(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v [6]string
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(v[:], " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

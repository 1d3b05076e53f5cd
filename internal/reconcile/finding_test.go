package reconcile

// A finding's ID, binding named query arguments and the detail text of a
// result.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestFindingID(t *testing.T) {
	ws := sh(2026, 11, 20, 10, 0)
	id := FindingID("t", "r", ws, pipelines.StatusMissed)
	if got, want := len(id), 16; got != want {
		t.Errorf("len(%q) = %d, want %d", id, got, want)
	}
	if got, want := FindingID("t", "r", ws, pipelines.StatusMissed), id; got != want {
		t.Errorf("not stable: %s, then %s", want, got)
	}
	if got, want := FindingID("t", "r", ws.UTC(), pipelines.StatusMissed), id; got != want {
		t.Errorf("same instant in UTC: %s, want %s", got, want)
	}
	seen := map[string]string{}
	for _, s := range pipelines.Statuses {
		for _, v := range []struct {
			target, resource string
			start            time.Time
		}{{"t", "r", ws}, {"t2", "r", ws}, {"t", "r2", ws}, {"t", "r", ws.Add(30 * time.Minute)}} {
			id := FindingID(v.target, v.resource, v.start, s)
			what := fmt.Sprintf("%s/%s %s %s", v.target, v.resource, v.start.Format(time.RFC3339), s)
			if other, ok := seen[id]; ok {
				t.Errorf("%s and %s share the id %s", what, other, id)
			}
			seen[id] = what
		}
	}
}

func TestArgs_Bind(t *testing.T) {
	db := mustOpenWarehouse(t)
	ctx := context.Background()
	// a value with a quote, a UTC instant that is 10:00:05 in Shanghai,
	// and a name the query does not use (not bound: DuckDB would refuse it).
	a := args{"s": "O'Brien's", "at": time.Date(2026, 11, 20, 2, 0, 5, 0, time.UTC), "n": int64(-7), "unused": 1}
	q := `SELECT $s, strftime($at, '%Y-%m-%d %H:%M:%S'), $n + 0, $at = TIMESTAMP '2026-11-20 10:00:05', $s`
	var s, at string
	var n int64
	var eq bool
	if err := db.QueryRowContext(ctx, q, a.bind(q)...).Scan(&s, &at, &n, &eq, &s); err != nil {
		t.Fatal(err)
	}
	if s != "O'Brien's" || at != "2026-11-20 10:00:05" || n != -7 || !eq {
		t.Errorf("bound %q %q %d %v, want O'Brien's, 2026-11-20 10:00:05 (Shanghai wall clock), -7, true", s, at, n, eq)
	}
	if got, want := len(a.bind(q)), 3; got != want {
		t.Errorf("bind: %d parameters, want %d (each used name once)", got, want)
	}
	got := strings.Join(a.show(), "; ")
	if want := `$at = TIMESTAMP '2026-11-20 10:00:05'; $n = -7; $s = 'O''Brien''s'; $unused = 1`; got != want {
		t.Errorf("show = %s, want %s", got, want)
	}
}

func TestDetail(t *testing.T) {
	dl := sh(2026, 11, 20, 11, 0)
	f := pipelines.Facts{Expected: 10, Claimed: 9, Received: 8, Succeeded: 1, Batches: 1,
		Missing: 2, Extra: 1, Duplicate: 1, Mismatched: 3, LastFinish: dl.Add(5 * time.Minute)}
	for _, s := range pipelines.Statuses {
		t.Run(string(s), func(t *testing.T) {
			x := &Result{Status: s, Deadline: dl, Facts: f}
			d := detail(x)
			if got, want := d != "", s != pipelines.StatusOK; got != want {
				t.Errorf("detail(%s) = %q", s, d)
			}
		})
	}
	t.Run("failed without a success", func(t *testing.T) {
		x := &Result{Status: pipelines.StatusFailed, Deadline: dl, Facts: pipelines.Facts{Batches: 1}}
		if got, want := detail(x), "推送日志记录失败"; got != want {
			t.Errorf("detail = %q, want %q", got, want)
		}
	})
}

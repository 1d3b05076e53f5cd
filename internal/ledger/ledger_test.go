package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustOpen opens a new warehouse whose clock is now.
func MustOpen(tb testing.TB, now time.Time) *warehouse.Warehouse {
	tb.Helper()
	wh, err := warehouse.OpenWith(context.Background(), filepath.Join(tb.TempDir(), "w.duckdb"),
		warehouse.Options{Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = wh.Close() })
	return wh
}

func sh(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, pipelines.Shanghai) }

func n(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }

// wallText is how an analyst's DuckDB client shows a TIMESTAMP column.
func wallText(tb testing.TB, db *sql.DB, query string, args ...any) string {
	tb.Helper()
	var s string
	if err := db.QueryRowContext(context.Background(), "SELECT strftime(("+query+"), '%Y-%m-%d %H:%M:%S')", args...).Scan(&s); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestResults_SaveForDay(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	db := wh.DB()
	rs := ledger.NewResults(db)
	utc := time.FixedZone("UTC", 0)
	day21 := []ledger.Result{
		// the last window of the 21st: it ends at 00:00 of the 22nd; its
		// times given in UTC must be stored as Shanghai wall clock.
		{Target: "city_gov", Resource: "case_report", WindowStart: sh(21, 23, 50).In(utc), WindowEnd: sh(22, 0, 0).In(utc),
			Deadline: sh(22, 0, 10), Status: pipelines.StatusShort, Expected: n(10), Claimed: n(10), Received: n(7),
			MissingKeys: 3, LastPushAt: sh(22, 0, 1).Add(123456 * time.Microsecond), FaultLevel: 3, Detail: "缺 3 条",
			Keys: []ledger.Key{{Kind: "missing", Key: "c|3", Occurrences: 1}, {Kind: "missing", Key: "c|1", Occurrences: 1}, {Kind: "extra", Key: "x", Occurrences: 1}}},
		// unverifiable: counts unknown (NULL), no deadline, no push, no level.
		{Target: "stats", Resource: "case_eval", WindowStart: sh(21, 0, 0), WindowEnd: sh(22, 0, 0), Status: pipelines.StatusUnverifiable, Detail: "源库快照不可信"},
	}
	other := []ledger.Result{
		// ends at 00:00 of the 21st: the 20th's, not the 21st's.
		{Target: "city_gov", Resource: "case_report", WindowStart: sh(20, 23, 50), WindowEnd: sh(21, 0, 0), Status: pipelines.StatusOK, Expected: n(1), Claimed: n(1), Received: n(1)},
		// ends at 00:10 of the 22nd: the 22nd's.
		{Target: "city_gov", Resource: "case_report", WindowStart: sh(22, 0, 0), WindowEnd: sh(22, 0, 10), Status: pipelines.StatusPending},
	}
	if err := rs.Save(ctx, "run1", append(append([]ledger.Result{}, day21...), other...)); err != nil {
		t.Fatal(err)
	}
	if got, want := wallText(t, db, `SELECT window_start FROM audit.results WHERE resource = 'case_report' AND status = 'short'`), "2026-11-21 23:50:00"; got != want {
		t.Errorf("stored window_start %s, want the Shanghai wall clock %s", got, want)
	}
	got, err := rs.ForDay(ctx, "run1", ledger.Day(sh(21, 15, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(day21) {
		t.Fatalf("ForDay: %d results, want %d: %+v", len(got), len(day21), got)
	}
	// ordered by target: city_gov, then stats.
	for i, want := range day21 {
		g := got[i]
		want.RunID, want.Keys = "run1", nil
		for _, tm := range []*time.Time{&want.WindowStart, &want.WindowEnd, &want.Deadline, &want.LastPushAt} {
			if !tm.IsZero() {
				*tm = tm.In(pipelines.Shanghai)
			}
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("ForDay[%d]\n got %+v\nwant %+v", i, g, want)
		}
		if g.WindowStart.Location() != pipelines.Shanghai {
			t.Errorf("ForDay[%d]: window start in %v, want Asia/Shanghai", i, g.WindowStart.Location())
		}
	}
	counts, err := rs.CountByStatus(ctx, "run1", ledger.Day(sh(22, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []ledger.StatusCount{{Target: "city_gov", Resource: "case_report", Status: "pending", N: 1}}; !reflect.DeepEqual(counts, want) {
		t.Errorf("CountByStatus of the 22nd = %+v, want %+v", counts, want)
	}

	nk, maxKey, maxOcc, err := rs.KeyStats(ctx, "run1", ledger.Day(sh(21, 0, 0)))
	if err != nil || nk != 3 || maxKey != 3 || maxOcc != 1 {
		t.Errorf("KeyStats = %d, %d, %d, %v; want 3 keys, longest 3 bytes, 1 occurrence", nk, maxKey, maxOcc, err)
	}
	var keys []string
	err = rs.EachKey(ctx, "run1", "city_gov", "case_report", ledger.Day(sh(21, 0, 0)), 2, func(k ledger.WindowKey) error {
		if !k.WindowStart.Equal(sh(21, 23, 50)) || k.Total != 3 {
			t.Errorf("key %+v: want window 23:50 with 3 keys in all", k)
		}
		keys = append(keys, k.Kind+" "+k.Key.Key)
		return nil
	})
	if want := []string{"missing c|1", "missing c|3"}; err != nil || !reflect.DeepEqual(keys, want) {
		t.Errorf("EachKey (limit 2) = %v, %v; want %v (missing first, by key)", keys, err, want)
	}
	// One window of 3 keys: limit 2 lists 2 and the row saying 1 was left
	// out; limit 3 and more list the 3.
	for limit, want := range map[int]int64{1: 2, 2: 3, 3: 3, 10: 3} {
		if n, err := rs.KeyListRows(ctx, "run1", ledger.Day(sh(21, 0, 0)), limit); err != nil || n != want {
			t.Errorf("KeyListRows (limit %d) = %d, %v; want %d", limit, n, err, want)
		}
	}
}

func TestResults_LatestRun(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	rs := ledger.NewResults(wh.DB())
	if _, err := rs.LatestRun(ctx, ledger.Day(sh(21, 0, 0))); !errors.Is(err, ledger.ErrNoResults) {
		t.Errorf("LatestRun of an empty ledger: %v, want ErrNoResults", err)
	}
	done, err := wh.BeginRun(ctx, "reconcile", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := done.Finish(ctx, warehouse.RunFindings, ""); err != nil {
		t.Fatal(err)
	}
	running, err := wh.BeginRun(ctx, "reconcile", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := ledger.Result{Target: "t", Resource: "r", WindowStart: sh(21, 10, 0), WindowEnd: sh(21, 10, 10), Status: pipelines.StatusOK}
	for _, id := range []string{done.ID, running.ID, "zz-not-in-runs"} {
		if err := rs.Save(ctx, id, []ledger.Result{w}); err != nil {
			t.Fatal(err)
		}
	}
	// a run missing from audit.runs comes after every recorded one; the
	// running one never counts.
	if got, err := rs.LatestRun(ctx, ledger.Day(sh(21, 0, 0))); err != nil || got != done.ID {
		t.Errorf("LatestRun = %q, %v; want %q", got, err, done.ID)
	}
	days, err := rs.InspectedDays(ctx, ledger.Span{From: sh(20, 0, 0), To: sh(23, 0, 0)})
	if want := map[string]bool{"2026-11-21": true}; err != nil || !reflect.DeepEqual(days, want) {
		t.Errorf("InspectedDays = %v, %v; want %v", days, err, want)
	}
	hist, err := rs.History(ctx, "t", "r", sh(21, 10, 0), 2)
	if want := []ledger.Stored{{RunID: "zz-not-in-runs", Status: pipelines.StatusOK}, {RunID: running.ID, Status: pipelines.StatusOK}}; err != nil || !reflect.DeepEqual(hist, want) {
		t.Errorf("History = %+v, %v; want %+v", hist, err, want)
	}
}

func TestFindings_RecordResolve(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	fs := ledger.NewFindings(wh.DB())
	a := ledger.Finding{ID: "a", Target: "t", Resource: "r", WindowStart: sh(21, 10, 0), WindowEnd: sh(21, 10, 10),
		Status: pipelines.StatusMissed, FaultLevel: 2, RespondBy: sh(21, 10, 40), ResolveBy: sh(21, 13, 30), Expected: n(5), Received: n(0), Detail: "无推送"}
	b := a
	b.ID, b.WindowStart, b.WindowEnd, b.Status = "b", sh(21, 10, 10), sh(21, 10, 20), pipelines.StatusShort
	t1, t2 := sh(21, 10, 30), sh(21, 11, 0)
	if err := fs.Record(ctx, "run1", t1, []ledger.Finding{a, b}); err != nil {
		t.Fatal(err)
	}
	// seen again by a later run with new counts and limits: first sighting
	// and limits are kept.
	a2 := a
	a2.Received, a2.Detail, a2.RespondBy = n(2), "缺 3 条", sh(21, 11, 10)
	if err := fs.Record(ctx, "run2", t2, []ledger.Finding{a2}); err != nil {
		t.Fatal(err)
	}
	judged := []ledger.WindowRef{{Target: "t", Resource: "r", WindowStart: sh(21, 10, 0)}, {Target: "t", Resource: "r", WindowStart: sh(21, 10, 10)}}
	if n, err := fs.Resolve(ctx, "run2", t2, judged, map[string]bool{"a": true}); err != nil || n != 1 {
		t.Fatalf("Resolve = %d, %v; want 1 (b, judged and not seen)", n, err)
	}
	got, err := fs.Get(ctx, []string{"a", "b", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Get: %d findings, want 2", len(got))
	}
	ga, gb := got["a"], got["b"]
	if !ga.FirstSeen.Equal(t1) || !ga.LastSeen.Equal(t2) || ga.FirstRunID != "run1" || ga.LastRunID != "run2" ||
		!ga.RespondBy.Equal(sh(21, 10, 40)) || ga.Received != n(2) || ga.Detail != "缺 3 条" || !ga.ResolvedAt.IsZero() {
		t.Errorf("refreshed finding a = %+v", ga)
	}
	if !gb.ResolvedAt.Equal(t2) || gb.ResolvedRunID != "run2" || gb.ResolvedAt.Location() != pipelines.Shanghai {
		t.Errorf("finding b resolved %v by %q, want %v by run2", gb.ResolvedAt, gb.ResolvedRunID, t2)
	}
	open, err := fs.Open(ctx, sh(21, 0, 0), sh(22, 0, 0))
	if err != nil || len(open) != 1 || open[0].ID != "a" {
		t.Errorf("Open = %+v, %v; want a only", open, err)
	}
	// seen again after it was resolved: open again.
	if err := fs.Record(ctx, "run3", sh(21, 12, 0), []ledger.Finding{b}); err != nil {
		t.Fatal(err)
	}
	if open, err := fs.Open(ctx, sh(21, 0, 0), sh(22, 0, 0)); err != nil || len(open) != 2 {
		t.Errorf("Open after b was seen again = %+v, %v; want a and b", open, err)
	}
	ending, err := fs.EndingIn(ctx, ledger.Span{From: sh(21, 10, 10), To: sh(21, 10, 20)})
	if err != nil || len(ending) != 1 || ending[0].ID != "b" {
		t.Errorf("EndingIn (10:10, 10:20] = %+v, %v; want b", ending, err)
	}
}

func TestFindings_Ack(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	fs := ledger.NewFindings(wh.DB())
	mk := func(id string) ledger.Finding {
		return ledger.Finding{ID: id, Target: "t", Resource: "r", WindowStart: sh(21, 10, 0), WindowEnd: sh(21, 10, 10), Status: pipelines.StatusMissed}
	}
	if err := fs.Record(ctx, "run1", sh(21, 10, 30), []ledger.Finding{mk("a"), mk("b")}); err != nil {
		t.Fatal(err)
	}
	// 10:35 in Shanghai given as UTC.
	t1 := sh(21, 10, 35).UTC()
	out, already, err := fs.Ack(ctx, []string{"a"}, t1, "张三", "")
	if err != nil || len(out) != 1 || len(already) != 0 {
		t.Fatalf("Ack a = %+v, %v, %v", out, already, err)
	}
	if got, want := wallText(t, wh.DB(), `SELECT responded_at FROM audit.findings WHERE finding_id = 'a'`), "2026-11-21 10:35:00"; got != want {
		t.Errorf("stored responded_at %s, want the Shanghai wall clock %s", got, want)
	}
	if _, _, err := fs.Ack(ctx, []string{"b", "nope"}, sh(21, 11, 0), "李四", "x"); err == nil {
		t.Fatal("Ack of an unknown id: no error")
	} else if u := new(ledger.UnknownError); !errors.As(err, &u) || !reflect.DeepEqual(u.IDs, []string{"nope"}) {
		t.Errorf("Ack of an unknown id: %v, want an UnknownError naming nope", err)
	}
	out, already, err = fs.Ack(ctx, []string{"b", "a"}, sh(21, 11, 0), "李四", "重推")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(already, map[string]bool{"a": true}) || len(out) != 2 || out[0].ID != "b" || out[1].ID != "a" {
		t.Fatalf("second Ack: already %v, out %+v", already, out)
	}
	// a keeps its first response; b (not touched by the failed ack) gets this one.
	if a := out[1]; !a.RespondedAt.Equal(t1) || a.RespondedBy != "张三" || a.ResponseNote != "" {
		t.Errorf("a = responded %v by %q note %q, want the first response (%v by 张三)", a.RespondedAt, a.RespondedBy, a.ResponseNote, t1)
	}
	if b := out[0]; !b.RespondedAt.Equal(sh(21, 11, 0)) || b.RespondedBy != "李四" || b.ResponseNote != "重推" {
		t.Errorf("b = responded %v by %q note %q", b.RespondedAt, b.RespondedBy, b.ResponseNote)
	}
}

func TestFindings_Touching(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(23, 1, 0))
	fs := ledger.NewFindings(wh.DB())
	f := func(id string, ws time.Time) ledger.Finding {
		return ledger.Finding{ID: id, Target: "t", Resource: "r", WindowStart: ws, WindowEnd: ws.Add(10 * time.Minute), Status: pipelines.StatusMissed}
	}
	// seen and resolved on the 20th: not the 21st's.
	if err := fs.Record(ctx, "r1", sh(20, 10, 0), []ledger.Finding{f("old", sh(20, 9, 0)), f("open", sh(20, 9, 10))}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Resolve(ctx, "r1", sh(20, 12, 0), []ledger.WindowRef{{Target: "t", Resource: "r", WindowStart: sh(20, 9, 0)}}, nil); err != nil {
		t.Fatal(err)
	}
	// window ending on the 21st.
	if err := fs.Record(ctx, "r2", sh(22, 10, 0), []ledger.Finding{f("late", sh(21, 23, 50))}); err != nil {
		t.Fatal(err)
	}
	got, err := fs.Touching(ctx, ledger.Day(sh(21, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range got {
		ids = append(ids, x.ID)
	}
	if want := []string{"open", "late"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("Touching the 21st = %v, want %v (still open; window ending in the day)", ids, want)
	}
}

package reconcile

// Stale runs: which windows belong to a run without any push, judged on
// the push history around the range reconciled.

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// markStaleAround decides which of the results rs (consecutive windows of
// res) belong to a stale run. A run is judged on the push history, not on
// the range asked for: the windows up to StaleAfter before and after rs
// are read too (their push-log batches only), so a window gets the same
// verdict whatever range it is reconciled in. Windows before the
// resource's first push ever are not a run: there was no push to miss yet.
func (r *Reconciler) markStaleAround(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, sch pipelines.Schedule, o Options, rs []*Result, trusted map[string]time.Time, p sitePlan) error {
	// without a push log there is no push to find missing for hours: a
	// window with nothing received is missed, each on its own.
	if len(rs) == 0 || !res.Cadence.Periodic() || sch.StaleAfter <= 0 || p.noPushLog {
		return nil
	}
	// with no window judged (the push log or the evidence is not usable)
	// there is no run to find.
	judged := false
	for _, x := range rs {
		judged = judged || !x.Facts.Unverifiable
	}
	if !judged {
		return nil
	}
	first, last := rs[0].Window, rs[len(rs)-1].Window
	before, err := sch.Windows(first.Start.Add(-sch.StaleAfter), first.Start)
	if err != nil {
		return err
	}
	after, err := sch.Windows(last.End, last.End.Add(sch.StaleAfter))
	if err != nil {
		return err
	}
	pushed, history, err := r.pushedWindows(ctx, wh, o, res, first.Start.Add(-sch.StaleAfter), last.End.Add(sch.StaleAfter), p)
	if err != nil {
		return err
	}
	// an exchange that logs no empty push: the windows around rs need
	// their source counts, a quiet one being no missing push.
	var around map[int64]int64
	if p.emptyNotLogged {
		// only a window without a push needs its count.
		var unpushed []pipelines.Window
		for _, w := range append(append([]pipelines.Window(nil), before...), after...) {
			if pushed[w.Start.Unix()] == 0 {
				unpushed = append(unpushed, w)
			}
		}
		if around, err = r.expectedAround(ctx, wh, res, unpushed, sch); err != nil {
			return fmt.Errorf("reconcile %s: %w", res.ID(), err)
		}
	}
	// the windows around rs are judged on the push log alone.
	logTrust := pipelines.Trust{Snapshots: trusted, Evidence: o.trustKeys([]string{o.PushLog})}
	light := func(w pipelines.Window) *Result {
		x := &Result{Window: w, Deadline: sch.Deadline(w)}
		x.Facts = pipelines.Facts{Deadline: x.Deadline, Now: o.Now, Batches: pushed[w.Start.Unix()], Unverifiable: logTrust.Unverifiable(w) || p.outside(w) != "",
			Expected: around[w.Start.Unix()], EmptyNotLogged: p.emptyNotLogged}
		return x
	}
	all := make([]*Result, 0, len(before)+len(rs)+len(after))
	for _, w := range before {
		all = append(all, light(w))
	}
	all = append(all, rs...)
	for _, w := range after {
		if w.Start.Before(o.Now) {
			all = append(all, light(w))
		}
	}
	// before the first push ever, a window without a push is not part of a
	// run: it breaks runs like a pushed one.
	for _, x := range all {
		x.Facts.BeforeHistory = pipelines.BeforeHistory(x.Window, history)
		x.Facts.EmptyNotLogged = p.emptyNotLogged
	}
	if p.emptyNotLogged && o.Evidence.Heartbeat != nil {
		if err := r.heartbeat(ctx, wh, o, res, all, trusted); err != nil {
			return fmt.Errorf("reconcile %s: %w", res.ID(), err)
		}
	}
	markStale(all, sch)
	return nil
}

// pushedWindows counts the push-log batches per window start of res in
// [from, to), and returns the resource's first window with a batch ever
// (from the run's reading of the whole log, p, when it has one).
func (r *Reconciler) pushedWindows(ctx context.Context, wh warehouse.Querier, o Options, res *pipelines.Resource, from, to time.Time, p sitePlan) (map[int64]int, time.Time, error) {
	pushLog := o.PushLog
	a := resourceArgs(res).with(args{"lo": from, "hi": to})
	q := `SELECT window_start, count(*) FROM ` + o.pushLog() + `
WHERE target = $target AND resource = $resource AND window_start >= $lo AND window_start < $hi GROUP BY window_start`
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read push log %s: %w", pushLog, err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var ws time.Time
		var n int
		if err := rows.Scan(&ws, &n); err != nil {
			return nil, time.Time{}, err
		}
		out[warehouse.FromWall(ws).Unix()] = n
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	if p.firstPushKnown {
		return out, p.firstPush, nil
	}
	var first sql.NullTime
	q = `SELECT min(window_start) FROM ` + o.pushLog() + ` WHERE target = $target AND resource = $resource`
	if err := wh.QueryRowContext(ctx, q, a.bind(q)...).Scan(&first); err != nil {
		return nil, time.Time{}, fmt.Errorf("read push log %s: %w", pushLog, err)
	}
	return out, warehouse.FromWall(first.Time), nil
}

// markStale flags the results rs (consecutive windows) that belong to a
// stale run (pipelines.StaleRuns).
func markStale(rs []*Result, sch pipelines.Schedule) {
	ws := make([]pipelines.Window, len(rs))
	fs := make([]pipelines.Facts, len(rs))
	for i, x := range rs {
		ws[i], fs[i] = x.Window, x.Facts
	}
	for i, stale := range pipelines.StaleRuns(ws, fs, sch.StaleAfter) {
		if stale {
			rs[i].Facts.InStaleRun = true
		}
	}
}

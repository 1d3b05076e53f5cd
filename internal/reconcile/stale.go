package reconcile

// Stale runs: which windows belong to a run without any push, judged on
// the push history around the range reconciled.

import (
	"context"
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
	pushed, err := r.pushedWindows(ctx, wh, o, res, first.Start.Add(-sch.StaleAfter), last.End.Add(sch.StaleAfter), p.around)
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
		x.Facts.BeforeHistory = pipelines.BeforeHistory(x.Window, p.firstPush)
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
// [from, to): from the run's one reading of the log around its range
// (around) when it covers [from, to), else by a query of its own.
func (r *Reconciler) pushedWindows(ctx context.Context, wh warehouse.Querier, o Options, res *pipelines.Resource, from, to time.Time, around *pushCounts) (map[int64]int, error) {
	if out, ok := around.of(res, from, to); ok {
		return out, nil
	}
	own := &pushCounts{from: from, to: to, n: map[string][]windowCount{}}
	a := resourceArgs(res).with(args{"lo": from, "hi": to})
	q := `SELECT target, resource, window_start, count(*) FROM ` + o.pushLog() + `
WHERE target = $target AND resource = $resource AND window_start >= $lo AND window_start < $hi GROUP BY ALL`
	if err := r.readPushCounts(ctx, wh, q, a.bind(q), own.n); err != nil {
		return nil, fmt.Errorf("read push log %s: %w", o.PushLog, err)
	}
	out, _ := own.of(res, from, to)
	return out, nil
}

// pushCounts is the number of push-log batches per resource ID and window
// start, over the windows starting in [from, to), read once for a run
// (pushesAround); nil: not read.
type pushCounts struct {
	from, to time.Time
	n        map[string][]windowCount
}

// windowCount is the number of batches logged for one window start.
type windowCount struct {
	start time.Time
	n     int
}

// of is the counts of res's windows starting in [from, to), by window
// start (Unix seconds), and whether c covers that range.
func (c *pushCounts) of(res *pipelines.Resource, from, to time.Time) (map[int64]int, bool) {
	if c == nil || from.Before(c.from) || to.After(c.to) {
		return nil, false
	}
	out := map[int64]int{}
	for _, x := range c.n[res.ID()] {
		if !x.start.Before(from) && x.start.Before(to) {
			out[x.start.Unix()] = x.n
		}
	}
	return out, true
}

// pushesAround reads, in one query, the push-log batch counts of every
// resource for the windows that markStaleAround looks at around [lo, hi)
// (each window of the range and StaleAfter of its schedule either side,
// for the cadences of the resources the run selects), instead of one
// query per resource, each scanning a log of years.
func (r *Reconciler) pushesAround(ctx context.Context, wh warehouse.Querier, o Options, lo, hi time.Time) (*pushCounts, error) {
	var before, after time.Duration
	for i := range r.cat.Resources {
		res := &r.cat.Resources[i]
		if !res.Cadence.Periodic() || !o.selects(res) {
			continue
		}
		sch, err := o.Schedules.Of(res.Cadence)
		if err != nil {
			continue // the resource's own reconciliation reports it
		}
		before, after = max(before, res.Cadence.Period()+sch.StaleAfter), max(after, sch.StaleAfter)
	}
	c := &pushCounts{from: lo.Add(-before), to: hi.Add(after), n: map[string][]windowCount{}}
	a := args{"lo": c.from, "hi": c.to}
	q := `SELECT target, resource, window_start, count(*) FROM ` + o.pushLog() + `
WHERE window_start >= $lo AND window_start < $hi GROUP BY ALL`
	err := r.readPushCounts(ctx, wh, q, a.bind(q), c.n)
	if err != nil {
		return nil, fmt.Errorf("read push log %s: %w", o.PushLog, err)
	}
	return c, nil
}

// readPushCounts runs q, whose rows are (target, resource, window_start,
// count), and adds each count to into, by resource ID; rows of resources
// the catalog lacks are skipped.
func (r *Reconciler) readPushCounts(ctx context.Context, wh warehouse.Querier, q string, bound []any, into map[string][]windowCount) error {
	rows, err := wh.QueryContext(ctx, q, bound...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var target, resource string
		var ws time.Time
		var n int
		if err := rows.Scan(&target, &resource, &ws, &n); err != nil {
			return err
		}
		if res, ok := r.cat.Resource(target, resource); ok {
			into[res.ID()] = append(into[res.ID()], windowCount{warehouse.FromWall(ws), n})
		}
	}
	return rows.Err()
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

package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// StatsTarget is the pseudo-target of business-vs-statistics results;
// StatsResource its per-case counter resource, one window per calendar day.
const (
	StatsTarget   = "stats"
	StatsResource = "case_eval"
)

// stats recomputes the per-case counters of the statistics DB from the
// business DB, with the catalog's definitions, as of the time the
// statistics were computed, and compares them case by case, one result per
// calendar day.
func (r *Reconciler) stats(ctx context.Context, o Options, lo, hi time.Time, trusted map[string]time.Time) ([]*Result, error) {
	if len(r.cat.StatsCounters) == 0 || (o.Resource != "" && o.Resource != StatsResource) {
		return nil, nil
	}
	_, okBiz := trusted["biz"]
	_, okStats := trusted["stats"]
	var asOf time.Time
	if okStats {
		var at sql.NullTime
		if err := r.q.QueryRowContext(ctx, "SELECT max(computed_at) FROM stats.case_eval").Scan(&at); err != nil {
			return nil, fmt.Errorf("stats: read computed_at: %w", err)
		}
		asOf = wall(at.Time)
	}
	daily := pipelines.DefaultSchedules()[pipelines.DailyAfter2300]
	var out []*Result
	for d := lo; d.Before(hi); d = d.AddDate(0, 0, 1) {
		w := pipelines.Window{Start: d, End: d.AddDate(0, 0, 1)}
		x := &Result{Target: StatsTarget, Resource: StatsResource, Window: w, Deadline: w.End.Add(daily.DeadlineAfter)}
		x.Facts = pipelines.Facts{Mode: pipelines.ModeMeasures, Deadline: x.Deadline, Now: o.Now}
		if !okBiz || !okStats || trusted["biz"].Before(w.End) {
			x.Facts.Unverifiable = true
		} else if err := r.statsDay(ctx, x, asOf); err != nil {
			return nil, err
		}
		x.Status = pipelines.Classify(x.Facts)
		x.FaultLevel = o.Levels.Level(x.Status, x.Facts)
		x.Detail = detail(x)
		out = append(out, x)
	}
	return out, nil
}

func (r *Reconciler) statsDay(ctx context.Context, x *Result, asOf time.Time) error {
	p := pipelines.Params{"as_of": ts(asOf)}
	var recompute, stored []string
	for _, c := range r.cat.StatsCounters {
		e, err := pipelines.Render(c.Expr, p)
		if err != nil {
			return fmt.Errorf("stats counter %s: %w", c.Name, err)
		}
		recompute = append(recompute, fmt.Sprintf("CAST(%s AS VARCHAR)", e))
		stored = append(stored, fmt.Sprintf("CAST(e.%s AS VARCHAR)", c.Name))
	}
	q := fmt.Sprintf(`WITH sk AS (SELECT CAST(c.id AS VARCHAR) AS k, concat_ws('|', %s) AS v FROM biz.cases c
  WHERE c.report_time >= %s AND c.report_time < %s),
rk AS (SELECT CAST(e.case_id AS VARCHAR) AS k, concat_ws('|', %s) AS v FROM stats.case_eval e
  WHERE e.stat_date = CAST(%s AS DATE))`,
		strings.Join(recompute, ", "), ts(x.Window.Start), ts(x.Window.End), strings.Join(stored, ", "), ts(x.Window.Start))
	x.sourceQuery = q
	x.queries = map[string]string{
		"expected": q + "\nSELECT count(*) FROM sk",
		"received": q + "\nSELECT count(*) FROM rk",
		"claimed":  "-- the statistics DB has no push log: claimed = received",
	}
	x.Facts.Batches, x.Facts.Succeeded = 1, 1
	x.queries["keys"] = q + keyDiffSQL + countsSQL
	rows, err := r.q.QueryContext(ctx, x.queries["keys"])
	if err != nil {
		return fmt.Errorf("stats %s: %w", x.Window, err)
	}
	if err := x.scanKeys(rows); err != nil {
		return err
	}
	x.Facts.Claimed = x.Facts.Received
	return nil
}

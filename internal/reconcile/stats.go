package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// stats recomputes the per-case counters of the statistics DB from the
// business DB, with the catalog's definitions, as of the time the
// statistics were computed, and compares them case by case, one result per
// calendar day.
func (r *Reconciler) stats(ctx context.Context, wh warehouse.Querier, o Options, lo, hi time.Time, trusted map[string]time.Time) ([]*Result, error) {
	if len(r.cat.StatsCounters) == 0 {
		return nil, nil
	}
	sch, err := o.Schedules.Statistics()
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	days, err := sch.Windows(lo, hi)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	var dailyCols []pipelines.StatsCounter
	if _, ok := trusted["stats"]; ok {
		if dailyCols, err = r.dailyCounters(ctx, wh); err != nil {
			return nil, err
		}
	}
	// the recomputed counters read biz as of the window end; the stored
	// ones need a good snapshot of stats.
	trust := func(stored string) pipelines.Trust {
		return pipelines.Trust{Snapshots: trusted, Compared: o.trustKeys([]string{"biz.cases"}), Evidence: o.trustKeys([]string{stored})}
	}
	var out []*Result
	for _, resource := range []string{pipelines.StatsResource, pipelines.StatsDailyResource} {
		if o.Resource != "" && o.Resource != resource {
			continue
		}
		for _, w := range days {
			if !w.Start.Before(o.Now) {
				break
			}
			x := &Result{Target: pipelines.StatsTarget, Resource: resource, Window: w, Deadline: sch.Deadline(w)}
			x.Facts = pipelines.Facts{Mode: pipelines.ModeMeasures, Deadline: x.Deadline, Now: o.Now}
			switch {
			case trust("stats." + resource).Unverifiable(w):
				x.Facts.Unverifiable = true
			case resource == pipelines.StatsResource:
				err = r.statsDay(ctx, wh, x)
			default:
				err = r.statsDaily(ctx, wh, x, dailyCols)
			}
			if err != nil {
				return nil, err
			}
			x.judge(o.Levels)
			out = append(out, x)
		}
	}
	return out, nil
}

// dailyCounters are the counters the daily aggregate table carries.
func (r *Reconciler) dailyCounters(ctx context.Context, wh warehouse.Querier) ([]pipelines.StatsCounter, error) {
	rows, err := wh.QueryContext(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'stats' AND table_name = 'daily_district_stats' ORDER BY ordinal_position")
	if err != nil {
		return nil, fmt.Errorf("stats: columns of daily_district_stats: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		have[c] = true
	}
	var out []pipelines.StatsCounter
	for _, c := range r.cat.StatsCounters {
		if have[c.Name] {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// computedAt is when the statistics of table for the day of x were
// computed: the counters are recomputed as of it, read from that day's own
// rows.
func (r *Reconciler) computedAt(ctx context.Context, wh warehouse.Querier, table string, x *Result) (time.Time, error) {
	var at sql.NullTime
	q := "SELECT max(computed_at) FROM " + warehouse.QuoteTable("stats."+table) + " WHERE stat_date = CAST(? AS DATE)"
	if err := wh.QueryRowContext(ctx, q, warehouse.Timestamp(x.Window.Start)).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("stats: read computed_at of %s: %w", table, err)
	}
	return warehouse.FromWall(at.Time), nil
}

// statsDaily recomputes the per-district aggregates of one day from the
// business DB and compares them with stats.daily_district_stats.
func (r *Reconciler) statsDaily(ctx context.Context, wh warehouse.Querier, x *Result, cols []pipelines.StatsCounter) error {
	asOf, err := r.computedAt(ctx, wh, "daily_district_stats", x)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		x.Facts.Unverifiable = true
		return nil
	}
	x.params = args{"as_of": asOf, "window_start": x.Window.Start, "window_end": x.Window.End}
	var recompute, stored []string
	for _, c := range cols {
		e, err := named(c.Expr)
		if err != nil {
			return fmt.Errorf("stats counter %s: %w", c.Name, err)
		}
		recompute = append(recompute, fmt.Sprintf("CAST(SUM(%s) AS VARCHAR)", e))
		stored = append(stored, fmt.Sprintf("CAST(d.%s AS VARCHAR)", c.Name))
	}
	q := fmt.Sprintf(`WITH sk AS (SELECT CAST(c.district_id AS VARCHAR) AS k, concat_ws('|', %s) AS v, NULL::TIMESTAMP AS u FROM biz.cases c
  WHERE c.report_time >= $window_start AND c.report_time < $window_end GROUP BY c.district_id),
rk AS (SELECT CAST(d.district_id AS VARCHAR) AS k, concat_ws('|', %s) AS v, NULL::TIMESTAMP AS f FROM stats.daily_district_stats d
  WHERE d.stat_date = CAST($window_start AS DATE))`,
		strings.Join(recompute, ", "), strings.Join(stored, ", "))
	return r.statsDiff(ctx, wh, x, q)
}

// statsDay recomputes the per-case counters of one day from the business
// DB and compares them with stats.case_eval.
func (r *Reconciler) statsDay(ctx context.Context, wh warehouse.Querier, x *Result) error {
	asOf, err := r.computedAt(ctx, wh, "case_eval", x)
	if err != nil {
		return err
	}
	x.params = args{"as_of": asOf, "window_start": x.Window.Start, "window_end": x.Window.End}
	var recompute, stored []string
	for _, c := range r.cat.StatsCounters {
		e, err := named(c.Expr)
		if err != nil {
			return fmt.Errorf("stats counter %s: %w", c.Name, err)
		}
		recompute = append(recompute, fmt.Sprintf("CAST(%s AS VARCHAR)", e))
		stored = append(stored, fmt.Sprintf("CAST(e.%s AS VARCHAR)", c.Name))
	}
	q := fmt.Sprintf(`WITH sk AS (SELECT CAST(c.id AS VARCHAR) AS k, concat_ws('|', %s) AS v, NULL::TIMESTAMP AS u FROM biz.cases c
  WHERE c.report_time >= $window_start AND c.report_time < $window_end),
rk AS (SELECT CAST(e.case_id AS VARCHAR) AS k, concat_ws('|', %s) AS v, NULL::TIMESTAMP AS f FROM stats.case_eval e
  WHERE e.stat_date = CAST($window_start AS DATE))`,
		strings.Join(recompute, ", "), strings.Join(stored, ", "))
	return r.statsDiff(ctx, wh, x, q)
}

// statsDiff runs the key diff of a business-vs-statistics window whose sk
// (recomputed) and rk (stored) sets q defines. The statistics DB has no
// push log: claimed is what it holds.
func (r *Reconciler) statsDiff(ctx context.Context, wh warehouse.Querier, x *Result, q string) error {
	x.queries = map[string]string{
		"expected": q + "\nSELECT count(*) FROM sk",
		"received": q + "\nSELECT count(*) FROM rk",
		"claimed":  "-- the statistics DB has no push log: claimed = received",
		"keys":     q + leanDiff.sql(false, textKeys),
	}
	x.Facts.Batches, x.Facts.Succeeded = 1, 1
	rows, err := wh.QueryContext(ctx, x.queries["keys"], x.params.bind(x.queries["keys"])...)
	if err != nil {
		return fmt.Errorf("stats %s %s: %w", x.Resource, x.Window, err)
	}
	if err := x.scanKeys(rows); err != nil {
		return err
	}
	x.Facts.Claimed = x.Facts.Received
	return nil
}

package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// CaseCounterDiff is one counter of one case whose value in the
// statistics database differs from its recomputation from the business
// database (as of the time the statistics were computed).
type CaseCounterDiff struct {
	CaseID, DistrictID int64
	StatDate           time.Time // 00:00, Asia/Shanghai
	Counter            string
	Stats, Biz         int64
}

// CaseCounterDiffs recomputes, for the cases the latest per-case
// statistics check (stats/case_eval, status mismatch) of the days ending
// in (from, to] found inconsistent, the named counters of the catalog
// from biz.cases as the check did, and returns those that differ. A
// counter the catalog does not define is skipped.
func CaseCounterDiffs(ctx context.Context, q warehouse.Querier, cat *pipelines.Catalog, from, to time.Time, counters []string) ([]CaseCounterDiff, error) {
	var cols []pipelines.StatsCounter
	for _, name := range counters {
		for _, c := range cat.StatsCounters {
			if c.Name == name {
				cols = append(cols, c)
			}
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `
SELECT run_id, window_start, window_end FROM audit.latest_results(?, ?)
WHERE target = ? AND resource = ? AND status = 'mismatch' ORDER BY window_start`,
		warehouse.Timestamp(from), warehouse.Timestamp(to), pipelines.StatsTarget, pipelines.StatsResource)
	if err != nil {
		return nil, fmt.Errorf("stats differences: %w", err)
	}
	type day struct {
		run        string
		start, end time.Time
	}
	var days []day
	for rows.Next() {
		var d day
		if err := rows.Scan(&d.run, &d.start, &d.end); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats differences: %w", err)
		}
		d.start, d.end = warehouse.FromWall(d.start), warehouse.FromWall(d.end)
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats differences: %w", err)
	}
	var sel []string
	for _, c := range cols {
		e, err := named(c.Expr)
		if err != nil {
			return nil, fmt.Errorf("stats counter %s: %w", c.Name, err)
		}
		sel = append(sel, fmt.Sprintf("coalesce(CAST(e.%s AS BIGINT), 0), coalesce(CAST(%s AS BIGINT), 0)", warehouse.QuoteIdent(c.Name), e))
	}
	query := `SELECT e.case_id, e.district_id, ` + strings.Join(sel, ", ") + `
FROM stats.case_eval e JOIN biz.cases c ON c.id = e.case_id
WHERE e.stat_date = CAST($window_start AS DATE)
  AND CAST(e.case_id AS VARCHAR) IN (SELECT k.key FROM audit.result_keys k
    WHERE k.run_id = $run AND k.target = $target AND k.resource = $resource AND k.window_start = $window_start AND k.kind = 'mismatch')
ORDER BY e.case_id`
	r := &Reconciler{cat: cat}
	var out []CaseCounterDiff
	for _, d := range days {
		x := &Result{Target: pipelines.StatsTarget, Resource: pipelines.StatsResource, Window: pipelines.Window{Start: d.start, End: d.end}}
		asOf, err := r.computedAt(ctx, q, pipelines.StatsResource, x)
		if err != nil {
			return nil, err
		}
		a := args{"as_of": asOf, "window_start": d.start, "window_end": d.end, "run": d.run,
			"target": pipelines.StatsTarget, "resource": pipelines.StatsResource}
		rows, err := q.QueryContext(ctx, query, a.bind(query)...)
		if err != nil {
			return nil, fmt.Errorf("stats differences of %s: %w", d.start.Format("2006-01-02"), err)
		}
		vals := make([]any, 2+2*len(cols))
		nums := make([]int64, len(vals))
		for i := range vals {
			vals[i] = &nums[i]
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("stats differences of %s: %w", d.start.Format("2006-01-02"), err)
			}
			for i, c := range cols {
				if s, b := nums[2+2*i], nums[3+2*i]; s != b {
					out = append(out, CaseCounterDiff{CaseID: nums[0], DistrictID: nums[1], StatDate: d.start,
						Counter: c.Name, Stats: s, Biz: b})
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("stats differences of %s: %w", d.start.Format("2006-01-02"), err)
		}
	}
	return out, nil
}

package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// latestData is what the operations report reads of the period's latest
// results: the exchange per target × resource (without the findings),
// the daily completeness per target and the outages.
type latestData struct {
	exch    map[[2]string]*exchRow
	trend   map[time.Time]map[string]trendCell
	outages []outage
}

// loadLatest reads the period's latest results (audit.latest_results)
// once for the exchange, trend and outage figures: one aggregation by
// two grouping sets, target × resource (the exchange counts and the
// windows at which nothing arrived) and target × day (the completeness
// trend; stats left out).
func loadLatest(ctx context.Context, db *sql.DB, p Period) (latestData, error) {
	d := latestData{exch: map[[2]string]*exchRow{}, trend: map[time.Time]map[string]trendCell{}}
	rows, err := db.QueryContext(ctx, `WITH `+latestResults+`
SELECT grouping(resource) = 0 AS per_resource, target, resource, day,
       count(*) FILTER (WHERE status <> 'pending'),
       count(*) FILTER (WHERE status = 'ok'),
       count(*) FILTER (WHERE status = 'late'),
       count(*) FILTER (WHERE status IN ('missed', 'stale')),
       count(*) FILTER (WHERE status IN ('short', 'excess', 'duplicate', 'failed', 'mismatch')),
       count(*) FILTER (WHERE status = 'unverifiable'),
       count(*) FILTER (WHERE status IN ('ok', 'late')),
       count(*) FILTER (WHERE status NOT IN ('pending', 'unverifiable')),
       list(window_start ORDER BY window_start, window_end) FILTER (WHERE status IN ('missed', 'stale', 'failed')),
       list(window_end ORDER BY window_start, window_end) FILTER (WHERE status IN ('missed', 'stale', 'failed'))
FROM r GROUP BY GROUPING SETS ((target, resource), (target, day))`, p.latestArgs()...)
	if err != nil {
		return d, fmt.Errorf("latest results of %s: %w", p, err)
	}
	defer rows.Close()
	for rows.Next() {
		var perResource bool
		var t string
		var r sql.NullString
		var day sql.NullTime
		var x exchRow
		var c trendCell
		var starts, ends any
		if err := rows.Scan(&perResource, &t, &r, &day, &x.due, &x.ok, &x.late, &x.missed, &x.other, &x.unver,
			&c.complete, &c.judged, &starts, &ends); err != nil {
			return d, fmt.Errorf("latest results of %s: %w", p, err)
		}
		if !perResource {
			if t == pipelines.StatsTarget || !day.Valid {
				continue
			}
			dd := time.Date(day.Time.Year(), day.Time.Month(), day.Time.Day(), 0, 0, 0, 0, pipelines.Shanghai)
			if d.trend[dd] == nil {
				d.trend[dd] = map[string]trendCell{}
			}
			d.trend[dd][t] = c
			continue
		}
		x.target, x.resource = t, r.String
		d.exch[[2]string{t, r.String}] = &x
		if t == pipelines.StatsTarget {
			continue
		}
		s, _ := starts.([]any)
		e, _ := ends.([]any)
		if len(s) != len(e) {
			return d, fmt.Errorf("outages of %s: %d starts, %d ends", p, len(s), len(e))
		}
		for i := range s {
			a, ok1 := s[i].(time.Time)
			b, ok2 := e[i].(time.Time)
			if !ok1 || !ok2 {
				return d, fmt.Errorf("outages of %s: window %v–%v is not a time", p, s[i], e[i])
			}
			d.outages = append(d.outages, outage{target: t, start: warehouse.FromWall(a), end: warehouse.FromWall(b)})
		}
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("latest results of %s: %w", p, err)
	}
	sort.Slice(d.outages, func(i, j int) bool {
		a, b := d.outages[i], d.outages[j]
		if a.target != b.target {
			return a.target < b.target
		}
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		return a.end.Before(b.end)
	})
	return d, nil
}

// addFindings adds the period's findings fs (loadPeriodFindings) to the
// exchange rows, by level.
func addFindings(exch map[[2]string]*exchRow, fs []finding) {
	for _, f := range fs {
		k := [2]string{f.target, f.resource}
		e := exch[k]
		if e == nil {
			e = &exchRow{target: f.target, resource: f.resource}
			exch[k] = e
		}
		e.levels[f.levelIndex()]++
		if f.resolvedAt.Valid {
			e.resolved++
			e.resolveHours += warehouse.FromWall(f.resolvedAt.Time).Sub(f.firstSeen).Hours()
		}
	}
}

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

// latestTable is the temporary table of the period's latest results
// summed up per target × resource × day (audit.latest_daily) that the
// operations report computes once (shareLatest) and reads twice: here
// for the exchange, trend and outages, and for the volumes
// (audit.volumes_of).
const latestTable = "ops_latest_daily"

// shareLatest computes the period's audit.latest_daily once into
// latestTable on a connection of its own. Close with drop, which drops
// the table before the connection goes back to the pool.
func shareLatest(ctx context.Context, db *sql.DB, p Period) (conn *sql.Conn, drop func(), err error) {
	conn, err = db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("latest results of %s: %w", p, err)
	}
	drop = func() {
		// A fresh context: the table must go even when ctx is done.
		_, _ = conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS temp.`+latestTable)
		_ = conn.Close()
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE `+latestTable+` AS
SELECT * FROM audit.latest_daily(?, ?)`, p.latestArgs()...); err != nil {
		drop()
		return nil, nil, fmt.Errorf("latest results of %s: %w", p, err)
	}
	return conn, drop, nil
}

// loadLatest reads the period's latest results, summed up per day
// (latestTable on q), for the exchange, trend and outage figures: one
// aggregation by two grouping sets, target × resource (the exchange
// counts and the windows at which nothing arrived) and target × day (the
// completeness trend; stats left out).
func loadLatest(ctx context.Context, q warehouse.Querier) (latestData, error) {
	d := latestData{exch: map[[2]string]*exchRow{}, trend: map[time.Time]map[string]trendCell{}}
	rows, err := q.QueryContext(ctx, `
SELECT grouping(resource) = 0 AS per_resource, target, resource, day,
       sum(windows_due)::BIGINT, sum(windows_ok)::BIGINT, sum(windows_late)::BIGINT, sum(windows_missed)::BIGINT,
       sum(windows_other)::BIGINT, sum(windows_unverifiable)::BIGINT, sum(windows_complete)::BIGINT, sum(windows_judged)::BIGINT,
       CASE WHEN grouping(resource) = 0 THEN flatten(list(outage_starts ORDER BY day)) END,
       CASE WHEN grouping(resource) = 0 THEN flatten(list(outage_ends ORDER BY day)) END
FROM `+latestTable+` GROUP BY GROUPING SETS ((target, resource), (target, day))`)
	if err != nil {
		return d, err
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
			return d, err
		}
		if !perResource {
			if t == pipelines.StatsTarget || t == pipelines.SourceTarget || !day.Valid {
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
		if t == pipelines.StatsTarget || t == pipelines.SourceTarget {
			continue // no push, so no outage of one
		}
		s, _ := starts.([]any)
		e, _ := ends.([]any)
		if len(s) != len(e) {
			return d, fmt.Errorf("outages: %d starts, %d ends", len(s), len(e))
		}
		for i := range s {
			a, ok1 := s[i].(time.Time)
			b, ok2 := e[i].(time.Time)
			if !ok1 || !ok2 {
				return d, fmt.Errorf("outages: window %v–%v is not a time", s[i], e[i])
			}
			d.outages = append(d.outages, outage{target: t, start: warehouse.FromWall(a), end: warehouse.FromWall(b)})
		}
	}
	if err := rows.Err(); err != nil {
		return d, err
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

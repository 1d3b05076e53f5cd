package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// DailyChecks returns, by day (2006-01-02) of the span's days, the
// finished reconcile runs that judged windows of the day and what they
// found there (the view audit.daily_checks).
func (s Results) DailyChecks(ctx context.Context, span Span) (map[string][]pipelines.DailyCheck, error) {
	rows, err := s.q.QueryContext(ctx, `
SELECT strftime(day, '%Y-%m-%d'), run_id, started_at, finished_at, windows, ok, pending, late, missed, other, unverifiable
FROM audit.daily_checks
WHERE day >= CAST(? AS DATE) AND day < CAST(? AS DATE)
ORDER BY day, finished_at, run_id`, warehouse.Timestamp(span.From), warehouse.Timestamp(span.To))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]pipelines.DailyCheck{}
	for rows.Next() {
		var day string
		var c pipelines.DailyCheck
		if err := rows.Scan(&day, &c.RunID, &c.Started, &c.Finished, &c.Windows, &c.OK, &c.Pending,
			&c.Late, &c.Missed, &c.Other, &c.Unverifiable); err != nil {
			return nil, err
		}
		c.Started, c.Finished = warehouse.FromWall(c.Started), warehouse.FromWall(c.Finished)
		out[day] = append(out[day], c)
	}
	return out, rows.Err()
}

// Volume is the push volume of one target × resource in one month
// (the table macro audit.monthly_volumes).
type Volume struct {
	Target, Resource string
	Month            time.Time // the 1st, 00:00
	// Windows due (not pending), complete (ok or late), unverifiable.
	WindowsDue, WindowsComplete, WindowsUnverifiable int
	// Rows over the windows judged with counts: expected (the business
	// DB), claimed (the push log), received (the front-end DB), and
	// delivered (received, at most the expected, per window).
	RowsExpected, RowsClaimed, RowsReceived, RowsDelivered int64
}

// MonthlyVolumes returns the volumes of the latest results of the
// windows ending in the span, by target, resource and month.
func (s Results) MonthlyVolumes(ctx context.Context, span Span) ([]Volume, error) {
	rows, err := s.q.QueryContext(ctx, `
SELECT target, resource, month, windows_due, windows_complete, windows_unverifiable,
       rows_expected, rows_claimed, rows_received, rows_delivered
FROM audit.monthly_volumes(?, ?) ORDER BY target, resource, month`,
		warehouse.Timestamp(span.From), warehouse.Timestamp(span.To))
	return collect(rows, err, scanVolume)
}

// VolumesOf returns the volumes (the table macro audit.volumes_of) of
// rel, a table or view of the store's connection with the columns of
// audit.latest_daily, by target, resource and month: the latest results
// summed up once, e.g. into a temporary table, serve this and other
// figures. rel must be a plain name (letters, digits, underscores): the
// macro's query_table takes it as SQL text.
func (s Results) VolumesOf(ctx context.Context, rel string) ([]Volume, error) {
	if !plainName.MatchString(rel) {
		return nil, fmt.Errorf("volumes of %q: not a plain relation name", rel)
	}
	rows, err := s.q.QueryContext(ctx, `
SELECT target, resource, month, windows_due, windows_complete, windows_unverifiable,
       rows_expected, rows_claimed, rows_received, rows_delivered
FROM audit.volumes_of(`+rel+`) ORDER BY target, resource, month`)
	return collect(rows, err, scanVolume)
}

// plainName is a relation name VolumesOf accepts.
var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func scanVolume(rows *sql.Rows, v *Volume) error {
	var m time.Time
	if err := rows.Scan(&v.Target, &v.Resource, &m, &v.WindowsDue, &v.WindowsComplete, &v.WindowsUnverifiable,
		&v.RowsExpected, &v.RowsClaimed, &v.RowsReceived, &v.RowsDelivered); err != nil {
		return err
	}
	v.Month = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, pipelines.Shanghai)
	return nil
}

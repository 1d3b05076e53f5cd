package warehouse

import (
	"context"
	"time"
)

// DriftChange is one change of a table's structure a snapshot found (the
// view audit.schema_drift).
type DriftChange struct {
	DetectedAt    time.Time
	RunID, Source string
	Table, Change string
}

// SchemaDrift returns the structure changes detected by the snapshots
// taken in [from, to), in time order; captured is whether any snapshot
// of the span captured the structure at all (without, drift could not
// have been seen).
func SchemaDrift(ctx context.Context, q Querier, from, to time.Time) (changes []DriftChange, captured bool, err error) {
	var n int64
	if err := q.QueryRowContext(ctx, `
SELECT count(*) FROM audit.snapshot_columns c JOIN audit.snapshots s USING (run_id, source, table_name)
WHERE coalesce(s.snapshot_at, s.started_at) >= ? AND coalesce(s.snapshot_at, s.started_at) < ?`,
		Timestamp(from), Timestamp(to)).Scan(&n); err != nil {
		return nil, false, err
	}
	rows, err := q.QueryContext(ctx, `
SELECT detected_at, run_id, source, table_name, change FROM audit.schema_drift
WHERE detected_at >= ? AND detected_at < ? ORDER BY detected_at, source, table_name, change`,
		Timestamp(from), Timestamp(to))
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var c DriftChange
		if err := rows.Scan(&c.DetectedAt, &c.RunID, &c.Source, &c.Table, &c.Change); err != nil {
			return nil, false, err
		}
		c.DetectedAt = FromWall(c.DetectedAt)
		changes = append(changes, c)
	}
	return changes, n > 0 || len(changes) > 0, rows.Err()
}

// Workbook is a report written (audit.reports): where, and when first.
type Workbook struct {
	Path    string
	Written time.Time
}

// DailyWorkbooks returns the daily workbooks of the days in [from, to)
// in lang (by day, 2006-01-02): the first written of each day, and its
// path.
func DailyWorkbooks(ctx context.Context, q Querier, from, to time.Time, lang string) (map[string]Workbook, error) {
	rows, err := q.QueryContext(ctx, `
SELECT period, arg_min(path, written_at), min(written_at) FROM audit.reports
WHERE kind = 'day' AND lang = ? AND period >= ? AND period < ?
GROUP BY period`, lang, from.Format("2006-01-02"), to.Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Workbook{}
	for rows.Next() {
		var day string
		var b Workbook
		if err := rows.Scan(&day, &b.Path, &b.Written); err != nil {
			return nil, err
		}
		b.Written = FromWall(b.Written)
		out[day] = b
	}
	return out, rows.Err()
}

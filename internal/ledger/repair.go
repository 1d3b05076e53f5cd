package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Latest returns the latest stored result (audit.latest_results: the
// newest finished run that judged it) of the window of target/resource
// that starts at start and ends at end, with its keys; ok is false when no
// run judged the window.
func (s Results) Latest(ctx context.Context, target, resource string, start, end time.Time) (r Result, ok bool, err error) {
	var ws, we time.Time
	var deadline, last sql.NullTime
	var status string
	err = s.q.QueryRowContext(ctx, `
SELECT run_id, window_start, window_end, deadline, status,
       expected, claimed, received, missing_keys, extra_keys, duplicate_keys, mismatched,
       last_push_at, coalesce(fault_level, 0), coalesce(detail, '')
FROM audit.latest_results(?, ?)
WHERE target = ? AND resource = ? AND window_start = ?`,
		warehouse.Timestamp(end.Add(-time.Microsecond)), warehouse.Timestamp(end), target, resource, warehouse.Timestamp(start)).
		Scan(&r.RunID, &ws, &we, &deadline, &status, &r.Expected, &r.Claimed, &r.Received,
			&r.MissingKeys, &r.ExtraKeys, &r.DuplicateKeys, &r.Mismatched, &last, &r.FaultLevel, &r.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("results: %w", err)
	}
	r.Target, r.Resource, r.Status = target, resource, pipelines.Status(status)
	r.WindowStart, r.WindowEnd = warehouse.FromWall(ws), warehouse.FromWall(we)
	r.Deadline, r.LastPushAt = warehouse.NullTime(deadline), warehouse.NullTime(last)
	rows, err := s.q.QueryContext(ctx, `SELECT kind, key, occurrences FROM audit.result_keys
WHERE run_id = ? AND target = ? AND resource = ? AND window_start = ? ORDER BY kind, key`,
		r.RunID, target, resource, warehouse.Timestamp(start))
	r.Keys, err = collect(rows, err, func(rows *sql.Rows, k *Key) error { return rows.Scan(&k.Kind, &k.Key, &k.Occurrences) })
	if err != nil {
		return r, false, fmt.Errorf("result keys: %w", err)
	}
	return r, true, nil
}

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

// ErrNoResults is wrapped when no run has results for the span asked for.
var ErrNoResults = errors.New("no reconcile results for the day")

// Result is one row of audit.results: the verdict of one target × resource
// × window in one run, with the keys behind it (audit.result_keys).
type Result struct {
	RunID                  string
	Target, Resource       string
	WindowStart, WindowEnd time.Time // Asia/Shanghai
	Deadline               time.Time // zero: none
	Status                 pipelines.Status
	// Expected, Claimed and Received are NULL when unknown (unverifiable).
	Expected, Claimed, Received           sql.NullInt64
	MissingKeys, ExtraKeys, DuplicateKeys int64
	Mismatched                            int64
	// ChangedSincePush are keys whose source changed after their push:
	// their values were not compared.
	ChangedSincePush int64
	LastPushAt       time.Time // zero: no push
	FaultLevel       int       // 1..4; 0: none
	Detail           string
	Keys             []Key // written by Save; not read back by ForDay
}

// Key is one key behind a result.
type Key struct {
	Kind        string // missing | extra | duplicate | mismatch
	Key         string // key columns joined by '|'
	Occurrences int64
}

// Results is the store of audit.results and audit.result_keys.
type Results struct{ q warehouse.Querier }

// NewResults returns the results store over q.
func NewResults(q warehouse.Querier) Results { return Results{q: q} }

// Save writes the results of run runID and all their keys.
func (s Results) Save(ctx context.Context, runID string, rs []Result) error {
	err := inChunks(len(rs), func(lo, hi int) error {
		part := rs[lo:hi]
		b := bulk{n: len(part)}
		r := func(i int) *Result { return &part[i] }
		b.same("run_id", runID)
		b.text("target", func(i int) string { return r(i).Target })
		b.text("resource", func(i int) string { return r(i).Resource })
		b.times("window_start", func(i int) time.Time { return r(i).WindowStart })
		b.times("window_end", func(i int) time.Time { return r(i).WindowEnd })
		b.times("deadline", func(i int) time.Time { return r(i).Deadline })
		b.text("status", func(i int) string { return string(r(i).Status) })
		b.ints("expected", func(i int) sql.NullInt64 { return r(i).Expected })
		b.ints("claimed", func(i int) sql.NullInt64 { return r(i).Claimed })
		b.ints("received", func(i int) sql.NullInt64 { return r(i).Received })
		b.ints("missing_keys", func(i int) sql.NullInt64 { return known(r(i).MissingKeys) })
		b.ints("extra_keys", func(i int) sql.NullInt64 { return known(r(i).ExtraKeys) })
		b.ints("duplicate_keys", func(i int) sql.NullInt64 { return known(r(i).DuplicateKeys) })
		b.ints("mismatched", func(i int) sql.NullInt64 { return known(r(i).Mismatched) })
		b.ints("changed_since_push", func(i int) sql.NullInt64 { return known(r(i).ChangedSincePush) })
		b.times("last_push_at", func(i int) time.Time { return r(i).LastPushAt })
		b.ints("fault_level", func(i int) sql.NullInt64 { return level(r(i).FaultLevel) })
		b.text("detail", func(i int) string { return r(i).Detail })
		return b.insert(ctx, s.q, "audit.results", "")
	})
	if err != nil {
		return fmt.Errorf("store results: %w", err)
	}
	type ref struct {
		r *Result
		k *Key
	}
	var keys []ref
	for i := range rs {
		for j := range rs[i].Keys {
			keys = append(keys, ref{&rs[i], &rs[i].Keys[j]})
		}
	}
	err = inChunks(len(keys), func(lo, hi int) error {
		part := keys[lo:hi]
		b := bulk{n: len(part)}
		b.same("run_id", runID)
		b.text("target", func(i int) string { return part[i].r.Target })
		b.text("resource", func(i int) string { return part[i].r.Resource })
		b.times("window_start", func(i int) time.Time { return part[i].r.WindowStart })
		b.text("kind", func(i int) string { return part[i].k.Kind })
		b.text("key", func(i int) string { return part[i].k.Key })
		b.ints("occurrences", func(i int) sql.NullInt64 { return known(part[i].k.Occurrences) })
		return b.insert(ctx, s.q, "audit.result_keys", "")
	})
	if err != nil {
		return fmt.Errorf("store result keys: %w", err)
	}
	return nil
}

// LatestRun returns the run whose results a day's report shows when no
// run is named: the latest run (by started_at in audit.runs, then run id)
// that has results in the span and is not still running. It returns an
// error wrapping ErrNoResults when there is none.
func (s Results) LatestRun(ctx context.Context, span Span) (string, error) {
	cond, args := span.endsIn("window_end")
	var id string
	err := s.q.QueryRowContext(ctx, `
SELECT r.run_id
FROM (SELECT DISTINCT run_id FROM audit.results WHERE `+cond+`) r
LEFT JOIN audit.runs u ON u.run_id = r.run_id
WHERE coalesce(u.status, '') <> 'running'
ORDER BY u.started_at DESC NULLS LAST, r.run_id DESC
LIMIT 1`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoResults
	}
	return id, err
}

// StatusCount is the number of results of one target × resource with one
// verdict.
type StatusCount struct {
	Target, Resource string
	Status           string
	N                int
}

// CountByStatus counts the results of run in the span per target,
// resource and verdict, in that order.
func (s Results) CountByStatus(ctx context.Context, run string, span Span) ([]StatusCount, error) {
	cond, args := span.endsIn("window_end")
	rows, err := s.q.QueryContext(ctx, `
SELECT target, resource, status, count(*)
FROM audit.results
WHERE run_id = ? AND `+cond+`
GROUP BY target, resource, status
ORDER BY target, resource, status`, append([]any{run}, args...)...)
	return collect(rows, err, func(rows *sql.Rows, c *StatusCount) error {
		return rows.Scan(&c.Target, &c.Resource, &c.Status, &c.N)
	})
}

// collect reads every row of a query into a slice with scan.
func collect[T any](rows *sql.Rows, err error, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ForDay returns the results of run whose windows end in the span (a
// day), ordered by target, resource and window start, without their keys.
func (s Results) ForDay(ctx context.Context, run string, span Span) ([]Result, error) {
	cond, args := span.endsIn("window_end")
	rows, err := s.q.QueryContext(ctx, `
SELECT target, resource, window_start, window_end, deadline, status,
       expected, claimed, received, missing_keys, extra_keys, duplicate_keys, mismatched, coalesce(changed_since_push, 0),
       last_push_at, coalesce(fault_level, 0), coalesce(detail, '')
FROM audit.results
WHERE run_id = ? AND `+cond+`
ORDER BY target, resource, window_start`, append([]any{run}, args...)...)
	return collect(rows, err, func(rows *sql.Rows, r *Result) error {
		r.RunID = run
		var start, end time.Time
		var deadline, last sql.NullTime
		var status string
		if err := rows.Scan(&r.Target, &r.Resource, &start, &end, &deadline, &status,
			&r.Expected, &r.Claimed, &r.Received, &r.MissingKeys, &r.ExtraKeys, &r.DuplicateKeys, &r.Mismatched, &r.ChangedSincePush,
			&last, &r.FaultLevel, &r.Detail); err != nil {
			return err
		}
		r.WindowStart, r.WindowEnd = warehouse.FromWall(start), warehouse.FromWall(end)
		r.Deadline, r.LastPushAt = warehouse.NullTime(deadline), warehouse.NullTime(last)
		r.Status = pipelines.Status(status)
		return nil
	})
}

// Stored is the verdict a run stored for a window.
type Stored struct {
	RunID  string
	Status pipelines.Status
}

// History returns what the latest runs (at most limit, newest run id
// first) stored for the window of target/resource starting at start.
func (s Results) History(ctx context.Context, target, resource string, start time.Time, limit int) ([]Stored, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT run_id, status FROM audit.results
WHERE target = ? AND resource = ? AND window_start = ? ORDER BY run_id DESC LIMIT ?`,
		target, resource, warehouse.Timestamp(start), limit)
	return collect(rows, err, func(rows *sql.Rows, st *Stored) error { return rows.Scan(&st.RunID, &st.Status) })
}

// InspectedDays returns the days (as 2006-01-02) in the span that have a
// daily inspection record: a finished reconcile run (status ok or
// findings) with results for windows of the day.
func (s Results) InspectedDays(ctx context.Context, span Span) (map[string]bool, error) {
	cond, args := span.endsIn("x.window_end")
	rows, err := s.q.QueryContext(ctx, `
SELECT DISTINCT strftime(audit.window_day(x.window_end), '%Y-%m-%d')
FROM audit.results x JOIN audit.runs u ON u.run_id = x.run_id
WHERE u.status IN (?, ?) AND `+cond, append([]any{warehouse.RunOK, warehouse.RunFindings}, args...)...)
	days, err := collect(rows, err, func(rows *sql.Rows, d *string) error { return rows.Scan(d) })
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, d := range days {
		out[d] = true
	}
	return out, nil
}

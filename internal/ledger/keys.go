package ledger

import (
	"context"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// KeyStats measures the keys of run's results in the span before they are
// streamed: how many rows, the longest key in bytes and the most
// occurrences of one key.
func (s Results) KeyStats(ctx context.Context, run string, span Span) (n, maxKey, maxOcc int64, err error) {
	cond, args := span.endsIn("r.window_end")
	err = s.q.QueryRowContext(ctx, `
SELECT count(*), coalesce(max(strlen(k.key)), 0), coalesce(max(k.occurrences), 0)
FROM audit.result_keys k
JOIN audit.results r USING (run_id, target, resource, window_start)
WHERE k.run_id = ? AND `+cond, append([]any{run}, args...)...).Scan(&n, &maxKey, &maxOcc)
	return n, maxKey, maxOcc, err
}

// WindowKey is one key of a result as EachKey streams it.
type WindowKey struct {
	Target, Resource string
	WindowStart      time.Time
	Key
	Total int64 // keys of the window in all
	Rank  int64 // 1-based, in the order missing, extra, duplicate, mismatch, then by key
}

// Pair is a target and one of its resources.
type Pair struct{ Target, Resource string }

// EachKey streams the keys of the results of run for target/resource in
// the span, at most limit per window, ordered by window start and rank.
func (s Results) EachKey(ctx context.Context, run, target, resource string, span Span, limit int, fn func(WindowKey) error) error {
	return s.EachKeyOf(ctx, run, []Pair{{target, resource}}, span, limit, fn)
}

// EachKeyOf streams, in one query, the keys EachKey gives for each pair
// in turn: pairs in the order given, then by window start and rank.
func (s Results) EachKeyOf(ctx context.Context, run string, pairs []Pair, span Span, limit int, fn func(WindowKey) error) error {
	if len(pairs) == 0 {
		return nil
	}
	values := make([]string, len(pairs))
	args := make([]any, 0, 3*len(pairs)+4)
	for i, p := range pairs {
		values[i] = "(?::INTEGER, ?::VARCHAR, ?::VARCHAR)"
		args = append(args, i, p.Target, p.Resource)
	}
	cond, spanArgs := span.endsIn("r.window_end")
	args = append(append(append(args, run), spanArgs...), limit)
	rows, err := s.q.QueryContext(ctx, `
WITH o(pos, target, resource) AS (VALUES `+strings.Join(values, ", ")+`)
SELECT k.target, k.resource, k.window_start, k.kind, k.key, k.occurrences, k.total, k.rn FROM (
  SELECT k.target, k.resource, k.window_start, k.kind, k.key, k.occurrences,
         count(*) OVER (PARTITION BY k.target, k.resource, k.window_start) AS total,
         row_number() OVER (PARTITION BY k.target, k.resource, k.window_start
           ORDER BY CASE k.kind WHEN 'missing' THEN 0 WHEN 'extra' THEN 1
                                WHEN 'duplicate' THEN 2 WHEN 'mismatch' THEN 3 ELSE 4 END,
                    k.kind, k.key) AS rn
  FROM audit.result_keys k
  JOIN audit.results r USING (run_id, target, resource, window_start)
  SEMI JOIN o ON o.target = k.target AND o.resource = k.resource
  WHERE k.run_id = ? AND `+cond+`
) k JOIN o ON o.target = k.target AND o.resource = k.resource
WHERE k.rn <= ?
ORDER BY o.pos, k.window_start, k.rn`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k WindowKey
		var start time.Time
		if err := rows.Scan(&k.Target, &k.Resource, &start, &k.Kind, &k.Key.Key, &k.Occurrences, &k.Total, &k.Rank); err != nil {
			return err
		}
		k.WindowStart = warehouse.FromWall(start)
		if err := fn(k); err != nil {
			return err
		}
	}
	return rows.Err()
}

// KeyListRows is the number of rows EachKey gives for all of run's
// results in the span with the same limit, plus one for each window
// whose keys it caps (the row saying how many were left out): the length
// of a key list, known before it is streamed.
func (s Results) KeyListRows(ctx context.Context, run string, span Span, limit int) (n int64, err error) {
	cond, args := span.endsIn("r.window_end")
	err = s.q.QueryRowContext(ctx, `
SELECT coalesce(sum(least(c, ?) + CASE WHEN c > ? THEN 1 ELSE 0 END), 0)::BIGINT FROM (
  SELECT count(*) AS c
  FROM audit.result_keys k
  JOIN audit.results r USING (run_id, target, resource, window_start)
  WHERE k.run_id = ? AND `+cond+`
  GROUP BY k.target, k.resource, k.window_start)`, append([]any{limit, limit, run}, args...)...).Scan(&n)
	return n, err
}

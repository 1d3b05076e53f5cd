package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Finding is one row of audit.findings: a result that is not ok, tracked
// across runs. Zero times are NULL.
type Finding struct {
	ID                     string
	Target, Resource       string
	WindowStart, WindowEnd time.Time
	Status                 pipelines.Status
	FaultLevel             int // 1..4; 0: none
	FirstSeen, LastSeen    time.Time
	FirstRunID, LastRunID  string
	ResolvedAt             time.Time
	ResolvedRunID          string
	RespondBy, ResolveBy   time.Time
	Expected, Received     sql.NullInt64
	Detail                 string
	RespondedAt            time.Time
	RespondedBy            string
	ResponseNote           string
	// Missing, Extra, Duplicate are the keys the window lacks, holds
	// extra and holds more than once.
	Missing, Extra, Duplicate int64
	// Incident is the incident the finding belongs to ("": none yet, or
	// never: unverifiable).
	Incident string
}

// Findings is the store of audit.findings.
type Findings struct{ q warehouse.Querier }

// NewFindings returns the findings store over q.
func NewFindings(q warehouse.Querier) Findings { return Findings{q: q} }

// Record opens a finding per row of fs seen by run runID at now, or
// refreshes the one already in the ledger: last seen, its level, counts
// and detail, and it is open again if it was resolved. A refreshed finding
// keeps its first sighting, its limits and any response.
func (s Findings) Record(ctx context.Context, runID string, now time.Time, fs []Finding) error {
	err := inChunks(len(fs), func(lo, hi int) error {
		part := fs[lo:hi]
		f := func(i int) *Finding { return &part[i] }
		b := bulk{n: len(part)}
		b.text("finding_id", func(i int) string { return f(i).ID })
		b.text("target", func(i int) string { return f(i).Target })
		b.text("resource", func(i int) string { return f(i).Resource })
		b.times("window_start", func(i int) time.Time { return f(i).WindowStart })
		b.times("window_end", func(i int) time.Time { return f(i).WindowEnd })
		b.text("status", func(i int) string { return string(f(i).Status) })
		b.ints("fault_level", func(i int) sql.NullInt64 { return level(f(i).FaultLevel) })
		b.same("first_seen", warehouse.Timestamp(now))
		b.same("last_seen", warehouse.Timestamp(now))
		b.same("first_run_id", runID)
		b.same("last_run_id", runID)
		b.times("respond_by", func(i int) time.Time { return f(i).RespondBy })
		b.times("resolve_by", func(i int) time.Time { return f(i).ResolveBy })
		b.ints("expected", func(i int) sql.NullInt64 { return f(i).Expected })
		b.ints("received", func(i int) sql.NullInt64 { return f(i).Received })
		b.text("detail", func(i int) string { return f(i).Detail })
		b.ints("missing_keys", func(i int) sql.NullInt64 { return known(f(i).Missing) })
		b.ints("extra_keys", func(i int) sql.NullInt64 { return known(f(i).Extra) })
		b.ints("duplicate_keys", func(i int) sql.NullInt64 { return known(f(i).Duplicate) })
		return b.insert(ctx, s.q, "audit.findings", `ON CONFLICT (finding_id) DO UPDATE SET last_seen = excluded.last_seen, last_run_id = excluded.last_run_id,
  fault_level = excluded.fault_level, expected = excluded.expected, received = excluded.received, detail = excluded.detail,
  missing_keys = excluded.missing_keys, extra_keys = excluded.extra_keys, duplicate_keys = excluded.duplicate_keys,
  resolved_at = NULL, resolved_run_id = NULL`)
	})
	if err != nil {
		return fmt.Errorf("findings ledger: %w", err)
	}
	return nil
}

// WindowRef names one window of one resource.
type WindowRef struct {
	Target, Resource string
	WindowStart      time.Time
}

func (w WindowRef) key() string {
	return fmt.Sprintf("%s|%s|%d", w.Target, w.Resource, w.WindowStart.Unix())
}

// Resolve marks resolved, by run runID at now, the open findings of the
// judged windows whose id is not in seen: the run judged the window again
// and no longer finds them (a late arrival, a repaired push). It returns
// how many it resolved.
func (s Findings) Resolve(ctx context.Context, runID string, now time.Time, judged []WindowRef, seen map[string]bool) (int, error) {
	if len(judged) == 0 {
		return 0, nil
	}
	in := map[string]bool{}
	lo, hi := judged[0].WindowStart, judged[0].WindowStart
	for _, w := range judged {
		in[w.key()] = true
		if w.WindowStart.Before(lo) {
			lo = w.WindowStart
		}
		if w.WindowStart.After(hi) {
			hi = w.WindowStart
		}
	}
	open, err := s.Open(ctx, lo, hi.Add(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("findings ledger: %w", err)
	}
	var stale []string
	for _, f := range open {
		w := WindowRef{Target: f.Target, Resource: f.Resource, WindowStart: f.WindowStart}
		if !seen[f.ID] && in[w.key()] {
			stale = append(stale, f.ID)
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	if _, err := s.q.ExecContext(ctx, `UPDATE audit.findings SET resolved_at = ?, resolved_run_id = ?
WHERE finding_id IN (SELECT unnest(?))`, warehouse.Timestamp(now), runID, stale); err != nil {
		return 0, fmt.Errorf("findings ledger: %w", err)
	}
	return len(stale), nil
}

// Get returns the findings of ids that are in the ledger, by id.
func (s Findings) Get(ctx context.Context, ids []string) (map[string]Finding, error) {
	fs, err := s.query(ctx, `finding_id IN (SELECT unnest(?))`, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]Finding{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out, nil
}

// Open returns the findings not resolved whose window starts in [from,
// to).
func (s Findings) Open(ctx context.Context, from, to time.Time) ([]Finding, error) {
	return s.query(ctx, `resolved_at IS NULL AND window_start >= ? AND window_start < ?`,
		warehouse.Timestamp(from), warehouse.Timestamp(to))
}

// Alertable returns the findings with a fault level that are open, or
// were resolved at or after resolvedSince: what the alerting engine
// evaluates.
func (s Findings) Alertable(ctx context.Context, resolvedSince time.Time) ([]Finding, error) {
	return s.query(ctx, `fault_level IS NOT NULL AND (resolved_at IS NULL OR resolved_at >= ?)`,
		warehouse.Timestamp(resolvedSince))
}

// EndingIn returns the findings of the windows that end in the span.
func (s Findings) EndingIn(ctx context.Context, span Span) ([]Finding, error) {
	cond, args := span.endsIn("window_end")
	return s.query(ctx, cond, args...)
}

// Touching returns the findings that touch the span (a day): their window
// ends in it, or they were seen during it (first seen..last seen overlaps
// it), or they were resolved in it, or they were still open at its end.
func (s Findings) Touching(ctx context.Context, span Span) ([]Finding, error) {
	from, to := warehouse.Timestamp(span.From), warehouse.Timestamp(span.To)
	return s.query(ctx, `(window_end > ? AND window_end <= ?)
   OR (first_seen <= ? AND last_seen > ?)
   OR (resolved_at > ? AND resolved_at <= ?)
   OR (first_seen <= ? AND (resolved_at IS NULL OR resolved_at > ?))`,
		from, to, to, from, from, to, to, to)
}

// query returns the findings matching the SQL condition where (with
// args), ordered by window start, target, resource, status and id.
func (s Findings) query(ctx context.Context, where string, args ...any) ([]Finding, error) {
	rows, err := s.q.QueryContext(ctx, `
SELECT finding_id, target, resource, window_start, window_end, status, coalesce(fault_level, 0),
       first_seen, last_seen, first_run_id, last_run_id, resolved_at, coalesce(resolved_run_id, ''),
       respond_by, resolve_by, expected, received, coalesce(detail, ''),
       responded_at, coalesce(responded_by, ''), coalesce(response_note, ''),
       coalesce(missing_keys, 0), coalesce(extra_keys, 0), coalesce(duplicate_keys, 0), coalesce(incident_id, '')
FROM audit.findings
WHERE `+where+`
ORDER BY window_start, target, resource, status, finding_id`, args...)
	out, err := collect(rows, err, func(rows *sql.Rows, f *Finding) error {
		var start, end, first, last time.Time
		var resolved, respondBy, resolveBy, responded sql.NullTime
		var status string
		if err := rows.Scan(&f.ID, &f.Target, &f.Resource, &start, &end, &status, &f.FaultLevel,
			&first, &last, &f.FirstRunID, &f.LastRunID, &resolved, &f.ResolvedRunID,
			&respondBy, &resolveBy, &f.Expected, &f.Received, &f.Detail,
			&responded, &f.RespondedBy, &f.ResponseNote,
			&f.Missing, &f.Extra, &f.Duplicate, &f.Incident); err != nil {
			return err
		}
		f.WindowStart, f.WindowEnd = warehouse.FromWall(start), warehouse.FromWall(end)
		f.FirstSeen, f.LastSeen = warehouse.FromWall(first), warehouse.FromWall(last)
		f.ResolvedAt, f.RespondedAt = warehouse.NullTime(resolved), warehouse.NullTime(responded)
		f.RespondBy, f.ResolveBy = warehouse.NullTime(respondBy), warehouse.NullTime(resolveBy)
		f.Status = pipelines.Status(status)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	return out, nil
}

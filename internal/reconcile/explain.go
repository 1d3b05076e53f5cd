package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ErrNoWindow means the asked window is not a window of the resource.
var ErrNoWindow = errors.New("no such window")

// Batch is one push-log row, as explain shows it.
type Batch struct {
	WindowStart time.Time
	BatchID     string
	Status      string
	Rows        int64
	StartedAt   time.Time
	FinishedAt  time.Time
	Error       string
}

// StoredResult is a verdict an earlier reconcile run stored.
type StoredResult struct {
	RunID  string
	Status pipelines.Status
}

// Explanation is everything an engineer needs about one window: the
// numbers, the SQL behind each, the first keys of each kind, the push-log
// batches around the window, and what earlier runs said.
type Explanation struct {
	Result    *Result
	Queries   map[string]string // expected, claimed, received, keys
	Params    []string          // the values of the queries' parameters, "$name = value"
	Keys      map[string][]string
	KeyCounts map[string]int64
	Batches   []Batch
	Stored    []StoredResult // newest first
	// Diffs are, for the first mismatched keys (ExplainDiffKeys), each
	// compared column whose values differ.
	Diffs []ColumnDiff
	// History are the counts an anomaly result (SourceTarget) was judged
	// against: the same bucket of earlier weeks, "2026-11-13 = 412".
	History []string
}

// ExplainKeys is how many keys of each kind Explain lists.
const ExplainKeys = 100

// ExplainDiffKeys is how many mismatched keys Explain drills down into.
const ExplainDiffKeys = 20

// Explain recomputes one window of one resource, read-only, with the
// windows around it (a stale run depends on its neighbours), and gathers
// the push-log batches near it.
func (r *Reconciler) Explain(ctx context.Context, o Options, target, resource string, start time.Time) (*Explanation, error) {
	o.defaults()
	o.Target, o.Resource = target, resource
	o.PerWindow = true
	start = start.In(pipelines.Shanghai)
	sch, err := o.Schedules.Statistics()
	period, stale := sch.Span(), sch.StaleAfter
	if target == pipelines.SourceTarget {
		period, stale = o.Anomaly.Step(), 0
	} else if target != pipelines.StatsTarget {
		res, ok := r.cat.Resource(target, resource)
		if !ok {
			return nil, fmt.Errorf("explain: %s/%s is not a resource of the catalog", target, resource)
		}
		sch, err = o.Schedules.Of(res.Cadence)
		if o.OnceAt.IsZero() {
			o.OnceAt = start
		}
		period, stale = sch.Span(), sch.StaleAfter
	}
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	o.From = start.Add(-stale - period)
	o.To = start.Add(stale + period)
	lo, hi := o.dayBounds()
	rs, err := r.compute(ctx, r.db, o, lo, hi)
	if err != nil {
		return nil, err
	}
	var x *Result
	for _, y := range rs {
		if y.Window.Start.Equal(start) {
			x = y
		}
	}
	if x == nil {
		return nil, fmt.Errorf("explain: %s/%s has no window starting %s: %w", target, resource, start.Format(time.RFC3339), ErrNoWindow)
	}
	e := &Explanation{Result: x, Queries: x.queries, Params: x.params.show(), Keys: map[string][]string{}, KeyCounts: map[string]int64{}, History: x.history}
	for _, k := range x.keys {
		e.KeyCounts[k.kind]++
		if len(e.Keys[k.kind]) < ExplainKeys {
			e.Keys[k.kind] = append(e.Keys[k.kind], k.key)
		}
	}
	for _, ks := range e.Keys {
		sort.Strings(ks)
	}
	if res, ok := r.cat.Resource(target, resource); ok && len(e.Keys["mismatch"]) > 0 {
		keys := e.Keys["mismatch"][:min(len(e.Keys["mismatch"]), ExplainDiffKeys)]
		if e.Diffs, err = r.ColumnDiffs(ctx, r.db, o.pushLog(), res, x.Window, keys); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
	}
	if target != pipelines.StatsTarget && target != pipelines.SourceTarget {
		if e.Batches, err = r.nearBatches(ctx, o, target, resource, start.Add(-3*period), start.Add(4*period)); err != nil {
			return nil, err
		}
	}
	stored, err := ledger.NewResults(r.db).History(ctx, target, resource, start, 10)
	if err != nil {
		return nil, fmt.Errorf("explain: stored results: %w", err)
	}
	for _, s := range stored {
		e.Stored = append(e.Stored, StoredResult(s))
	}
	return e, nil
}

func (r *Reconciler) nearBatches(ctx context.Context, o Options, target, resource string, from, to time.Time) ([]Batch, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT window_start, batch_id, status, rows_sent, started_at, finished_at, coalesce(error, '')
FROM `+o.pushLog()+` WHERE target = ? AND resource = ? AND window_start >= ? AND window_start < ? ORDER BY window_start, started_at, batch_id`,
		target, resource, warehouse.Timestamp(from), warehouse.Timestamp(to))
	if err != nil {
		return nil, fmt.Errorf("explain: push log: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var ws, st, fin sql.NullTime
		if err := rows.Scan(&ws, &b.BatchID, &b.Status, &b.Rows, &st, &fin, &b.Error); err != nil {
			return nil, err
		}
		b.WindowStart, b.StartedAt, b.FinishedAt = warehouse.FromWall(ws.Time), warehouse.FromWall(st.Time), warehouse.FromWall(fin.Time)
		out = append(out, b)
	}
	return out, rows.Err()
}

package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ClockTolerance is how far a time may stray before a clock is said to be
// off: a push's rows are committed while it runs, and a front-end default
// (CURRENT_TIMESTAMP) or a log line is stamped a moment before or after.
const ClockTolerance = time.Minute

// ClockDrift is what the evidence says of a clock that appears off: the
// exchange's (Name is the push log's source) against the auditor's own, or
// a target's front-end database against the exchange's. Offset is how far
// it appears ahead (negative: behind), at least; Of and Out count the
// batches (or log entries) looked at and those that do not fit a right
// clock.
type ClockDrift struct {
	Name    string
	Against string
	Offset  time.Duration
	Of, Out int64
	// Why says, in one line, what does not fit.
	Why string
}

func (d ClockDrift) String() string {
	dir := "ahead of"
	off := d.Offset
	if off < 0 {
		dir, off = "behind", -off
	}
	return fmt.Sprintf("the clock of %s appears at least %s %s %s: %s (%d of %d); if so, set evidence.clock_offsets.%s",
		d.Name, off.Round(time.Second), dir, d.Against, d.Why, d.Out, d.Of, d.Name)
}

// clockReach is how far from the checked windows a front-end row's
// arrival is looked at: a batch pushed again more than a week after its
// window, or a clock off by more than a week, is left to the other checks
// (the rows are still keyed and counted by the reconciliation).
const clockReach = 7 * 24 * time.Hour

// CheckClocks looks, where the evidence allows, for clocks that are off
// after the configured evidence.clock_offsets are applied:
//   - the exchange's: a push log that says a push finished after the
//     snapshot that read the log was taken is ahead of the auditor's clock;
//   - a target's front-end database's: rows whose arrived_at lies before
//     their batch's push started (behind) or after it finished (ahead),
//     in the batches of the windows [from, to) that a front-end table
//     with batch_id and arrived_at received. A majority of batches off the
//     same way is a clock, not a stray row.
//
// Only the resources o selects are looked at. A target whose tables have
// no batch id or no arrival time, or an exchange that logs too few
// pushes, says nothing: it gets no ClockDrift.
func (r *Reconciler) CheckClocks(ctx context.Context, wh warehouse.Querier, o Options, from, to time.Time) ([]ClockDrift, error) {
	o.defaults()
	cols, err := columnsOf(ctx, wh, o.PushLog)
	if err != nil || len(cols) == 0 {
		return nil, err
	}
	var out []ClockDrift
	if d, ok, err := r.exchangeAhead(ctx, wh, o); err != nil {
		return nil, err
	} else if ok {
		out = append(out, d)
	}
	withArrival, err := tablesWith(ctx, wh, pipelines.EvidenceBatchID, pipelines.EvidenceArrivedAt)
	if err != nil {
		return nil, err
	}
	perTarget := map[string][]string{}
	params := map[string][]any{}
	for i := range r.cat.Resources {
		res := &r.cat.Resources[i]
		if !o.selects(res) || res.Mode == pipelines.ModeReceipt || o.Evidence.NoPushLog[res.Target] {
			continue
		}
		tgt, ok := r.cat.Target(res.Target)
		if !ok {
			continue
		}
		table := pipelines.EvidenceTable(res, tgt)
		if !withArrival[table] {
			continue
		}
		raw := "r." + warehouse.QuoteIdent(pipelines.EvidenceArrivedAt)
		arrived := raw
		off := o.Evidence.ClockOffset(res.Target)
		if off != 0 {
			arrived = fmt.Sprintf("(%s - to_microseconds(%d))", arrived, off.Microseconds())
		}
		// Only rows that arrived within clockReach of the windows (the
		// configured offset aside) are looked at: the scan of a front-end
		// table that holds years then reads the row groups of those days,
		// not every row ever received.
		reach := clockReach + off.Abs()
		perTarget[res.Target] = append(perTarget[res.Target], fmt.Sprintf(`SELECT p.batch_id,
  epoch_us(max(%[1]s)) - epoch_us(any_value(p.finished_at)) AS lo,
  epoch_us(min(%[1]s)) - epoch_us(any_value(p.started_at)) AS hi
FROM %[2]s r JOIN __pushes p ON CAST(r.%[3]s AS VARCHAR) = p.batch_id
WHERE p.resource = ? AND %[1]s IS NOT NULL AND %[4]s >= ? AND %[4]s < ?
GROUP BY p.batch_id`, arrived, warehouse.QuoteTable(table), warehouse.QuoteIdent(pipelines.EvidenceBatchID), raw))
		params[res.Target] = append(params[res.Target], res.Key, warehouse.Wall(from.Add(-reach)), warehouse.Wall(to.Add(reach)))
	}
	targets := make([]string, 0, len(perTarget))
	for t := range perTarget {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	tol := ClockTolerance.Microseconds()
	for _, t := range targets {
		// the target's pushes of the windows are read from the log once,
		// not once per table: a log of a year is scanned whole each time.
		q := fmt.Sprintf(`WITH __pushes AS MATERIALIZED (SELECT batch_id, resource, started_at, finished_at FROM %s
  WHERE target = ? AND window_start >= ? AND window_start < ?)
SELECT count(*), count(*) FILTER (WHERE lo > $tol), count(*) FILTER (WHERE hi < -$tol),
  median(lo) FILTER (WHERE lo > $tol), median(hi) FILTER (WHERE hi < -$tol)
FROM (%s) b`, o.pushLog(), strings.Join(perTarget[t], "\nUNION ALL\n"))
		q = strings.ReplaceAll(q, "$tol", strconv.FormatInt(tol, 10))
		var n, ahead, behind int64
		var lo, hi sql.NullFloat64
		ps := append([]any{t, warehouse.Wall(from), warehouse.Wall(to)}, params[t]...)
		if err := wh.QueryRowContext(ctx, q, ps...).Scan(&n, &ahead, &behind, &lo, &hi); err != nil {
			return nil, fmt.Errorf("clock of %s: %w", t, err)
		}
		switch {
		case n == 0:
		case 2*ahead > n:
			out = append(out, ClockDrift{Name: t, Against: "the exchange's", Offset: time.Duration(lo.Float64) * time.Microsecond,
				Of: n, Out: ahead, Why: "its front-end tables stamp rows as arrived after their push finished"})
		case 2*behind > n:
			out = append(out, ClockDrift{Name: t, Against: "the exchange's", Offset: time.Duration(hi.Float64) * time.Microsecond,
				Of: n, Out: behind, Why: "its front-end tables stamp rows as arrived before their push started"})
		}
	}
	return out, nil
}

// exchangeAhead compares the push log's latest finish with the time of
// the snapshot that read it (the auditor's clock): a push cannot finish
// after the log was read.
func (r *Reconciler) exchangeAhead(ctx context.Context, wh warehouse.Querier, o Options) (ClockDrift, bool, error) {
	src := o.pushLogSource()
	var at sql.NullTime
	err := wh.QueryRowContext(ctx, `SELECT max(snapshot_at) FROM audit.source_snapshots WHERE source = ? AND all_ok`, src).Scan(&at)
	if err != nil || !at.Valid {
		return ClockDrift{}, false, err
	}
	var n, after int64
	var latest sql.NullTime
	q := `SELECT count(*), count(*) FILTER (WHERE finished_at > ?), max(finished_at) FROM ` + o.pushLog()
	if err := wh.QueryRowContext(ctx, q, warehouse.Wall(warehouse.NullTime(at).Add(ClockTolerance))).Scan(&n, &after, &latest); err != nil {
		return ClockDrift{}, false, fmt.Errorf("clock of %s: %w", src, err)
	}
	if after == 0 || !latest.Valid {
		return ClockDrift{}, false, nil
	}
	return ClockDrift{Name: src, Against: "this auditor's", Offset: warehouse.NullTime(latest).Sub(warehouse.NullTime(at)), Of: n, Out: after,
		Why: fmt.Sprintf("its push log says pushes finished after the snapshot of %s that read it", warehouse.NullTime(at).Format(time.DateTime))}, true, nil
}

// tablesWith lists the warehouse tables ("source.table") that have every
// one of the columns.
func tablesWith(ctx context.Context, wh warehouse.Querier, columns ...string) (map[string]bool, error) {
	args := make([]any, 0, len(columns)+1)
	for _, c := range columns {
		args = append(args, c)
	}
	args = append(args, len(columns))
	rows, err := wh.QueryContext(ctx, `SELECT table_schema || '.' || table_name FROM information_schema.columns
WHERE column_name IN (?`+strings.Repeat(", ?", len(columns)-1)+`) GROUP BY ALL HAVING count(DISTINCT column_name) = ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("read the warehouse's columns: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out[t] = true
	}
	return out, rows.Err()
}

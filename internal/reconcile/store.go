package reconcile

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// querier is what the reconciler reads and writes through: the warehouse
// or the run's transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// scanKeys reads (kind, key, occurrences) rows into the result's facts.
func (x *Result) scanKeys(rows *sql.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var k keyRow
		if err := rows.Scan(&k.kind, &k.key, &k.occ); err != nil {
			return err
		}
		x.addKey(k)
	}
	return rows.Err()
}

// addKey counts one row of a key diff: a count, or a key of a kind.
func (x *Result) addKey(k keyRow) {
	switch k.kind {
	case "n_expected":
		x.Facts.Expected = k.occ
		return
	case "n_received":
		x.Facts.Received = k.occ
		return
	case "missing":
		x.Facts.Missing++
	case "extra":
		x.Facts.Extra++
	case "duplicate":
		x.Facts.Duplicate++
	case "mismatch":
		x.Facts.Mismatched++
	}
	x.keys = append(x.keys, k)
}

// lit renders a Go value as a SQL literal for DuckDB.
func lit(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case int:
		return fmt.Sprint(x)
	case int64:
		return fmt.Sprint(x)
	case time.Time:
		if x.IsZero() {
			return "NULL"
		}
		return ts(x)
	}
	return lit(fmt.Sprint(v))
}

func nullLevel(l int) any {
	if l == 0 {
		return nil
	}
	return l
}

// FindingID is the stable id of a finding: target × resource × window ×
// verdict.
func FindingID(target, resource string, windowStart time.Time, s pipelines.Status) string {
	h := sha1.Sum([]byte(target + "|" + resource + "|" + windowStart.In(pipelines.Shanghai).Format(time.RFC3339) + "|" + string(s)))
	return hex.EncodeToString(h[:8])
}

// store writes the results, their keys and the findings ledger.
func (r *Reconciler) store(ctx context.Context, q querier, o Options, rs []*Result) error {
	const batch = 200
	for i := 0; i < len(rs); i += batch {
		var vals []string
		for _, x := range rs[i:min(i+batch, len(rs))] {
			f := x.Facts
			var exp, cl, rc any = f.Expected, f.Claimed, f.Received
			if f.Unverifiable {
				exp, cl, rc = nil, nil, nil
			}
			vals = append(vals, "("+strings.Join([]string{
				lit(o.RunID), lit(x.Target), lit(x.Resource), lit(x.Window.Start), lit(x.Window.End), lit(x.Deadline),
				lit(string(x.Status)), lit(exp), lit(cl), lit(rc), lit(f.Missing), lit(f.Extra), lit(f.Duplicate), lit(f.Mismatched),
				lit(f.LastFinish), lit(nullLevel(x.FaultLevel)), lit(x.Detail)}, ", ")+")")
		}
		if _, err := q.ExecContext(ctx, "INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, missing_keys, extra_keys, duplicate_keys, mismatched, last_push_at, fault_level, detail) VALUES "+strings.Join(vals, ",\n")); err != nil {
			return fmt.Errorf("store results: %w", err)
		}
	}
	var kv []string
	flush := func() error {
		if len(kv) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, "INSERT INTO audit.result_keys (run_id, target, resource, window_start, kind, key, occurrences) VALUES "+strings.Join(kv, ",\n"))
		kv = kv[:0]
		if err != nil {
			return fmt.Errorf("store result keys: %w", err)
		}
		return nil
	}
	for _, x := range rs {
		for _, k := range x.keys {
			kv = append(kv, fmt.Sprintf("(%s, %s, %s, %s, %s, %s, %d)", lit(o.RunID), lit(x.Target), lit(x.Resource), lit(x.Window.Start), lit(k.kind), lit(k.key), k.occ))
			if len(kv) == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return r.ledger(ctx, q, o, rs)
}

// ledger opens or refreshes a finding per not-ok result and resolves the
// open findings of the reconciled windows that are no longer seen.
func (r *Reconciler) ledger(ctx context.Context, q querier, o Options, rs []*Result) error {
	now := o.Now
	seen := map[string]bool{}
	var vals []string
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level,
  first_seen, last_seen, first_run_id, last_run_id, respond_by, resolve_by, expected, received, detail)
VALUES `+strings.Join(vals, ",\n")+`
ON CONFLICT (finding_id) DO UPDATE SET last_seen = excluded.last_seen, last_run_id = excluded.last_run_id,
  fault_level = excluded.fault_level, expected = excluded.expected, received = excluded.received, detail = excluded.detail,
  resolved_at = NULL, resolved_run_id = NULL`)
		vals = vals[:0]
		if err != nil {
			return fmt.Errorf("findings ledger: %w", err)
		}
		return nil
	}
	for _, x := range rs {
		if !x.Status.Finding() {
			continue
		}
		id := FindingID(x.Target, x.Resource, x.Window.Start, x.Status)
		seen[id] = true
		lim := pipelines.ResponseLimits[x.FaultLevel]
		var respondBy, resolveBy any
		if x.FaultLevel > 0 {
			respondBy, resolveBy = now.Add(lim.Respond), now.Add(lim.Resolve)
		}
		vals = append(vals, "("+strings.Join([]string{
			lit(id), lit(x.Target), lit(x.Resource), lit(x.Window.Start), lit(x.Window.End), lit(string(x.Status)), lit(nullLevel(x.FaultLevel)),
			lit(now), lit(now), lit(o.RunID), lit(o.RunID), lit(respondBy), lit(resolveBy), lit(x.Facts.Expected), lit(x.Facts.Received), lit(x.Detail)}, ", ")+")")
		if len(vals) == 200 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// Resolve open findings of the windows reconciled now that this run no
	// longer finds (a late arrival, a repaired push). A window this run
	// cannot judge (unverifiable, pending) resolves nothing.
	judged := map[string]bool{}
	var lo, hi time.Time
	for _, x := range rs {
		if x.Status == pipelines.StatusUnverifiable || x.Status == pipelines.StatusPending {
			continue
		}
		judged[windowKey(x.Target, x.Resource, x.Window.Start)] = true
		if lo.IsZero() || x.Window.Start.Before(lo) {
			lo = x.Window.Start
		}
		if x.Window.Start.After(hi) {
			hi = x.Window.Start
		}
	}
	if len(judged) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT finding_id, target, resource, window_start FROM audit.findings WHERE resolved_at IS NULL AND window_start BETWEEN %s AND %s",
		lit(lo), lit(hi)))
	if err != nil {
		return fmt.Errorf("findings ledger: %w", err)
	}
	var stale []string
	for rows.Next() {
		var id, target, resource string
		var ws time.Time
		if err := rows.Scan(&id, &target, &resource, &ws); err != nil {
			rows.Close()
			return err
		}
		if !seen[id] && judged[windowKey(target, resource, warehouse.FromWall(ws))] {
			stale = append(stale, lit(id))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("findings ledger: %w", err)
	}
	for i := 0; i < len(stale); i += 1000 {
		if _, err := q.ExecContext(ctx, fmt.Sprintf("UPDATE audit.findings SET resolved_at = %s, resolved_run_id = %s WHERE finding_id IN (%s)",
			lit(now), lit(o.RunID), strings.Join(stale[i:min(i+1000, len(stale))], ", "))); err != nil {
			return fmt.Errorf("findings ledger: %w", err)
		}
	}
	return nil
}

// windowKey names one window of one resource.
func windowKey(target, resource string, windowStart time.Time) string {
	return fmt.Sprintf("%s|%s|%d", target, resource, windowStart.Unix())
}

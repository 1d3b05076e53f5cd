package reconcile

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

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
	case "n_changed":
		x.Facts.Changed = k.occ
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

// FindingID is the stable id of a finding: target × resource × window ×
// verdict.
func FindingID(target, resource string, windowStart time.Time, s pipelines.Status) string {
	h := sha1.Sum([]byte(target + "|" + resource + "|" + windowStart.In(pipelines.Shanghai).Format(time.RFC3339) + "|" + string(s)))
	return hex.EncodeToString(h[:8])
}

// store writes the results, their keys and the findings ledger through
// wh, the run's transaction.
func (r *Reconciler) store(ctx context.Context, wh warehouse.Querier, o Options, rs []*Result) error {
	rows := make([]ledger.Result, len(rs))
	for i, x := range rs {
		f := x.Facts
		row := ledger.Result{Target: x.Target, Resource: x.Resource, WindowStart: x.Window.Start, WindowEnd: x.Window.End,
			Deadline: x.Deadline, Status: x.Status, MissingKeys: f.Missing, ExtraKeys: f.Extra, DuplicateKeys: f.Duplicate,
			Mismatched: f.Mismatched, ChangedSincePush: f.Changed, LastPushAt: f.LastFinish, FaultLevel: x.FaultLevel, Detail: x.Detail}
		if !f.Unverifiable {
			row.Expected, row.Claimed, row.Received = known(f.Expected), known(f.Claimed), known(f.Received)
			if f.NoClaim {
				row.Claimed = sql.NullInt64{} // no push log: the claim is unknown
			}
		}
		for _, k := range x.keys {
			row.Keys = append(row.Keys, ledger.Key{Kind: k.kind, Key: k.key, Occurrences: k.occ})
		}
		rows[i] = row
	}
	if err := ledger.NewResults(wh).Save(ctx, o.RunID, rows); err != nil {
		return err
	}
	if err := recordFindings(ctx, ledger.NewFindings(wh), o, rs); err != nil {
		return err
	}
	_, err := ledger.NewIncidents(wh).Group(ctx, o.RunID, o.Incidents)
	return err
}

func known(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }

// recordFindings opens or refreshes a finding per not-ok result and
// resolves the open findings of the reconciled windows that are no longer
// seen. A window this run cannot judge (unverifiable, pending) resolves
// nothing.
func recordFindings(ctx context.Context, fs ledger.Findings, o Options, rs []*Result) error {
	now := o.Now
	seen := map[string]bool{}
	var open []ledger.Finding
	var judged []ledger.WindowRef
	for _, x := range rs {
		if x.Status != pipelines.StatusUnverifiable && x.Status != pipelines.StatusPending {
			judged = append(judged, ledger.WindowRef{Target: x.Target, Resource: x.Resource, WindowStart: x.Window.Start})
		}
		if !x.Status.Finding() {
			continue
		}
		f := ledger.Finding{ID: FindingID(x.Target, x.Resource, x.Window.Start, x.Status), Target: x.Target, Resource: x.Resource,
			WindowStart: x.Window.Start, WindowEnd: x.Window.End, Status: x.Status, FaultLevel: x.FaultLevel,
			Expected: known(x.Facts.Expected), Received: known(x.Facts.Received), Detail: x.Detail,
			Missing: x.Facts.Missing, Extra: x.Facts.Extra, Duplicate: x.Facts.Duplicate}
		if x.FaultLevel > 0 {
			lim := pipelines.ResponseLimits[x.FaultLevel]
			f.RespondBy, f.ResolveBy = now.Add(lim.Respond), now.Add(lim.Resolve)
		}
		seen[f.ID] = true
		open = append(open, f)
	}
	if err := fs.Record(ctx, o.RunID, now, open); err != nil {
		return err
	}
	_, err := fs.Resolve(ctx, o.RunID, now, judged, seen)
	return err
}

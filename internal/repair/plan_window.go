package repair

import (
	"context"
	"fmt"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// The steps of Planner.window, in the order it takes them.

// skipNoFrontEnd says whether w is not planned because its target has
// no front end to repair (the statistics database, the source itself),
// and then sets the reason on w.
func skipNoFrontEnd(w *Window) bool {
	if w.Target == pipelines.StatsTarget {
		w.Reason = "the statistics database is recomputed by its own job: it has no front end to repair"
		return true
	}
	if w.Target == pipelines.SourceTarget {
		w.Reason = "an anomaly of the source's own volume: nothing was pushed wrong, the source itself needs checking"
		return true
	}
	return false
}

// layout returns the catalog's resource of w and fills w's front-end
// database, table and column layout from it; the database is the one the
// options map the target's database to, if any.
func (p *Planner) layout(w *Window) (*pipelines.Resource, error) {
	res, ok := p.cat.Resource(w.Target, w.Resource)
	if !ok {
		return nil, fmt.Errorf("%s/%s is not a resource of the catalog", w.Target, w.Resource)
	}
	tgt, _ := p.cat.Target(w.Target)
	w.Mode, w.Database, w.Table, w.KeyColumns = res.Mode, tgt.Database, res.Table, res.KeyColumns
	if db, ok := p.o.Databases[tgt.Database]; ok && db != "" {
		w.Database = db
	}
	for _, c := range res.Columns {
		w.Columns = append(w.Columns, c.Name)
		w.ColumnTypes = append(w.ColumnTypes, c.Type)
	}
	return res, nil
}

// skipSettled says whether w is not planned because its latest verdict
// leaves nothing to plan (ok, pending, unverifiable), and then sets the
// prediction and reason on w.
func skipSettled(w *Window) bool {
	switch w.Status {
	case pipelines.StatusOK:
		w.Predicted, w.Covered, w.Reason = w.Status, true, "the latest verdict is ok: nothing to repair"
		return true
	case pipelines.StatusPending:
		w.Predicted, w.Reason = w.Status, "the window is not due yet"
		return true
	case pipelines.StatusUnverifiable:
		w.Predicted, w.Reason = w.Status, "unverifiable: the window could not be judged, so there is nothing to plan from"
		return true
	}
	return false
}

// keysByKind are the keys of a stored result by their kind (missing,
// extra, duplicate, mismatch).
type keysByKind map[string][]ledger.Key

// byKind groups the keys of a stored result by kind.
func byKind(ks []ledger.Key) keysByKind {
	keys := keysByKind{}
	for _, k := range ks {
		keys[k.Kind] = append(keys[k.Kind], k)
	}
	return keys
}

// names lists the keys of the kinds, kind by kind.
func (keys keysByKind) names(kinds ...string) []string {
	var out []string
	for _, kind := range kinds {
		for _, k := range keys[kind] {
			out = append(out, k.Key)
		}
	}
	return out
}

// pushRows fills w.Push and returns how many keys to push the snapshot's
// source rows no longer have (noted on w).
func (p *Planner) pushRows(ctx context.Context, w *Window, res *pipelines.Resource, keys keysByKind) (int64, error) {
	// the rows to push: the source's rows of the missing keys and of the
	// keys whose values differ.
	want := keys.names("missing", "mismatch")
	src, err := p.rec.SourceRows(ctx, p.wh, res, w.Window, want)
	if err != nil {
		return 0, err
	}
	found := map[string]bool{}
	for _, r := range src {
		w.Push = append(w.Push, Row{Key: r.Key, Values: r.Values})
		found[r.Key] = true
	}
	var lost int64
	for _, k := range want {
		if !found[k] {
			lost++
		}
	}
	if lost > 0 {
		w.Notes = append(w.Notes, fmt.Sprintf("%d keys to push are no longer in the snapshot's source rows (the source changed since run %s): reconcile again", lost, w.RunID))
	}
	return lost, nil
}

// pushBatch reads the push-log batches of w, sets w.Batch to the one the
// pushed rows go under (the last that succeeded, else the last), and
// returns the batches.
func (p *Planner) pushBatch(ctx context.Context, w *Window, res *pipelines.Resource) ([]reconcile.WindowBatch, error) {
	batches, err := p.rec.WindowBatches(ctx, p.wh, p.o.PushLog, res, w.Window)
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		if b.Succeeded {
			w.Batch = b.BatchID
		}
	}
	if w.Batch == "" && len(batches) > 0 {
		w.Batch = batches[len(batches)-1].BatchID
	}
	return batches, nil
}

// deletes fills w.Deletes (and w.HasRowID) from the received rows of the
// keys that are extra, duplicated or mismatched.
func (p *Planner) deletes(ctx context.Context, w *Window, res *pipelines.Resource, keys keysByKind) error {
	// the rows to delete: every copy of an extra key or of a key whose
	// values differ; all but the first copy of a duplicate key.
	received, hasRowID, err := p.rec.ReceivedRows(ctx, p.wh, p.o.PushLog, res, w.Window, keys.names("extra", "duplicate", "mismatch"))
	if err != nil {
		return err
	}
	w.HasRowID = hasRowID
	kindOf := map[string]string{}
	for _, kind := range []string{"duplicate", "extra", "mismatch"} { // mismatch wins: every copy goes
		for _, k := range keys[kind] {
			kindOf[k.Key] = kind
		}
	}
	var order []string
	groups := map[string][]reconcile.KeyedRow{}
	for _, r := range received {
		if _, ok := groups[r.Key]; !ok {
			order = append(order, r.Key)
		}
		groups[r.Key] = append(groups[r.Key], r)
	}
	keyIdx := keyIndexes(res)
	for _, k := range order {
		rows := groups[k]
		d := Delete{Key: k, Kind: kindOf[k], Rows: rows}
		if d.Kind == "duplicate" {
			if len(rows) < 2 {
				continue // no longer duplicated
			}
			d.Rows = rows[1:]
		}
		if hasRowID {
			for _, r := range d.Rows {
				d.RowIDs = append(d.RowIDs, r.RowID.Int64)
			}
		} else {
			for _, i := range keyIdx {
				d.KeyValues = append(d.KeyValues, rows[0].Values[i])
			}
			if d.Kind == "duplicate" {
				d.Limit = int64(len(rows) - 1)
			}
		}
		w.Deletes = append(w.Deletes, d)
	}
	return nil
}

// predict fills w.Expected, w.Predicted, w.Covered and, when the window
// stays a finding, w.Reason: the facts of the stored result as the plan
// leaves them, judged by pipelines.Classify.
func (p *Planner) predict(w *Window, stored ledger.Result, batches []reconcile.WindowBatch, lost int64) {
	succeeded := 0
	for _, b := range batches {
		if b.Succeeded {
			succeeded++
		}
	}
	// the verdict the window gets once the plan is applied.
	f := pipelines.Facts{Mode: w.Mode, Deadline: stored.Deadline, Now: p.o.Now, Expected: stored.Expected.Int64,
		Claimed: stored.Claimed.Int64, Received: stored.Received.Int64, Batches: len(batches), Succeeded: succeeded,
		LastFinish: stored.LastPushAt, InStaleRun: stored.Status == pipelines.StatusStale,
		Missing: stored.MissingKeys, Extra: stored.ExtraKeys, Duplicate: stored.DuplicateKeys, Mismatched: stored.Mismatched}
	if w.Batch != "" {
		f.Received += int64(len(w.Push)) - w.Deleted()
		f.Missing, f.Extra, f.Duplicate, f.Mismatched = lost, 0, 0, 0
	}
	w.Expected = f
	w.Predicted = pipelines.Classify(f)
	w.Covered = !w.Predicted.Finding()
	if !w.Covered {
		w.Reason = reason(w, f)
	}
}

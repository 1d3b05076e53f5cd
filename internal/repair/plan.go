// Package repair builds, for findings of the ledger, what would make a
// target whole: per target × resource × window, the rows to (re-)push in
// the target's column layout taken from the warehouse snapshot, the
// received rows to delete (extras, surplus copies of duplicates, rows
// whose values differ), and the push-log batches that are wrong. It reads
// the latest stored result of each window and its keys (internal/ledger)
// and the rows behind the keys (internal/reconcile, keyed as the key diff
// keys them); it writes nothing to the warehouse and never touches a
// target: the plan is rendered as SQL, CSV or JSON for people to apply.
package repair

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ErrNoFinding means a finding id asked for is not in the ledger.
var ErrNoFinding = errors.New("no such finding")

// Options are what a plan is built with.
type Options struct {
	PushLog string    // warehouse table of the push log; empty: the default
	Now     time.Time // the clock deadlines are compared with
	// Databases are the MySQL databases of the warehouse's source schemas
	// (a target's front-end database fe_x may be prefix_fe_x on the
	// server); a schema not listed has its own name.
	Databases map[string]string
}

// Planner builds repair plans from one warehouse.
type Planner struct {
	wh  warehouse.Querier
	cat *pipelines.Catalog
	rec *reconcile.Reconciler
	o   Options
}

// New returns a planner over the warehouse db.
func New(db *sql.DB, cat *pipelines.Catalog, o Options) *Planner {
	if o.PushLog == "" {
		o.PushLog = pipelines.DefaultPushLog
	}
	return &Planner{wh: db, cat: cat, rec: reconcile.New(db, cat), o: o}
}

// Row is one row to (re-)push: its key and its values in the target's
// column layout (Window.Columns).
type Row struct {
	Key    string
	Values []sql.NullString
}

// Delete is the received rows of one key to delete.
type Delete struct {
	Key  string
	Kind string // extra | duplicate | mismatch
	// RowIDs are the front-end row ids to delete, when the table has them.
	RowIDs []int64
	// Without row ids: the key columns' values (Window.KeyColumns) and how
	// many of the rows with that key under the window's batches to delete
	// (Limit; 0: all).
	KeyValues []sql.NullString
	Limit     int64
	// Rows are the received rows deleted (for CSV and JSON).
	Rows []reconcile.KeyedRow
}

// LogEntry is a push-log batch of the window that is wrong, or the batch
// the window lacks (BatchID empty).
type LogEntry struct {
	BatchID  string
	Status   string
	RowsSent int64
	Received int64 // rows the target holds under the batch
	Problem  string
}

// Window is the plan for one target × resource × window.
type Window struct {
	Target, Resource string
	Window           pipelines.Window
	Day              time.Time // the audit day of the window (its end's day)
	FindingIDs       []string
	Status           pipelines.Status // the latest stored verdict
	RunID            string           // the run that stored it
	Mode             pipelines.Mode
	Database, Table  string // the target's front-end database and table
	Columns          []string
	ColumnTypes      []string // MySQL types of Columns
	KeyColumns       []string
	HasRowID         bool
	// Batch is the push-log batch the pushed rows go under: the window's
	// last successful batch, else its last batch; empty when it has none.
	Batch    string
	Push     []Row
	Deletes  []Delete
	PushLog  []LogEntry
	Notes    []string
	Expected pipelines.Facts // the facts of the stored verdict
	// Predicted is the verdict the window gets once the plan's SQL is
	// applied (pipelines.Classify on the facts it leaves); Covered says it
	// is no finding any more. A window not covered keeps its SQL commented
	// out, with the reason.
	Predicted pipelines.Status
	Covered   bool
	Reason    string
}

// Deleted counts the rows the plan deletes.
func (w *Window) Deleted() int64 {
	var n int64
	for _, d := range w.Deletes {
		switch {
		case len(d.RowIDs) > 0:
			n += int64(len(d.RowIDs))
		case d.Limit > 0:
			n += d.Limit
		default:
			n += int64(len(d.Rows))
		}
	}
	return n
}

// ForFindings plans the windows of the findings ids.
func (p *Planner) ForFindings(ctx context.Context, ids []string) ([]*Window, error) {
	got, err := ledger.NewFindings(p.wh).Get(ctx, ids)
	if err != nil {
		return nil, err
	}
	var fs []ledger.Finding
	for _, id := range ids {
		f, ok := got[id]
		if !ok {
			return nil, fmt.Errorf("finding %q: %w", id, ErrNoFinding)
		}
		fs = append(fs, f)
	}
	return p.plan(ctx, fs)
}

// ForIncident plans the windows of the findings of incident id; an id the
// ledger does not hold wraps ErrNoFinding.
func (p *Planner) ForIncident(ctx context.Context, id string) ([]*Window, error) {
	in := ledger.NewIncidents(p.wh)
	var unknown *ledger.NoIncidentError
	if _, err := in.Get(ctx, id); errors.As(err, &unknown) {
		return nil, fmt.Errorf("incident %q: %w", id, ErrNoFinding)
	} else if err != nil {
		return nil, err
	}
	fs, err := in.Findings(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("incident %q has no findings in the ledger: %w", id, ErrNoFinding)
	}
	return p.plan(ctx, fs)
}

// ForTargetDay plans the windows of day (Asia/Shanghai) of target whose
// findings are open.
func (p *Planner) ForTargetDay(ctx context.Context, target string, day time.Time) ([]*Window, error) {
	all, err := ledger.NewFindings(p.wh).EndingIn(ctx, ledger.Day(day))
	if err != nil {
		return nil, err
	}
	var fs []ledger.Finding
	for _, f := range all {
		if f.Target == target && f.ResolvedAt.IsZero() {
			fs = append(fs, f)
		}
	}
	return p.plan(ctx, fs)
}

// plan groups the findings by window and plans each window, in target,
// resource, window order.
func (p *Planner) plan(ctx context.Context, fs []ledger.Finding) ([]*Window, error) {
	byWindow := map[string]*Window{}
	var out []*Window
	for _, f := range fs {
		k := fmt.Sprintf("%s|%s|%d", f.Target, f.Resource, f.WindowStart.Unix())
		w := byWindow[k]
		if w == nil {
			w = &Window{Target: f.Target, Resource: f.Resource, Window: pipelines.Window{Start: f.WindowStart, End: f.WindowEnd},
				Day: pipelines.DayStart(f.WindowEnd.Add(-time.Microsecond))}
			byWindow[k] = w
			out = append(out, w)
		}
		w.FindingIDs = append(w.FindingIDs, f.ID)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Window.Start.Before(b.Window.Start)
	})
	for _, w := range out {
		if err := p.window(ctx, w); err != nil {
			return nil, fmt.Errorf("repair %s/%s %s: %w", w.Target, w.Resource, w.Window, err)
		}
	}
	return out, nil
}

// window fills the plan of w: the rows to push, the rows to delete, the
// push-log batches that are wrong, and the verdict the window gets once
// the plan is applied.
func (p *Planner) window(ctx context.Context, w *Window) error {
	stored, ok, err := ledger.NewResults(p.wh).Latest(ctx, w.Target, w.Resource, w.Window.Start, w.Window.End)
	if err != nil {
		return err
	}
	if !ok {
		w.Reason = "no stored result for the window: reconcile it first"
		return nil
	}
	w.Status, w.RunID, w.Predicted = stored.Status, stored.RunID, stored.Status
	if skipNoFrontEnd(w) {
		return nil
	}
	res, err := p.layout(w)
	if err != nil {
		return err
	}
	if skipSettled(w) {
		return nil
	}
	keys := byKind(stored.Keys)
	lost, err := p.pushRows(ctx, w, res, keys)
	if err != nil {
		return err
	}
	if res.Mode == pipelines.ModeReceipt {
		w.Predicted = w.Status
		w.Reason = "media copy: there is no front-end table; re-copy the rows of the CSV"
		return nil
	}
	batches, err := p.pushBatch(ctx, w, res)
	if err != nil {
		return err
	}
	if err := p.deletes(ctx, w, res, keys); err != nil {
		return err
	}
	w.PushLog = wrongEntries(batches, stored, w)
	p.predict(w, stored, batches, lost)
	return nil
}

// reason says why applying the plan leaves the window a finding.
func reason(w *Window, f pipelines.Facts) string {
	switch {
	case w.Batch == "":
		return "no push-log batch for the window: the rows must be re-pushed through the exchange (the CSV), which logs the push"
	case w.Predicted == pipelines.StatusLate:
		return "the push finished after its deadline: the rows are there, a late push cannot be undone"
	case w.Predicted == pipelines.StatusFailed && f.Succeeded == 0:
		return "the push log records every batch of the window as failed: the exchange must re-push or correct its log"
	case w.Predicted == pipelines.StatusFailed:
		return fmt.Sprintf("the push log claims %d rows, the target would hold %d: the exchange's log is wrong", f.Claimed, f.Received)
	}
	return fmt.Sprintf("the window would still be %s", w.Predicted)
}

// wrongEntries lists the push-log batches that disagree with what the
// target holds, now or once the plan w is applied, or the batch the
// window lacks.
func wrongEntries(bs []reconcile.WindowBatch, stored ledger.Result, w *Window) []LogEntry {
	var out []LogEntry
	if len(bs) == 0 && stored.Expected.Int64 > 0 {
		out = append(out, LogEntry{Problem: fmt.Sprintf("no push-log batch for a window of %d rows", stored.Expected.Int64)})
	}
	after := map[string]int64{}
	for _, b := range bs {
		after[b.BatchID] = b.Received
	}
	after[w.Batch] += int64(len(w.Push))
	for _, d := range w.Deletes {
		n := int64(len(d.Rows))
		if d.Limit > 0 {
			n = d.Limit
		}
		for _, r := range d.Rows[:n] {
			after[r.BatchID]--
		}
	}
	for _, b := range bs {
		e := LogEntry{BatchID: b.BatchID, Status: b.Status, RowsSent: b.RowsSent, Received: b.Received}
		switch a := after[b.BatchID]; {
		case !b.Succeeded && b.Received > 0:
			e.Problem = fmt.Sprintf("logged %s, yet the target holds %d rows of the batch", b.Status, b.Received)
		case b.Succeeded && b.RowsSent != b.Received:
			e.Problem = fmt.Sprintf("logged %d rows sent, the target holds %d rows of the batch", b.RowsSent, b.Received)
		case b.Succeeded && b.RowsSent != a:
			e.Problem = fmt.Sprintf("logged %d rows sent, the target would hold %d rows of the batch once the plan is applied", b.RowsSent, a)
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// keyIndexes are the positions of the key columns among the columns.
func keyIndexes(res *pipelines.Resource) []int {
	var out []int
	for _, k := range res.KeyColumns {
		for i, c := range res.Columns {
			if c.Name == k {
				out = append(out, i)
			}
		}
	}
	return out
}

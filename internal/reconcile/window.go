package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// duckType maps a front-end column's MySQL type to the DuckDB type both
// sides are cast to before keys and values are compared, so that a source
// expression and the stored column compare equal when their values are:
// the snapshot's type, integers widened (pipelines.WideDuckType).
func duckType(mysqlType string) string {
	duck, _ := pipelines.DuckTypeOf(mysqlType)
	return pipelines.WideDuckType(duck)
}

// norm is the text form of one column, cast to its front-end type; NULL
// becomes a marker no value can take.
func norm(alias string, c pipelines.Column) string {
	return fmt.Sprintf("coalesce(CAST(CAST(%s.%s AS %s) AS VARCHAR), '␀')", alias, c.Name, duckType(c.Type))
}

func keyExpr(alias string, res *pipelines.Resource) string {
	cols := keyColumns(res)
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = norm(alias, c)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "concat_ws('|', " + strings.Join(parts, ", ") + ")"
}

// keyColumns are the columns of res's key, in key order.
func keyColumns(res *pipelines.Resource) []pipelines.Column {
	byName := map[string]pipelines.Column{}
	for _, c := range res.Columns {
		byName[c.Name] = c
	}
	cols := make([]pipelines.Column, len(res.KeyColumns))
	for i, k := range res.KeyColumns {
		cols[i] = byName[k]
	}
	return cols
}

// valueExpr is a hash of the compared values: the compared measures of a
// measures resource, every column of a full set, the compared columns
// that are not key columns of a rows resource; each cast to its front-end
// type (so both sides hash one type), a column with normalisations as
// their text.
func valueExpr(alias string, res *pipelines.Resource) string {
	var parts []string
	for _, c := range comparedColumns(res) {
		typed := fmt.Sprintf("CAST(%s.%s AS %s)", alias, c.Name, duckType(c.Type))
		if len(c.Normalize) == 0 {
			// hashed as it is: equal values of one type hash alike, and
			// no text is built (a quarter of the cost over 118 columns).
			parts = append(parts, typed)
			continue
		}
		parts = append(parts, "coalesce("+c.Normalized("CAST("+typed+" AS VARCHAR)")+", '␀')")
	}
	if len(parts) == 0 {
		return "''"
	}
	// a 64-bit hash of the values in order (NULL hashes as a value of its
	// own): two different rows collide with odds of 2⁻⁶⁴, and the key diff
	// carries and compares 8 bytes instead of an MD5's 32 characters.
	return "hash(" + strings.Join(parts, ", ") + ")"
}

// comparedColumns are the columns whose values valueExpr compares.
func comparedColumns(res *pipelines.Resource) []pipelines.Column {
	key := map[string]bool{}
	for _, k := range res.KeyColumns {
		key[k] = true
	}
	var out []pipelines.Column
	for _, c := range res.Columns {
		switch res.Mode {
		case pipelines.ModeMeasures:
			if c.Dim || !c.Compared() {
				continue
			}
		case pipelines.ModeRows:
			if key[c.Name] || !c.Compared() {
				continue
			}
		case pipelines.ModeFullSet, pipelines.ModeReceipt:
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

// changedExpr is the time a source row of src (alias) last changed, where
// the resource says (pipelines.Resource.CompareSQL); NULL otherwise.
func changedExpr(alias string, res *pipelines.Resource) string {
	if res.Mode == pipelines.ModeRows && res.ChangedAt != "" {
		return alias + "." + pipelines.ChangedColumn
	}
	return "NULL::TIMESTAMP"
}

type batch struct {
	status   string
	rows     int64
	finished time.Time
}

// windowBatches is the push-log condition of the batches of one window,
// with the parameters of resourceArgs and window_start.
const windowBatches = `target = $target AND resource = $resource AND window_start = $window_start`

// batches reads the push-log batches of one window; a holds the
// parameters of windowBatches.
func (r *Reconciler) batches(ctx context.Context, wh warehouse.Querier, o Options, a args) ([]batch, error) {
	q := "SELECT status, rows_sent, finished_at FROM " + o.pushLog() + " WHERE " + windowBatches + " ORDER BY started_at, batch_id"
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, fmt.Errorf("read push log %s: %w", o.PushLog, err)
	}
	defer rows.Close()
	var out []batch
	for rows.Next() {
		var b batch
		var fin sql.NullTime
		if err := rows.Scan(&b.status, &b.rows, &fin); err != nil {
			return nil, err
		}
		b.finished = warehouse.FromWall(fin.Time)
		out = append(out, b)
	}
	return out, rows.Err()
}

// window reconciles one window of a resource.
func (r *Reconciler) window(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, w pipelines.Window, sch pipelines.Schedule, o Options, trusted map[string]time.Time, p sitePlan) (*Result, error) {
	x := newResult(res, w, sch, o.Now)
	q, err := named(res.CompareSQL())
	if err != nil {
		return nil, err
	}
	x.params = windowArgs(w, w.End).with(resourceArgs(res))
	tgt, ok := r.cat.Target(res.Target)
	if !ok {
		return nil, fmt.Errorf("unknown target %q", res.Target)
	}
	x.Facts.Unverifiable = unverifiable(res, tgt, q, w, o, trusted, p)
	if why := p.outside(w); why != "" {
		x.Facts.Unverifiable, x.note = true, why
		return x, nil
	}
	rcvTable := warehouse.QuoteTable(pipelines.EvidenceTable(res, tgt))
	// without a batch to say when a row was pushed, it was pushed after
	// the window ended, at the earliest.
	var rcvWhere string
	rcvFrom := "(SELECT *, CAST($window_end AS TIMESTAMP) AS " + pushedColumn + " FROM " + rcvTable + ") r"
	// one key for the received-by-key condition and the diff that reads it
	dk := diffKeyOf(res)
	if res.Mode == pipelines.ModeReceipt {
		// a media copy has no push log: its receipt files are its batches.
		if !x.countReceipts(o.Receipts[res.ID()]) {
			return x, nil
		}
		rcvWhere = "TRUE"
	} else {
		if x.Facts.Unverifiable {
			return x, nil
		}
		var bs []batch
		if !p.noPushLog {
			if bs, err = r.batches(ctx, wh, o, x.params); err != nil {
				return nil, err
			}
		}
		for _, b := range bs {
			x.addBatch(b)
		}
		rcvFrom, rcvWhere = p.receivedRows(dk, &o, rcvTable, rcvFrom)
		x.noteSite(p)
	}
	if err := x.diffKeys(ctx, wh, dk, &o, q, rcvFrom, rcvWhere); err != nil {
		return nil, err
	}
	if res.Mode == pipelines.ModeReceipt {
		x.Facts.Claimed = x.Facts.Received
	}
	return x, nil
}

// countReceipts counts the receipt files of rep, a media copy's evidence,
// as the window's batches, every one of them succeeded, and notes the
// lines they rejected. It reports whether the keys are to be compared:
// not when the receipts cannot be read or the window is unverifiable.
func (x *Result) countReceipts(rep *pipelines.EvidenceReport) bool {
	if rep == nil || rep.Failed() {
		x.Facts.Unverifiable = true
		if rep != nil && len(rep.Errors) > 0 {
			x.note = "回执文件无法读取: " + rep.Errors[0].Error()
		}
		return false
	}
	for _, f := range rep.Files {
		x.addBatch(batch{status: statusSuccess, finished: f.ArrivedAt})
	}
	if len(rep.Errors) > 0 {
		x.note = fmt.Sprintf("回执有 %d 行被拒: %s", len(rep.Errors), rep.Errors[0].Error())
	}
	// the receipts are counted; when the window is unverifiable, the
	// source they are compared with is not to be trusted, and may not be
	// in the warehouse at all (no snapshot of it ever succeeded).
	return !x.Facts.Unverifiable
}

// addBatch adds one push-log batch of the window to its facts: a batch,
// a succeeded one and the rows it claims, the last finish. Both reconcile
// paths count through it, and a media copy's receipt files as succeeded
// batches.
func (x *Result) addBatch(b batch) {
	x.Facts.Batches++
	if batchSucceeded(b.status) {
		x.Facts.Succeeded++
		x.Facts.Claimed += b.rows
	}
	if b.finished.After(x.Facts.LastFinish) {
		x.Facts.LastFinish = b.finished
	}
}

// receivedRows is the relation (alias r) and the condition of the rows
// the target received in a window, as the site tells them apart: by the
// window column, by key, or by the window's batches. rcvTable is the
// evidence table; rcvFrom, that table with the window's end as when each
// row was pushed, is kept where nothing says better. By key, the rows are
// those whose key, as dk carries it, is among the source's (sk's k).
func (p sitePlan) receivedRows(dk diffKey, o *Options, rcvTable, rcvFrom string) (from, where string) {
	res := dk.res
	switch p.receive {
	case receiveByColumn:
		// the rows whose time falls in the window, that time read
		// through the front end's clock offset, as compared too.
		rcvFrom = fmt.Sprintf("(SELECT * REPLACE (%s AS %s), CAST($window_end AS TIMESTAMP) AS %s FROM %s r WHERE %s >= $window_start AND %s < $window_end) r",
			p.windowCol, warehouse.QuoteIdent(res.WindowColumn), pushedColumn, rcvTable, p.windowCol, p.windowCol)
		return rcvFrom, "TRUE"
	case receiveByKey:
		// the rows, anywhere in the table, with a key of the window.
		return rcvFrom, dk.of("r") + " IN (SELECT k FROM sk)"
	default:
		// the rows of the window's batches, with when each finished.
		rcvFrom = rcvTable + " r JOIN (SELECT batch_id AS __b, max(finished_at) AS " + pushedColumn + " FROM " + o.pushLog() + " WHERE " + windowBatches + " GROUP BY batch_id) pl ON pl.__b = r.batch_id"
		return rcvFrom, "TRUE"
	}
}

// diffKeys compares the keys and values of the window's source query q
// with those of the received rows (rcvFrom where rcvWhere) in one query,
// keys as dk carries them, recording in x the counts, every differing key
// and, for explain, the query behind each number.
func (x *Result) diffKeys(ctx context.Context, wh warehouse.Querier, dk diffKey, o *Options, q, rcvFrom, rcvWhere string) error {
	form := o.diffFormFor(x.Facts.Claimed)
	cte := dk.cte(form, q, "SELECT * FROM "+rcvFrom+" WHERE "+rcvWhere, false)
	// one query gives both counts and every key: the source query runs once.
	keysQ := cte + form.sql(false, dk.text())
	x.queries = map[string]string{
		"expected": cte + "\nSELECT count(*) FROM sk",
		"claimed":  "SELECT sum(rows_sent) FROM " + o.pushLog() + " WHERE " + windowBatches + " AND status = 'success'",
		"received": cte + "\nSELECT count(*) FROM rk",
		"keys":     keysQ,
	}
	rows, err := wh.QueryContext(ctx, keysQ, x.params.bind(keysQ)...)
	if err != nil {
		return fmt.Errorf("key diff: %w\nSQL: %s", err, clip(keysQ))
	}
	return x.scanKeys(rows)
}

// pushedColumn is the column of a received row holding when it was
// pushed: its batch's finish, or the window's end where no batch says.
const pushedColumn = "__pushed_at"

func clip(q string) string {
	if len(q) > 800 {
		return q[:800] + "…"
	}
	return q
}

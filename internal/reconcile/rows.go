package reconcile

// What a repair plan reads of one window: the source rows and the received
// rows of given keys, keyed exactly as the key diff keys them, and the
// window's push-log batches with what the target holds of each.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// RowIDColumn is the surrogate key of a front-end table (pipelines'
// front-end DDL); a site's table may lack it.
const RowIDColumn = "fe_row_id"

// KeyedRow is one row read for a repair: its key as the key diff writes it
// (audit.result_keys), and its values in the target's column layout.
type KeyedRow struct {
	Key string
	// Values are the resource's columns in catalog order, each the text of
	// the value cast to its front-end type (as the key diff compares it);
	// invalid is NULL.
	Values []sql.NullString
	// RowID is the front-end table's row id (received rows of a table that
	// has one).
	RowID sql.NullInt64
	// BatchID is the batch that carried a received row.
	BatchID string
}

// WindowBatch is one push-log batch of a window, with the rows the target
// holds under its batch id.
type WindowBatch struct {
	BatchID   string
	Status    string
	Succeeded bool // the reconciler counts it as a successful push
	RowsSent  int64
	Received  int64
	Finished  sql.NullTime // wall clock as stored
}

// statusSuccess is the push-log status of a successful push.
const statusSuccess = "success"

// batchSucceeded says whether a push-log status is a successful push, as
// window and windowsSet count it.
func batchSucceeded(status string) bool { return status == statusSuccess }

// valueColumns are the resource's columns as text of their front-end type.
func valueColumns(alias string, res *pipelines.Resource) string {
	parts := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		parts[i] = fmt.Sprintf("CAST(CAST(%s.%s AS %s) AS VARCHAR)", alias, c.Name, duckType(c.Type))
	}
	return strings.Join(parts, ", ")
}

// SourceRows returns the rows that the source query of res gives for
// window w (as the key diff reads it, from the snapshot) whose key is in
// keys, ordered by key.
func (r *Reconciler) SourceRows(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, w pipelines.Window, keys []string) ([]KeyedRow, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	q, err := named(res.SourceSQL())
	if err != nil {
		return nil, err
	}
	a := windowArgs(w, w.End).with(resourceArgs(res)).with(args{"keys": keys})
	query := fmt.Sprintf(`WITH src AS (%s)
SELECT %s AS __k, %s FROM src s WHERE %s IN (SELECT unnest($keys)) ORDER BY 1`,
		q, keyExpr("s", res), valueColumns("s", res), keyExpr("s", res))
	rows, err := wh.QueryContext(ctx, query, a.bind(query)...)
	if err != nil {
		return nil, fmt.Errorf("source rows of %s: %w", res.ID(), err)
	}
	return scanKeyed(rows, len(res.Columns), false)
}

// ReceivedRows returns the rows of the target's evidence table that came
// with the push-log batches of window w and whose key is in keys, ordered
// by key and row id (or batch and arrival). The table is the warehouse's
// copy of the front-end table, so its row ids are the front end's.
func (r *Reconciler) ReceivedRows(ctx context.Context, wh warehouse.Querier, pushLog string, res *pipelines.Resource, w pipelines.Window, keys []string) (rows []KeyedRow, hasRowID bool, err error) {
	tgt, ok := r.cat.Target(res.Target)
	if !ok {
		return nil, false, fmt.Errorf("unknown target %q", res.Target)
	}
	if res.Mode == pipelines.ModeReceipt {
		return nil, false, fmt.Errorf("%s is a media copy: it has no front-end table", res.ID())
	}
	table := pipelines.EvidenceTable(res, tgt)
	hasRowID, err = hasColumn(ctx, wh, table, RowIDColumn)
	if err != nil || len(keys) == 0 {
		return nil, hasRowID, err
	}
	rowID, order := "NULL::BIGINT", "r."+pipelines.EvidenceBatchID+", r."+pipelines.EvidenceArrivedAt
	if hasRowID {
		rowID, order = "r."+RowIDColumn, "r."+RowIDColumn
	}
	a := windowArgs(w, w.End).with(resourceArgs(res)).with(args{"keys": keys})
	query := fmt.Sprintf(`SELECT %s AS __k, %s, %s, r.%s FROM %s r
WHERE r.%s IN (SELECT batch_id FROM %s WHERE %s) AND %s IN (SELECT unnest($keys))
ORDER BY 1, %s`,
		keyExpr("r", res), valueColumns("r", res), rowID, pipelines.EvidenceBatchID, warehouse.QuoteTable(table),
		pipelines.EvidenceBatchID, warehouse.QuoteTable(pushLog), windowBatches, keyExpr("r", res), order)
	rs, err := wh.QueryContext(ctx, query, a.bind(query)...)
	if err != nil {
		return nil, hasRowID, fmt.Errorf("received rows of %s: %w", res.ID(), err)
	}
	rows, err = scanKeyed(rs, len(res.Columns), true)
	return rows, hasRowID, err
}

// WindowBatches returns the push-log batches of window w of res, in the
// order they started, each with the rows the target holds under its id.
func (r *Reconciler) WindowBatches(ctx context.Context, wh warehouse.Querier, pushLog string, res *pipelines.Resource, w pipelines.Window) ([]WindowBatch, error) {
	tgt, ok := r.cat.Target(res.Target)
	if !ok {
		return nil, fmt.Errorf("unknown target %q", res.Target)
	}
	held := "0"
	if res.Mode != pipelines.ModeReceipt {
		held = fmt.Sprintf("(SELECT count(*) FROM %s r WHERE r.%s = p.batch_id)",
			warehouse.QuoteTable(pipelines.EvidenceTable(res, tgt)), pipelines.EvidenceBatchID)
	}
	a := windowArgs(w, w.End).with(resourceArgs(res))
	q := `SELECT p.batch_id, p.status, p.rows_sent, p.finished_at, ` + held + ` FROM ` + warehouse.QuoteTable(pushLog) + ` p
WHERE ` + windowBatches + ` ORDER BY p.started_at, p.batch_id`
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, fmt.Errorf("read push log %s: %w", pushLog, err)
	}
	defer rows.Close()
	var out []WindowBatch
	for rows.Next() {
		var b WindowBatch
		if err := rows.Scan(&b.BatchID, &b.Status, &b.RowsSent, &b.Finished, &b.Received); err != nil {
			return nil, err
		}
		b.Succeeded = batchSucceeded(b.Status)
		out = append(out, b)
	}
	return out, rows.Err()
}

func scanKeyed(rows *sql.Rows, n int, received bool) ([]KeyedRow, error) {
	defer rows.Close()
	var out []KeyedRow
	for rows.Next() {
		k := KeyedRow{Values: make([]sql.NullString, n)}
		dest := []any{&k.Key}
		for i := range k.Values {
			dest = append(dest, &k.Values[i])
		}
		if received {
			dest = append(dest, &k.RowID, &k.BatchID)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// hasColumn says whether the warehouse table (schema.table) has column.
func hasColumn(ctx context.Context, wh warehouse.Querier, table, column string) (bool, error) {
	s, t, _ := strings.Cut(table, ".")
	var n int
	err := wh.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?`, s, t, column).Scan(&n)
	return n > 0, err
}

// ColumnDiff is one compared column of one key whose values differ
// between the source and the target, as explain shows it: the values as
// text of the column's front-end type, before normalisation ("" for NULL).
type ColumnDiff struct {
	Key, Column    string
	Source, Target string
}

// ColumnDiffs returns, for the keys given (mismatched keys of window w of
// res), each compared column whose values differ once normalised: the
// drill-down behind a value mismatch. The received rows are those of the
// window's batches where the evidence table has a batch id, else every
// row of the key.
//
// pushLog is the push log as a relation (Options.pushLog: a table or a
// mapped query).
func (r *Reconciler) ColumnDiffs(ctx context.Context, wh warehouse.Querier, pushLog string, res *pipelines.Resource, w pipelines.Window, keys []string) ([]ColumnDiff, error) {
	cols := comparedColumns(res)
	if len(keys) == 0 || len(cols) == 0 || res.Mode == pipelines.ModeReceipt {
		return nil, nil
	}
	tgt, ok := r.cat.Target(res.Target)
	if !ok {
		return nil, fmt.Errorf("unknown target %q", res.Target)
	}
	table := pipelines.EvidenceTable(res, tgt)
	hasBatch, err := hasColumn(ctx, wh, table, pipelines.EvidenceBatchID)
	if err != nil {
		return nil, err
	}
	q, err := named(res.SourceSQL())
	if err != nil {
		return nil, err
	}
	pair := func(alias string) string {
		var parts []string
		for _, c := range cols {
			raw := fmt.Sprintf("CAST(CAST(%s.%s AS %s) AS VARCHAR)", alias, c.Name, duckType(c.Type))
			parts = append(parts, "coalesce("+raw+", '')", "coalesce("+c.Normalized(raw)+", '␀')")
		}
		return strings.Join(parts, ", ")
	}
	batchCond := "TRUE"
	if hasBatch {
		batchCond = "r." + pipelines.EvidenceBatchID + " IN (SELECT batch_id FROM " + pushLog + " WHERE " + windowBatches + ")"
	}
	a := windowArgs(w, w.End).with(resourceArgs(res)).with(args{"keys": keys})
	query := fmt.Sprintf(`WITH src AS (%s),
s AS (SELECT %s AS __k, %s FROM src s WHERE %s IN (SELECT unnest($keys))),
t AS (SELECT %s AS __k, %s FROM %s r WHERE %s AND %s IN (SELECT unnest($keys)))
SELECT * FROM s JOIN t USING (__k) ORDER BY __k`,
		q, keyExpr("s", res), pair("s"), keyExpr("s", res),
		keyExpr("r", res), pair("r"), warehouse.QuoteTable(table), batchCond, keyExpr("r", res))
	rows, err := wh.QueryContext(ctx, query, a.bind(query)...)
	if err != nil {
		return nil, fmt.Errorf("column differences of %s: %w", res.ID(), err)
	}
	defer rows.Close()
	var out []ColumnDiff
	seen := map[string]bool{}
	for rows.Next() {
		var key string
		vals := make([]string, 4*len(cols))
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		n := 2 * len(cols)
		for i, c := range cols {
			src, srcNorm, tgtRaw, tgtNorm := vals[2*i], vals[2*i+1], vals[n+2*i], vals[n+2*i+1]
			d := ColumnDiff{Key: key, Column: c.Name, Source: src, Target: tgtRaw}
			if srcNorm != tgtNorm && !seen[d.Key+"\x00"+d.Column+"\x00"+d.Target] {
				seen[d.Key+"\x00"+d.Column+"\x00"+d.Target] = true
				out = append(out, d)
			}
		}
	}
	return out, rows.Err()
}

package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// deltaLoad is how a delta run (incremental or append) is merged into the
// published table.
type deltaLoad struct {
	keyCols   []string // primary-key columns
	keysStage string   // staging table of the source's key set, when compared
	noRows    bool     // an append table whose largest key is unchanged: nothing staged
}

// tableState is the audit.snapshot_watermarks row a publish writes.
type tableState struct {
	policy, column string
	watermark      sql.NullString
	signature      string
	keysChecked    bool           // the published table now holds exactly the source's keys
	counted        bool           // the source's count was read and agreed (count.go)
	countToken     sql.NullString // the change token that count stands for
	same           bool           // equal to the stored state: nothing to write
}

// keyColumns returns the primary-key columns of t.
func (t *table) keyColumns() []mysqlarrow.Column {
	var keys []mysqlarrow.Column
	for _, c := range t.Columns {
		if c.Key {
			keys = append(keys, c)
		}
	}
	return keys
}

// watermarkColumn is the column whose largest value the state keeps: the
// watermark of an incremental table, the key of an append table ("" when
// the policy cannot apply).
func watermarkColumn(t *table, pol TablePolicy) string {
	switch pol.Policy {
	case PolicyIncremental:
		for _, c := range t.Columns {
			if c.Name == pol.Watermark {
				return c.Name
			}
		}
	case PolicyAppend:
		if k := t.chunkKey(); k >= 0 {
			return t.Columns[k].Name
		}
	}
	return ""
}

// planDelta decides whether an incremental or append table reads only its
// changed rows: when a snapshot of it is published and its state was
// written with the same definition. Otherwise the table is loaded in full
// (and its state initialised). It sets tr.delta and adjusts plan.
func (s *snapshotter) planDelta(ws *warehouseState, t *table, pol TablePolicy, sig string, tr *TableReport, plan *readPlan, log *slog.Logger) error {
	col := watermarkColumn(t, pol)
	switch {
	case len(t.keyColumns()) == 0:
		tr.Note = pol.Policy + " policy needs a primary key: loaded in full"
	case col == "" && pol.Policy == PolicyIncremental:
		tr.Note = fmt.Sprintf("incremental policy: no watermark column %q: loaded in full", pol.Watermark)
	case col == "":
		tr.Note = "append policy needs a single integer primary key: loaded in full"
	}
	if tr.Note != "" {
		log.Warn(tr.Note)
		return nil
	}
	st, ok := ws.marks[t.Name]
	if !ok {
		log.Info("first snapshot of the table under its policy: loaded in full", "policy", pol.Policy)
		return nil
	}
	if st.policy != pol.Policy || st.column != col || st.signature != sig || !ws.published[t.Name] {
		log.Info("policy, watermark column or table definition changed: loaded in full", "policy", pol.Policy)
		return nil
	}
	mark, checked := st.mark, st.checked
	tr.Delta = true
	d := &deltaLoad{}
	for _, c := range t.keyColumns() {
		d.keyCols = append(d.keyCols, c.Name)
	}
	tr.delta = d
	switch pol.Policy {
	case PolicyIncremental:
		plan.key = -1
		if mark.Valid {
			// >=: rows sharing the last (possibly truncated) watermark are
			// read again and merged by key, never lost.
			plan.where = quoteMySQL(col) + " >= ?"
			plan.whereArgs = []driver.NamedValue{{Ordinal: 1, Value: mark.String}}
		}
		switch {
		case pol.KeyCheckEvery < 0:
		case pol.KeyCheckEvery == 0 || !checked.Valid:
			tr.KeyCheck = true
		default:
			tr.KeyCheck = s.wh.Now().Sub(warehouse.FromWall(checked.Time)) >= pol.KeyCheckEvery
		}
	case PolicyAppend:
		plan.after = mark.String // "" reads from the start
		if cur, ok := ws.appendMax[t.Name]; ok && cur == mark {
			// The largest key is the stored one: no row above it.
			d.noRows = true
			log.Debug("largest key unchanged: no new row", "after", mark.String)
			return nil
		}
	}
	log.Info("reading changed rows", "policy", pol.Policy, "column", col, "after", mark.String, "key_check", tr.KeyCheck)
	return nil
}

// maxValue returns the largest value of col in the snapshot, as text.
func (ms *mysqlSource) maxValue(ctx context.Context, t *table, col string) (sql.NullString, error) {
	var v sql.NullString
	err := ms.conn.QueryRowContext(ctx, "SELECT CAST(MAX("+quoteMySQL(col)+") AS CHAR) FROM "+
		quoteMySQL(ms.dbName)+"."+quoteMySQL(t.Name)).Scan(&v)
	return v, err
}

// finishDelta reads the new watermark and, when due, the source's key set
// into a second staging table.
func (s *snapshotter) finishDelta(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, ws *warehouseState, schema string, t *table, tr *TableReport, log *slog.Logger) error {
	stored := ws.marks[t.Name] // planDelta found it
	st := tableState{column: stored.column, signature: stored.signature}
	st.policy = tr.Policy
	prev := stored.mark
	mark, err := ms.maxValue(ctx, t, st.column)
	if err != nil {
		return &SourceError{Source: schema, Table: t.Name, Err: fmt.Errorf("read watermark: %w", err)}
	}
	st.watermark = mark
	st.same = mark == prev && !tr.KeyCheck
	tr.state = &st
	if !tr.KeyCheck {
		return nil
	}
	kt := &table{Table: mysqlarrow.Table{Name: t.Name, Columns: t.keyColumns()}}
	for i := range kt.Columns {
		kt.Columns[i].Nullable = false
	}
	stage := stageName(t.Name) + "__keys"
	if _, err := dconn.ExecContext(ctx, kt.stageDDLNamed(schema, stage)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create key staging table: %w", schema, t.Name, err)
	}
	plan := readPlan{key: kt.chunkKey(), chunkRows: 1 << 20, chunkTime: 10 * time.Second}
	ktr := &TableReport{Name: t.Name, delta: tr.delta}
	n, err := s.copyRows(ctx, unresumedCopy(ms, dconn, schema, stage, kt, plan, ktr))
	if err != nil {
		return err
	}
	if n != tr.RowsSource {
		return fmt.Errorf("snapshot %s.%s: read %d keys, source has %d rows in the same snapshot: %w", schema, t.Name, n, tr.RowsSource, ErrCountMismatch)
	}
	tr.delta.keysStage = stage
	log.Debug("key set read", keyRows, n)
	return nil
}

// mergeDelta merges a delta run into the published table inside the
// publish transaction and checks the count.
func (s *snapshotter) mergeDelta(ctx context.Context, tx *sql.Tx, schema string, tr *TableReport, kept map[string]int64) error {
	pub := quoteDuck(schema) + "." + quoteDuck(tr.Name)
	stage := quoteDuck(schema) + "." + quoteDuck(stageName(tr.Name))
	var on []string
	for _, k := range tr.delta.keyCols {
		on = append(on, "p."+quoteDuck(k)+" = d."+quoteDuck(k))
	}
	join := strings.Join(on, " AND ")
	var stmts []string // none when no row changed
	if tr.DeltaRows > 0 {
		if tr.Policy == PolicyIncremental {
			stmts = append(stmts, "DELETE FROM "+pub+" AS p WHERE EXISTS (SELECT 1 FROM "+stage+" AS d WHERE "+join+")")
		}
		stmts = append(stmts, "INSERT INTO "+pub+" SELECT * FROM "+stage)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("snapshot %s.%s: merge: %w", schema, tr.Name, err)
		}
	}
	if ks := tr.delta.keysStage; ks != "" {
		res, err := tx.ExecContext(ctx, "DELETE FROM "+pub+" AS p WHERE NOT EXISTS (SELECT 1 FROM "+
			quoteDuck(schema)+"."+quoteDuck(ks)+" AS d WHERE "+join+")")
		if err != nil {
			return fmt.Errorf("snapshot %s.%s: remove deleted rows: %w", schema, tr.Name, err)
		}
		tr.DeletedRows, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+quoteDuck(schema)+"."+quoteDuck(ks)); err != nil {
			return fmt.Errorf("snapshot %s.%s: %w", schema, tr.Name, err)
		}
		tr.state.keysChecked = true
	}
	if tr.delta.noRows {
		// Nothing was staged.
	} else if _, err := tx.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
		return fmt.Errorf("snapshot %s.%s: %w", schema, tr.Name, err)
	}
	n, ok := kept[tr.Name]
	if ok {
		// Counted with the other tables kept as they are.
	} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+pub).Scan(&n); err != nil {
		return fmt.Errorf("snapshot %s.%s: count: %w", schema, tr.Name, err)
	}
	if f := tr.pendingCount; f != nil {
		rows, err := f.wait(ctx)
		if err != nil {
			return &SourceError{Source: schema, Table: tr.Name, Err: err}
		}
		tr.RowsSource, tr.pendingCount = rows, nil
	}
	tr.RowsLoaded = n
	if !tr.CountSkipped && n != tr.RowsSource {
		s.markInexact(tr)
	}
	return nil
}

// saveStates writes the states of trs and deletes those of cleared, in
// the publish transaction: one UPDATE for the tables with a stored state,
// one INSERT for the others, one DELETE (DuckDB's INSERT … ON CONFLICT
// costs several times a plain statement, and its cost is per statement).
func (s *snapshotter) saveStates(ctx context.Context, tx *sql.Tx, schema string, ws *warehouseState, trs, cleared []*TableReport) error {
	var (
		upd, ins         []string
		updArgs, insArgs []any
	)
	now := warehouse.Timestamp(s.wh.Now())
	for _, tr := range trs {
		st := tr.state
		var mark, checked, counted, countToken any
		if st.watermark.Valid {
			mark = st.watermark.String
		}
		if st.keysChecked {
			checked = now
		}
		if st.counted {
			counted = now
			if st.countToken.Valid {
				countToken = st.countToken.String
			}
		}
		row := []any{schema, tr.Name, st.policy, st.column, mark, st.signature, checked, counted, countToken, s.run.ID}
		if ws.hasState(tr.Name) {
			upd = append(upd, "(?, ?, ?, ?, CAST(? AS VARCHAR), ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(? AS VARCHAR), ?)")
			updArgs = append(updArgs, row...)
		} else {
			ins = append(ins, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			insArgs = append(insArgs, row...)
		}
	}
	if len(upd) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE audit.snapshot_watermarks AS w SET policy = v.policy,
			watermark_column = v.watermark_column, watermark = v.watermark, signature = v.signature,
			keys_checked_at = coalesce(v.keys_checked_at, w.keys_checked_at),
			counted_at = coalesce(v.counted_at, w.counted_at),
			count_token = CASE WHEN v.counted_at IS NULL THEN w.count_token ELSE v.count_token END, run_id = v.run_id
			FROM (VALUES `+strings.Join(upd, ", ")+`) AS v(source, table_name, policy, watermark_column, watermark, signature, keys_checked_at, counted_at, count_token, run_id)
			WHERE w.source = v.source AND w.table_name = v.table_name`, updArgs...); err != nil {
			return fmt.Errorf("snapshot %s: record watermarks: %w", schema, err)
		}
	}
	if len(ins) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit.snapshot_watermarks
			(source, table_name, policy, watermark_column, watermark, signature, keys_checked_at, counted_at, count_token, run_id)
			VALUES `+strings.Join(ins, ", "), insArgs...); err != nil {
			return fmt.Errorf("snapshot %s: record watermarks: %w", schema, err)
		}
	}
	if len(cleared) > 0 {
		args := []any{schema}
		for _, tr := range cleared {
			args = append(args, tr.Name)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit.snapshot_watermarks WHERE source = ? AND table_name IN (`+
			pipelines.Placeholders(len(cleared))+`)`, args...); err != nil {
			return fmt.Errorf("snapshot %s: publish: %w", schema, err)
		}
	}
	return nil
}

package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Exactness after publishing.
//
// A table whose row count disagrees with the source once published (a
// delta merged, or an unchanged full table kept) is recorded as
// StatusInexact in the publish transaction, never as ok. Right after the
// publish, still inside the source's consistent snapshot, its key set is
// repaired: the source's keys are read (keys only), the warehouse rows
// whose keys are gone are deleted, and the rows whose keys are missing
// are read by key; when the count then agrees the table's row becomes ok
// again, with deleted_rows and repaired_rows. A crash in between leaves
// it inexact: the source is then not trusted, its windows unverifiable.
// Rows changed at the source with an older watermark keep their key and
// count; only a verification (verify.go) finds them.

// markInexact marks a table whose count disagrees for a key-set repair.
func (s *snapshotter) markInexact(tr *TableReport) {
	tr.Status = StatusInexact
	tr.needsRepair = true
	tr.Note = fmt.Sprintf("%d rows in the warehouse, %d at the source: key set to repair", tr.RowsLoaded, tr.RowsSource)
}

// checkUnchanged keeps the published copy of an unchanged full table and
// compares its count with the source's, in the publish transaction.
func (s *snapshotter) checkUnchanged(ctx context.Context, tx *sql.Tx, schema string, tr *TableReport, kept map[string]int64) error {
	if f := tr.pendingCount; f != nil {
		rows, err := f.wait(ctx)
		if err != nil {
			return &SourceError{Source: schema, Table: tr.Name, Err: err}
		}
		tr.RowsSource, tr.pendingCount = rows, nil
	}
	if n, ok := kept[tr.Name]; ok {
		tr.RowsLoaded = n
	} else if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(schema)+"."+quoteDuck(tr.Name)).Scan(&tr.RowsLoaded); err != nil {
		return fmt.Errorf("snapshot %s.%s: count: %w", schema, tr.Name, err)
	}
	tr.Note = joinNote("unchanged since the published copy ("+tr.state.watermark.String+")", tr.Note)
	if !tr.CountSkipped && tr.RowsLoaded != tr.RowsSource {
		s.markInexact(tr)
	}
	return nil
}

// afterPublish repairs the tables published inexact and verifies the
// tables asked for, in the source's snapshot. tables match sr.Tables.
func (s *snapshotter) afterPublish(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, sr *SourceReport, tables []*table, log *slog.Logger) error {
	var errs []error
	for i, tr := range sr.Tables {
		t := tables[i]
		tlog := log.With(keyTable, tr.Name)
		if tr.needsRepair {
			if err := s.repairKeys(ctx, ms, dconn, sr, t, tr, tlog); err != nil {
				tlog.Error("key-set repair failed: the table stays inexact", keyError, err)
				errs = append(errs, err)
				continue
			}
		}
		if s.verifies(sr.Name, tr.Name) {
			if err := s.verifyTable(ctx, ms, dconn, sr, t, tr, tlog); err != nil {
				tlog.Error("verification failed", keyError, err)
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// verifies says whether Options.Verify names table of source.
func (s *snapshotter) verifies(source, table string) bool {
	if s.opts.VerifyAll {
		return true
	}
	for _, v := range s.opts.Verify {
		if v == source || v == table || v == source+"."+table {
			return true
		}
	}
	return false
}

// repairKeys makes the published table hold exactly the source's keys.
func (s *snapshotter) repairKeys(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, sr *SourceReport, t *table, tr *TableReport, log *slog.Logger) error {
	schema := sr.Name
	kcols := t.keyColumns()
	if len(kcols) == 0 {
		return s.recopy(ctx, ms, dconn, sr, t, tr, "no primary key: copied again", log)
	}
	kt := &table{Table: mysqlarrow.Table{Name: t.Name, Columns: kcols}}
	keysStage := stageName(t.Name) + "__keys"
	if _, err := dconn.ExecContext(ctx, kt.stageDDLNamed(schema, keysStage)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create key staging table: %w", schema, t.Name, err)
	}
	defer s.dropTable(ctx, schema, keysStage, log)
	plan := readPlan{key: kt.chunkKey(), chunkRows: 1 << 20, chunkTime: 10 * time.Second}
	if _, err := s.copyRows(ctx, unresumedCopy(ms, dconn, schema, keysStage, kt, plan, &TableReport{Name: t.Name})); err != nil {
		return err
	}
	pub := quoteDuck(schema) + "." + quoteDuck(t.Name)
	ks := quoteDuck(schema) + "." + quoteDuck(keysStage)
	var on, sel []string
	for _, c := range kcols {
		on = append(on, "p."+quoteDuck(c.Name)+" = k."+quoteDuck(c.Name))
		sel = append(sel, "CAST(k."+quoteDuck(c.Name)+" AS VARCHAR)")
	}
	join := strings.Join(on, " AND ")
	missing, err := queryTuples(ctx, dconn, "SELECT "+strings.Join(sel, ", ")+" FROM "+ks+" AS k WHERE NOT EXISTS (SELECT 1 FROM "+pub+" AS p WHERE "+join+")")
	if err != nil {
		return fmt.Errorf("snapshot %s.%s: missing keys: %w", schema, t.Name, err)
	}
	fix := stageName(t.Name) + "__fix"
	if _, err := dconn.ExecContext(ctx, t.stageDDLNamed(schema, fix)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create repair staging table: %w", schema, t.Name, err)
	}
	defer s.dropTable(ctx, schema, fix, log)
	if err := s.readByKeys(ctx, ms, dconn, schema, fix, t, kcols, missing); err != nil {
		return err
	}
	return s.commitRepair(ctx, sr, tr, func(tx *sql.Tx) (int64, error) {
		res, err := tx.ExecContext(ctx, "DELETE FROM "+pub+" AS p WHERE NOT EXISTS (SELECT 1 FROM "+ks+" AS k WHERE "+join+")")
		if err != nil {
			return 0, err
		}
		deleted, _ := res.RowsAffected()
		tr.DeletedRows += deleted
		res, err = tx.ExecContext(ctx, "INSERT INTO "+pub+" SELECT * FROM "+quoteDuck(schema)+"."+quoteDuck(fix))
		if err != nil {
			return 0, err
		}
		added, _ := res.RowsAffected()
		log.Info("key set repaired", "deleted", deleted, "re_read", added)
		if tr.state != nil && tr.state.policy != PolicyFull {
			if _, err := tx.ExecContext(ctx, `UPDATE audit.snapshot_watermarks SET keys_checked_at = ? WHERE source = ? AND table_name = ?`,
				warehouse.Timestamp(s.wh.Now()), schema, t.Name); err != nil {
				return 0, err
			}
		}
		return deleted + added, nil
	})
}

// readByKeys reads the rows of t with the given keys (as text) into the
// warehouse table schema.stage, a few hundred keys per query.
func (s *snapshotter) readByKeys(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, schema, stage string, t *table, kcols []mysqlarrow.Column, keys [][]string) error {
	const perQuery = 500
	var cols []string
	for _, c := range kcols {
		cols = append(cols, quoteMySQL(c.Name))
	}
	tuple := "(" + pipelines.Placeholders(len(kcols)) + ")"
	for len(keys) > 0 {
		n := min(perQuery, len(keys))
		batch := keys[:n]
		keys = keys[n:]
		var args []any
		for _, k := range batch {
			for _, v := range k {
				args = append(args, v)
			}
		}
		where := "(" + strings.Join(cols, ", ") + ") IN (" + strings.TrimSuffix(strings.Repeat(tuple+", ", len(batch)), ", ") + ")"
		if err := s.readWhere(ctx, ms, dconn, schema, stage, t, where, args); err != nil {
			return err
		}
	}
	return nil
}

// readWhere appends the rows of t matching where to schema.stage.
func (s *snapshotter) readWhere(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, schema, stage string, t *table, where string, args []any) error {
	plan := readPlan{key: -1, where: where, chunkRows: 1 << 20, chunkTime: 10 * time.Second}
	for i, a := range args {
		plan.whereArgs = append(plan.whereArgs, namedValue(i+1, a))
	}
	_, err := s.copyRows(ctx, unresumedCopy(ms, dconn, schema, stage, t, plan, &TableReport{Name: t.Name}))
	return err
}

// recopy replaces the published table with a full copy read now.
func (s *snapshotter) recopy(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, sr *SourceReport, t *table, tr *TableReport, why string, log *slog.Logger) error {
	schema := sr.Name
	fix := stageName(t.Name) + "__fix"
	if _, err := dconn.ExecContext(ctx, t.stageDDLNamed(schema, fix)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create repair staging table: %w", schema, t.Name, err)
	}
	defer s.dropTable(ctx, schema, fix, log)
	if err := s.readWhere(ctx, ms, dconn, schema, fix, t, "", nil); err != nil {
		return err
	}
	pub := quoteDuck(schema) + "." + quoteDuck(t.Name)
	fixQ := quoteDuck(schema) + "." + quoteDuck(fix)
	return s.commitRepair(ctx, sr, tr, func(tx *sql.Tx) (int64, error) {
		var changed int64
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM (SELECT * FROM "+fixQ+" EXCEPT ALL SELECT * FROM "+pub+")) + (SELECT count(*) FROM (SELECT * FROM "+pub+" EXCEPT ALL SELECT * FROM "+fixQ+"))").Scan(&changed); err != nil {
			return 0, err
		}
		for _, q := range []string{"DELETE FROM " + pub, "INSERT INTO " + pub + " SELECT * FROM " + fixQ} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return 0, err
			}
		}
		log.Info(why, "rows_differing", changed)
		return changed, nil
	})
}

// commitRepair runs change in one warehouse transaction, recounts the
// published table and rewrites the table's audit.snapshots row: ok when
// the count agrees with the source, inexact otherwise.
func (s *snapshotter) commitRepair(ctx context.Context, sr *SourceReport, tr *TableReport, change func(*sql.Tx) (int64, error)) error {
	tx, err := s.wh.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	repaired, err := change(tx)
	if err != nil {
		return fmt.Errorf("snapshot %s.%s: repair: %w", sr.Name, tr.Name, err)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(sr.Name)+"."+quoteDuck(tr.Name)).Scan(&n); err != nil {
		return fmt.Errorf("snapshot %s.%s: count: %w", sr.Name, tr.Name, err)
	}
	prev := tr.Status
	tr.RowsLoaded, tr.Repaired = n, tr.Repaired+repaired
	tr.FinishedAt = s.wh.Now()
	if n == tr.RowsSource {
		tr.Status, tr.needsRepair = StatusOK, false
		if prev == StatusInexact {
			tr.Note = ""
		}
	} else {
		tr.Status = StatusInexact
		tr.Note = fmt.Sprintf("%d rows in the warehouse, %d at the source after repairing %d rows", n, tr.RowsSource, tr.Repaired)
	}
	if err := s.record(ctx, tx, sr, tr, true); err != nil {
		return err
	}
	return tx.Commit()
}

// dropTable drops a work table, even when ctx is done.
func (s *snapshotter) dropTable(ctx context.Context, schema, name string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := s.wh.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteDuck(schema)+"."+quoteDuck(name)); err != nil {
		log.Warn("cannot drop work table", keyTable, name, keyError, err)
	}
}

// queryTuples returns every row of q as text.
func queryTuples(ctx context.Context, q querier, query string) ([][]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func namedValue(ordinal int, v any) driver.NamedValue {
	return driver.NamedValue{Ordinal: ordinal, Value: v}
}

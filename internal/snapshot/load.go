package snapshot

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// tableLoad is the load of one table of a source into its staging table:
// what the steps of run share.
type tableLoad struct {
	s      *snapshotter
	ms     *mysqlSource
	dconn  *sql.Conn
	ws     *warehouseState
	schema string // the source's schema in the warehouse
	t      *table
	pol    TablePolicy
	tr     *TableReport
	log    *slog.Logger

	// readDone, when set, is called once a full load has read its rows,
	// count and watermark: the source connection is free for the next
	// table while this one writes on (see loadTables). inFlight is the
	// source's count of batch bytes (copyJob.inFlight).
	readDone func()
	inFlight *atomic.Int64
	mark     *sql.NullString // the watermark read after the rows (readMark)

	begin time.Time
	stage string   // the staging table
	sig   string   // the staging table's definition (t.signature)
	plan  readPlan // how the rows are read
}

// run copies one table into its staging table and checks the count. A
// table with a single integer primary key is read in key chunks, each
// committed in the warehouse with its progress; a staging table left by an
// interrupted run with the same definition is resumed after its last
// committed chunk. Incremental and append tables read only their changed
// rows once a full snapshot of them is published (see delta.go).
func (l *tableLoad) run(ctx context.Context) error {
	l.begin, l.stage = time.Now(), stageName(l.t.Name)
	kept, err := l.planLoad(ctx)
	if err != nil || kept {
		return err
	}
	if err := l.resumeStage(ctx); err != nil {
		return err
	}
	s, tr := l.s, l.tr
	if s.opts.Throttle != (Throttle{}) {
		l.plan.throttle = newThrottle(s.opts.Throttle, s.loadProbe(l.ms), l.log)
	}

	job := copyJob{ms: l.ms, dconn: l.dconn, schema: l.schema, stage: l.stage, t: l.t, plan: l.plan, tr: tr, sig: l.sig,
		a: mysqlarrow.NewAnomalies(&l.t.Table), total: -1, begin: l.begin, // total unknown for a delta: only changed rows are read
		inFlight: l.inFlight}
	if tr.ResumedRows == 0 {
		job.prepare = l.createStage
	}
	if tr.delta == nil {
		job.total = l.ms.estimateRows(ctx, l.t)
		// A full load is done with the source once its rows, count and
		// watermark are read; a delta reads it again after its rows
		// (finishDelta).
		job.readDone = l.readDone
		if tr.Policy != PolicyFull {
			count := job.plan.afterRead
			job.plan.afterRead = func(ctx context.Context) error {
				if err := count(ctx); err != nil {
					return err
				}
				return l.readMark(ctx)
			}
		}
	}
	loaded, err := s.copyRows(ctx, job)
	if err != nil {
		return err
	}
	tr.RowsLoaded = loaded
	tr.Anomalies = job.a.List()
	for _, an := range tr.Anomalies {
		l.log.Warn("values not carried as they were", keyColumn, an.Column, "kind", an.Kind, "count", an.Count, "example", an.Example)
	}
	return l.checkLoad(ctx, loaded)
}

// planLoad decides how the table is read (l.plan): whole or in chunks,
// all of it or only its changed rows (the policy's delta), with the
// staging definition l.sig. kept is true when nothing is to be read, the
// published copy kept (no new row, or the table unchanged); its count,
// when due, is then deferred.
func (l *tableLoad) planLoad(ctx context.Context) (kept bool, err error) {
	s, tr := l.s, l.tr
	// COUNT(*) is read after the rows, in the same snapshot, while the
	// warehouse still inserts the last chunk; until then progress shows
	// the server's estimate.
	tr.RowsSource = -1
	l.plan = s.fullPlan(l.ms, l.t, tr)
	l.sig = l.t.signature()
	tr.Policy = l.pol.Policy
	if tr.Policy == "" {
		tr.Policy = PolicyFull
	}
	tr.countEvery = l.pol.CountEvery
	s.readCountToken(ctx, l.ms, l.t.Name, tr)
	if tr.Policy != PolicyFull {
		if err := s.planDelta(l.ws, l.t, l.pol, l.sig, tr, &l.plan, l.log); err != nil {
			return false, err
		}
		if tr.delta != nil && tr.delta.noRows {
			// Nothing staged, nothing read; the count, when due, is read
			// while the publish goes on and compared with the published
			// table there.
			s.deferCount(l.ws, l.schema, l.t.Name, tr)
			st := l.ws.marks[l.t.Name]
			tr.state = &tableState{policy: st.policy, column: st.column, watermark: st.mark, signature: st.signature, same: true}
			l.log.Info("no new row: published copy kept")
			return true, nil
		}
	} else {
		skip, err := s.planUnchanged(ctx, l.ms, l.ws, l.t, l.sig, l.ms.snapshotAt, tr, l.log)
		if err != nil {
			return false, err
		}
		if skip {
			// Counted, when due, while the publish goes on, and compared
			// with the published copy there.
			s.deferCount(l.ws, l.schema, l.t.Name, tr)
			l.log.Info("table unchanged: published copy kept")
			return true, nil
		}
	}
	if tr.delta != nil && !tr.KeyCheck {
		// Counted, when due, once every table is read, while the publish
		// merges (see deferCounts).
		l.plan.afterRead = nil
		s.deferCount(l.ws, l.schema, l.t.Name, tr)
	}
	tr.ReadWhole = l.plan.key < 0
	if tr.ReadWhole && tr.delta == nil {
		tr.ChunkKey = ""
		l.log.Info("no single integer primary key: table read whole, not in chunks, and not resumable")
	}
	return false, nil
}

// checkLoad checks the rows loaded into the staging table (loaded by the
// copy) against the source: a delta is merged and checked at publish; a
// full load must hold the source's COUNT(*), else its staging table is
// dropped. It then records the state of an incremental or append table
// and logs the load.
func (l *tableLoad) checkLoad(ctx context.Context, loaded int64) error {
	s, tr := l.s, l.tr
	if h := s.opts.hooks.afterLoad; h != nil {
		if err := h(ctx, l.dconn, l.schema, l.stage); err != nil {
			return fmt.Errorf("snapshot %s.%s: test hook: %w", l.schema, l.t.Name, err)
		}
	}
	var staged int64
	if err := l.dconn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(l.schema)+"."+quoteDuck(l.stage)).Scan(&staged); err != nil {
		return fmt.Errorf("snapshot %s.%s: count staged rows: %w", l.schema, l.t.Name, err)
	}
	tr.RowsLoaded = staged
	if tr.delta != nil {
		// The count is checked when the delta is merged (publish).
		tr.DeltaRows = staged
		if err := s.finishDelta(ctx, l.ms, l.dconn, l.ws, l.schema, l.t, tr, l.log); err != nil {
			return err
		}
		l.log.Info("changed rows loaded", "policy", tr.Policy, keyRows, staged, "key_check", tr.KeyCheck,
			"duration", time.Since(l.begin).Round(time.Millisecond))
		return nil
	}
	if staged != tr.RowsSource || loaded != tr.RowsSource {
		// A resumed load cannot be trusted past a mismatch: start over next time.
		s.dropStage(ctx, l.schema, l.t.Name, l.log)
		return fmt.Errorf("snapshot %s.%s: loaded %d rows (%d appended), source has %d in the same snapshot: %w",
			l.schema, l.t.Name, staged, loaded, tr.RowsSource, ErrCountMismatch)
	}
	if tr.Policy != PolicyFull && l.mark != nil {
		// the state the table's next loads go on from: its watermark,
		// and a complete key set
		tr.state = &tableState{policy: l.pol.Policy, column: watermarkColumn(l.t, l.pol), watermark: *l.mark, signature: l.sig, keysChecked: true}
	}
	d := time.Since(l.begin)
	l.log.Info("table loaded", keyRows, loaded, "resumed_rows", tr.ResumedRows, "chunks", tr.Chunks, "read_whole", tr.ReadWhole, "read_path", tr.ReadPath,
		"duration", d.Round(time.Millisecond), "rows_per_s", int64(float64(loaded-tr.ResumedRows)/max(d.Seconds(), 1e-9)))
	return nil
}

// readMark reads, after the rows of a full load of an incremental or
// append table and in the same snapshot, the watermark its state starts
// from (l.mark; none without a watermark column or key).
func (l *tableLoad) readMark(ctx context.Context) error {
	col := watermarkColumn(l.t, l.pol)
	if col == "" || len(l.t.keyColumns()) == 0 {
		return nil
	}
	mark, err := l.ms.maxValue(ctx, l.t, col)
	if err != nil {
		return &sourceReadError{fmt.Errorf("read watermark: %w", err)}
	}
	l.mark = &mark
	return nil
}

// fullPlan is the plan of reading all of t: in chunks of its integer
// key if it has one, then COUNT(*) into tr.RowsSource.
func (s *snapshotter) fullPlan(ms *mysqlSource, t *table, tr *TableReport) readPlan {
	count := func(ctx context.Context) error {
		n, err := ms.count(ctx, t.Name)
		if err != nil {
			return &sourceReadError{err}
		}
		tr.RowsSource = n
		return nil
	}
	plan := readPlan{key: t.chunkKey(), chunkRows: s.opts.ChunkRows, chunkTime: s.opts.ChunkTime, afterRead: count}
	if plan.chunkRows <= 0 {
		plan.chunkRows = firstChunkRows
	}
	if plan.key >= 0 {
		tr.ChunkKey = t.Columns[plan.key].Name
	}
	return plan
}

// resumeStage finds the staging table an interrupted full load left with
// the same definition (l.sig) and sets the read to go on after its last
// committed chunk. Otherwise the copy creates the staging table
// (createStage) once its reader has started.
func (l *tableLoad) resumeStage(ctx context.Context) error {
	tr := l.tr
	if tr.delta == nil {
		prog, err := l.s.resumePoint(ctx, l.dconn, l.schema, l.t, l.sig)
		if err != nil {
			return fmt.Errorf("snapshot %s.%s: read progress: %w", l.schema, l.t.Name, err)
		}
		if prog != nil && l.plan.key >= 0 {
			l.plan.after = prog.lastKey
			tr.ResumedRows, tr.Chunks = prog.rows, prog.chunks
			l.log.Info("resuming an interrupted load", "rows_kept", prog.rows, "chunks_kept", prog.chunks, "after_key", prog.lastKey)
		}
	}
	tr.progressRow = tr.ResumedRows > 0 // its row is there; else deleted by createStage
	return nil
}

// createStage creates the staging table empty and deletes the progress
// of an earlier load of it, on the copy's warehouse connection conn (as
// its prepare: the reader has started).
func (l *tableLoad) createStage(ctx context.Context, conn driver.Conn) error {
	if err := execDuck(ctx, conn, l.t.stageDDL(l.schema)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create staging table: %w", l.schema, l.t.Name, err)
	}
	if err := execDuck(ctx, conn, `DELETE FROM audit.snapshot_progress WHERE source = ? AND table_name = ?`, l.schema, l.t.Name); err != nil {
		return fmt.Errorf("snapshot %s.%s: reset progress: %w", l.schema, l.t.Name, err)
	}
	return nil
}

// progressPoint is where an interrupted load of a table stopped.
type progressPoint struct {
	lastKey      string
	rows, chunks int64
}

// resumePoint returns the committed progress of t's staging table when it
// can be resumed: same definition, rows as recorded, a chunk key. It
// returns nil to start over.
func (s *snapshotter) resumePoint(ctx context.Context, dconn *sql.Conn, schema string, t *table, sig string) (*progressPoint, error) {
	var (
		p       progressPoint
		gotSig  string
		lastKey sql.NullString
	)
	err := dconn.QueryRowContext(ctx, `SELECT signature, last_key, rows_done, chunks FROM audit.snapshot_progress
		WHERE source = ? AND table_name = ?`, schema, t.Name).Scan(&gotSig, &lastKey, &p.rows, &p.chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if gotSig != sig || !lastKey.Valid || t.chunkKey() < 0 {
		return nil, nil
	}
	var staged int64
	if err := dconn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(schema)+"."+quoteDuck(stageName(t.Name))).Scan(&staged); err != nil {
		return nil, nil // no staging table
	}
	if staged != p.rows {
		return nil, nil
	}
	p.lastKey = lastKey.String
	return &p, nil
}

// dropStage drops a staging table and its progress.
func (s *snapshotter) dropStage(ctx context.Context, schema, table string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := s.wh.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteDuck(schema)+"."+quoteDuck(stageName(table))); err != nil {
		log.Warn("cannot drop staging table", keyTable, table, keyError, err)
	}
	if _, err := s.wh.DB().ExecContext(ctx, `DELETE FROM audit.snapshot_progress WHERE source = ? AND table_name = ?`, schema, table); err != nil {
		log.Warn("cannot clear progress", keyTable, table, keyError, err)
	}
}

// signature identifies the staging table definition of t.
func (t *table) signature() string {
	h := sha256.Sum256([]byte(t.stageDDL("") + t.maskSig))
	return hex.EncodeToString(h[:8])
}

// sourceReadError marks an error of reading the source inside the load.
type sourceReadError struct{ err error }

func (e *sourceReadError) Error() string { return e.err.Error() }
func (e *sourceReadError) Unwrap() error { return e.err }

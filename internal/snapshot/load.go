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
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// loadTable copies one table into its staging table and checks the count.
// A table with a single integer primary key is read in key chunks, each
// committed in the warehouse with its progress; a staging table left by an
// interrupted run with the same definition is resumed after its last
// committed chunk. Incremental and append tables read only their changed
// rows once a full snapshot of them is published (see delta.go).
func (s *snapshotter) loadTable(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, ws *warehouseState, schema string, t *table, pol TablePolicy, tr *TableReport, log *slog.Logger) error {
	begin := time.Now()
	stage := stageName(t.Name)

	plan, sig, kept, err := s.planLoad(ctx, ms, ws, schema, t, pol, tr, log)
	if err != nil {
		return err
	}
	if kept {
		return nil
	}

	if err := s.prepareStage(ctx, dconn, schema, t, sig, tr, &plan, log); err != nil {
		return err
	}
	if s.opts.Throttle != (Throttle{}) {
		plan.throttle = newThrottle(s.opts.Throttle, s.loadProbe(ms), log)
	}

	a := mysqlarrow.NewAnomalies(&t.Table)
	total := int64(-1) // unknown for a delta: only changed rows are read
	if tr.delta == nil {
		total = ms.estimateRows(ctx, t)
	}
	loaded, err := s.copyRows(ctx, ms, dconn, schema, stage, t, plan, tr, sig, a, total, begin)
	if err != nil {
		return err
	}
	tr.RowsLoaded = loaded
	tr.Anomalies = a.List()
	for _, an := range tr.Anomalies {
		log.Warn("values not carried as they were", keyColumn, an.Column, "kind", an.Kind, "count", an.Count, "example", an.Example)
	}

	return s.checkLoad(ctx, ms, dconn, ws, schema, stage, t, pol, sig, tr, loaded, begin, log)
}

// planLoad decides how t is read: whole or in chunks, all of it or only
// its changed rows (the policy's delta), with the staging definition sig.
// kept is true when nothing is to be read, the published copy kept (no new
// row, or the table unchanged); its count, when due, is then deferred.
func (s *snapshotter) planLoad(ctx context.Context, ms *mysqlSource, ws *warehouseState, schema string, t *table, pol TablePolicy, tr *TableReport, log *slog.Logger) (plan readPlan, sig string, kept bool, err error) {
	// COUNT(*) is read after the rows, in the same snapshot, while the
	// warehouse still inserts the last chunk; until then progress shows
	// the server's estimate.
	tr.RowsSource = -1
	plan = s.fullPlan(ms, t, tr)
	sig = t.signature()
	tr.Policy = pol.Policy
	if tr.Policy == "" {
		tr.Policy = PolicyFull
	}
	tr.countEvery = pol.CountEvery
	s.readCountToken(ctx, ms, t.Name, tr)
	if tr.Policy != PolicyFull {
		if err := s.planDelta(ws, t, pol, sig, tr, &plan, log); err != nil {
			return plan, sig, false, err
		}
		if tr.delta != nil && tr.delta.noRows {
			// Nothing staged, nothing read; the count, when due, is read
			// while the publish goes on and compared with the published
			// table there.
			s.deferCount(ws, schema, t.Name, tr)
			st := ws.marks[t.Name]
			tr.state = &tableState{policy: st.policy, column: st.column, watermark: st.mark, signature: st.signature, same: true}
			log.Info("no new row: published copy kept")
			return plan, sig, true, nil
		}
	} else {
		skip, err := s.planUnchanged(ctx, ms, ws, t, sig, ms.snapshotAt, tr, log)
		if err != nil {
			return plan, sig, false, err
		}
		if skip {
			// Counted, when due, while the publish goes on, and compared
			// with the published copy there.
			s.deferCount(ws, schema, t.Name, tr)
			log.Info("table unchanged: published copy kept")
			return plan, sig, true, nil
		}
	}
	if tr.delta != nil && !tr.KeyCheck {
		// Counted, when due, once every table is read, while the publish
		// merges (see deferCounts).
		plan.afterRead = nil
		s.deferCount(ws, schema, t.Name, tr)
	}
	tr.ReadWhole = plan.key < 0
	if tr.ReadWhole && tr.delta == nil {
		tr.ChunkKey = ""
		log.Info("no single integer primary key: table read whole, not in chunks, and not resumable")
	}
	return plan, sig, false, nil
}

// checkLoad checks the rows loaded into schema.stage (loaded by the copy)
// against the source: a delta is merged and checked at publish; a full
// load must hold the source's COUNT(*), else its staging table is dropped.
// It then records the state of an incremental or append table and logs
// the load.
func (s *snapshotter) checkLoad(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, ws *warehouseState, schema, stage string, t *table, pol TablePolicy, sig string, tr *TableReport, loaded int64, begin time.Time, log *slog.Logger) error {
	if h := s.opts.hooks.afterLoad; h != nil {
		if err := h(ctx, dconn, schema, stage); err != nil {
			return fmt.Errorf("snapshot %s.%s: test hook: %w", schema, t.Name, err)
		}
	}
	var staged int64
	if err := dconn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(schema)+"."+quoteDuck(stage)).Scan(&staged); err != nil {
		return fmt.Errorf("snapshot %s.%s: count staged rows: %w", schema, t.Name, err)
	}
	tr.RowsLoaded = staged
	if tr.delta != nil {
		// The count is checked when the delta is merged (publish).
		tr.DeltaRows = staged
		if err := s.finishDelta(ctx, ms, dconn, ws, schema, t, tr, log); err != nil {
			return err
		}
		log.Info("changed rows loaded", "policy", tr.Policy, keyRows, staged, "key_check", tr.KeyCheck,
			"duration", time.Since(begin).Round(time.Millisecond))
		return nil
	}
	if staged != tr.RowsSource || loaded != tr.RowsSource {
		// A resumed load cannot be trusted past a mismatch: start over next time.
		s.dropStage(ctx, schema, t.Name, log)
		return fmt.Errorf("snapshot %s.%s: loaded %d rows (%d appended), source has %d in the same snapshot: %w",
			schema, t.Name, staged, loaded, tr.RowsSource, ErrCountMismatch)
	}
	if tr.Policy != PolicyFull {
		if err := s.initState(ctx, ms, schema, t, pol, sig, tr); err != nil {
			return err
		}
	}
	d := time.Since(begin)
	log.Info("table loaded", keyRows, loaded, "resumed_rows", tr.ResumedRows, "chunks", tr.Chunks, "read_whole", tr.ReadWhole, "read_path", tr.ReadPath,
		"duration", d.Round(time.Millisecond), "rows_per_s", int64(float64(loaded-tr.ResumedRows)/max(d.Seconds(), 1e-9)))
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

// prepareStage resumes the staging table an interrupted full load left
// with the same definition (sig), after its last committed chunk, or
// creates it empty.
func (s *snapshotter) prepareStage(ctx context.Context, dconn *sql.Conn, schema string, t *table, sig string, tr *TableReport, plan *readPlan, log *slog.Logger) error {
	if tr.delta == nil {
		prog, err := s.resumePoint(ctx, dconn, schema, t, sig)
		if err != nil {
			return fmt.Errorf("snapshot %s.%s: read progress: %w", schema, t.Name, err)
		}
		if prog != nil && plan.key >= 0 {
			plan.after = prog.lastKey
			tr.ResumedRows, tr.Chunks = prog.rows, prog.chunks
			log.Info("resuming an interrupted load", "rows_kept", prog.rows, "chunks_kept", prog.chunks, "after_key", prog.lastKey)
		}
	}
	tr.progressRow = tr.ResumedRows > 0 // its row is there; else deleted below
	if tr.ResumedRows == 0 {
		if _, err := dconn.ExecContext(ctx, t.stageDDL(schema)); err != nil {
			return fmt.Errorf("snapshot %s.%s: create staging table: %w", schema, t.Name, err)
		}
		if _, err := dconn.ExecContext(ctx, `DELETE FROM audit.snapshot_progress WHERE source = ? AND table_name = ?`, schema, t.Name); err != nil {
			return fmt.Errorf("snapshot %s.%s: reset progress: %w", schema, t.Name, err)
		}
	}
	return nil
}

// copyRows streams the rows plan selects from the source into the
// warehouse table schema.stage: the reader and the inserter overlap through
// a channel, one warehouse transaction per chunk. It returns the rows in
// the table, resumed ones included. total is the expected row count for
// progress (-1 when unknown).
func (s *snapshotter) copyRows(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, schema, stage string, t *table, plan readPlan, tr *TableReport, sig string, a *mysqlarrow.Anomalies, total int64, begin time.Time) (int64, error) {
	srcErr := func(err error) error { return &SourceError{Source: schema, Table: t.Name, Err: err} }
	rd := newTableRead(t, a)
	defer rd.bat.Release()
	loaded := tr.ResumedRows
	prog := &progress{opts: &s.opts, ev: ProgressEvent{Source: schema, Table: t.Name, Total: total, Resumed: tr.ResumedRows},
		begin: begin, last: loaded}
	prog.start(loaded)
	err := dconn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("warehouse connection is %T, not a driver.Conn", dc)
		}
		if err := execDuck(ctx, conn, "SET preserve_insertion_order = false"); err != nil {
			return fmt.Errorf("set preserve_insertion_order: %w", err)
		}
		sk, err := newSink(ctx, conn, schema, stage, t)
		if err != nil {
			return err
		}
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		msgs := make(chan batchMsg, inFlightBatches)
		readErr := make(chan error, 1)
		go func() {
			defer close(msgs)
			// The warehouse insert is the slowest stage, and the reader
			// and the source server share the other CPU with it: at the
			// lowest priority the reader only takes what the insert
			// leaves, and still keeps it fed (snapshot-1m: 1.71 s ->
			// 1.56 s on 2 cores). The reader's thread ends with it.
			if err := lowerReaderPriority(); err != nil {
				s.log.Debug("cannot lower the reader's priority", keyError, err)
			}
			err := ms.read(rctx, t, plan, rd, msgs)
			if err == nil && plan.afterRead != nil {
				err = plan.afterRead(rctx)
			}
			readErr <- err
		}()
		schemaA := rd.bat.Schema()
		var werr error
		for {
			first, ok := <-msgs
			if !ok {
				break
			}
			if werr != nil {
				if first.rec != nil {
					first.rec.Release()
				}
				continue
			}
			rdr := newChunkReader(rctx, schemaA, first, msgs)
			werr = s.writeChunk(ctx, conn, sk, rdr, schema, t, sig, tr, &loaded)
			rdr.drain()
			rdr.Release()
			if werr != nil {
				cancel()
			} else {
				prog.report(loaded, false)
			}
			if rdr.closed {
				break
			}
		}
		for m := range msgs {
			if m.rec != nil {
				m.rec.Release()
			}
		}
		rerr := <-readErr
		cerr := sk.close()
		switch {
		case rerr != nil && (werr == nil || !errors.Is(rerr, context.Canceled)):
			return rerr
		case werr != nil:
			return werr
		case cerr != nil:
			return fmt.Errorf("close: %w", cerr)
		}
		return nil
	})
	if err != nil {
		var se *sourceReadError
		if errors.As(err, &se) {
			return loaded, srcErr(se.err)
		}
		if ctx.Err() != nil {
			return loaded, ctx.Err()
		}
		return loaded, fmt.Errorf("snapshot %s.%s: load: %w", schema, t.Name, err)
	}
	prog.report(loaded, true)
	tr.ReadPath = rd.path
	return loaded, nil
}

// progress reports the load of one table to Options.Progress and
// OnProgress.
type progress struct {
	opts  *Options
	ev    ProgressEvent // source, table, total and resumed rows
	begin time.Time
	last  int64 // rows at the last report
}

// start reports the start, so that a progress bar measures its rate from
// here.
func (p *progress) start(loaded int64) {
	if p.opts.OnProgress != nil {
		ev := p.ev
		ev.Rows, ev.Elapsed = loaded, time.Since(p.begin)
		p.opts.OnProgress(ev)
	}
}

// report reports loaded rows every progressEvery rows, and when final.
func (p *progress) report(loaded int64, final bool) {
	if !final && loaded-p.last < progressEvery {
		return
	}
	p.last = loaded
	if p.opts.Progress != nil {
		p.opts.Progress(p.ev.Source, p.ev.Table, loaded)
	}
	if p.opts.OnProgress != nil {
		ev := p.ev
		ev.Rows, ev.Elapsed, ev.Done = loaded, time.Since(p.begin), final
		p.opts.OnProgress(ev)
	}
}

// writeChunk inserts one chunk from the reader in one warehouse
// transaction that ends with the chunk's progress row.
func (s *snapshotter) writeChunk(ctx context.Context, conn driver.Conn, sk sink, rdr *chunkReader, schema string, t *table, sig string, tr *TableReport, loaded *int64) (err error) {
	if err := execDuck(ctx, conn, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = execDuck(context.WithoutCancel(ctx), conn, "ROLLBACK")
		}
	}()
	if err := sk.insert(ctx, rdr); err != nil {
		if rdr.err != nil {
			return rdr.err
		}
		return fmt.Errorf("insert: %w", err)
	}
	if err := sk.flush(ctx); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if rdr.chunk == nil {
		// The reader stopped before the end of the chunk: its error is
		// the one to report.
		return errors.New("read stopped before the end of a chunk")
	}
	*loaded += rdr.rows
	tr.Chunks++
	var chunkKey any
	if tr.ChunkKey != "" {
		chunkKey = tr.ChunkKey
	}
	if sig == "" || tr.delta != nil {
		// A delta or key-set load is not resumed.
	} else if tr.progressRow {
		// An UPDATE of the row the first chunk inserted: DuckDB's INSERT
		// OR REPLACE costs several times more.
		if err := execDuck(ctx, conn, `UPDATE audit.snapshot_progress SET run_id = ?, signature = ?, chunk_key = ?,
			last_key = ?, chunks = ?, rows_done = ?, done = ?, updated_at = current_localtimestamp()
			WHERE source = ? AND table_name = ?`,
			s.run.ID, sig, chunkKey, nullIfEmpty(rdr.chunk.lastKey), tr.Chunks, *loaded, rdr.chunk.final, schema, t.Name); err != nil {
			return fmt.Errorf("record progress: %w", err)
		}
	} else if err := execDuck(ctx, conn, `INSERT INTO audit.snapshot_progress
		(source, table_name, run_id, signature, chunk_key, last_key, chunks, rows_done, done, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_localtimestamp())`,
		schema, t.Name, s.run.ID, sig, chunkKey, nullIfEmpty(rdr.chunk.lastKey), tr.Chunks, *loaded, rdr.chunk.final); err != nil {
		return fmt.Errorf("record progress: %w", err)
	}
	if err := execDuck(ctx, conn, "COMMIT"); err != nil {
		return fmt.Errorf("commit chunk: %w", err)
	}
	if sig != "" && tr.delta == nil {
		tr.progressRow = true
	}
	if h := s.opts.hooks.afterChunk; h != nil {
		h(schema, t.Name, tr.Chunks, *loaded)
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

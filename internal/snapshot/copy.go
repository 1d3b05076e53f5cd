package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// Streaming the rows of a source table into a warehouse table: a reader
// goroutine fills Arrow batches, the warehouse inserts them chunk by
// chunk, each chunk in one transaction with its progress row.

// copyJob is one stream of rows from a source table into a warehouse
// table.
type copyJob struct {
	ms     *mysqlSource
	dconn  *sql.Conn
	schema string // the source's schema in the warehouse
	stage  string // the warehouse table the rows are appended to
	t      *table
	plan   readPlan
	tr     *TableReport
	// sig is the staging definition a resumable load records with the
	// progress of each chunk; "" for a copy not resumed (key sets,
	// repairs).
	sig   string
	a     *mysqlarrow.Anomalies // where values not carried as they were are counted
	total int64                 // the rows expected, for progress; -1 unknown
	begin time.Time             // the start of the table's load, for progress
	// prepare, when set, readies the warehouse table on the copy's
	// connection once the reader has started: while a commit of another
	// source checkpoints the warehouse, DuckDB holds back CREATE TABLE
	// and commits, and the reader reads on meanwhile.
	prepare func(context.Context, driver.Conn) error
	// readDone, when set, is called once the reader has read every row
	// and run afterRead without an error: the source connection is free.
	readDone func()
	// inFlight, when set, counts the bytes of the batches of every copy
	// that shares it, which back-pressure then bounds together (see
	// bufferPool.shared); nil, the copy's own.
	inFlight *atomic.Int64
}

// unresumedCopy is the copy of the rows plan selects from t into stage
// that is not resumed and has no known total (key sets, a delta's keys,
// repairs): its values' anomalies counted afresh, its time from now.
func unresumedCopy(ms *mysqlSource, dconn *sql.Conn, schema, stage string, t *table, plan readPlan, tr *TableReport) copyJob {
	return copyJob{ms: ms, dconn: dconn, schema: schema, stage: stage, t: t, plan: plan, tr: tr,
		a: mysqlarrow.NewAnomalies(&t.Table), total: -1, begin: time.Now()}
}

// copyRows streams the rows j.plan selects from the source into the
// warehouse table j.schema.j.stage: the reader and the inserter overlap
// through a channel, one warehouse transaction per chunk. It returns the
// rows in the table, resumed ones included.
func (s *snapshotter) copyRows(ctx context.Context, j copyJob) (int64, error) {
	srcErr := func(err error) error { return &SourceError{Source: j.schema, Table: j.t.Name, Err: err} }
	rd := newTableRead(j.t, j.a, j.inFlight)
	defer rd.bat.Release()
	loaded := j.tr.ResumedRows
	prog := &progress{opts: &s.opts, ev: ProgressEvent{Source: j.schema, Table: j.t.Name, Total: j.total, Resumed: j.tr.ResumedRows},
		begin: j.begin, last: loaded}
	prog.start(loaded)
	err := j.dconn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("warehouse connection is %T, not a driver.Conn", dc)
		}
		if err := execDuck(ctx, conn, "SET preserve_insertion_order = false"); err != nil {
			return fmt.Errorf("set preserve_insertion_order: %w", err)
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
			err := j.ms.read(rctx, j.t, j.plan, rd, msgs)
			if err == nil && j.plan.afterRead != nil {
				err = j.plan.afterRead(rctx)
			}
			if err == nil && j.readDone != nil {
				j.readDone()
			}
			readErr <- err
		}()
		var sk sink
		werr := j.prepareSink(ctx, conn, &sk)
		if werr != nil {
			cancel()
		}
		schemaA := rd.bat.Schema()
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
			werr = s.writeChunk(ctx, conn, sk, rdr, j, &loaded)
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
		var cerr error
		if sk != nil {
			cerr = sk.close()
		}
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
		return loaded, fmt.Errorf("snapshot %s.%s: load: %w", j.schema, j.t.Name, err)
	}
	prog.report(loaded, true)
	j.tr.ReadPath = rd.path
	return loaded, nil
}

// prepareSink runs j.prepare, if any, then opens the sink of the
// warehouse table into *sk.
func (j copyJob) prepareSink(ctx context.Context, conn driver.Conn, sk *sink) error {
	if j.prepare != nil {
		if err := j.prepare(ctx, conn); err != nil {
			return err
		}
	}
	var err error
	*sk, err = newSink(ctx, conn, j.schema, j.stage, j.t)
	return err
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
func (s *snapshotter) writeChunk(ctx context.Context, conn driver.Conn, sk sink, rdr *chunkReader, j copyJob, loaded *int64) (err error) {
	tr := j.tr
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
	// A delta or key-set load is not resumed: it records no progress.
	resumable := j.sig != "" && tr.delta == nil
	if resumable {
		if err := s.recordProgress(ctx, conn, j, rdr.chunk, *loaded); err != nil {
			return err
		}
	}
	if err := execDuck(ctx, conn, "COMMIT"); err != nil {
		return fmt.Errorf("commit chunk: %w", err)
	}
	if resumable {
		tr.progressRow = true
	}
	if h := s.opts.hooks.afterChunk; h != nil {
		h(j.schema, j.t.Name, tr.Chunks, *loaded)
	}
	return nil
}

// recordProgress writes, in the chunk's transaction, how far the
// resumable load of j has come: loaded rows, up to the chunk's last key.
func (s *snapshotter) recordProgress(ctx context.Context, conn driver.Conn, j copyJob, c *chunkDone, loaded int64) error {
	tr := j.tr
	var chunkKey any
	if tr.ChunkKey != "" {
		chunkKey = tr.ChunkKey
	}
	if tr.progressRow {
		// An UPDATE of the row the first chunk inserted: DuckDB's INSERT
		// OR REPLACE costs several times more.
		if err := execDuck(ctx, conn, `UPDATE audit.snapshot_progress SET run_id = ?, signature = ?, chunk_key = ?,
			last_key = ?, chunks = ?, rows_done = ?, done = ?, updated_at = current_localtimestamp()
			WHERE source = ? AND table_name = ?`,
			s.run.ID, j.sig, chunkKey, nullIfEmpty(c.lastKey), tr.Chunks, loaded, c.final, j.schema, j.t.Name); err != nil {
			return fmt.Errorf("record progress: %w", err)
		}
		return nil
	}
	if err := execDuck(ctx, conn, `INSERT INTO audit.snapshot_progress
		(source, table_name, run_id, signature, chunk_key, last_key, chunks, rows_done, done, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_localtimestamp())`,
		j.schema, j.t.Name, s.run.ID, j.sig, chunkKey, nullIfEmpty(c.lastKey), tr.Chunks, loaded, c.final); err != nil {
		return fmt.Errorf("record progress: %w", err)
	}
	return nil
}

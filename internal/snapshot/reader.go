package snapshot

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// Batch and chunk sizes. A batch is one Arrow record (one INSERT into the
// warehouse); a chunk is one primary-key range read with one prepared
// query and committed in the warehouse with its progress, the unit a
// killed run resumes from.
const (
	batchRows  = 16 * 1024
	batchBytes = 8 << 20
	// firstChunkRows (491,520) reads most tables of a site whole, in one
	// warehouse transaction, and every larger table's first row groups
	// in one. DuckDB keeps a transaction's rows in memory unless it
	// appends more than one row group: a commit of at most one row group
	// writes every row to the WAL uncompressed (or, past
	// auto_checkpoint_skip_wal_threshold, checkpoints at once, blocking
	// the other source's commits), and the checkpoint then compresses
	// them; a smaller chunk appended to a table that already holds rows
	// is copied a second time on commit. Above one row group DuckDB
	// compresses and writes the row groups while the rows stream in, and
	// the commit writes only their pointers. With a first chunk of 20,000
	// rows, each table of 20,000 to 500,000 rows took both slow paths (a
	// chunk of 20,000, one of a row group, then a tail): the full
	// snapshot of the simulated 3-day site took 6.43 s and 7.6 CPU-s
	// against 5.14 s and 6.2 CPU-s with this size (medians of 6
	// interleaved runs of the two binaries, 2-core machine, 2026-12-07),
	// peak RSS no higher. Resuming loses at most this one chunk; the size
	// then adapts to defaultChunkTime per chunk.
	firstChunkRows   = 4 * rowGroupRows
	minChunkRows     = 1_000
	maxChunkRows     = 1_000_000
	defaultChunkTime = 2 * time.Second
)

// rowGroupRows is DuckDB's row group size. Each chunk is a warehouse
// transaction of its own: in a chunk of more than one row group DuckDB
// writes its full row groups to the file as they fill and ends it with a
// partial one (a smaller chunk stays in memory until a checkpoint: see
// firstChunkRows). At the next checkpoint
// DuckDB merges runs of adjacent partial row groups, compressing their
// rows a second time and leaving the first copy as free blocks in the
// file, so an adapted chunk size is rounded to whole row groups. This
// matters when reads are slow and the chunks small (on a 2-core machine
// loaded by other work, 1M-row benchmarks, CPU of the snapshot process:
// snapshot-1m 4.2 -> 3.6 s, snapshot-geo 4.0 -> 2.9 s, snapshot-narrow
// 6.2 -> 3.8 s, files 15-40 % smaller); on a quiet one the sizes come out
// nearly whole anyway.
const rowGroupRows = 122_880

// inFlightBytes bounds the Arrow buffers of the batches between the
// reader and the warehouse (see send in read). Sixteen or so batches of a
// case table: the reader keeps reading while the warehouse commits a chunk
// (compressing and writing its last row groups), instead of stalling.
const inFlightBytes = 96 << 20

// inFlightBatches is the channel between reader and warehouse: a bound on
// the number of batches; inFlightBytes is the one that binds.
const inFlightBatches = 64

// batchMsg goes from the reader to the inserter: a record, the end of a
// chunk, or both.
type batchMsg struct {
	rec   arrow.RecordBatch
	chunk *chunkDone
}

// chunkDone marks that every row of a chunk has been sent.
type chunkDone struct {
	rows    int64  // rows of the chunk
	lastKey string // chunk key of its last row, as text; "" for a whole read
	final   bool   // the table is read completely
}

// readPlan says how a table is read.
type readPlan struct {
	key       int    // index of the integer primary-key column chunks are cut on; -1 reads the table whole
	after     string // resume: read keys > after; "" from the start
	where     string // a condition on the rows of a whole read, with placeholders
	whereArgs []driver.NamedValue
	chunkRows int
	chunkTime time.Duration
	throttle  *throttle
	// afterRead runs on the source connection once every row is read,
	// while the warehouse may still be inserting the last chunk.
	afterRead func(ctx context.Context) error
}

// tableRead is the state of reading one table: the batcher its rows go
// into, the pool its batches' buffers come from, and the read path used.
type tableRead struct {
	bat  *mysqlarrow.Batcher
	pool *bufferPool
	path string // ReadPathWire or ReadPathDriver, once the read began
}

// poolMaxHeld is what a table's buffer pool keeps for reuse: a few batches
// in flight between the reader and the warehouse.
const poolMaxHeld = 64 << 20

func newTableRead(t *table, a *mysqlarrow.Anomalies, shared *atomic.Int64) *tableRead {
	pool := newBufferPool(poolMaxHeld)
	pool.shared = shared
	return &tableRead{bat: mysqlarrow.NewBatcher(&t.Table, a, pool), pool: pool}
}

// chunkKey returns the index of the column a table is chunked on: its
// primary key when that is one integer column, else -1.
func (t *table) chunkKey() int {
	key := -1
	for i := range t.Columns {
		if !t.Columns[i].Key {
			continue
		}
		if key >= 0 {
			return -1 // composite key
		}
		key = i
	}
	if key >= 0 && t.Columns[key].Kind != mysqlarrow.KindInt && t.Columns[key].Kind != mysqlarrow.KindUint {
		return -1
	}
	return key
}

// selectCols is the select list of t for the binary protocol: every
// column as it is (dates arrive as text when ParseTime is off).
func (t *table) selectCols() string {
	cols := make([]string, len(t.Columns))
	for i := range t.Columns {
		cols[i] = quoteMySQL(t.Columns[i].Name)
	}
	return strings.Join(cols, ", ")
}

// read streams t into out as record batches, chunk by chunk, on the
// source's connection (inside its consistent snapshot). It never closes
// out. Rows come over the wire path (internal/mysqlwire) when the
// connection allows it, else through the driver.
func (ms *mysqlSource) read(ctx context.Context, t *table, plan readPlan, rd *tableRead, out chan<- batchMsg) error {
	r := &tableReader{ctx: ctx, t: t, plan: plan, rd: rd, out: out,
		from: quoteMySQL(ms.dbName) + "." + quoteMySQL(t.Name)}
	rd.bat.SetKey(plan.key)
	return ms.conn.Raw(func(dc any) error {
		src, err := newRowSource(ms.wire, ms.cfg.ReadTimeout, dc, rd)
		if err != nil {
			return err
		}
		if plan.key < 0 {
			return r.readWhole(src)
		}
		return r.readChunks(src)
	})
}

// tableReader is one read of a table, as read runs it.
type tableReader struct {
	ctx  context.Context
	t    *table
	plan readPlan
	rd   *tableRead
	out  chan<- batchMsg
	from string // the table's qualified name in the source
}

// readWhole reads the table with one query.
func (r *tableReader) readWhole(src rowSource) error {
	q := "SELECT " + r.t.selectCols() + " FROM " + r.from
	if r.plan.where != "" {
		q += " WHERE " + r.plan.where
	}
	rows, err := src.queryOnce(r.ctx, q, r.plan.whereArgs)
	if err != nil {
		return &sourceReadError{fmt.Errorf("select: %w", err)}
	}
	n, err := r.drain(rows)
	if err != nil {
		return err
	}
	return r.endChunk(n, "", true)
}

// readChunks reads the table in chunks of its integer key, each chunk's
// size adapted toward the plan's time per chunk.
func (r *tableReader) readChunks(src rowSource) error {
	t, plan := r.t, r.plan
	keyCol := quoteMySQL(t.Columns[plan.key].Name)
	unsigned := t.Columns[plan.key].Kind == mysqlarrow.KindUint
	first, err := src.prepare(r.ctx, "SELECT "+t.selectCols()+" FROM "+r.from+" ORDER BY "+keyCol+" LIMIT ?")
	if err != nil {
		return &sourceReadError{fmt.Errorf("prepare: %w", err)}
	}
	defer first.close()
	next, err := src.prepare(r.ctx, "SELECT "+t.selectCols()+" FROM "+r.from+" WHERE "+keyCol+" > ? ORDER BY "+keyCol+" LIMIT ?")
	if err != nil {
		return &sourceReadError{fmt.Errorf("prepare: %w", err)}
	}
	defer next.close()
	limit := max(plan.chunkRows, minChunkRows)
	after := plan.after
	for {
		began := time.Now()
		var (
			stmt preparedStmt
			args []driver.NamedValue
		)
		if after == "" {
			stmt, args = first, []driver.NamedValue{{Ordinal: 1, Value: int64(limit)}}
		} else {
			kv, err := keyArg(after, unsigned)
			if err != nil {
				return err
			}
			stmt, args = next, []driver.NamedValue{{Ordinal: 1, Value: kv}, {Ordinal: 2, Value: int64(limit)}}
		}
		rows, err := stmt.query(r.ctx, args)
		if err != nil {
			return &sourceReadError{fmt.Errorf("select chunk after key %q: %w", after, err)}
		}
		n, err := r.drain(rows)
		if err != nil {
			return err
		}
		final := n < int64(limit)
		if n > 0 {
			after = r.rd.bat.LastKeyText(unsigned)
		}
		if err := r.endChunk(n, after, final); err != nil {
			return err
		}
		if final {
			return nil
		}
		limit = nextChunkRows(limit, n, time.Since(began), plan.chunkTime)
	}
}

// drain reads every row of rows into batches, sending each full one.
func (r *tableReader) drain(rows rowStream) (n int64, err error) {
	defer func() {
		if cerr := rows.close(); err == nil && cerr != nil {
			err = &sourceReadError{cerr}
		}
	}()
	bat := r.rd.bat
	for {
		if err := rows.next(); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			var be *batchError
			if errors.As(err, &be) {
				return n, be.err
			}
			return n, &sourceReadError{fmt.Errorf("after row %d: %w", bat.Total(), err)}
		}
		n++
		if bat.Rows() >= batchRows || bat.Bytes() >= batchBytes {
			rec, err := r.flush()
			if err != nil {
				return n, err
			}
			if err := r.send(batchMsg{rec: rec}); err != nil {
				return n, err
			}
		}
	}
}

// endChunk sends the end of a chunk of n rows, with the batch built so
// far.
func (r *tableReader) endChunk(n int64, last string, final bool) error {
	m := batchMsg{chunk: &chunkDone{rows: n, lastKey: last, final: final}}
	if r.rd.bat.Rows() > 0 {
		var err error
		if m.rec, err = r.flush(); err != nil {
			return err
		}
	}
	return r.send(m)
}

// flush returns the batch built so far, once the throttle lets its rows
// through.
func (r *tableReader) flush() (arrow.RecordBatch, error) {
	if err := r.plan.throttle.wait(r.ctx, int64(r.rd.bat.Rows())); err != nil {
		return nil, err
	}
	return r.t.maskRecord(r.rd.bat.Flush())
}

// send hands m to the warehouse side.
func (r *tableReader) send(m batchMsg) error {
	// Back-pressure by memory: while the batches waiting for the
	// warehouse hold more than inFlightBytes, wait for it to take some
	// (never while none wait: the warehouse may hold a few).
	for r.rd.pool.outstanding() > inFlightBytes && len(r.out) > 0 {
		select {
		case <-time.After(time.Millisecond):
		case <-r.ctx.Done():
			if m.rec != nil {
				m.rec.Release()
			}
			return r.ctx.Err()
		}
	}
	select {
	case r.out <- m:
		return nil
	case <-r.ctx.Done():
		if m.rec != nil {
			m.rec.Release()
		}
		return r.ctx.Err()
	}
}

// nextChunkRows adapts the chunk size toward target time per chunk:
// proportional to the measured rate, at most 4× up or down per step, in
// whole row groups from half a row group up.
func nextChunkRows(limit int, n int64, d, target time.Duration) int {
	if target < 0 {
		return limit // fixed size
	}
	if target == 0 {
		target = defaultChunkTime
	}
	if n <= 0 || d <= 0 {
		return limit
	}
	want := float64(n) * float64(target) / float64(d)
	want = min(max(want, float64(limit)/4), float64(limit)*4)
	rows := int(min(max(want, minChunkRows), maxChunkRows))
	if rows >= rowGroupRows/2 {
		rows = max(1, (rows+rowGroupRows/2)/rowGroupRows) * rowGroupRows
	}
	return rows
}

// keyArg is the query argument of a chunk key text.
func keyArg(s string, unsigned bool) (driver.Value, error) {
	if unsigned {
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("chunk key %q: %w", s, err)
		}
		return u, nil // sent as an unsigned BIGINT
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("chunk key %q: %w", s, err)
	}
	return i, nil
}

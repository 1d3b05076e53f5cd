package snapshot

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/go-sql-driver/mysql"
)

// Batch and chunk sizes. A batch is one Arrow record (one INSERT into the
// warehouse); a chunk is one primary-key range read with one prepared
// query and committed in the warehouse with its progress, the unit a
// killed run resumes from.
const (
	batchRows        = 16 * 1024
	batchBytes       = 8 << 20
	firstChunkRows   = 20_000
	minChunkRows     = 1_000
	maxChunkRows     = 1_000_000
	defaultChunkTime = 2 * time.Second
)

// rowGroupRows is DuckDB's row group size. Each chunk is a warehouse
// transaction of its own: DuckDB writes its full row groups to the file
// as they fill and ends it with a partial one. At the next checkpoint
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
	if key >= 0 && t.Columns[key].Kind != kindInt && t.Columns[key].Kind != kindUint {
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
// out. Rows come over the wire path (wire.go) when the connection allows
// it, else through the driver.
func (ms *mysqlSource) read(ctx context.Context, t *table, plan readPlan, bat *batcher, out chan<- batchMsg) error {
	from := quoteMySQL(ms.dbName) + "." + quoteMySQL(t.Name)
	bat.keyCol = plan.key
	send := func(m batchMsg) error {
		// Back-pressure by memory: while the batches waiting for the
		// warehouse hold more than inFlightBytes, wait for it to take
		// some (never while none wait: the warehouse may hold a few).
		for bat.pool.outstanding() > inFlightBytes && len(out) > 0 {
			select {
			case <-time.After(time.Millisecond):
			case <-ctx.Done():
				if m.rec != nil {
					m.rec.Release()
				}
				return ctx.Err()
			}
		}
		select {
		case out <- m:
			return nil
		case <-ctx.Done():
			if m.rec != nil {
				m.rec.Release()
			}
			return ctx.Err()
		}
	}
	return ms.conn.Raw(func(dc any) error {
		src, err := newRowSource(ms.wire, ms.cfg.ReadTimeout, dc, bat)
		if err != nil {
			return err
		}
		// flush returns the batch built so far, once the throttle lets its
		// rows through.
		flush := func() (arrow.RecordBatch, error) {
			if err := plan.throttle.wait(ctx, int64(bat.rows)); err != nil {
				return nil, err
			}
			return bat.flush(), nil
		}
		// drain reads every row of rows into batches.
		drain := func(rows rowStream) (n int64, err error) {
			defer func() {
				if cerr := rows.close(); err == nil && cerr != nil {
					err = &sourceReadError{cerr}
				}
			}()
			for {
				if err := rows.next(); err != nil {
					if errors.Is(err, io.EOF) {
						return n, nil
					}
					var be *batchError
					if errors.As(err, &be) {
						return n, be.err
					}
					return n, &sourceReadError{fmt.Errorf("after row %d: %w", bat.total, err)}
				}
				n++
				if bat.rows >= batchRows || bat.bytes >= batchBytes {
					rec, err := flush()
					if err != nil {
						return n, err
					}
					if err := send(batchMsg{rec: rec}); err != nil {
						return n, err
					}
				}
			}
		}
		endChunk := func(n int64, last string, final bool) error {
			m := batchMsg{chunk: &chunkDone{rows: n, lastKey: last, final: final}}
			if bat.rows > 0 {
				var err error
				if m.rec, err = flush(); err != nil {
					return err
				}
			}
			return send(m)
		}

		if plan.key < 0 {
			q := "SELECT " + t.selectCols() + " FROM " + from
			if plan.where != "" {
				q += " WHERE " + plan.where
			}
			rows, err := src.queryOnce(ctx, q, plan.whereArgs)
			if err != nil {
				return &sourceReadError{fmt.Errorf("select: %w", err)}
			}
			n, err := drain(rows)
			if err != nil {
				return err
			}
			return endChunk(n, "", true)
		}

		keyCol := quoteMySQL(t.Columns[plan.key].Name)
		unsigned := t.Columns[plan.key].Kind == kindUint
		first, err := src.prepare(ctx, "SELECT "+t.selectCols()+" FROM "+from+" ORDER BY "+keyCol+" LIMIT ?")
		if err != nil {
			return &sourceReadError{fmt.Errorf("prepare: %w", err)}
		}
		defer first.close()
		next, err := src.prepare(ctx, "SELECT "+t.selectCols()+" FROM "+from+" WHERE "+keyCol+" > ? ORDER BY "+keyCol+" LIMIT ?")
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
			rows, err := stmt.query(ctx, args)
			if err != nil {
				return &sourceReadError{fmt.Errorf("select chunk after key %q: %w", after, err)}
			}
			n, err := drain(rows)
			if err != nil {
				return err
			}
			final := n < int64(limit)
			if n > 0 {
				after = bat.lastKeyText(unsigned)
			}
			if err := endChunk(n, after, final); err != nil {
				return err
			}
			if final {
				return nil
			}
			limit = nextChunkRows(limit, n, time.Since(began), plan.chunkTime)
		}
	})
}

// rowSource prepares and runs the statements of one read, on the wire
// path or the driver's.
type rowSource interface {
	prepare(ctx context.Context, q string) (preparedStmt, error)
	// queryOnce runs q once: prepared when the server can, else as a
	// plain query.
	queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error)
}

// preparedStmt is a statement prepared on the source.
type preparedStmt interface {
	query(ctx context.Context, args []driver.NamedValue) (rowStream, error)
	close() error
}

// rowStream adds the rows of one result to the batcher.
type rowStream interface {
	// next adds the next row; io.EOF after the last. A value that cannot
	// be loaded is a *batchError.
	next() error
	close() error
}

// batchError is a row the batcher refused (not a failure of the source).
type batchError struct{ err error }

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// newRowSource returns the wire path over w when it can be used, else the
// driver's over dc.
func newRowSource(w *wireConn, readTimeout time.Duration, dc any, bat *batcher) (rowSource, error) {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("source connection is %T, cannot prepare", dc)
	}
	drv := &driverSource{dc: dc, pc: pc, bat: bat}
	if ws := newWireSession(w); ws != nil {
		ws.readTimeout = readTimeout
		bat.path = ReadPathWire
		return &wireSource{s: ws, bat: bat, fallback: drv}, nil
	}
	bat.path = ReadPathDriver
	return drv, nil
}

// driverSource reads through go-sql-driver's driver.Rows.
type driverSource struct {
	dc  any
	pc  driver.ConnPrepareContext
	bat *batcher
}

func (d *driverSource) prepare(ctx context.Context, q string) (preparedStmt, error) {
	st, err := d.pc.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &driverStmt{st: st, bat: d.bat}, nil
}

func (d *driverSource) queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error) {
	rows, err := queryBinaryOrText(ctx, d.dc, d.pc, q, args)
	if err != nil {
		return nil, err
	}
	return newDriverRows(rows, d.bat), nil
}

type driverStmt struct {
	st  driver.Stmt
	bat *batcher
}

func (s *driverStmt) query(ctx context.Context, args []driver.NamedValue) (rowStream, error) {
	rows, err := s.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return newDriverRows(rows, s.bat), nil
}

func (s *driverStmt) close() error { return s.st.Close() }

type driverRows struct {
	rows driver.Rows
	dest []driver.Value
	bat  *batcher
}

func newDriverRows(rows driver.Rows, bat *batcher) *driverRows {
	return &driverRows{rows: rows, bat: bat, dest: make([]driver.Value, len(bat.t.Columns))}
}

func (r *driverRows) next() error {
	if err := r.rows.Next(r.dest); err != nil {
		return err
	}
	if err := r.bat.add(r.dest); err != nil {
		return &batchError{err}
	}
	return nil
}

func (r *driverRows) close() error { return r.rows.Close() }

// wireSource reads on the wire path; a statement the server cannot
// prepare is run through the driver as a plain query.
type wireSource struct {
	s        *wireSession
	bat      *batcher
	fallback *driverSource
}

func (w *wireSource) prepare(ctx context.Context, q string) (preparedStmt, error) {
	st, err := w.s.prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return &wireStmtRows{st: st, bat: w.bat}, nil
}

func (w *wireSource) queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error) {
	st, err := w.s.prepare(ctx, q)
	if err != nil {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || ctx.Err() != nil {
			return nil, err
		}
		return w.fallback.queryOnce(ctx, q, args)
	}
	rows, err := (&wireStmtRows{st: st, bat: w.bat}).query(ctx, args)
	if err != nil {
		_ = st.close()
		return nil, err
	}
	r := rows.(*wireRowStream)
	r.closeStmt = st
	return r, nil
}

type wireStmtRows struct {
	st  *wireStmt
	bat *batcher
	ops []wireOp
}

func (s *wireStmtRows) query(ctx context.Context, args []driver.NamedValue) (rowStream, error) {
	rows, err := s.st.query(ctx, args)
	if err != nil {
		return nil, err
	}
	if s.ops == nil || !sameCols(s.ops, rows.cols) {
		if s.ops, err = s.bat.wirePlan(rows.cols); err != nil {
			_ = rows.close()
			return nil, err
		}
	}
	return &wireRowStream{rows: rows, ops: s.ops, bat: s.bat}, nil
}

func (s *wireStmtRows) close() error { return s.st.close() }

// sameCols reports whether ops were planned for cols.
func sameCols(ops []wireOp, cols []wireCol) bool {
	if len(ops) != len(cols) {
		return false
	}
	for i := range ops {
		if ops[i].col != cols[i] {
			return false
		}
	}
	return true
}

type wireRowStream struct {
	rows      *wireRows
	ops       []wireOp
	bat       *batcher
	closeStmt *wireStmt // a one-off statement, closed with the rows
}

func (r *wireRowStream) next() error {
	p, err := r.rows.next()
	if err != nil {
		return err
	}
	if err := r.bat.addWire(r.ops, p); err != nil {
		return &batchError{err}
	}
	return nil
}

func (r *wireRowStream) close() error {
	err := r.rows.close()
	if r.closeStmt != nil {
		err = errors.Join(err, r.closeStmt.close())
	}
	return err
}

// queryBinaryOrText runs q as a prepared statement (binary protocol), or,
// when the server cannot prepare it, as a plain query (text protocol).
func queryBinaryOrText(ctx context.Context, dc any, pc driver.ConnPrepareContext, q string, args []driver.NamedValue) (driver.Rows, error) {
	stmt, err := pc.PrepareContext(ctx, q)
	if err != nil {
		qc, ok := dc.(driver.QueryerContext)
		if !ok || ctx.Err() != nil {
			return nil, err
		}
		rows, qerr := qc.QueryContext(ctx, q, args)
		if qerr != nil {
			return nil, errors.Join(err, qerr)
		}
		return rows, nil
	}
	rows, err := stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		_ = stmt.Close()
		return nil, err
	}
	return &stmtRows{Rows: rows, stmt: stmt}, nil
}

// stmtRows closes its statement with the rows.
type stmtRows struct {
	driver.Rows
	stmt driver.Stmt
}

func (r *stmtRows) Close() error {
	err := r.Rows.Close()
	return errors.Join(err, r.stmt.Close())
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

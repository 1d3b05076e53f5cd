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
	key        int    // index of the integer primary-key column chunks are cut on; -1 reads the table whole
	unsigned   bool   // the key is unsigned
	after      string // resume: read keys > after; "" from the start
	where      string // a condition on the rows of a whole read, with placeholders
	whereArgs  []driver.NamedValue
	chunkRows  int
	chunkTime  time.Duration
	throttle   *throttle
	onChunkEnd func(rows int64, d time.Duration)
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
// out.
func (ms *mysqlSource) read(ctx context.Context, t *table, plan readPlan, bat *batcher, out chan<- batchMsg) error {
	from := quoteMySQL(ms.dbName) + "." + quoteMySQL(t.Name)
	send := func(m batchMsg) error {
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
		dest := make([]driver.Value, len(t.Columns))
		// drain reads every row of rows into batches; last is the chunk
		// key of the last row.
		drain := func(rows driver.Rows) (n int64, last string, err error) {
			var lastV driver.Value
			defer func() {
				if cerr := rows.Close(); err == nil && cerr != nil {
					err = &sourceReadError{cerr}
				}
			}()
			for {
				if err := rows.Next(dest); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					return n, last, &sourceReadError{fmt.Errorf("after row %d: %w", bat.total, err)}
				}
				if err := bat.add(dest); err != nil {
					return n, last, err
				}
				n++
				if plan.key >= 0 {
					lastV = dest[plan.key]
				}
				if bat.rows >= batchRows || bat.bytes >= batchBytes {
					if plan.throttle != nil {
						if err := plan.throttle.wait(ctx, int64(bat.rows)); err != nil {
							return n, last, err
						}
					}
					if err := send(batchMsg{rec: bat.flush()}); err != nil {
						return n, last, err
					}
				}
			}
			if plan.key >= 0 && n > 0 {
				last = keyText(lastV)
			}
			return n, last, nil
		}
		endChunk := func(n int64, last string, final bool) error {
			m := batchMsg{chunk: &chunkDone{rows: n, lastKey: last, final: final}}
			if bat.rows > 0 {
				if plan.throttle != nil {
					if err := plan.throttle.wait(ctx, int64(bat.rows)); err != nil {
						return err
					}
				}
				m.rec = bat.flush()
			}
			return send(m)
		}

		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("source connection is %T, cannot prepare", dc)
		}
		if plan.key < 0 {
			q := "SELECT " + t.selectCols() + " FROM " + from
			if plan.where != "" {
				q += " WHERE " + plan.where
			}
			rows, err := queryBinaryOrText(ctx, dc, pc, q, plan.whereArgs)
			if err != nil {
				return &sourceReadError{fmt.Errorf("select: %w", err)}
			}
			n, _, err := drain(rows)
			if err != nil {
				return err
			}
			return endChunk(n, "", true)
		}

		keyCol := quoteMySQL(t.Columns[plan.key].Name)
		first, err := pc.PrepareContext(ctx, "SELECT "+t.selectCols()+" FROM "+from+" ORDER BY "+keyCol+" LIMIT ?")
		if err != nil {
			return &sourceReadError{fmt.Errorf("prepare: %w", err)}
		}
		defer first.Close()
		next, err := pc.PrepareContext(ctx, "SELECT "+t.selectCols()+" FROM "+from+" WHERE "+keyCol+" > ? ORDER BY "+keyCol+" LIMIT ?")
		if err != nil {
			return &sourceReadError{fmt.Errorf("prepare: %w", err)}
		}
		defer next.Close()
		limit := max(plan.chunkRows, minChunkRows)
		after := plan.after
		for {
			began := time.Now()
			var (
				stmt driver.Stmt
				args []driver.NamedValue
			)
			if after == "" {
				stmt, args = first, []driver.NamedValue{{Ordinal: 1, Value: int64(limit)}}
			} else {
				kv, err := keyArg(after, plan.unsigned)
				if err != nil {
					return err
				}
				stmt, args = next, []driver.NamedValue{{Ordinal: 1, Value: kv}, {Ordinal: 2, Value: int64(limit)}}
			}
			rows, err := stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
			if err != nil {
				return &sourceReadError{fmt.Errorf("select chunk after key %q: %w", after, err)}
			}
			n, last, err := drain(rows)
			if err != nil {
				return err
			}
			final := n < int64(limit)
			if n > 0 {
				after = last
			}
			if err := endChunk(n, after, final); err != nil {
				return err
			}
			d := time.Since(began)
			if plan.onChunkEnd != nil {
				plan.onChunkEnd(n, d)
			}
			if final {
				return nil
			}
			limit = nextChunkRows(limit, n, d, plan.chunkTime)
		}
	})
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
// proportional to the measured rate, at most 4× up or down per step.
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
	return int(min(max(want, minChunkRows), maxChunkRows))
}

// keyText is the text of a chunk key value.
func keyText(v driver.Value) string {
	switch k := v.(type) {
	case int64:
		return strconv.FormatInt(k, 10)
	case uint64:
		return strconv.FormatUint(k, 10)
	case []byte:
		return string(k)
	}
	return fmt.Sprint(v)
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

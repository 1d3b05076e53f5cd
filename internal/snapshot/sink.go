package snapshot

import (
	"context"
	"database/sql/driver"
	"fmt"

	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// sink writes record batches into a staging table on one warehouse
// connection. newSink (sink_arrow.go with the duckdb_arrow build tag,
// sink_appender.go without) picks the implementation.
type sink interface {
	// insert writes every record of rdr (one chunk) into the staging
	// table, inside the connection's open transaction.
	insert(ctx context.Context, rdr array.RecordReader) error
	// flush makes every inserted row visible to the connection's
	// transaction, before a COMMIT.
	flush(ctx context.Context) error
	close() error
}

// execDuck runs q with positional arguments on a warehouse driver connection.
func execDuck(ctx context.Context, dc driver.Conn, q string, args ...any) error {
	ex, ok := dc.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("warehouse connection %T cannot exec", dc)
	}
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	_, err := ex.ExecContext(ctx, q, nv)
	return err
}

// chunkReader is the RecordReader of one chunk: it hands on the reader's
// record batches as they arrive from the channel and ends at the chunk's
// end mark, so that one INSERT … SELECT streams the whole chunk while the
// source is still being read.
type chunkReader struct {
	refs   atomic.Int64
	schema *arrow.Schema
	msgs   <-chan batchMsg
	ctx    context.Context
	first  *batchMsg // the message that opened the chunk

	cur    arrow.RecordBatch
	chunk  *chunkDone // the end mark, once reached
	closed bool       // the channel closed before the end mark
	rows   int64
	err    error
}

func newChunkReader(ctx context.Context, schema *arrow.Schema, first batchMsg, msgs <-chan batchMsg) *chunkReader {
	r := &chunkReader{schema: schema, msgs: msgs, ctx: ctx, first: &first}
	r.refs.Store(1)
	return r
}

func (r *chunkReader) Retain() { r.refs.Add(1) }

func (r *chunkReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.releaseCur()
	}
}

func (r *chunkReader) releaseCur() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *chunkReader) Schema() *arrow.Schema { return r.schema }

// take handles one message; it reports whether it yielded a record.
func (r *chunkReader) take(m batchMsg) bool {
	if m.chunk != nil {
		r.chunk = m.chunk
	}
	if m.rec != nil && m.rec.NumRows() > 0 {
		r.cur = m.rec
		r.rows += m.rec.NumRows()
		return true
	}
	if m.rec != nil {
		m.rec.Release()
	}
	return false
}

func (r *chunkReader) Next() bool {
	r.releaseCur()
	if r.first != nil {
		m := *r.first
		r.first = nil
		if r.take(m) {
			return true
		}
	}
	for r.chunk == nil {
		select {
		case m, ok := <-r.msgs:
			if !ok {
				r.closed = true
				return false
			}
			if r.take(m) {
				return true
			}
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return false
		}
	}
	return false
}

func (r *chunkReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch, for the older interface.
func (r *chunkReader) Record() arrow.RecordBatch { return r.cur }

func (r *chunkReader) Err() error { return r.err }

// drain consumes the rest of the chunk (after an insert failed), releasing
// its records.
func (r *chunkReader) drain() {
	for r.Next() {
	}
	r.releaseCur()
}

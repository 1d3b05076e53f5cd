package mysqlarrow

import (
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Batcher turns the rows of a table, from the wire path (AddWire) or the
// driver's (Add), into Arrow record batches, one reused RecordBuilder per
// table.
type Batcher struct {
	t       *Table
	rb      *array.RecordBuilder
	appends []func(v driver.Value) (anomaly string, err error)
	a       *Anomalies
	rows    int // rows in the current batch
	bytes   int // approximate variable-length bytes in the current batch
	total   int64
	// reserved is the rows every builder has room for (addWire appends
	// without a capacity check per value below it); prevRows is the size
	// of the batch flushed last.
	reserved int
	prevRows int
	// prevBytes is, by column, the bytes of text the batch flushed last
	// held (0 for other columns): a new batch's text columns get that
	// room at once instead of growing to it by doubling and copying.
	prevBytes []int
	// stage is, by column, the values the wire path staged (stage.go):
	// rows spilled to rows of the current batch; staging is the plan
	// whose columns (the ops with a stage) are staged, nil before the
	// first binary row.
	stage   []colStage
	spilled int
	staging []wireOp

	// keyCol is the chunk key column (-1: none); lastKey or lastKeyU
	// (unsigned keys) is its value in the row added last.
	keyCol   int
	lastKey  int64
	lastKeyU uint64
}

// NewBatcher returns a batcher of t's rows that counts anomalies in a and
// allocates its buffers from mem.
func NewBatcher(t *Table, a *Anomalies, mem memory.Allocator) *Batcher {
	b := &Batcher{t: t, a: a, keyCol: -1, rb: array.NewRecordBuilder(mem, t.schema()), prevBytes: make([]int, len(t.Columns))}
	b.appends = make([]func(driver.Value) (string, error), len(t.Columns))
	b.stage = make([]colStage, len(t.Columns))
	for i := range t.Columns {
		b.appends[i] = b.appender(&t.Columns[i], b.rb.Field(i))
		b.stage[i].fb = b.rb.Field(i)
	}
	return b
}

// Release releases the builders.
func (b *Batcher) Release() { b.rb.Release() }

// Schema is the Arrow schema of the batches.
func (b *Batcher) Schema() *arrow.Schema { return b.rb.Schema() }

// SetKey makes column col (-1: none) the chunk key, whose value in the
// row added last LastKeyText returns.
func (b *Batcher) SetKey(col int) { b.keyCol = col }

// Columns are the columns of the table.
func (b *Batcher) Columns() []Column { return b.t.Columns }

// Rows is the number of rows in the current batch.
func (b *Batcher) Rows() int { return b.rows }

// Bytes is about the variable-length bytes in the current batch.
func (b *Batcher) Bytes() int { return b.bytes }

// Total is the number of rows added, the current one included.
func (b *Batcher) Total() int64 { return b.total }

// Add appends one row of driver values (go-sql-driver's, without
// ParseTime). vals are only valid during the call.
func (b *Batcher) Add(vals []driver.Value) error {
	b.spillStaged() // the builders take this row after the staged ones
	b.total++
	for i, v := range vals {
		kind, err := b.appends[i](v)
		if err != nil {
			b.rowFailed()
			return fmt.Errorf("row %s, column %s: %w", rowName(b.t, vals, b.total), b.t.Columns[i].Name, err)
		}
		if kind != "" {
			b.a.add(i, kind, vals, b.total)
		}
	}
	if b.keyCol >= 0 {
		b.noteKey(vals[b.keyCol])
	}
	b.rows++
	b.spilled = b.rows
	return nil
}

// noteKey records v, a driver value, as the chunk key of the row added
// last.
func (b *Batcher) noteKey(v driver.Value) {
	switch k := v.(type) {
	case int64:
		b.lastKey, b.lastKeyU = k, 0
	case uint64:
		b.lastKey, b.lastKeyU = 0, k
	case []byte:
		if u, err := strconv.ParseUint(string(k), 10, 64); err == nil {
			b.lastKey, b.lastKeyU = int64(u), u
		} else if i, err := strconv.ParseInt(string(k), 10, 64); err == nil {
			b.lastKey, b.lastKeyU = i, 0
		}
	}
}

// LastKeyText is the chunk key of the row added last, as text.
func (b *Batcher) LastKeyText(unsigned bool) string {
	if unsigned {
		return strconv.FormatUint(b.lastKeyU, 10)
	}
	return strconv.FormatInt(b.lastKey, 10)
}

// Flush returns the batch built so far and starts the next one.
func (b *Batcher) Flush() arrow.RecordBatch {
	b.spillStaged()
	b.prevRows = b.rows
	for i := range b.prevBytes {
		if sb, ok := b.rb.Field(i).(*array.StringBuilder); ok {
			b.prevBytes[i] = sb.DataLen()
		}
	}
	b.rows, b.bytes, b.reserved, b.spilled = 0, 0, 0, 0 // the builders start empty again
	return b.rb.NewRecordBatch()
}

// minReserveRows is the least room reserve makes.
const minReserveRows = 1024

// rowFailed is called when a row fails part way, by either path: some
// builders may hold a value of it, so the room reserved is no longer
// known; the next row reserves again, from each builder's own length.
func (b *Batcher) rowFailed() { b.reserved = 0 }

// reserve makes room in every builder for the current row and more: a
// new batch as many rows as the last one had (batches of a large table
// are alike, so they are not grown by doubling and copying), a growing
// one as many again as it holds.
func (b *Batcher) reserve() {
	n := max(b.rows, minReserveRows)
	if b.rows == 0 {
		n = max(b.prevRows, minReserveRows)
	}
	for i := range b.t.Columns {
		if st := b.staged(i); st != nil {
			// a staged column's builder gets its room at the spill
			st.grow(b.rows+n-b.spilled, b.rows-b.spilled)
			continue
		}
		// Resize to the room wanted, not Reserve: Reserve rounds up to
		// the next power of two above it, twice the room when the room
		// is one already (a batch of 16,384 rows would get 32,768). At
		// least doubling keeps a builder that failed rows left longer
		// than the others from being copied at every row.
		fb := b.rb.Field(i)
		if fb.Cap() < fb.Len()+n {
			fb.Resize(max(fb.Len()+n, 2*fb.Cap()))
		}
		if sb, ok := fb.(*array.StringBuilder); ok && b.rows == 0 && sb.DataCap() < b.prevBytes[i] {
			sb.ReserveData(b.prevBytes[i])
		}
	}
	b.reserved = b.rows + n
}

// appender returns the function that appends a driver value of c to fb.
func (b *Batcher) appender(c *Column, fb array.Builder) func(driver.Value) (string, error) {
	switch c.Kind {
	case KindInt:
		return intAppender(c, fb)
	case KindUint:
		return uintAppender(c, fb)
	case KindFloat32:
		return floatAppender[float32](fb.(*array.Float32Builder), 32, "FLOAT")
	case KindFloat64:
		return floatAppender[float64](fb.(*array.Float64Builder), 64, "DOUBLE")
	case KindDecimal:
		return decimalAppender(c, fb.(*array.Decimal128Builder))
	case KindText:
		return textAppender(fb.(*array.StringBuilder), &b.bytes)
	case KindBlob:
		return blobAppender(fb.(*array.BinaryBuilder), &b.bytes)
	case KindDate:
		return dateAppender(fb.(*array.Date32Builder))
	case KindDateTime:
		return timestampAppender(fb.(*array.TimestampBuilder))
	case KindTime:
		return timeAppender(fb.(*array.DurationBuilder))
	case KindBit:
		return bitAppender(fb.(*array.Uint64Builder))
	}
	panic(fmt.Sprintf("mysqlarrow: column kind %d", c.Kind))
}

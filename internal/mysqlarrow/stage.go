package mysqlarrow

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// colStage holds the values of one fixed-width column (integers, floats,
// decimals, dates, timestamps) that the wire path decoded since the last
// spill, in a plain slice indexed by row, and whether each is valid. They
// reach the column's builder in one AppendValues per batch (spill), which
// packs the validity bits in bulk, instead of one UnsafeAppend per value,
// which sets a bit in memory and keeps the builder's counts each time.
// BenchmarkAddWire, 6 interleaved runs of each on a 2-core machine
// (2026-12-07): a row of the 64 small columns of snapshot-narrow 1,166 ->
// 1,024 ns (medians), one of the every-type table 1,054 -> 940 ns. A row
// that fails part way leaves nothing to undo in a staged column: the next
// row overwrites its slot.
//
// Exactly one value slice is set, the one of the builder's type.
type colStage struct {
	ok   []bool
	i8   []int8
	i16  []int16
	i32  []int32
	i64  []int64
	u8   []uint8
	u16  []uint16
	u32  []uint32
	u64  []uint64
	f32  []float32
	f64  []float64
	dec  []decimal128.Num
	date []arrow.Date32
	ts   []arrow.Timestamp
	fb   array.Builder // the column's builder
}

// stageable reports whether the wire path stages values of op's code.
func stageable(code uint8) bool {
	switch code {
	case opInt, opUint, opFloat32, opFloat64, opDecimal, opDate, opDateTime:
		return true
	}
	return false
}

// grow makes room for n rows in every slice of s in use, keeping the
// first have.
func (s *colStage) grow(n, have int) {
	s.ok = growTo(s.ok, n, have)
	switch s.fb.(type) {
	case *array.Int8Builder:
		s.i8 = growTo(s.i8, n, have)
	case *array.Int16Builder:
		s.i16 = growTo(s.i16, n, have)
	case *array.Int32Builder:
		s.i32 = growTo(s.i32, n, have)
	case *array.Int64Builder:
		s.i64 = growTo(s.i64, n, have)
	case *array.Uint8Builder:
		s.u8 = growTo(s.u8, n, have)
	case *array.Uint16Builder:
		s.u16 = growTo(s.u16, n, have)
	case *array.Uint32Builder:
		s.u32 = growTo(s.u32, n, have)
	case *array.Uint64Builder:
		s.u64 = growTo(s.u64, n, have)
	case *array.Float32Builder:
		s.f32 = growTo(s.f32, n, have)
	case *array.Float64Builder:
		s.f64 = growTo(s.f64, n, have)
	case *array.Decimal128Builder:
		s.dec = growTo(s.dec, n, have)
	case *array.Date32Builder:
		s.date = growTo(s.date, n, have)
	case *array.TimestampBuilder:
		s.ts = growTo(s.ts, n, have)
	}
}

// growTo returns s with a length of at least n, its first have values
// kept.
func growTo[T any](s []T, n, have int) []T {
	if len(s) >= n {
		return s
	}
	t := make([]T, max(n, 2*len(s)))
	copy(t, s[:have])
	return t
}

// spill appends the first n staged values of s to its builder.
func (s *colStage) spill(n int) {
	if n == 0 {
		return
	}
	if s.fb.Cap() < s.fb.Len()+n {
		s.fb.Resize(s.fb.Len() + n) // AppendValues' Reserve would round up to a power of two
	}
	ok := s.ok[:n]
	switch fb := s.fb.(type) {
	case *array.Int8Builder:
		fb.AppendValues(s.i8[:n], ok)
	case *array.Int16Builder:
		fb.AppendValues(s.i16[:n], ok)
	case *array.Int32Builder:
		fb.AppendValues(s.i32[:n], ok)
	case *array.Int64Builder:
		fb.AppendValues(s.i64[:n], ok)
	case *array.Uint8Builder:
		fb.AppendValues(s.u8[:n], ok)
	case *array.Uint16Builder:
		fb.AppendValues(s.u16[:n], ok)
	case *array.Uint32Builder:
		fb.AppendValues(s.u32[:n], ok)
	case *array.Uint64Builder:
		fb.AppendValues(s.u64[:n], ok)
	case *array.Float32Builder:
		fb.AppendValues(s.f32[:n], ok)
	case *array.Float64Builder:
		fb.AppendValues(s.f64[:n], ok)
	case *array.Decimal128Builder:
		fb.AppendValues(s.dec[:n], ok)
	case *array.Date32Builder:
		fb.AppendValues(s.date[:n], ok)
	case *array.TimestampBuilder:
		fb.AppendValues(s.ts[:n], ok)
	}
}

// spillStaged appends every staged value to the builders: before a batch
// is flushed, before the driver path appends a row, and before rows of a
// plan that stages other columns. The builders then hold every row of the
// batch so far.
func (b *Batcher) spillStaged() {
	n := b.rows - b.spilled
	if n == 0 {
		return // nothing staged: the driver path's rows pass here each
	}
	for i := range b.staging {
		if st := b.staging[i].st; st != nil {
			st.spill(n)
		}
	}
	b.spilled = b.rows
}

// staged is column i's stage under the plan in use, nil when the column
// is not staged.
func (b *Batcher) staged(i int) *colStage {
	if b.staging == nil {
		return nil
	}
	return b.staging[i].st
}

// useStaging switches the batcher to the staging of ops' plan: rows staged
// under another plan are spilled first.
func (b *Batcher) useStaging(ops []wireOp) {
	b.spillStaged()
	b.staging = ops
	b.reserved = 0 // the next row makes room in the staged slices too
}

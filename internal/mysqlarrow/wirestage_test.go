package mysqlarrow

import (
	"slices"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// Rows of the wire path after rows that failed part way (by either path),
// and rows staged by one plan, then another: what the staging keeps
// (stage.go). The encodings and the table are wirebatch_test.go's.

// TestAddWire_RowsAfterFailedRows: a row that fails half way leaves a
// value in the builders before the failing column (those it does not
// stage, stage.go); after more such rows
// than the room reserved at a time (Arrow rounds it up to twice that), the
// rows that follow still append without overrunning any builder.
func TestAddWire_RowsAfterFailedRows(t *testing.T) {
	tbl, cols := wireTable(t)
	b, ops := newWireBatcher(t, tbl, cols)
	bad := wtRow(0)
	bad = bad[:len(bad)-3] // the last value cut short: every other column appended
	failed := 2*minReserveRows + 100
	for i := range failed {
		if err := b.addWire(ops, bad); err == nil {
			t.Fatalf("row %d: a truncated row was accepted", i)
		}
	}
	for i := range 3 * minReserveRows {
		if err := b.addWire(ops, wtRow(i%len(wtRows))); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if b.rows != 3*minReserveRows {
		t.Errorf("%d rows added", b.rows)
	}
	b.spillStaged()
	for i, op := range ops {
		want := b.rows + failed
		if i == wtJSON || op.st != nil {
			// the failing column; a staged column's slot of a failed
			// row is taken by the next row
			want = b.rows
		}
		if op.fb.Len() != want {
			t.Errorf("column %s holds %d values, want %d", wtColumns[i].name, op.fb.Len(), want)
		}
	}
}

// TestAddWire_RowsAfterFailedDriverRows: a row that fails part way
// through Add (the driver path, which a wire source falls back to with
// the same Batcher) leaves some builders a value longer than the others;
// the binary rows after it must still find room in every builder.
func TestAddWire_RowsAfterFailedDriverRows(t *testing.T) {
	tbl, cols := wireTable(t)
	b, ops := newWireBatcher(t, tbl, cols)
	for i := range 10 { // room reserved by the binary path
		if err := b.addWire(ops, wtRow(i%len(wtRows))); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	vals, err := wireValues(ops, wtRow(0))
	if err != nil {
		t.Fatal(err)
	}
	vals[wtDate] = []byte("not a date") // the columns before it appended
	// As many as take the builders that append them (by Append, growing
	// by doubling) exactly to the end of their room.
	failed := 2*minReserveRows - 10
	for i := range failed {
		if err := b.Add(vals); err == nil {
			t.Fatalf("driver row %d: a bad value was accepted", i)
		}
	}
	for i := range 3 * minReserveRows {
		if err := b.addWire(ops, wtRow(i%len(wtRows))); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	b.spillStaged()
	for i, op := range ops {
		want := b.rows + failed
		switch {
		case i == wtDate:
			continue // the failing column: its appender may have added a NULL
		case i > wtDate:
			want = b.rows
		}
		if op.fb.Len() != want {
			t.Errorf("column %s holds %d values, want %d", wtColumns[i].name, op.fb.Len(), want)
		}
	}
}

// TestAddWire_StagedOrder: rows staged by one plan, rows of the driver
// path and rows of a second plan that stages fewer columns, in one batch,
// come out of Flush in the order they were added, as when every row takes
// the binary path with one plan.
func TestAddWire_StagedOrder(t *testing.T) {
	tbl, cols := wireTable(t)
	rows := make([][]byte, 12)
	for i := range rows {
		rows[i] = wtRow(i % len(wtRows))
	}
	one, ops := newWireBatcher(t, tbl, cols)
	for i, row := range rows {
		if err := one.addWire(ops, row); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	want := flushCells(t, one)

	b, first := newWireBatcher(t, tbl, cols)
	// The second plan reads the DATE column as the server would describe a
	// DATETIME (the same encoding): it appends that column to its builder
	// instead of staging it.
	cols2 := slices.Clone(cols)
	cols2[wtDate].Type = mysqlwire.TypeDateTime
	second, err := b.wirePlan(cols2)
	if err != nil {
		t.Fatal(err)
	}
	if first[wtDate].st == nil || second[wtDate].st != nil {
		t.Fatalf("DATE column staged by the plans: %v, %v; want the first only", first[wtDate].st != nil, second[wtDate].st != nil)
	}
	for i, row := range rows {
		switch {
		case i%4 == 3: // the driver path, between staged rows
			vals, err := wireValues(first, row)
			if err != nil {
				t.Fatal(err)
			}
			err = b.Add(vals)
		case i < 6:
			err = b.addWire(first, row)
		default:
			err = b.addWire(second, row)
		}
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	got := flushCells(t, b)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d, column %s: %q, want %q", i, wtColumns[j].name, got[i][j], want[i][j])
			}
		}
	}
	// the next batch starts empty, and staging starts again at its first row
	for i, row := range rows[:3] {
		if err := b.addWire(second, row); err != nil {
			t.Fatalf("row %d of the next batch: %v", i, err)
		}
	}
	if next := flushCells(t, b); len(next) != 3 || strings.Join(next[2], "|") != strings.Join(want[2], "|") {
		t.Errorf("next batch %q, want its 3 rows as %q", next, want[:3])
	}
}

package ledger

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// bulkRows is how many rows one bulk insert statement carries.
const bulkRows = 50000

// bulk is an INSERT … SELECT of n rows that binds one list parameter per
// column (unnested in step), or one value for a column every row shares:
// a statement of a few parameters whatever n, which DuckDB plans at once
// where a VALUES list of thousands of parameters takes it seconds.
type bulk struct {
	n     int
	cols  []string
	exprs []string
	args  []any
}

// same sets column name to v in every row.
func (b *bulk) same(name string, v any) {
	b.add(name, "?", v)
}

func (b *bulk) add(name, expr string, v any) {
	b.cols = append(b.cols, name)
	b.exprs = append(b.exprs, expr)
	b.args = append(b.args, v)
}

// text sets column name of row i to v(i).
func (b *bulk) text(name string, v func(i int) string) {
	l := make([]string, b.n)
	for i := range l {
		l[i] = v(i)
	}
	b.add(name, "unnest(?)", l)
}

// ints sets column name of row i to v(i); NULL where it is not Valid.
func (b *bulk) ints(name string, v func(i int) sql.NullInt64) {
	l := make([]int64, b.n)
	for i := range l {
		if x := v(i); x.Valid {
			l[i] = x.Int64
		} else {
			l[i] = nullInt
		}
	}
	b.add(name, "nullif(unnest(?), -9223372036854775808)", l)
}

// nullInt stands for NULL in a list of ints.
const nullInt = -9223372036854775808

// times sets column name of row i to v(i); NULL for the zero time.
func (b *bulk) times(name string, v func(i int) time.Time) {
	l := make([]int64, b.n)
	for i := range l {
		l[i] = warehouse.WallMicros(v(i))
	}
	b.add(name, warehouse.UnnestTimestamps(), l)
}

// insert runs the insert into table; suffix (an ON CONFLICT clause) ends
// the statement.
func (b *bulk) insert(ctx context.Context, q warehouse.Querier, table, suffix string) error {
	if b.n == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, "INSERT INTO "+table+" ("+strings.Join(b.cols, ", ")+")\nSELECT "+
		strings.Join(b.exprs, ", ")+"\n"+suffix, b.args...)
	return err
}

// inChunks calls f for each run of at most bulkRows of n rows: [lo, hi).
func inChunks(n int, f func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += bulkRows {
		if err := f(lo, min(lo+bulkRows, n)); err != nil {
			return err
		}
	}
	return nil
}

func known(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }

func level(l int) sql.NullInt64 { return sql.NullInt64{Int64: int64(l), Valid: l != 0} }

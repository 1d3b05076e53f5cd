package snapshot

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Row checksums computed on the server, the same on both sides.
//
// Each row is rendered as text the same way by MySQL and by DuckDB: the
// columns, each as a canonical string (integers in decimal, DECIMAL with
// its scale, DATETIME/TIMESTAMP as 'YYYY-MM-DD HH:MM:SS.ffffff', DATE as
// 'YYYY-MM-DD', TIME as microseconds, BLOB in upper-case hex, FLOAT and
// DOUBLE rounded to 6 decimals), joined by '#', followed by one 0/1 flag
// per column saying whether it is NULL. The row's hash is the first 64
// bits of the MD5 of that text (MySQL renders it in utf8mb4 first); a set
// of rows is summarised by its COUNT(*) and the BIT_XOR of the row hashes,
// as pt-table-checksum does per chunk with CRC32 (DuckDB has no CRC32,
// both have MD5). Zero and partial dates, which the loader carries as
// NULL, count as NULL on the MySQL side too.

// mysqlColumnText is the MySQL expression rendering column c as text.
func mysqlColumnText(c mysqlarrow.Column) string {
	q := quoteMySQL(c.Name)
	switch c.Kind {
	case mysqlarrow.KindInt, mysqlarrow.KindUint, mysqlarrow.KindBit:
		return "CAST(" + q + "+0 AS CHAR)"
	case mysqlarrow.KindFloat32, mysqlarrow.KindFloat64:
		return "CAST(CAST(ROUND(" + q + ", 6) AS DECIMAL(38,6)) AS CHAR)"
	case mysqlarrow.KindDecimal:
		return "CAST(" + q + " AS CHAR)"
	case mysqlarrow.KindBlob:
		return "HEX(" + q + ")"
	case mysqlarrow.KindDate:
		return "IF(MONTH(" + q + ") = 0 OR DAYOFMONTH(" + q + ") = 0, NULL, DATE_FORMAT(" + q + ", '%Y-%m-%d'))"
	case mysqlarrow.KindDateTime:
		return "IF(MONTH(" + q + ") = 0 OR DAYOFMONTH(" + q + ") = 0, NULL, DATE_FORMAT(" + q + ", '%Y-%m-%d %H:%i:%s.%f'))"
	case mysqlarrow.KindTime:
		return "CAST(CAST(TIME_TO_SEC(" + q + ") * 1000000 AS SIGNED) AS CHAR)"
	}
	return "CAST(" + q + " AS CHAR)"
}

// duckColumnText is the DuckDB expression rendering column c as
// mysqlColumnText does.
func duckColumnText(c mysqlarrow.Column) string {
	q := quoteDuck(c.Name)
	switch c.Kind {
	case mysqlarrow.KindFloat32, mysqlarrow.KindFloat64:
		return "CAST(CAST(round(CAST(" + q + " AS DOUBLE), 6) AS DECIMAL(38,6)) AS VARCHAR)"
	case mysqlarrow.KindBlob:
		return "hex(" + q + ")"
	case mysqlarrow.KindDate:
		return "strftime(" + q + ", '%Y-%m-%d')"
	case mysqlarrow.KindDateTime:
		return "strftime(" + q + ", '%Y-%m-%d %H:%M:%S.%f')"
	case mysqlarrow.KindTime:
		return "CAST(CAST(epoch(" + q + ") * 1000000 AS BIGINT) AS VARCHAR)"
	}
	return "CAST(" + q + " AS VARCHAR)"
}

// maskedText is the text of a masked column in the row hash: what the
// source can say of the value the warehouse holds. A truncated column is
// its prefix, a nulled one NULL, a hashed one only whether it is NULL
// (the key stays out of the source's query text).
func maskedText(m pipelines.Mask, q string, mysqlSide bool, plain string) string {
	switch m.Kind {
	case pipelines.MaskNull:
		if mysqlSide {
			return "NULL"
		}
		return plain
	case pipelines.MaskHash:
		return "CASE WHEN " + q + " IS NULL THEN NULL ELSE '' END"
	case pipelines.MaskTruncate:
		if mysqlSide {
			return "LEFT(" + plain + ", " + strconv.Itoa(m.Chars) + ")"
		}
	}
	return plain
}

// mysqlRowHash is the MySQL expression of a row's 64-bit hash.
func (t *table) mysqlRowHash() string {
	cols := t.Columns
	parts := make([]string, 0, len(cols)+1)
	flags := make([]string, 0, len(cols))
	for i, c := range cols {
		e := maskedText(t.maskOf(i), quoteMySQL(c.Name), true, mysqlColumnText(c))
		parts = append(parts, "COALESCE("+e+", '')")
		flags = append(flags, "ISNULL("+e+")")
	}
	parts = append(parts, "CONCAT("+strings.Join(flags, ", ")+")")
	return "CAST(CONV(LEFT(MD5(CONVERT(CONCAT_WS('#', " + strings.Join(parts, ", ") + ") USING utf8mb4)), 16), 16, 10) AS UNSIGNED)"
}

// duckRowHash is the DuckDB expression of the same hash.
func (t *table) duckRowHash() string {
	cols := t.Columns
	parts := make([]string, 0, len(cols)+1)
	flags := make([]string, 0, len(cols))
	for i, c := range cols {
		e := maskedText(t.maskOf(i), quoteDuck(c.Name), false, duckColumnText(c))
		parts = append(parts, "coalesce("+e+", '')")
		flags = append(flags, "CAST(CAST(("+e+") IS NULL AS INTEGER) AS VARCHAR)")
	}
	parts = append(parts, "concat("+strings.Join(flags, ", ")+")")
	return "CAST('0x' || left(md5(concat_ws('#', " + strings.Join(parts, ", ") + ")), 16) AS UBIGINT)"
}

// chunkSum is the checksum of one chunk of rows.
type chunkSum struct {
	rows int64
	sum  string // BIT_XOR of the row hashes, in decimal
}

// bucketing is how a table's rows are cut into chunks: by its integer key
// divided (truncating) by width, or, without such a key, one chunk.
type bucketing struct {
	key   string // the integer key column; "" for one chunk
	width uint64
}

// mysqlBucket and duckBucket are the chunk number expressions.
func (b bucketing) mysqlBucket() string {
	if b.key == "" {
		return "0"
	}
	return quoteMySQL(b.key) + " DIV " + strconv.FormatUint(b.width, 10)
}

func (b bucketing) duckBucket() string {
	if b.key == "" {
		return "0"
	}
	return quoteDuck(b.key) + " // " + strconv.FormatUint(b.width, 10)
}

// mysqlRange is the condition selecting chunk n, with its arguments
// (the key column is indexed: a range, not the bucket expression). DIV
// truncates toward zero, so chunk 0 spans (-width, width).
func (b bucketing) rangeBounds(n int64) (lo, hi string, loIncl, hiIncl bool) {
	w := int64(b.width)
	switch {
	case n > 0:
		return strconv.FormatInt(n*w, 10), strconv.FormatInt((n+1)*w, 10), true, false
	case n < 0:
		return strconv.FormatInt((n-1)*w, 10), strconv.FormatInt(n*w, 10), false, true
	}
	return strconv.FormatInt(-w, 10), strconv.FormatInt(w, 10), false, false
}

// rangeCond is the SQL condition (quote quotes the key) selecting the
// chunks ns; bounds are integers, written inline.
func (b bucketing) rangeCond(quote func(string) string, ns []int64) string {
	if b.key == "" {
		return "TRUE"
	}
	k := quote(b.key)
	var or []string
	for _, n := range ns {
		lo, hi, li, hiI := b.rangeBounds(n)
		lop, hip := " > ", " < "
		if li {
			lop = " >= "
		}
		if hiI {
			hip = " <= "
		}
		or = append(or, "("+k+lop+lo+" AND "+k+hip+hi+")")
	}
	if len(or) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// planBuckets picks the chunking of t so that a chunk holds about
// chunkRows rows on average: the key range divided by the row count. It
// reads MIN, MAX and COUNT of the key in the snapshot.
func (ms *mysqlSource) planBuckets(ctx context.Context, t *table, chunkRows int) (bucketing, error) {
	k := t.chunkKey()
	if k < 0 {
		return bucketing{}, nil
	}
	key := t.Columns[k].Name
	var lo, hi sql.NullString
	var n int64
	err := ms.conn.QueryRowContext(ctx, "SELECT CAST(MIN("+quoteMySQL(key)+") AS CHAR), CAST(MAX("+quoteMySQL(key)+") AS CHAR), COUNT(*) FROM "+
		quoteMySQL(ms.dbName)+"."+quoteMySQL(t.Name)).Scan(&lo, &hi, &n)
	if err != nil {
		return bucketing{}, err
	}
	b := bucketing{key: key, width: 1}
	if !lo.Valid || n == 0 {
		return b, nil
	}
	l, err1 := strconv.ParseFloat(lo.String, 64)
	h, err2 := strconv.ParseFloat(hi.String, 64)
	if err1 != nil || err2 != nil {
		return b, nil
	}
	w := (h - l + 1) * float64(chunkRows) / float64(n)
	switch {
	case w < 1:
		w = 1
	case w > 1<<53:
		w = 1 << 53
	}
	b.width = uint64(w)
	return b, nil
}

// mysqlChecksums computes the checksum of every chunk of t in the
// snapshot.
func (ms *mysqlSource) checksums(ctx context.Context, t *table, b bucketing) (map[int64]chunkSum, error) {
	q := "SELECT " + b.mysqlBucket() + " AS b, COUNT(*), CAST(BIT_XOR(" + t.mysqlRowHash() + ") AS CHAR) FROM " +
		quoteMySQL(ms.dbName) + "." + quoteMySQL(t.Name) + " GROUP BY b"
	return scanChecksums(ms.conn.QueryContext(ctx, q))
}

// duckChecksums computes the same checksums over the warehouse table
// schema.name.
func duckChecksums(ctx context.Context, q querier, schema, name string, t *table, b bucketing) (map[int64]chunkSum, error) {
	s := "SELECT " + b.duckBucket() + " AS b, count(*), CAST(bit_xor(" + t.duckRowHash() + ") AS VARCHAR) FROM " +
		quoteDuck(schema) + "." + quoteDuck(name) + " GROUP BY b"
	return scanChecksums(q.QueryContext(ctx, s))
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanChecksums(rows *sql.Rows, err error) (map[int64]chunkSum, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]chunkSum{}
	for rows.Next() {
		var (
			n   int64
			c   chunkSum
			sum sql.NullString
		)
		if err := rows.Scan(&n, &c.rows, &sum); err != nil {
			return nil, err
		}
		c.sum = sum.String
		out[n] = c
	}
	return out, rows.Err()
}

// diffChunks lists the chunks whose checksums differ, in order.
func diffChunks(src, wh map[int64]chunkSum) []int64 {
	var out []int64
	for n, c := range src {
		if wh[n] != c {
			out = append(out, n)
		}
	}
	for n := range wh {
		if _, ok := src[n]; !ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

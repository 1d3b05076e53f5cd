package snapshot

import (
	"bytes"
	"database/sql/driver"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowType is the Arrow type a column travels in; DuckDB imports it as
// c.Duck.
func (c *column) arrowType() arrow.DataType {
	switch c.Kind {
	case kindInt:
		switch c.Duck {
		case "TINYINT":
			return arrow.PrimitiveTypes.Int8
		case "SMALLINT":
			return arrow.PrimitiveTypes.Int16
		case "INTEGER":
			return arrow.PrimitiveTypes.Int32
		}
		return arrow.PrimitiveTypes.Int64
	case kindUint:
		switch c.Duck {
		case "UTINYINT":
			return arrow.PrimitiveTypes.Uint8
		case "USMALLINT":
			return arrow.PrimitiveTypes.Uint16
		case "UINTEGER":
			return arrow.PrimitiveTypes.Uint32
		}
		return arrow.PrimitiveTypes.Uint64
	case kindFloat32:
		return arrow.PrimitiveTypes.Float32
	case kindFloat64:
		return arrow.PrimitiveTypes.Float64
	case kindDecimal:
		return &arrow.Decimal128Type{Precision: int32(c.Precision), Scale: int32(c.Scale)}
	case kindText:
		return arrow.BinaryTypes.StringView
	case kindBlob:
		return arrow.BinaryTypes.Binary
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindDateTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kindTime:
		return arrow.FixedWidthTypes.Duration_us
	case kindBit:
		return arrow.PrimitiveTypes.Uint64
	}
	return arrow.BinaryTypes.String
}

// arrowSchema is the Arrow schema of t's rows.
func (t *table) arrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i := range t.Columns {
		fields[i] = arrow.Field{Name: t.Columns[i].Name, Type: t.Columns[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// poolMaxHeld is what a table's buffer pool keeps for reuse: a few batches
// in flight between the reader and the warehouse.
const poolMaxHeld = 64 << 20

// batcher turns driver rows (binary or text protocol values) into Arrow
// record batches, one reused RecordBuilder per table.
type batcher struct {
	t       *table
	rb      *array.RecordBuilder
	appends []func(v driver.Value) (anomaly string, err error)
	a       *anomalies
	rows    int // rows in the current batch
	bytes   int // approximate variable-length bytes in the current batch
	total   int64

	// keyCol is the chunk key column (-1: none); lastKey or lastKeyU
	// (unsigned keys) is its value in the row added last.
	keyCol   int
	lastKey  int64
	lastKeyU uint64
	path     string // the read path used: ReadPathWire or ReadPathDriver
	pool     *bufferPool
}

func newBatcher(t *table, a *anomalies) *batcher {
	pool := newBufferPool(poolMaxHeld)
	b := &batcher{t: t, a: a, keyCol: -1, pool: pool, rb: array.NewRecordBuilder(pool, t.arrowSchema())}
	b.appends = make([]func(driver.Value) (string, error), len(t.Columns))
	for i := range t.Columns {
		b.appends[i] = b.appender(&t.Columns[i], b.rb.Field(i))
	}
	return b
}

func (b *batcher) release() { b.rb.Release() }

// add appends one row. vals are only valid during the call.
func (b *batcher) add(vals []driver.Value) error {
	b.total++
	for i, v := range vals {
		kind, err := b.appends[i](v)
		if err != nil {
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
	return nil
}

// noteKey records v, a driver value, as the chunk key of the row added
// last.
func (b *batcher) noteKey(v driver.Value) {
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

// lastKeyText is the chunk key of the row added last, as text.
func (b *batcher) lastKeyText(unsigned bool) string {
	if unsigned {
		return strconv.FormatUint(b.lastKeyU, 10)
	}
	return strconv.FormatInt(b.lastKey, 10)
}

// flush returns the batch built so far and starts the next one.
func (b *batcher) flush() arrow.RecordBatch {
	b.rows, b.bytes = 0, 0
	return b.rb.NewRecordBatch()
}

// appender returns the function that appends a value of c to fb.
func (b *batcher) appender(c *column, fb array.Builder) func(driver.Value) (string, error) {
	switch c.Kind {
	case kindInt:
		return intAppender(c, fb)
	case kindUint:
		return uintAppender(c, fb)
	case kindFloat32:
		return floatAppender[float32](fb.(*array.Float32Builder), 32, "FLOAT")
	case kindFloat64:
		return floatAppender[float64](fb.(*array.Float64Builder), 64, "DOUBLE")
	case kindDecimal:
		db := fb.(*array.Decimal128Builder)
		prec, scale := int(c.Precision), int(c.Scale)
		return func(v driver.Value) (string, error) {
			raw, ok := v.([]byte)
			if !ok {
				if v == nil {
					db.AppendNull()
					return "", nil
				}
				raw = []byte(fmt.Sprint(v))
			}
			n, err := decimal128Of(raw, prec, scale)
			if err != nil {
				return "", err
			}
			db.Append(n)
			return "", nil
		}
	case kindText:
		sb := fb.(*array.StringViewBuilder)
		return func(v driver.Value) (string, error) {
			raw, ok := v.([]byte)
			if !ok {
				if v == nil {
					sb.AppendNull()
					return "", nil
				}
				raw = []byte(fmt.Sprint(v)) // a number where text was expected
			}
			b.bytes += len(raw)
			if utf8.Valid(raw) {
				sb.BinaryViewBuilder.Append(raw)
				return "", nil
			}
			sb.BinaryViewBuilder.Append(bytes.ToValidUTF8(raw, []byte("\uFFFD")))
			return AnomalyInvalidUTF8, nil
		}
	case kindBlob:
		bb := fb.(*array.BinaryBuilder)
		return func(v driver.Value) (string, error) {
			raw, done, err := rawBytes(v, bb, "BLOB")
			if done {
				return "", err
			}
			b.bytes += len(raw)
			bb.Append(raw)
			return "", nil
		}
	case kindDate:
		db := fb.(*array.Date32Builder)
		return func(v driver.Value) (string, error) {
			raw, done, err := rawBytes(v, db, "DATE")
			if done {
				return "", err
			}
			micros, kind, err := parseWallMicros(raw, true)
			if err != nil || kind != "" {
				db.AppendNull()
				return kind, err
			}
			db.Append(arrow.Date32(micros / 86_400_000_000))
			return "", nil
		}
	case kindDateTime:
		tb := fb.(*array.TimestampBuilder)
		return func(v driver.Value) (string, error) {
			raw, done, err := rawBytes(v, tb, "DATETIME")
			if done {
				return "", err
			}
			micros, kind, err := parseWallMicros(raw, false)
			if err != nil || kind != "" {
				tb.AppendNull()
				return kind, err
			}
			tb.Append(arrow.Timestamp(micros))
			return "", nil
		}
	case kindTime:
		db := fb.(*array.DurationBuilder)
		return func(v driver.Value) (string, error) {
			raw, done, err := rawBytes(v, db, "TIME")
			if done {
				return "", err
			}
			micros, err := parseTimeMicros(raw)
			if err != nil {
				return "", err
			}
			db.Append(arrow.Duration(micros))
			return "", nil
		}
	case kindBit:
		ub := fb.(*array.Uint64Builder)
		return func(v driver.Value) (string, error) {
			switch n := v.(type) {
			case nil:
				ub.AppendNull()
			case []byte:
				u, err := parseBit(n)
				if err != nil {
					return "", err
				}
				ub.Append(u.(uint64))
			case int64:
				ub.Append(uint64(n))
			case uint64:
				ub.Append(n)
			default:
				return "", fmt.Errorf("%T for BIT: %w", v, errBadValue)
			}
			return "", nil
		}
	}
	panic(fmt.Sprintf("snapshot: column kind %d", c.Kind))
}

// rawBytes returns the bytes of a text or binary driver value. For NULL
// it appends a null to fb, and for any other value it returns an error;
// done says the value needs nothing more.
func rawBytes(v driver.Value, fb array.Builder, what string) (raw []byte, done bool, err error) {
	switch x := v.(type) {
	case nil:
		fb.AppendNull()
		return nil, true, nil
	case []byte:
		return x, false, nil
	}
	return nil, true, fmt.Errorf("%T for %s: %w", v, what, errBadValue)
}

// floatAppender appends FLOAT or DOUBLE values: floats as they come, text
// parsed.
func floatAppender[F float32 | float64](fb interface {
	Append(F)
	AppendNull()
}, bits int, what string) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		switch n := v.(type) {
		case nil:
			fb.AppendNull()
		case float32:
			fb.Append(F(n))
		case float64:
			fb.Append(F(n))
		case []byte:
			f, err := strconv.ParseFloat(string(n), bits)
			if err != nil {
				return "", fmt.Errorf("%q: %w", n, errBadValue)
			}
			fb.Append(F(f))
		default:
			return "", fmt.Errorf("%v (%T) for %s: %w", v, v, what, errBadValue)
		}
		return "", nil
	}
}

// intValue reads a signed integer from a driver value.
func intValue(v driver.Value) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), nil
		}
	case []byte:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%v (%T) for a signed integer: %w", v, v, errBadValue)
}

// uintValue reads an unsigned integer from a driver value.
func uintValue(v driver.Value) (uint64, error) {
	switch n := v.(type) {
	case int64:
		if n >= 0 {
			return uint64(n), nil
		}
	case uint64:
		return n, nil
	case []byte:
		if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return u, nil
		}
	}
	return 0, fmt.Errorf("%v (%T) for an unsigned integer: %w", v, v, errBadValue)
}

// rangeAppend returns the function that appends n to b when it lies in
// [lo, hi], the range of b's type.
func rangeAppend[N int64 | uint64, T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64](b interface{ Append(T) }, lo, hi N) func(N) error {
	return func(n N) error {
		if n < lo || n > hi {
			return errBadValue
		}
		b.Append(T(n))
		return nil
	}
}

func intAppender(c *column, fb array.Builder) func(driver.Value) (string, error) {
	return numberAppender(c, fb, intValue, intRange(fb))
}

func uintAppender(c *column, fb array.Builder) func(driver.Value) (string, error) {
	return numberAppender(c, fb, uintValue, uintRange(fb))
}

// intRange returns the function that appends a signed integer to fb, an
// Int8 to Int64 builder, when it fits the builder's type; nil for any
// other builder.
func intRange(fb array.Builder) func(int64) error {
	switch bb := fb.(type) {
	case *array.Int8Builder:
		return rangeAppend[int64, int8](bb, math.MinInt8, math.MaxInt8)
	case *array.Int16Builder:
		return rangeAppend[int64, int16](bb, math.MinInt16, math.MaxInt16)
	case *array.Int32Builder:
		return rangeAppend[int64, int32](bb, math.MinInt32, math.MaxInt32)
	case *array.Int64Builder:
		return rangeAppend[int64, int64](bb, math.MinInt64, math.MaxInt64)
	}
	return nil
}

// uintRange is intRange for the Uint8 to Uint64 builders.
func uintRange(fb array.Builder) func(uint64) error {
	switch bb := fb.(type) {
	case *array.Uint8Builder:
		return rangeAppend[uint64, uint8](bb, 0, math.MaxUint8)
	case *array.Uint16Builder:
		return rangeAppend[uint64, uint16](bb, 0, math.MaxUint16)
	case *array.Uint32Builder:
		return rangeAppend[uint64, uint32](bb, 0, math.MaxUint32)
	case *array.Uint64Builder:
		return rangeAppend[uint64, uint64](bb, 0, math.MaxUint64)
	}
	return nil
}

// numberAppender reads a driver value with read and appends it with app.
func numberAppender[N int64 | uint64](c *column, fb array.Builder, read func(driver.Value) (N, error), app func(N) error) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		if v == nil {
			fb.AppendNull()
			return "", nil
		}
		n, err := read(v)
		if err == nil {
			err = app(n)
		}
		if err != nil {
			return "", fmt.Errorf("%v for %s: %w", v, c.Duck, errBadValue)
		}
		return "", nil
	}
}

// decimal128Of reads MySQL's text of a DECIMAL(p,s) as the unscaled
// integer, without going through floats or, up to 18 digits, allocating.
func decimal128Of(b []byte, precision, scale int) (decimal128.Num, error) {
	s := b
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := bytes.Cut(s, []byte("."))
	if len(intPart) == 0 && len(frac) == 0 || len(frac) > scale || !allDigits(intPart) || !allDigits(frac) {
		return decimal128.Num{}, fmt.Errorf("decimal %q: %w", b, errBadValue)
	}
	if len(intPart)+scale <= 18 {
		var n int64
		for _, c := range intPart {
			n = n*10 + int64(c-'0')
		}
		for _, c := range frac {
			n = n*10 + int64(c-'0')
		}
		for i := len(frac); i < scale; i++ {
			n *= 10
		}
		if neg {
			n = -n
		}
		return decimal128.FromI64(n), nil
	}
	v, err := parseDecimal(b, 38, scale)
	if err != nil {
		return decimal128.Num{}, err
	}
	bi, ok := v.(*big.Int)
	if !ok || bi.BitLen() > 127 {
		return decimal128.Num{}, fmt.Errorf("decimal %q out of range for precision %d: %w", b, precision, errBadValue)
	}
	return decimal128.FromBigInt(bi), nil
}

// parseWallMicros is parseDateTime for the hot path: the wall clock as
// microseconds since 1970-01-01 00:00 (of the same wall clock), or an
// anomaly kind. The common forms "YYYY-MM-DD" and "YYYY-MM-DD hh:mm:ss[.f]"
// are read without allocating; anything else goes through parseDateTime.
func parseWallMicros(b []byte, dateOnly bool) (int64, string, error) {
	n := len(b)
	if n == 10 || n >= 19 && !dateOnly && b[10] == ' ' && b[13] == ':' && b[16] == ':' && (n == 19 || b[19] == '.') {
		if b[4] == '-' && b[7] == '-' {
			y, ok1 := atoi(b[0:4])
			m, ok2 := atoi(b[5:7])
			d, ok3 := atoi(b[8:10])
			var hh, mm, ss, frac int
			ok4, ok5, ok6, ok7 := true, true, true, true
			if n >= 19 {
				hh, ok4 = atoi(b[11:13])
				mm, ok5 = atoi(b[14:16])
				ss, ok6 = atoi(b[17:19])
				if n > 19 {
					frac, ok7 = fraction(b[19:])
				}
			}
			if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && hh <= 23 && mm <= 59 && ss <= 59 &&
				m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
				days := daysFromCivil(y, m, d)
				return (days*86400+int64(hh*3600+mm*60+ss))*1_000_000 + int64(frac/1000), "", nil
			}
		}
	}
	v, kind, err := parseDateTime(b, dateOnly)
	if err != nil || kind != "" {
		return 0, kind, err
	}
	return v.(time.Time).UnixMicro(), "", nil
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d
// (proleptic Gregorian; H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// daysIn is the number of days of month m (1 to 12) of year y (proleptic
// Gregorian).
func daysIn(y, m int) int {
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		return 29
	}
	return monthDays[m]
}

// parseTimeMicros reads a MySQL TIME as microseconds.
func parseTimeMicros(b []byte) (int64, error) {
	v, err := parseTime(b)
	if err != nil {
		return 0, err
	}
	return v.(duckdb.Interval).Micros, nil
}

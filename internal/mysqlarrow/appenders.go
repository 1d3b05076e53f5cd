package mysqlarrow

import (
	"bytes"
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The driver path's appenders, one per kind of column: each appends a
// driver value (as go-sql-driver returns it without ParseTime: integers,
// floats, or text) to its column's builder and returns the anomaly kind of
// a value not carried as it was.

func decimalAppender(c *Column, db *array.Decimal128Builder) func(driver.Value) (string, error) {
	prec, scale := int(c.Precision), int(c.Scale)
	return func(v driver.Value) (string, error) {
		raw, null := textOf(v, db)
		if null {
			return "", nil
		}
		n, err := parseDecimal(raw, prec, scale)
		if err != nil {
			return "", err
		}
		db.Append(n)
		return "", nil
	}
}

// textAppender appends text, invalid UTF-8 replaced; *size counts its
// bytes.
func textAppender(sb *array.StringBuilder, size *int) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		raw, null := textOf(v, sb)
		if null {
			return "", nil
		}
		*size += len(raw)
		if validUTF8(raw) {
			sb.BinaryBuilder.Append(raw)
			return "", nil
		}
		sb.BinaryBuilder.Append(bytes.ToValidUTF8(raw, []byte("\uFFFD")))
		return AnomalyInvalidUTF8, nil
	}
}

// textOf returns the bytes of a text value, or the text of another
// value (a number where text was expected); null, after appending a null
// to fb, for NULL.
func textOf(v driver.Value, fb array.Builder) (raw []byte, null bool) {
	switch x := v.(type) {
	case []byte:
		return x, false
	case nil:
		fb.AppendNull()
		return nil, true
	}
	return []byte(fmt.Sprint(v)), false
}

// blobAppender appends bytes as they are; *size counts them.
func blobAppender(bb *array.BinaryBuilder, size *int) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		raw, done, err := rawBytes(v, bb, "BLOB")
		if done {
			return "", err
		}
		*size += len(raw)
		bb.Append(raw)
		return "", nil
	}
}

func dateAppender(db *array.Date32Builder) func(driver.Value) (string, error) {
	return wallClockAppender(db, "DATE", true, func(micros int64) { db.Append(arrow.Date32(micros / microsPerDay)) })
}

func timestampAppender(tb *array.TimestampBuilder) func(driver.Value) (string, error) {
	return wallClockAppender(tb, "DATETIME", false, func(micros int64) { tb.Append(arrow.Timestamp(micros)) })
}

// wallClockAppender appends the text of a DATE (dateOnly) or DATETIME to
// fb by app, as microseconds of its wall clock; NULL for a zero, partial
// or invalid date.
func wallClockAppender(fb array.Builder, what string, dateOnly bool, app func(micros int64)) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		raw, done, err := rawBytes(v, fb, what)
		if done {
			return "", err
		}
		micros, kind, err := parseDateTime(raw, dateOnly)
		if err != nil || kind != "" {
			fb.AppendNull()
			return kind, err
		}
		app(micros)
		return "", nil
	}
}

func timeAppender(db *array.DurationBuilder) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		raw, done, err := rawBytes(v, db, "TIME")
		if done {
			return "", err
		}
		micros, err := parseTime(raw)
		if err != nil {
			return "", err
		}
		db.Append(arrow.Duration(micros))
		return "", nil
	}
}

func bitAppender(ub *array.Uint64Builder) func(driver.Value) (string, error) {
	return func(v driver.Value) (string, error) {
		switch n := v.(type) {
		case nil:
			ub.AppendNull()
		case []byte:
			u, err := parseBit(n)
			if err != nil {
				return "", err
			}
			ub.Append(u)
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

func intAppender(c *Column, fb array.Builder) func(driver.Value) (string, error) {
	return numberAppender(c, fb, intValue, intRange(fb))
}

func uintAppender(c *Column, fb array.Builder) func(driver.Value) (string, error) {
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
func numberAppender[N int64 | uint64](c *Column, fb array.Builder, read func(driver.Value) (N, error), app func(N) error) func(driver.Value) (string, error) {
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

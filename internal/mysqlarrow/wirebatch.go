package snapshot

import (
	"bytes"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// How a column of a binary row is appended (wireOp.code). The common pairs
// of wire type and warehouse type are decoded in place; any other pair is
// decoded into a driver value, as go-sql-driver would return it, and
// handed to the column's driver-value appender (batch.go), so both paths
// convert alike.
const (
	opGeneric = iota
	opInt
	opUint
	opFloat32
	opFloat64
	opDecimal
	opText
	opBlob
	opDate
	opDateTime
)

// wireOp is how one result column is appended to its builder.
type wireOp struct {
	code     uint8
	width    uint8 // bytes of an integer on the wire
	unsigned bool  // the wire integer is unsigned
	key      bool  // the chunk key column
	col      wireCol
	fb       array.Builder

	i8    *array.Int8Builder
	i16   *array.Int16Builder
	i32   *array.Int32Builder
	i64   *array.Int64Builder
	u8    *array.Uint8Builder
	u16   *array.Uint16Builder
	u32   *array.Uint32Builder
	u64   *array.Uint64Builder
	f32   *array.Float32Builder
	f64   *array.Float64Builder
	dec   *array.Decimal128Builder
	text  *array.StringViewBuilder
	blob  *array.BinaryBuilder
	date  *array.Date32Builder
	stamp *array.TimestampBuilder

	prec, scale int
}

// intWidth is the size of an integer wire type, 0 for another type.
func intWidth(typ byte) uint8 {
	switch typ {
	case typeTiny:
		return 1
	case typeShort, typeYear:
		return 2
	case typeLong, typeInt24:
		return 4
	case typeLongLong:
		return 8
	}
	return 0
}

// lenencType reports whether values of typ are length-encoded strings.
func lenencType(typ byte) bool {
	switch typ {
	case typeDecimal, typeNewDecimal, typeVarChar, typeBit, typeEnum, typeSet,
		typeTinyBlob, typeMediumBlob, typeLongBlob, typeBlob, typeVarString,
		typeString, typeGeometry, typeJSON, typeVector:
		return true
	}
	return false
}

// wirePlan returns the ops for a result with columns cols, which must be
// t's columns in order.
func (b *batcher) wirePlan(cols []wireCol) ([]wireOp, error) {
	if len(cols) != len(b.t.Columns) {
		return nil, fmt.Errorf("result has %d columns, table %s has %d", len(cols), b.t.Name, len(b.t.Columns))
	}
	ops := make([]wireOp, len(cols))
	for i, wc := range cols {
		c := &b.t.Columns[i]
		op := &ops[i]
		op.col, op.fb, op.key = wc, b.rb.Field(i), i == b.keyCol
		op.width, op.unsigned = intWidth(wc.typ), wc.flags&flagUnsigned != 0
		// Integers append through typed builders, not intRange's
		// closures: an indirect call per value cost 3 % of snapshot-1m.
		switch {
		case c.Kind == kindInt && op.width > 0:
			op.code = opInt
			switch fb := op.fb.(type) {
			case *array.Int8Builder:
				op.i8 = fb
			case *array.Int16Builder:
				op.i16 = fb
			case *array.Int32Builder:
				op.i32 = fb
			case *array.Int64Builder:
				op.i64 = fb
			default:
				op.code = opGeneric
			}
		case c.Kind == kindUint && op.width > 0:
			op.code = opUint
			switch fb := op.fb.(type) {
			case *array.Uint8Builder:
				op.u8 = fb
			case *array.Uint16Builder:
				op.u16 = fb
			case *array.Uint32Builder:
				op.u32 = fb
			case *array.Uint64Builder:
				op.u64 = fb
			default:
				op.code = opGeneric
			}
		case c.Kind == kindFloat32 && wc.typ == typeFloat:
			op.code, op.f32 = opFloat32, op.fb.(*array.Float32Builder)
		case c.Kind == kindFloat64 && wc.typ == typeDouble:
			op.code, op.f64 = opFloat64, op.fb.(*array.Float64Builder)
		case c.Kind == kindDecimal && (wc.typ == typeNewDecimal || wc.typ == typeDecimal):
			op.code, op.dec = opDecimal, op.fb.(*array.Decimal128Builder)
			op.prec, op.scale = int(c.Precision), int(c.Scale)
		case c.Kind == kindText && lenencType(wc.typ) && wc.typ != typeBit:
			op.code, op.text = opText, op.fb.(*array.StringViewBuilder)
		case c.Kind == kindBlob && lenencType(wc.typ):
			op.code, op.blob = opBlob, op.fb.(*array.BinaryBuilder)
		case c.Kind == kindDate && (wc.typ == typeDate || wc.typ == typeNewDate):
			op.code, op.date = opDate, op.fb.(*array.Date32Builder)
		case c.Kind == kindDateTime && (wc.typ == typeDateTime || wc.typ == typeTimestamp):
			op.code, op.stamp = opDateTime, op.fb.(*array.TimestampBuilder)
		default:
			op.code = opGeneric
		}
	}
	return ops, nil
}

// errWireRow marks a malformed binary row.
var errWireRow = errors.New("malformed binary row")

// addWire appends one binary-protocol row (the payload of its packet).
func (b *batcher) addWire(ops []wireOp, data []byte) error {
	b.total++
	nullBytes := (len(ops) + 9) >> 3
	if len(data) < 1+nullBytes {
		return b.wireRowError(ops, data, -1, errWireRow)
	}
	nulls := data[1 : 1+nullBytes]
	pos := 1 + nullBytes
	var anomalies []wireAnomaly
	for i := range ops {
		op := &ops[i]
		if nulls[(i+2)>>3]&(1<<((i+2)&7)) != 0 {
			op.fb.AppendNull()
			continue
		}
		rest := data[pos:]
		switch op.code {
		case opInt:
			if len(rest) < int(op.width) {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			v, ok := wireInt(rest, op.width, op.unsigned)
			pos += int(op.width)
			if ok {
				switch {
				case op.i64 != nil:
					op.i64.Append(v)
				case op.i32 != nil && v >= math.MinInt32 && v <= math.MaxInt32:
					op.i32.Append(int32(v))
				case op.i16 != nil && v >= math.MinInt16 && v <= math.MaxInt16:
					op.i16.Append(int16(v))
				case op.i8 != nil && v >= math.MinInt8 && v <= math.MaxInt8:
					op.i8.Append(int8(v))
				default:
					ok = false
				}
			}
			if !ok {
				return b.wireRowError(ops, data, i, errBadValue)
			}
			if op.key {
				b.lastKey, b.lastKeyU = v, 0
			}
		case opUint:
			if len(rest) < int(op.width) {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			v, ok := wireUint(rest, op.width, op.unsigned)
			pos += int(op.width)
			if ok {
				switch {
				case op.u64 != nil:
					op.u64.Append(v)
				case op.u32 != nil && v <= math.MaxUint32:
					op.u32.Append(uint32(v))
				case op.u16 != nil && v <= math.MaxUint16:
					op.u16.Append(uint16(v))
				case op.u8 != nil && v <= math.MaxUint8:
					op.u8.Append(uint8(v))
				default:
					ok = false
				}
			}
			if !ok {
				return b.wireRowError(ops, data, i, errBadValue)
			}
			if op.key {
				b.lastKey, b.lastKeyU = 0, v
			}
		case opFloat32:
			if len(rest) < 4 {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			op.f32.Append(math.Float32frombits(binary.LittleEndian.Uint32(rest)))
			pos += 4
		case opFloat64:
			if len(rest) < 8 {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			op.f64.Append(math.Float64frombits(binary.LittleEndian.Uint64(rest)))
			pos += 8
		case opDecimal, opText, opBlob:
			s, n, ok := lenencBytes(rest)
			if !ok {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			pos += n
			switch op.code {
			case opDecimal:
				d, err := decimal128Of(s, op.prec, op.scale)
				if err != nil {
					return b.wireRowError(ops, data, i, err)
				}
				op.dec.Append(d)
			case opText:
				b.bytes += len(s)
				if utf8.Valid(s) {
					op.text.BinaryViewBuilder.Append(s)
				} else {
					op.text.BinaryViewBuilder.Append(bytes.ToValidUTF8(s, []byte("\uFFFD")))
					anomalies = append(anomalies, wireAnomaly{i, AnomalyInvalidUTF8})
				}
			default:
				b.bytes += len(s)
				op.blob.Append(s)
			}
		case opDate, opDateTime:
			if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			switch rest[0] {
			case 0, 4, 7, 11:
			default:
				return b.wireRowError(ops, data, i, errWireRow)
			}
			micros, kind, ok := wireDateTime(rest[1 : 1+int(rest[0])])
			pos += 1 + int(rest[0])
			if !ok {
				return b.wireRowError(ops, data, i, errBadValue)
			}
			switch {
			case kind != "":
				op.fb.AppendNull()
				anomalies = append(anomalies, wireAnomaly{i, kind})
			case op.code == opDate:
				if micros%86_400_000_000 != 0 {
					return b.wireRowError(ops, data, i, errBadValue)
				}
				op.date.Append(arrow.Date32(micros / 86_400_000_000))
			default:
				op.stamp.Append(arrow.Timestamp(micros))
			}
		default:
			v, n, err := wireValue(op.col, rest)
			if err != nil {
				return b.wireRowError(ops, data, i, err)
			}
			pos += n
			kind, err := b.appends[i](v)
			if err != nil {
				return b.wireRowError(ops, data, i, err)
			}
			if kind != "" {
				anomalies = append(anomalies, wireAnomaly{i, kind})
			}
			if op.key {
				b.noteKey(v)
			}
		}
	}
	if len(anomalies) > 0 {
		vals, err := wireValues(ops, data)
		if err != nil {
			return b.wireRowError(ops, data, -1, err)
		}
		for _, an := range anomalies {
			b.a.add(an.col, an.kind, vals, b.total)
		}
	}
	b.rows++
	return nil
}

// wireAnomaly is a value of a row not carried as it was.
type wireAnomaly struct {
	col  int
	kind string
}

// wireRowError names the row (by its key, as far as it can be decoded) and
// the column of a value that cannot be loaded.
func (b *batcher) wireRowError(ops []wireOp, data []byte, col int, err error) error {
	vals, _ := wireValues(ops, data)
	name := rowName(b.t, vals, b.total)
	if col < 0 {
		return fmt.Errorf("row %s: %w", name, err)
	}
	if errors.Is(err, errBadValue) && col < len(vals) {
		return fmt.Errorf("row %s, column %s: %s for %s: %w", name, b.t.Columns[col].Name, valueText(vals[col]), b.t.Columns[col].Duck, err)
	}
	return fmt.Errorf("row %s, column %s: %w", name, b.t.Columns[col].Name, err)
}

// wireInt reads a wire integer as int64; ok is false for an unsigned
// value above MaxInt64.
func wireInt(b []byte, width uint8, unsigned bool) (int64, bool) {
	switch width {
	case 1:
		if unsigned {
			return int64(b[0]), true
		}
		return int64(int8(b[0])), true
	case 2:
		if unsigned {
			return int64(binary.LittleEndian.Uint16(b)), true
		}
		return int64(int16(binary.LittleEndian.Uint16(b))), true
	case 4:
		if unsigned {
			return int64(binary.LittleEndian.Uint32(b)), true
		}
		return int64(int32(binary.LittleEndian.Uint32(b))), true
	}
	u := binary.LittleEndian.Uint64(b)
	if unsigned && u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// wireUint reads a wire integer as uint64; ok is false for a negative one.
func wireUint(b []byte, width uint8, unsigned bool) (uint64, bool) {
	if unsigned {
		switch width {
		case 1:
			return uint64(b[0]), true
		case 2:
			return uint64(binary.LittleEndian.Uint16(b)), true
		case 4:
			return uint64(binary.LittleEndian.Uint32(b)), true
		}
		return binary.LittleEndian.Uint64(b), true
	}
	v, _ := wireInt(b, width, false)
	if v < 0 {
		return 0, false
	}
	return uint64(v), true
}

// wireDateTime reads a binary DATE, DATETIME or TIMESTAMP (0, 4, 7 or 11
// bytes) as microseconds of the wall clock since 1970-01-01, or an anomaly
// kind for a zero, partial or invalid date; ok is false for a malformed
// value.
func wireDateTime(b []byte) (micros int64, anomaly string, ok bool) {
	var y, m, d, hh, mm, ss, us int
	switch len(b) {
	case 0:
	case 4, 7, 11:
		y, m, d = int(binary.LittleEndian.Uint16(b)), int(b[2]), int(b[3])
		if len(b) >= 7 {
			hh, mm, ss = int(b[4]), int(b[5]), int(b[6])
		}
		if len(b) == 11 {
			us = int(binary.LittleEndian.Uint32(b[7:]))
		}
	default:
		return 0, "", false
	}
	switch {
	case y == 0 && m == 0 && d == 0:
		return 0, AnomalyZeroDate, true
	case m == 0 || d == 0:
		return 0, AnomalyPartialDate, true
	case m > 12 || d > daysIn(y, m):
		return 0, AnomalyInvalidDate, true
	case hh > 23 || mm > 59 || ss > 59 || us > 999_999:
		return 0, "", false
	}
	return (daysFromCivil(y, m, d)*86400+int64(hh*3600+mm*60+ss))*1_000_000 + int64(us), "", true
}

// wireValues decodes a whole binary row into driver values, for messages.
// It stops at the first malformed value, leaving the rest nil.
func wireValues(ops []wireOp, data []byte) ([]driver.Value, error) {
	vals := make([]driver.Value, len(ops))
	nullBytes := (len(ops) + 9) >> 3
	if len(data) < 1+nullBytes {
		return vals, errWireRow
	}
	nulls := data[1 : 1+nullBytes]
	pos := 1 + nullBytes
	for i := range ops {
		if nulls[(i+2)>>3]&(1<<((i+2)&7)) != 0 {
			continue
		}
		v, n, err := wireValue(ops[i].col, data[pos:])
		if err != nil {
			return vals, err
		}
		vals[i] = v
		pos += n
	}
	return vals, nil
}

// wireValue decodes one binary value as go-sql-driver returns it without
// ParseTime: integers as int64 (uint64 above MaxInt64), floats, strings as
// bytes, dates and times as their text. n is the bytes read.
func wireValue(c wireCol, b []byte) (v driver.Value, n int, err error) {
	if w := intWidth(c.typ); w > 0 {
		if len(b) < int(w) {
			return nil, 0, errWireRow
		}
		if i, ok := wireInt(b, w, c.flags&flagUnsigned != 0); ok {
			return i, int(w), nil
		}
		return binary.LittleEndian.Uint64(b), 8, nil
	}
	switch {
	case c.typ == typeNull:
		return nil, 0, nil
	case c.typ == typeFloat:
		if len(b) < 4 {
			return nil, 0, errWireRow
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), 4, nil
	case c.typ == typeDouble:
		if len(b) < 8 {
			return nil, 0, errWireRow
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), 8, nil
	case lenencType(c.typ):
		s, n, ok := lenencBytes(b)
		if !ok {
			return nil, 0, errWireRow
		}
		return s, n, nil
	case c.typ == typeDate || c.typ == typeNewDate || c.typ == typeDateTime || c.typ == typeTimestamp || c.typ == typeTime:
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, 0, errWireRow
		}
		raw := b[1 : 1+int(b[0])]
		var text []byte
		if c.typ == typeTime {
			text, err = formatWireTime(raw, c.decimals)
		} else {
			text, err = formatWireDateTime(raw, c.typ == typeDate || c.typ == typeNewDate, c.decimals)
		}
		return text, 1 + len(raw), err
	}
	return nil, 0, fmt.Errorf("field type 0x%02x: %w", c.typ, errWireRow)
}

// fracDigits is the digits of the fractional seconds a column shows.
func fracDigits(decimals byte) int {
	if decimals >= 1 && decimals <= 6 {
		return int(decimals)
	}
	return 0
}

func appendFrac(dst []byte, us int, digits int) []byte {
	if digits == 0 {
		return dst
	}
	s := strconv.Itoa(1_000_000 + us) // "1ffffff"
	return append(append(dst, '.'), s[1:1+digits]...)
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10%10), byte('0'+n%10))
}

// formatWireDateTime writes a binary date as "YYYY-MM-DD[ hh:mm:ss[.f]]".
func formatWireDateTime(b []byte, dateOnly bool, decimals byte) ([]byte, error) {
	var y, m, d, hh, mm, ss, us int
	switch len(b) {
	case 0:
	case 4, 7, 11:
		y, m, d = int(binary.LittleEndian.Uint16(b)), int(b[2]), int(b[3])
		if len(b) >= 7 {
			hh, mm, ss = int(b[4]), int(b[5]), int(b[6])
		}
		if len(b) == 11 {
			us = int(binary.LittleEndian.Uint32(b[7:]))
		}
	default:
		return nil, fmt.Errorf("date of %d bytes: %w", len(b), errWireRow)
	}
	out := make([]byte, 0, 26)
	out = append2(append2(out, y/100), y%100)
	out = append2(append(out, '-'), m)
	out = append2(append(out, '-'), d)
	if dateOnly {
		return out, nil
	}
	out = append2(append(out, ' '), hh)
	out = append2(append(out, ':'), mm)
	out = append2(append(out, ':'), ss)
	return appendFrac(out, us, fracDigits(decimals)), nil
}

// formatWireTime writes a binary TIME as "[-]hh:mm:ss[.f]".
func formatWireTime(b []byte, decimals byte) ([]byte, error) {
	var neg bool
	var hours int64
	var mm, ss, us int
	switch len(b) {
	case 0:
	case 8, 12:
		neg = b[0] == 1
		hours = int64(binary.LittleEndian.Uint32(b[1:5]))*24 + int64(b[5])
		mm, ss = int(b[6]), int(b[7])
		if len(b) == 12 {
			us = int(binary.LittleEndian.Uint32(b[8:]))
		}
	default:
		return nil, fmt.Errorf("time of %d bytes: %w", len(b), errWireRow)
	}
	out := make([]byte, 0, 20)
	if neg {
		out = append(out, '-')
	}
	if hours >= 100 {
		out = strconv.AppendInt(out, hours, 10)
	} else {
		out = append2(out, int(hours))
	}
	out = append2(append(out, ':'), mm)
	out = append2(append(out, ':'), ss)
	return appendFrac(out, us, fracDigits(decimals)), nil
}

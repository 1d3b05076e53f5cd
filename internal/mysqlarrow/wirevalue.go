package mysqlarrow

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// The binary protocol's values: integers, floats, dates and times decoded
// from their bytes, and any value decoded into a driver value as
// go-sql-driver returns it (for the generic path and for messages).

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

// wireDate is the fields of a binary DATE, DATETIME or TIMESTAMP.
type wireDate struct{ y, m, d, hh, mm, ss, us int }

// decode reads a binary date of 0, 4, 7 or 11 bytes (zero, date,
// seconds, microseconds) into t; it returns false for another length.
// It fills t in place: the row decoder calls it for every date, and a
// wireDate returned by value was copied in 16-byte moves from the 8-byte
// stores that had just filled it, a store-forwarding stall on each (a
// third of the decoder's time on a table with DATE columns).
func (t *wireDate) decode(b []byte) bool {
	switch len(b) {
	case 0:
		*t = wireDate{}
	case 4, 7, 11:
		t.y, t.m, t.d = int(binary.LittleEndian.Uint16(b)), int(b[2]), int(b[3])
		t.hh, t.mm, t.ss, t.us = 0, 0, 0, 0
		if len(b) >= 7 {
			t.hh, t.mm, t.ss = int(b[4]), int(b[5]), int(b[6])
		}
		if len(b) == 11 {
			t.us = int(binary.LittleEndian.Uint32(b[7:]))
		}
	default:
		return false
	}
	return true
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
func wireValue(c mysqlwire.Column, b []byte) (v driver.Value, n int, err error) {
	if w := intWidth(c.Type); w > 0 {
		if len(b) < int(w) {
			return nil, 0, errWireRow
		}
		if i, ok := wireInt(b, w, c.Unsigned()); ok {
			return i, int(w), nil
		}
		return binary.LittleEndian.Uint64(b), 8, nil
	}
	switch {
	case c.Type == mysqlwire.TypeNull:
		return nil, 0, nil
	case c.Type == mysqlwire.TypeFloat:
		if len(b) < 4 {
			return nil, 0, errWireRow
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), 4, nil
	case c.Type == mysqlwire.TypeDouble:
		if len(b) < 8 {
			return nil, 0, errWireRow
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), 8, nil
	case lenencType(c.Type):
		s, n, ok := mysqlwire.LenencBytes(b)
		if !ok {
			return nil, 0, errWireRow
		}
		return s, n, nil
	case c.Type == mysqlwire.TypeDate || c.Type == mysqlwire.TypeNewDate || c.Type == mysqlwire.TypeDateTime || c.Type == mysqlwire.TypeTimestamp || c.Type == mysqlwire.TypeTime:
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, 0, errWireRow
		}
		raw := b[1 : 1+int(b[0])]
		var text []byte
		if c.Type == mysqlwire.TypeTime {
			text, err = formatWireTime(raw, c.Decimals)
		} else {
			text, err = formatWireDateTime(raw, c.Type == mysqlwire.TypeDate || c.Type == mysqlwire.TypeNewDate, c.Decimals)
		}
		return text, 1 + len(raw), err
	}
	return nil, 0, fmt.Errorf("field type 0x%02x: %w", c.Type, errWireRow)
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
	var t wireDate
	if !t.decode(b) {
		return nil, fmt.Errorf("date of %d bytes: %w", len(b), errWireRow)
	}
	out := make([]byte, 0, 26)
	out = append2(append2(out, t.y/100), t.y%100)
	out = append2(append(out, '-'), t.m)
	out = append2(append(out, '-'), t.d)
	if dateOnly {
		return out, nil
	}
	out = append2(append(out, ' '), t.hh)
	out = append2(append(out, ':'), t.mm)
	out = append2(append(out, ':'), t.ss)
	return appendFrac(out, t.us, fracDigits(decimals)), nil
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

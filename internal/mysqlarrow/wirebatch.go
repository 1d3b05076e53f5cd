package mysqlarrow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// How a column of a binary row is appended (wireOp.code). The common pairs
// of wire type and warehouse type are decoded in place; any other pair is
// decoded into a driver value, as go-sql-driver would return it, and
// handed to the column's driver-value appender (appenders.go), so both paths
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
	slotNull bool  // a NULL is one validity bit (fixed-width builder; text's and BINARY's offsets need AppendNull)
	col      mysqlwire.Column
	fb       array.Builder

	// st stages the values of a fixed-width column (stage.go); text
	// and blob append to their builders.
	st   *colStage
	text *array.StringBuilder
	blob *array.BinaryBuilder

	prec, scale int
	month       monthCache // of a DATE or DATETIME column
}

// monthCache holds the day number (days since 1970-01-01) of the first
// day of one month and the month's length: a column's dates mostly fall
// in few months, and a date of the month cached costs a comparison.
type monthCache struct {
	ym    int // year<<8 | month
	first int64
	days  int // 0 until a month is cached
}

// day returns the day number of y-m-d, or the anomaly that keeps the date
// out (zero, partial or invalid: dateAnomaly).
func (c *monthCache) day(y, m, d int) (int64, string) {
	if y<<8|m == c.ym && d >= 1 && d <= c.days {
		return c.first + int64(d-1), ""
	}
	if kind := dateAnomaly(y, m, d); kind != "" {
		return 0, kind
	}
	c.ym, c.first, c.days = y<<8|m, daysFromCivil(y, m, 1), daysIn(y, m)
	return c.first + int64(d-1), ""
}

// intWidth is the size of an integer wire type, 0 for another type.
func intWidth(typ byte) uint8 {
	switch typ {
	case mysqlwire.TypeTiny:
		return 1
	case mysqlwire.TypeShort, mysqlwire.TypeYear:
		return 2
	case mysqlwire.TypeLong, mysqlwire.TypeInt24:
		return 4
	case mysqlwire.TypeLongLong:
		return 8
	}
	return 0
}

// lenencType reports whether values of typ are length-encoded strings.
func lenencType(typ byte) bool {
	switch typ {
	case mysqlwire.TypeDecimal, mysqlwire.TypeNewDecimal, mysqlwire.TypeVarChar, mysqlwire.TypeBit, mysqlwire.TypeEnum, mysqlwire.TypeSet,
		mysqlwire.TypeTinyBlob, mysqlwire.TypeMediumBlob, mysqlwire.TypeLongBlob, mysqlwire.TypeBlob, mysqlwire.TypeVarString,
		mysqlwire.TypeString, mysqlwire.TypeGeometry, mysqlwire.TypeJSON, mysqlwire.TypeVector:
		return true
	}
	return false
}

// wirePlan returns the ops for a result with columns cols, which must be
// t's columns in order.
func (b *Batcher) wirePlan(cols []mysqlwire.Column) ([]wireOp, error) {
	if len(cols) != len(b.t.Columns) {
		return nil, fmt.Errorf("result has %d columns, table %s has %d", len(cols), b.t.Name, len(b.t.Columns))
	}
	ops := make([]wireOp, len(cols))
	for i, wc := range cols {
		c := &b.t.Columns[i]
		op := &ops[i]
		op.col, op.fb, op.key = wc, b.rb.Field(i), i == b.keyCol
		op.width, op.unsigned = intWidth(wc.Type), wc.Unsigned()
		switch op.fb.Type().(type) {
		case arrow.FixedWidthDataType:
			op.slotNull = true
		}
		// Integers are decoded here, not through intRange's closures:
		// an indirect call per value cost 3 % of snapshot-1m.
		switch {
		case c.Kind == KindInt && op.width > 0 && intBuilder(op.fb):
			op.code = opInt
		case c.Kind == KindUint && op.width > 0 && intBuilder(op.fb):
			op.code = opUint
		case c.Kind == KindFloat32 && wc.Type == mysqlwire.TypeFloat:
			op.code = opFloat32
		case c.Kind == KindFloat64 && wc.Type == mysqlwire.TypeDouble:
			op.code = opFloat64
		case c.Kind == KindDecimal && (wc.Type == mysqlwire.TypeNewDecimal || wc.Type == mysqlwire.TypeDecimal):
			op.code = opDecimal
			op.prec, op.scale = int(c.Precision), int(c.Scale)
		case c.Kind == KindText && lenencType(wc.Type) && wc.Type != mysqlwire.TypeBit:
			op.code, op.text = opText, op.fb.(*array.StringBuilder)
		case c.Kind == KindBlob && lenencType(wc.Type):
			op.code, op.blob = opBlob, op.fb.(*array.BinaryBuilder)
		case c.Kind == KindDate && (wc.Type == mysqlwire.TypeDate || wc.Type == mysqlwire.TypeNewDate):
			op.code = opDate
		case c.Kind == KindDateTime && (wc.Type == mysqlwire.TypeDateTime || wc.Type == mysqlwire.TypeTimestamp):
			op.code = opDateTime
		default:
			op.code = opGeneric
		}
		if stageable(op.code) {
			op.st = &b.stage[i]
		}
	}
	return ops, nil
}

// intBuilder reports whether fb is an integer builder.
func intBuilder(fb array.Builder) bool {
	switch fb.(type) {
	case *array.Int8Builder, *array.Int16Builder, *array.Int32Builder, *array.Int64Builder,
		*array.Uint8Builder, *array.Uint16Builder, *array.Uint32Builder, *array.Uint64Builder:
		return true
	}
	return false
}

// WirePlan is how the rows of one binary result are appended: an op per
// column.
type WirePlan struct{ ops []wireOp }

// PlanWire returns the plan for a result with columns cols, which must be
// the table's columns in order.
func (b *Batcher) PlanWire(cols []mysqlwire.Column) (*WirePlan, error) {
	ops, err := b.wirePlan(cols)
	if err != nil {
		return nil, err
	}
	return &WirePlan{ops}, nil
}

// Fits reports whether p was planned for a result with columns cols.
func (p *WirePlan) Fits(cols []mysqlwire.Column) bool {
	if len(p.ops) != len(cols) {
		return false
	}
	for i := range p.ops {
		if p.ops[i].col != cols[i] {
			return false
		}
	}
	return true
}

// AddWire appends one binary-protocol row, the payload of its packet, by
// plan p.
func (b *Batcher) AddWire(p *WirePlan, data []byte) error { return b.addWire(p.ops, data) }

// errWireRow marks a malformed binary row.
var errWireRow = errors.New("malformed binary row")

// addWire appends one binary-protocol row (the payload of its packet).
// One case per op: the loop over a row's values is the hottest of the
// snapshot, and a function per op cost a call per value.
func (b *Batcher) addWire(ops []wireOp, data []byte) error {
	b.total++
	nullBytes := (len(ops) + 9) >> 3
	if len(data) < 1+nullBytes {
		return b.wireRowError(ops, data, -1, errWireRow)
	}
	nulls := data[1 : 1+nullBytes]
	pos := 1 + nullBytes
	if len(ops) > 0 && (len(b.staging) == 0 || &ops[0] != &b.staging[0]) {
		b.useStaging(ops)
	}
	if b.rows >= b.reserved {
		b.reserve()
	}
	// Below b.reserved every builder has room for this row (the text
	// appends skip the capacity check of each value, UnsafeAppend), and
	// every staged column a slot at r.
	r := b.rows - b.spilled
	var anomalies []wireAnomaly
	for i := range ops {
		op := &ops[i]
		if nulls[(i+2)>>3]&(1<<((i+2)&7)) != 0 {
			if op.st != nil {
				op.st.ok[r] = false
			} else if op.slotNull {
				op.fb.UnsafeAppendBoolToBitmap(false)
			} else {
				op.fb.AppendNull()
			}
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
			if st := op.st; ok {
				switch {
				case st.i64 != nil:
					st.i64[r] = v
				case st.i32 != nil && v >= math.MinInt32 && v <= math.MaxInt32:
					st.i32[r] = int32(v)
				case st.i16 != nil && v >= math.MinInt16 && v <= math.MaxInt16:
					st.i16[r] = int16(v)
				case st.i8 != nil && v >= math.MinInt8 && v <= math.MaxInt8:
					st.i8[r] = int8(v)
				default:
					ok = false
				}
				st.ok[r] = true
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
			if st := op.st; ok {
				switch {
				case st.u64 != nil:
					st.u64[r] = v
				case st.u32 != nil && v <= math.MaxUint32:
					st.u32[r] = uint32(v)
				case st.u16 != nil && v <= math.MaxUint16:
					st.u16[r] = uint16(v)
				case st.u8 != nil && v <= math.MaxUint8:
					st.u8[r] = uint8(v)
				default:
					ok = false
				}
				st.ok[r] = true
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
			op.st.f32[r], op.st.ok[r] = math.Float32frombits(binary.LittleEndian.Uint32(rest)), true
			pos += 4
		case opFloat64:
			if len(rest) < 8 {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			op.st.f64[r], op.st.ok[r] = math.Float64frombits(binary.LittleEndian.Uint64(rest)), true
			pos += 8
		case opDecimal, opText, opBlob:
			s, n, ok := mysqlwire.LenencBytes(rest)
			if !ok {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			pos += n
			switch op.code {
			case opDecimal:
				d, err := parseDecimal(s, op.prec, op.scale)
				if err != nil {
					return b.wireRowError(ops, data, i, err)
				}
				op.st.dec[r], op.st.ok[r] = d, true
			case opText:
				b.bytes += len(s)
				if !validUTF8(s) {
					s = bytes.ToValidUTF8(s, []byte("\uFFFD"))
					anomalies = append(anomalies, wireAnomaly{i, AnomalyInvalidUTF8})
				}
				// room for the bytes at least doubles, as reserve's
				// for the rows (ReserveData(len(s)) alone would copy
				// the column's bytes at every value).
				if op.text.DataCap()-op.text.DataLen() < len(s) {
					op.text.ReserveData(max(len(s), op.text.DataCap(), 64<<10))
				}
				op.text.BinaryBuilder.UnsafeAppend(s)
			default:
				b.bytes += len(s)
				op.blob.Append(s)
			}
		case opDate, opDateTime:
			if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			var t wireDate
			if !t.decode(rest[1 : 1+int(rest[0])]) {
				return b.wireRowError(ops, data, i, errWireRow)
			}
			pos += 1 + int(rest[0])
			days, kind := op.month.day(t.y, t.m, t.d)
			switch {
			case kind != "":
				op.st.ok[r] = false
				anomalies = append(anomalies, wireAnomaly{i, kind})
			case t.hh > 23 || t.mm > 59 || t.ss > 59 || t.us > 999_999:
				return b.wireRowError(ops, data, i, errBadValue)
			case op.code == opDate:
				if t.hh|t.mm|t.ss|t.us != 0 {
					return b.wireRowError(ops, data, i, errBadValue)
				}
				op.st.date[r], op.st.ok[r] = arrow.Date32(days), true
			default:
				op.st.ts[r], op.st.ok[r] = arrow.Timestamp(wallMicros(days, t.hh, t.mm, t.ss, t.us)), true
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
func (b *Batcher) wireRowError(ops []wireOp, data []byte, col int, err error) error {
	b.rowFailed()
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

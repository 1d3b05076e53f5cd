package mysqlarrow

import (
	"database/sql/driver"
	"errors"
	"math"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

// TestWireValue_DriverText: dates and times read as text the way
// go-sql-driver formats them without ParseTime (formatBinaryDateTime,
// formatBinaryTime).
func TestWireValue_DriverText(t *testing.T) {
	tests := []struct {
		name string
		c    mysqlwire.Column
		v    []byte
		want string
	}{
		{"zero DATETIME(6)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wRaw(), "0000-00-00 00:00:00.000000"},
		{"zero DATETIME", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wRaw(), "0000-00-00 00:00:00"},
		{"zero DATETIME(3)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 3}, wRaw(), "0000-00-00 00:00:00.000"},
		{"zero TIMESTAMP decimals 0x1f", mysqlwire.Column{Type: mysqlwire.TypeTimestamp, Decimals: 0x1f}, wRaw(), "0000-00-00 00:00:00"},
		{"zero DATE", mysqlwire.Column{Type: mysqlwire.TypeDate}, wRaw(), "0000-00-00"},
		{"DATE", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDate(2024, 2, 9), "2024-02-09"},
		{"DATE of 7 bytes", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDT(2024, 2, 9, 0, 0, 0, -1), "2024-02-09"},
		{"DATETIME of 4 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wDate(2024, 2, 9), "2024-02-09 00:00:00"},
		{"DATETIME(6) of 4 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDate(2024, 2, 9), "2024-02-09 00:00:00.000000"},
		{"DATETIME(6) of 7 bytes", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 2, 9, 1, 2, 3, -1), "2024-02-09 01:02:03.000000"},
		{"DATETIME(6)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 6}, wDT(2024, 2, 9, 1, 2, 3, 4005), "2024-02-09 01:02:03.004005"},
		{"DATETIME(3)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 3}, wDT(2024, 2, 9, 1, 2, 3, 123456), "2024-02-09 01:02:03.123"},
		{"DATETIME(1)", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 1}, wDT(2024, 2, 9, 1, 2, 3, 50000), "2024-02-09 01:02:03.0"},
		{"TIMESTAMP(2)", mysqlwire.Column{Type: mysqlwire.TypeTimestamp, Decimals: 2}, wDT(2024, 2, 9, 1, 2, 3, 999999), "2024-02-09 01:02:03.99"},
		{"DATETIME decimals 0x1f with micros", mysqlwire.Column{Type: mysqlwire.TypeDateTime, Decimals: 0x1f}, wDT(2024, 2, 9, 1, 2, 3, 5), "2024-02-09 01:02:03"},
		{"year 5", mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wDT(5, 1, 1, 0, 0, 0, -1), "0005-01-01 00:00:00"},
		{"partial date", mysqlwire.Column{Type: mysqlwire.TypeDate}, wDate(2021, 0, 0), "2021-00-00"},
		{"zero TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wRaw(), "00:00:00"},
		{"zero TIME(3)", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wRaw(), "00:00:00.000"},
		{"TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 0, 1, 2, 3, -1), "01:02:03"},
		{"TIME(3)", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wTime(false, 0, 1, 2, 3, 456789), "01:02:03.456"},
		{"TIME(6) of 8 bytes", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 6}, wTime(false, 0, 1, 2, 3, -1), "01:02:03.000000"},
		{"TIME 99 hours", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 4, 3, 0, 0, -1), "99:00:00"},
		{"TIME 100+ hours", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(false, 4, 4, 5, 6, -1), "100:05:06"},
		{"TIME 838 hours", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 3}, wTime(false, 34, 22, 59, 59, 0), "838:59:59.000"},
		{"negative TIME", mysqlwire.Column{Type: mysqlwire.TypeTime}, wTime(true, 0, 1, 2, 3, -1), "-01:02:03"},
		{"negative TIME 100+ hours", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 2}, wTime(true, 34, 22, 59, 59, 990000), "-838:59:59.99"},
		{"TIME decimals 0x1f", mysqlwire.Column{Type: mysqlwire.TypeTime, Decimals: 0x1f}, wTime(false, 0, 1, 2, 3, 5), "01:02:03"},
		{"DECIMAL", mysqlwire.Column{Type: mysqlwire.TypeNewDecimal}, wStr("-1.50"), "-1.50"},
		{"VARCHAR", mysqlwire.Column{Type: mysqlwire.TypeVarString}, wStr("x y"), "x y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append(tc.v, 0xaa, 0xbb) // what follows is not read
			v, n, err := wireValue(tc.c, in)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(tc.v) {
				t.Errorf("read %d bytes, want %d", n, len(tc.v))
			}
			b, ok := v.([]byte)
			if !ok || string(b) != tc.want {
				t.Errorf("%#v, want %q", v, tc.want)
			}
		})
	}
}

func TestWireValue_Numbers(t *testing.T) {
	tests := []struct {
		name string
		c    mysqlwire.Column
		v    []byte
		want driver.Value
	}{
		{"TINYINT", mysqlwire.Column{Type: mysqlwire.TypeTiny}, []byte{0xff}, int64(-1)},
		{"TINYINT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeTiny, Flags: mysqlwire.FlagUnsigned}, []byte{0xff}, int64(255)},
		{"SMALLINT", mysqlwire.Column{Type: mysqlwire.TypeShort}, wI16(-2), int64(-2)},
		{"SMALLINT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeShort, Flags: mysqlwire.FlagUnsigned}, wI16(-2), int64(65534)},
		{"YEAR", mysqlwire.Column{Type: mysqlwire.TypeYear, Flags: mysqlwire.FlagUnsigned}, wI16(2155), int64(2155)},
		{"MEDIUMINT", mysqlwire.Column{Type: mysqlwire.TypeInt24}, wI32(-8388608), int64(-8388608)},
		{"INT", mysqlwire.Column{Type: mysqlwire.TypeLong}, wI32(-1), int64(-1)},
		{"INT UNSIGNED", mysqlwire.Column{Type: mysqlwire.TypeLong, Flags: mysqlwire.FlagUnsigned}, wI32(-1), int64(math.MaxUint32)},
		{"BIGINT", mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI64(math.MinInt64), int64(math.MinInt64)},
		{"BIGINT UNSIGNED small", mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxInt64), int64(math.MaxInt64)},
		{"BIGINT UNSIGNED large", mysqlwire.Column{Type: mysqlwire.TypeLongLong, Flags: mysqlwire.FlagUnsigned}, wU64(math.MaxUint64), uint64(math.MaxUint64)},
		{"FLOAT", mysqlwire.Column{Type: mysqlwire.TypeFloat}, wF32(1.25), float32(1.25)},
		{"DOUBLE", mysqlwire.Column{Type: mysqlwire.TypeDouble}, wF64(-1e100), -1e100},
		{"NULL", mysqlwire.Column{Type: mysqlwire.TypeNull}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, n, err := wireValue(tc.c, append(tc.v, 0xaa))
			if err != nil {
				t.Fatal(err)
			}
			if v != tc.want || n != len(tc.v) {
				t.Errorf("%#v (%d bytes), want %#v (%d)", v, n, tc.want, len(tc.v))
			}
		})
	}
	// malformed values
	for _, tc := range []struct {
		c mysqlwire.Column
		v []byte
	}{
		{mysqlwire.Column{Type: mysqlwire.TypeLongLong}, wI32(1)},
		{mysqlwire.Column{Type: mysqlwire.TypeTiny}, nil},
		{mysqlwire.Column{Type: mysqlwire.TypeFloat}, []byte{1, 2, 3}},
		{mysqlwire.Column{Type: mysqlwire.TypeDouble}, wF32(1)},
		{mysqlwire.Column{Type: mysqlwire.TypeVarString}, []byte{5, 'a'}},
		{mysqlwire.Column{Type: mysqlwire.TypeVarString}, []byte{0xfb}},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, nil},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, []byte{4, 1, 2}},
		{mysqlwire.Column{Type: mysqlwire.TypeDateTime}, wRaw(1, 2, 3)},
		{mysqlwire.Column{Type: mysqlwire.TypeTime}, wRaw(1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{mysqlwire.Column{Type: 0x11}, []byte{1, 2, 3}}, // TIMESTAMP2: not sent on the wire
	} {
		if v, _, err := wireValue(tc.c, tc.v); err == nil || !errors.Is(err, errWireRow) {
			t.Errorf("wireValue(type %#x, % x) = %v, %v", tc.c.Type, tc.v, v, err)
		}
	}
}

func TestWireValue_FormatErrors(t *testing.T) {
	for _, n := range []int{1, 3, 5, 8, 12} {
		if _, err := formatWireDateTime(make([]byte, n), false, 0); err == nil {
			t.Errorf("formatWireDateTime of %d bytes: no error", n)
		}
	}
	for _, n := range []int{1, 7, 9, 11, 13} {
		if _, err := formatWireTime(make([]byte, n), 0); err == nil {
			t.Errorf("formatWireTime of %d bytes: no error", n)
		}
	}
}

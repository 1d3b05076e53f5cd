package mysqlarrow

import (
	"errors"
	"testing"
	"time"
)

func TestParseDecimal(t *testing.T) {
	for _, tt := range []struct {
		in         string
		prec, scal int
		want       string // fmt of the value, or "error"
	}{
		{"12345678901234.123456", 20, 6, "12345678901234123456"},
		{"-0.000001", 20, 6, "-1"},
		{"1234567.89", 9, 2, "123456789"},
		{"-0.50", 9, 2, "-50"},
		{"5", 9, 2, "500"},
		{"1234567890123456789012345678.0123456789", 38, 10, "12345678901234567890123456780123456789"},
		{"99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999"},
		{"1.234", 9, 2, "error"},
		{"1e5", 9, 2, "error"},
		{"", 9, 2, "error"},
		{"-", 9, 2, "error"},
		{"+.5", 9, 2, "50"},
		{"170141183460469231731687303715884105728", 38, 0, "error"}, // 2^127
		{"-99999999999999999999999999999999999999", 38, 0, "-99999999999999999999999999999999999999"},
	} {
		v, err := parseDecimal([]byte(tt.in), tt.prec, tt.scal)
		got := v.BigInt().String()
		if err != nil {
			got = "error"
			if !errors.Is(err, errBadValue) {
				t.Errorf("parseDecimal(%q): %v does not wrap errBadValue", tt.in, err)
			}
		}
		if got != tt.want {
			t.Errorf("parseDecimal(%q, %d, %d) = %s, want %s", tt.in, tt.prec, tt.scal, got, tt.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	for _, tt := range []struct {
		in       string
		dateOnly bool
		want     string // RFC 3339 in UTC, an anomaly kind, or "error"
	}{
		{"2026-11-20 23:59:59", false, "2026-11-20T23:59:59Z"},
		{"2026-11-20 23:59:59.123456", false, "2026-11-20T23:59:59.123456Z"},
		{"2026-11-20 23:59:59.1", false, "2026-11-20T23:59:59.1Z"},
		{"1000-01-01 00:00:00", false, "1000-01-01T00:00:00Z"},
		{"2026-11-20", true, "2026-11-20T00:00:00Z"},
		{"2026-11-20 00:00:00", true, "2026-11-20T00:00:00Z"},
		{"0000-00-00 00:00:00", true, AnomalyZeroDate},
		{"2026-11-20 00:00:01", true, "error"},
		{"0000-00-00 00:00:00", false, AnomalyZeroDate},
		{"0000-00-00", true, AnomalyZeroDate},
		{"2021-00-10 00:00:00", false, AnomalyPartialDate},
		{"2021-05-00", true, AnomalyPartialDate},
		{"2021-02-30", true, AnomalyInvalidDate},
		{"2021-13-01", true, AnomalyInvalidDate},
		{"2026-11-20 24:00:00", false, "error"},
		{"2026-11-20T23:59:59", false, "error"},
		{"20261120", true, "error"},
		{"2026-11-20 23:59:59.", false, "error"},
		{"2026-11-20 23:59:59.1234567890", false, "error"},
		{"1969-12-31", true, "1969-12-31T00:00:00Z"},
		{"0001-01-01", true, "0001-01-01T00:00:00Z"},
		{"9999-12-31", true, "9999-12-31T00:00:00Z"},
		{"2024-02-29", true, "2024-02-29T00:00:00Z"},
		{"1900-02-29", true, AnomalyInvalidDate},
		{"1900-03-01 12:00:00", false, "1900-03-01T12:00:00Z"},
		{"1969-12-31 12:00:00", true, "error"},
		{"2000-02-29 01:02:03.000", false, "2000-02-29T01:02:03Z"},
		{"2026-11-20 23:59:59.123456789", false, "2026-11-20T23:59:59.123456Z"},
		// A DATETIME's date alone is midnight when valid, an error otherwise.
		{"2026-11-20", false, "2026-11-20T00:00:00Z"},
		{"0000-00-00", false, "error"},
		{"2026-11-20 12:00", false, "error"},
	} {
		v, kind, err := parseDateTime([]byte(tt.in), tt.dateOnly)
		var got string
		switch {
		case err != nil:
			got = "error"
		case kind != "":
			got = kind
			if v != 0 {
				t.Errorf("parseDateTime(%q): anomaly with value %v, want 0", tt.in, v)
			}
		default:
			got = time.UnixMicro(v).UTC().Format(time.RFC3339Nano)
		}
		if got != tt.want {
			t.Errorf("parseDateTime(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64 // micros; -1 for an error
	}{
		{"12:34:56", (12*3600 + 34*60 + 56) * 1e6},
		{"12:34:56.789", (12*3600+34*60+56)*1e6 + 789000},
		{"-838:59:59", -(838*3600 + 59*60 + 59) * 1e6},
		{"00:00:00.000001", 1},
		{"12:34", -1},
		{"ab:00:00", -1},
	} {
		got, err := parseTime([]byte(tt.in))
		if err != nil {
			got = -1
		}
		if got != tt.want {
			t.Errorf("parseTime(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseBit(t *testing.T) {
	v, err := parseBit([]byte{0x02, 0xAA})
	if err != nil || v != 682 {
		t.Errorf("parseBit = %v, %v; want 682", v, err)
	}
	if _, err := parseBit(make([]byte, 9)); err == nil {
		t.Error("9 bytes: want an error")
	}
}

func TestMapColumn(t *testing.T) {
	for _, tt := range []struct {
		dataType, columnType string
		prec, scale          int64
		want                 string
		kind                 Kind
		known                bool
	}{
		{"tinyint", "tinyint(1)", 3, 0, "TINYINT", KindInt, true},
		{"tinyint", "tinyint(3) unsigned", 3, 0, "UTINYINT", KindUint, true},
		{"smallint", "smallint(5) unsigned", 5, 0, "USMALLINT", KindUint, true},
		{"mediumint", "mediumint(9)", 7, 0, "INTEGER", KindInt, true},
		{"int", "int(10) unsigned", 10, 0, "UINTEGER", KindUint, true},
		{"bigint", "bigint(20) unsigned", 20, 0, "UBIGINT", KindUint, true},
		{"bigint", "bigint(20)", 19, 0, "BIGINT", KindInt, true},
		{"decimal", "decimal(20,6)", 20, 6, "DECIMAL(20,6)", KindDecimal, true},
		{"decimal", "decimal(5,2) unsigned", 5, 2, "DECIMAL(5,2)", KindDecimal, true},
		{"decimal", "decimal(65,4)", 65, 4, "VARCHAR", KindText, true},
		{"float", "float", 12, 0, "FLOAT", KindFloat32, true},
		{"double", "double", 22, 0, "DOUBLE", KindFloat64, true},
		{"varchar", "varchar(20)", 0, 0, "VARCHAR", KindText, true},
		{"enum", "enum('a','b')", 0, 0, "VARCHAR", KindText, true},
		{"json", "json", 0, 0, "VARCHAR", KindText, true},
		{"longblob", "longblob", 0, 0, "BLOB", KindBlob, true},
		{"date", "date", 0, 0, "DATE", KindDate, true},
		{"datetime", "datetime(6)", 0, 0, "TIMESTAMP", KindDateTime, true},
		{"timestamp", "timestamp", 0, 0, "TIMESTAMP", KindDateTime, true},
		{"time", "time", 0, 0, "INTERVAL", KindTime, true},
		{"bit", "bit(10)", 10, 0, "UBIGINT", KindBit, true},
		{"year", "year(4)", 0, 0, "SMALLINT", KindInt, true},
		{"madeup", "madeup", 0, 0, "VARCHAR", KindText, false},
	} {
		c := Column{Name: "c", DataType: tt.dataType, ColumnType: tt.columnType, Precision: tt.prec, Scale: tt.scale}
		known := MapColumn(&c)
		if c.Duck != tt.want || c.Kind != tt.kind || known != tt.known {
			t.Errorf("MapColumn(%s) = %s %d %v, want %s %d %v", tt.columnType, c.Duck, c.Kind, known, tt.want, tt.kind, tt.known)
		}
	}
}

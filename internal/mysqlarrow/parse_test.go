package snapshot

import (
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
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
	} {
		v, err := parseDecimal([]byte(tt.in), tt.prec, tt.scal)
		got := fmt.Sprint(v)
		if err != nil {
			got = "error"
			if !errors.Is(err, errBadValue) {
				t.Errorf("parseDecimal(%q): %v does not wrap errBadValue", tt.in, err)
			}
		}
		if got != tt.want {
			t.Errorf("parseDecimal(%q, %d, %d) = %s, want %s", tt.in, tt.prec, tt.scal, got, tt.want)
		}
		if err == nil && tt.prec > 18 {
			if _, ok := v.(*big.Int); !ok {
				t.Errorf("parseDecimal(%q) is %T, want *big.Int for precision %d", tt.in, v, tt.prec)
			}
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
	} {
		v, kind, err := parseDateTime([]byte(tt.in), tt.dateOnly)
		var got string
		switch {
		case err != nil:
			got = "error"
		case kind != "":
			got = kind
			if v != nil {
				t.Errorf("parseDateTime(%q): anomaly with value %v, want NULL", tt.in, v)
			}
		default:
			got = v.(time.Time).Format(time.RFC3339Nano)
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
		v, err := parseTime([]byte(tt.in))
		got := int64(-1)
		if err == nil {
			got = v.(duckdb.Interval).Micros
		}
		if got != tt.want {
			t.Errorf("parseTime(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseBit(t *testing.T) {
	v, err := parseBit([]byte{0x02, 0xAA})
	if err != nil || v.(uint64) != 682 {
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
		known                bool
	}{
		{"tinyint", "tinyint(1)", 3, 0, "TINYINT", true},
		{"tinyint", "tinyint(3) unsigned", 3, 0, "UTINYINT", true},
		{"smallint", "smallint(5) unsigned", 5, 0, "USMALLINT", true},
		{"mediumint", "mediumint(9)", 7, 0, "INTEGER", true},
		{"int", "int(10) unsigned", 10, 0, "UINTEGER", true},
		{"bigint", "bigint(20) unsigned", 20, 0, "UBIGINT", true},
		{"bigint", "bigint(20)", 19, 0, "BIGINT", true},
		{"decimal", "decimal(20,6)", 20, 6, "DECIMAL(20,6)", true},
		{"decimal", "decimal(65,4)", 65, 4, "VARCHAR", true},
		{"float", "float", 12, 0, "FLOAT", true},
		{"double", "double", 22, 0, "DOUBLE", true},
		{"varchar", "varchar(20)", 0, 0, "VARCHAR", true},
		{"enum", "enum('a','b')", 0, 0, "VARCHAR", true},
		{"json", "json", 0, 0, "VARCHAR", true},
		{"longblob", "longblob", 0, 0, "BLOB", true},
		{"date", "date", 0, 0, "DATE", true},
		{"datetime", "datetime(6)", 0, 0, "TIMESTAMP", true},
		{"timestamp", "timestamp", 0, 0, "TIMESTAMP", true},
		{"time", "time", 0, 0, "INTERVAL", true},
		{"bit", "bit(10)", 10, 0, "UBIGINT", true},
		{"year", "year(4)", 0, 0, "SMALLINT", true},
		{"madeup", "madeup", 0, 0, "VARCHAR", false},
	} {
		c := column{Name: "c", DataType: tt.dataType, ColumnType: tt.columnType, Precision: tt.prec, Scale: tt.scale}
		known := mapColumn(&c)
		if c.Duck != tt.want || known != tt.known {
			t.Errorf("mapColumn(%s) = %s %v, want %s %v", tt.columnType, c.Duck, known, tt.want, tt.known)
		}
	}
}

func TestColumn_Convert(t *testing.T) {
	text := column{Name: "s", Kind: kindText}
	raw := sql.RawBytes("a\xffb")
	v, kind, err := text.convert(&raw)
	if err != nil || kind != AnomalyInvalidUTF8 || string(v.([]byte)) != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q %q %v", v, kind, err)
	}
	raw = sql.RawBytes("")
	if v, _, _ := text.convert(&raw); v == nil || len(v.([]byte)) != 0 {
		t.Errorf("empty string converted to %#v, want empty, not NULL", v)
	}
	var null sql.RawBytes
	if v, _, _ := text.convert(&null); v != nil {
		t.Errorf("NULL converted to %#v", v)
	}
	ubig := column{Name: "u", Kind: kindUint, Duck: "UBIGINT"}
	var n any = uint64(18446744073709551615)
	if v, _, err := ubig.convert(&n); err != nil || v.(uint64) != 18446744073709551615 {
		t.Errorf("uint64 max: %v %v", v, err)
	}
	n = int64(-1)
	if _, _, err := ubig.convert(&n); err == nil {
		t.Error("negative into UBIGINT: want an error")
	}
	n = []byte("42")
	if v, _, err := ubig.convert(&n); err != nil || v.(uint64) != 42 {
		t.Errorf("text 42: %v %v", v, err)
	}
}

func TestRedact(t *testing.T) {
	err := redact(fmt.Errorf("connect: user:s3cret@x failed: %w", ErrSource), "s3cret", "")
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, ErrSource) {
		t.Errorf("redact = %v", err)
	}
	if got := guessPassword("u:p@ss@tcp(h:1/db"); got != "p@ss" {
		t.Errorf("guessPassword = %q", got)
	}
	if got := guessPassword("tcp(h:1)/db"); got != "" {
		t.Errorf("guessPassword without user info = %q", got)
	}
}

func TestSourceConfig(t *testing.T) {
	cfg, err := sourceConfig("audit:pw@tcp(db:3306)/biz?time_zone=%27UTC%27")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ParseTime || cfg.Loc.String() != "Asia/Shanghai" || cfg.InterpolateParams || cfg.Params["time_zone"] != "'+08:00'" {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := sourceConfig("audit:pw@tcp(db:3306)/"); err == nil {
		t.Error("DSN without database: want an error")
	}
}

func TestParseWallMicros(t *testing.T) {
	for _, c := range []struct {
		in       string
		dateOnly bool
	}{
		{"2026-11-20", true}, {"1970-01-01", true}, {"1969-12-31", true}, {"0001-01-01", true}, {"9999-12-31", true},
		{"2024-02-29", true}, {"2026-11-20 23:59:59", false}, {"2026-11-20 23:59:59.123456", false},
		{"2026-11-20 00:00:00.1", false}, {"1900-03-01 12:00:00", false}, {"2000-02-29 01:02:03.000", false},
		{"0000-00-00", true}, {"2021-00-10 08:00:00", false}, {"2021-02-30", true}, {"2026-11-20 00:00:00", true},
	} {
		got, kind, err := parseWallMicros([]byte(c.in), c.dateOnly)
		v, wantKind, wantErr := parseDateTime([]byte(c.in), c.dateOnly)
		var want int64
		if tm, ok := v.(time.Time); ok {
			want = tm.UnixMicro()
		}
		if got != want || kind != wantKind || (err == nil) != (wantErr == nil) {
			t.Errorf("parseWallMicros(%q) = %d %q %v, want %d %q %v", c.in, got, kind, err, want, wantKind, wantErr)
		}
	}
}

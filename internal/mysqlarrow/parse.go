package snapshot

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// Anomaly kinds of audit.snapshot_anomalies.
const (
	AnomalyZeroDate    = "zero_date"    // 0000-00-00: loaded as NULL
	AnomalyPartialDate = "partial_date" // month or day 0, e.g. 2021-00-10: NULL
	AnomalyInvalidDate = "invalid_date" // e.g. 2021-02-30 (ALLOW_INVALID_DATES): NULL
	AnomalyInvalidUTF8 = "invalid_utf8" // invalid bytes replaced with U+FFFD
)

// errBadValue marks a value the loader cannot read at all; the table fails.
var errBadValue = errors.New("unreadable value")

// convert turns the scanned value of c into an Appender value. anomaly is
// non-empty when the value could not be carried as it was.
func (c *column) convert(dest any) (v driver.Value, anomaly string, err error) {
	if p, ok := dest.(*any); ok {
		return c.convertNumber(*p)
	}
	raw := *dest.(*sql.RawBytes)
	if raw == nil {
		return nil, "", nil
	}
	switch c.Kind {
	case kindDecimal:
		v, err = parseDecimal(raw, int(c.Precision), int(c.Scale))
		return v, "", err
	case kindText:
		if utf8.Valid(raw) {
			return []byte(raw), "", nil
		}
		return bytes.ToValidUTF8(raw, []byte("\uFFFD")), AnomalyInvalidUTF8, nil
	case kindBlob:
		return []byte(raw), "", nil
	case kindDate:
		return parseDateTime(raw, true)
	case kindDateTime:
		return parseDateTime(raw, false)
	case kindTime:
		v, err = parseTime(raw)
		return v, "", err
	case kindBit:
		v, err = parseBit(raw)
		return v, "", err
	}
	return nil, "", fmt.Errorf("column kind %d: %w", c.Kind, errBadValue)
}

func (c *column) convertNumber(v any) (driver.Value, string, error) {
	if v == nil {
		return nil, "", nil
	}
	if b, ok := v.([]byte); ok { // a server that sends numbers as text
		var err error
		switch c.Kind {
		case kindInt:
			v, err = strconv.ParseInt(string(b), 10, 64)
		case kindUint:
			v, err = strconv.ParseUint(string(b), 10, 64)
		case kindFloat32:
			var f float64
			f, err = strconv.ParseFloat(string(b), 32)
			v = float32(f)
		case kindFloat64:
			v, err = strconv.ParseFloat(string(b), 64)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%q: %w", b, errBadValue)
		}
	}
	switch c.Kind {
	case kindInt:
		switch n := v.(type) {
		case int64:
			return n, "", nil
		case uint64:
			if n <= math.MaxInt64 {
				return int64(n), "", nil
			}
		}
	case kindUint:
		switch n := v.(type) {
		case uint64:
			return n, "", nil
		case int64:
			if n >= 0 {
				return uint64(n), "", nil
			}
		}
	case kindFloat32:
		switch n := v.(type) {
		case float32:
			return n, "", nil
		case float64:
			return float32(n), "", nil
		}
	case kindFloat64:
		switch n := v.(type) {
		case float64:
			return n, "", nil
		case float32:
			return float64(n), "", nil
		}
	}
	return nil, "", fmt.Errorf("%v (%T) for %s: %w", v, v, c.Duck, errBadValue)
}

// parseDecimal reads MySQL's text of a DECIMAL(p,s) as the unscaled
// integer DuckDB stores: int64 up to 18 digits, *big.Int above.
func parseDecimal(b []byte, precision, scale int) (driver.Value, error) {
	s := b
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := bytes.Cut(s, []byte("."))
	if len(intPart) == 0 && len(frac) == 0 || len(frac) > scale || !allDigits(intPart) || !allDigits(frac) {
		return nil, fmt.Errorf("decimal %q: %w", b, errBadValue)
	}
	digits := make([]byte, 0, len(intPart)+scale+1)
	if neg {
		digits = append(digits, '-')
	}
	digits = append(digits, intPart...)
	digits = append(digits, frac...)
	for i := len(frac); i < scale; i++ {
		digits = append(digits, '0')
	}
	if precision <= 18 {
		n, err := strconv.ParseInt(string(digits), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("decimal %q: %w", b, errBadValue)
		}
		return n, nil
	}
	n, ok := new(big.Int).SetString(string(digits), 10)
	if !ok {
		return nil, fmt.Errorf("decimal %q: %w", b, errBadValue)
	}
	return n, nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseDateTime reads "YYYY-MM-DD" (dateOnly) or "YYYY-MM-DD hh:mm:ss[.f]"
// as a wall-clock time in time.UTC (the warehouse convention). Zero,
// partial and invalid dates give NULL and an anomaly kind. A DATE may come
// with a zero time of day (go-mysql-server casts DATE to CHAR that way).
func parseDateTime(b []byte, dateOnly bool) (driver.Value, string, error) {
	bad := func() (driver.Value, string, error) {
		return nil, "", fmt.Errorf("date %q: %w", b, errBadValue)
	}
	if dateOnly && len(b) > 10 {
		v, kind, err := parseDateTime(b, false)
		if t, ok := v.(time.Time); err != nil || ok && t.Truncate(24*time.Hour) != t {
			return bad()
		}
		return v, kind, nil
	}
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return bad()
	}
	y, ok1 := atoi(b[0:4])
	m, ok2 := atoi(b[5:7])
	d, ok3 := atoi(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	var hh, mm, ss, nsec int
	if !dateOnly {
		if len(b) < 19 || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
			return bad()
		}
		var ok4, ok5, ok6 bool
		hh, ok4 = atoi(b[11:13])
		mm, ok5 = atoi(b[14:16])
		ss, ok6 = atoi(b[17:19])
		if !ok4 || !ok5 || !ok6 || hh > 23 || mm > 59 || ss > 59 {
			return bad()
		}
		if len(b) > 19 {
			var ok bool
			if nsec, ok = fraction(b[19:]); !ok {
				return bad()
			}
		}
	} else if len(b) != 10 {
		return bad()
	}
	switch {
	case y == 0 && m == 0 && d == 0:
		return nil, AnomalyZeroDate, nil
	case m == 0 || d == 0:
		return nil, AnomalyPartialDate, nil
	case m > 12 || d > daysIn(y, m):
		return nil, AnomalyInvalidDate, nil
	}
	return time.Date(y, time.Month(m), d, hh, mm, ss, nsec, time.UTC), "", nil
}

// fraction reads ".ffffff" as nanoseconds.
func fraction(b []byte) (int, bool) {
	if len(b) < 2 || b[0] != '.' || len(b) > 10 || !allDigits(b[1:]) {
		return 0, false
	}
	n, _ := atoi(b[1:])
	for i := len(b) - 1; i < 9; i++ {
		n *= 10
	}
	return n, true
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || !allDigits(b) {
		return 0, false
	}
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseTime reads a MySQL TIME "[-]h…h:mm:ss[.f]" (-838:59:59 to
// 838:59:59) as an INTERVAL of microseconds.
func parseTime(b []byte) (driver.Value, error) {
	s := b
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	hPart, rest, ok := bytes.Cut(s, []byte(":"))
	h, okH := atoi(hPart)
	if !ok || !okH || len(rest) < 5 || rest[2] != ':' {
		return nil, fmt.Errorf("time %q: %w", b, errBadValue)
	}
	m, okM := atoi(rest[0:2])
	sec, okS := atoi(rest[3:5])
	nsec := 0
	okF := true
	if len(rest) > 5 {
		nsec, okF = fraction(rest[5:])
	}
	if !okM || !okS || !okF || m > 59 || sec > 59 {
		return nil, fmt.Errorf("time %q: %w", b, errBadValue)
	}
	micros := (int64(h)*3600+int64(m)*60+int64(sec))*1_000_000 + int64(nsec/1000)
	if neg {
		micros = -micros
	}
	return duckdb.Interval{Micros: micros}, nil
}

// parseBit reads BIT(n), sent big-endian in up to 8 bytes.
func parseBit(b []byte) (driver.Value, error) {
	if len(b) > 8 {
		return nil, fmt.Errorf("bit value of %d bytes: %w", len(b), errBadValue)
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n, nil
}

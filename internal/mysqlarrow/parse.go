package mysqlarrow

import (
	"bytes"
	"fmt"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// The parsers of MySQL's text forms, one per kind of value. The driver
// path gets every DECIMAL, date, TIME and BIT value as text (or BIT's raw
// bytes); the wire path decodes the common binary values itself
// (wirevalue.go) and hands the rest, as go-sql-driver would format them,
// to the driver path's appenders, so both paths read a value alike.

// parseDecimal reads MySQL's text of a DECIMAL(p,s) as the unscaled
// integer, without going through floats or, up to 18 digits, allocating.
func parseDecimal(b []byte, precision, scale int) (decimal128.Num, error) {
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
	digits := make([]byte, 0, len(intPart)+scale+1)
	if neg {
		digits = append(digits, '-')
	}
	digits = append(digits, intPart...)
	digits = append(digits, frac...)
	for i := len(frac); i < scale; i++ {
		digits = append(digits, '0')
	}
	n, ok := new(big.Int).SetString(string(digits), 10)
	if !ok || n.BitLen() > 127 {
		return decimal128.Num{}, fmt.Errorf("decimal %q out of range for precision %d: %w", b, precision, errBadValue)
	}
	return decimal128.FromBigInt(n), nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// microsPerDay is the microseconds of a day.
const microsPerDay = 86_400_000_000

// parseDateTime reads "YYYY-MM-DD" or "YYYY-MM-DD hh:mm:ss[.f]" as the
// wall clock in microseconds since 1970-01-01 00:00 of the same wall
// clock (the warehouse keeps Shanghai wall-clock time). Zero, partial and
// invalid dates give an anomaly kind instead. dateOnly is for a DATE
// column, which may come with a zero time of day (go-mysql-server casts
// DATE to CHAR that way); a DATETIME may come as a date alone. The
// common forms are read without allocating.
func parseDateTime(b []byte, dateOnly bool) (int64, string, error) {
	bad := func() (int64, string, error) {
		return 0, "", fmt.Errorf("date %q: %w", b, errBadValue)
	}
	n := len(b)
	if dateOnly && n > 10 {
		micros, kind, err := parseDateTime(b, false)
		if err != nil || kind == "" && micros%microsPerDay != 0 {
			return bad()
		}
		return micros, kind, nil
	}
	if n < 10 || b[4] != '-' || b[7] != '-' {
		return bad()
	}
	y, ok1 := atoi(b[0:4])
	m, ok2 := atoi(b[5:7])
	d, ok3 := atoi(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	var hh, mm, ss, nsec int
	if n > 10 {
		if n < 19 || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
			return bad()
		}
		var ok4, ok5, ok6 bool
		hh, ok4 = atoi(b[11:13])
		mm, ok5 = atoi(b[14:16])
		ss, ok6 = atoi(b[17:19])
		if !ok4 || !ok5 || !ok6 || hh > 23 || mm > 59 || ss > 59 {
			return bad()
		}
		if n > 19 {
			var ok bool
			if nsec, ok = fraction(b[19:]); !ok {
				return bad()
			}
		}
	}
	if kind := dateAnomaly(y, m, d); kind != "" {
		if n == 10 && !dateOnly {
			return bad() // a DATETIME's date alone is taken only when valid
		}
		return 0, kind, nil
	}
	return wallMicros(daysFromCivil(y, m, d), hh, mm, ss, nsec/1000), "", nil
}

// wallMicros is the wall clock of day number days (since 1970-01-01) at
// hh:mm:ss.us, in microseconds since 1970-01-01 00:00: what a TIMESTAMP
// holds.
func wallMicros(days int64, hh, mm, ss, us int) int64 {
	return (days*86400+int64(hh*3600+mm*60+ss))*1_000_000 + int64(us)
}

// dateAnomaly is the anomaly kind of a date MySQL can hold and DuckDB
// cannot: zero, partial (month or day 0) or invalid (2021-02-30); "" for
// a valid date.
func dateAnomaly(y, m, d int) string {
	switch {
	case y == 0 && m == 0 && d == 0:
		return AnomalyZeroDate
	case m == 0 || d == 0:
		return AnomalyPartialDate
	case m > 12 || d > daysIn(y, m):
		return AnomalyInvalidDate
	}
	return ""
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

// parseTime reads a MySQL TIME "[-]h…h:mm:ss[.f]" (-838:59:59 to
// 838:59:59) as microseconds.
func parseTime(b []byte) (int64, error) {
	s := b
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	hPart, rest, ok := bytes.Cut(s, []byte(":"))
	h, okH := atoi(hPart)
	if !ok || !okH || len(rest) < 5 || rest[2] != ':' {
		return 0, fmt.Errorf("time %q: %w", b, errBadValue)
	}
	m, okM := atoi(rest[0:2])
	sec, okS := atoi(rest[3:5])
	nsec := 0
	okF := true
	if len(rest) > 5 {
		nsec, okF = fraction(rest[5:])
	}
	if !okM || !okS || !okF || m > 59 || sec > 59 {
		return 0, fmt.Errorf("time %q: %w", b, errBadValue)
	}
	micros := (int64(h)*3600+int64(m)*60+int64(sec))*1_000_000 + int64(nsec/1000)
	if neg {
		micros = -micros
	}
	return micros, nil
}

// parseBit reads BIT(n), sent big-endian in up to 8 bytes.
func parseBit(b []byte) (uint64, error) {
	if len(b) > 8 {
		return 0, fmt.Errorf("bit value of %d bytes: %w", len(b), errBadValue)
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n, nil
}

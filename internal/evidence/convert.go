package evidence

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// kind is how a receipt value is checked and converted.
type kind int

const (
	kindText kind = iota
	kindInt
	kindDecimal
	kindDate
	kindTimestamp
)

// column is one resource column as carried into the warehouse.
type column struct {
	Name  string
	ZH    string
	Duck  string // DuckDB type
	Kind  kind
	Prec  int // DECIMAL precision
	Scale int // DECIMAL scale
	Key   bool
}

// columnsOf returns the evidence columns of res.
func columnsOf(res *pipelines.Resource) []column {
	keys := map[string]bool{}
	for _, k := range res.KeyColumns {
		keys[k] = true
	}
	out := make([]column, len(res.Columns))
	for i, c := range res.Columns {
		col := column{Name: c.Name, ZH: strings.TrimSpace(c.ZH), Duck: pipelines.DuckType(c.Type), Key: keys[c.Name]}
		switch {
		case col.Duck == "BIGINT":
			col.Kind = kindInt
		case strings.HasPrefix(col.Duck, "DECIMAL("):
			col.Kind = kindDecimal
			fmt.Sscanf(col.Duck, "DECIMAL(%d,%d)", &col.Prec, &col.Scale)
		case col.Duck == "DATE":
			col.Kind = kindDate
		case col.Duck == "TIMESTAMP":
			col.Kind = kindTimestamp
		}
		out[i] = col
	}
	return out
}

// numberRE is a plain decimal number, optionally with a short exponent (as
// spreadsheets write very small or large numbers).
var numberRE = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$`)

// dateLayouts and timeLayouts are the forms accepted for DATE and DATETIME
// values; a value with a zone offset is converted to Shanghai wall clock.
var (
	dateLayouts = []string{"2006-01-02", "2006/01/02", "20060102", "2006/1/2", "2006-1-2", "2006年1月2日"}
	timeLayouts = []string{
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04", "2006-01-02T15:04",
		"2006/01/02 15:04:05.999999999", "2006/1/2 15:04:05", "2006/01/02 15:04", "2006/1/2 15:04",
		time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999 -0700",
	}
)

// convert checks the cell value v of column c and returns it in the
// canonical text form DuckDB casts to the column type, or a message
// saying why it cannot be. serial accepts spreadsheet date serial numbers
// in DATE and DATETIME columns (XLSX cells).
func convert(c *column, v string, serial bool) (string, string) {
	switch c.Kind {
	case kindText:
		return v, ""
	case kindInt:
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(n, 10), ""
		}
		r, ok := parseNumber(s)
		if !ok || !r.IsInt() {
			return "", "not an integer"
		}
		if !r.Num().IsInt64() {
			return "", "integer out of range for BIGINT"
		}
		return r.Num().String(), ""
	case kindDecimal:
		if out, ok := plainDecimal(strings.TrimSpace(v), c.Prec, c.Scale); ok {
			return out, ""
		}
		r, ok := parseNumber(strings.TrimSpace(v))
		if !ok {
			return "", "not a number"
		}
		// Rounded to the scale, halves away from zero, as MySQL stores it.
		out := r.FloatString(c.Scale)
		digits := strings.TrimLeft(strings.TrimPrefix(out, "-"), "0")
		if i := strings.IndexByte(digits, '.'); i >= 0 {
			digits = digits[:i]
		}
		if len(digits) > c.Prec-c.Scale {
			return "", fmt.Sprintf("out of range for DECIMAL(%d,%d)", c.Prec, c.Scale)
		}
		return out, ""
	case kindDate:
		t, ok := parseTime(strings.TrimSpace(v), dateLayouts, timeLayouts, serial)
		if !ok {
			return "", "not a date (want YYYY-MM-DD)"
		}
		return t.Format(time.DateOnly), ""
	case kindTimestamp:
		t, ok := parseTime(strings.TrimSpace(v), timeLayouts, dateLayouts, serial)
		if !ok {
			return "", "not a date and time (want YYYY-MM-DD HH:MM:SS)"
		}
		return t.Format("2006-01-02 15:04:05.999999"), ""
	}
	return "", "unknown column kind"
}

// plainDecimal is the fast path of DECIMAL(p,s) values: digits with at
// most s decimals that fit, padded to s decimals. Anything else is left
// to the general path.
func plainDecimal(v string, p, s int) (string, bool) {
	sign := ""
	if v != "" && (v[0] == '-' || v[0] == '+') {
		if v[0] == '-' {
			sign = "-"
		}
		v = v[1:]
	}
	ip, fp, dot := strings.Cut(v, ".")
	if ip == "" || (dot && fp == "") || len(fp) > s || !allDigits(ip) || !allDigits(fp) {
		return "", false
	}
	ip = strings.TrimLeft(ip, "0")
	if len(ip) > p-s {
		return "", false
	}
	if ip == "" {
		ip = "0"
	}
	fp += strings.Repeat("0", s-len(fp))
	if ip == "0" && strings.Trim(fp, "0") == "" {
		sign = ""
	}
	if s == 0 {
		return sign + ip, true
	}
	return sign + ip + "." + fp, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseNumber(s string) (*big.Rat, bool) {
	if !numberRE.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// parseTime parses s by the layouts, then by the others (a DATE column
// takes a date and time, a DATETIME column a bare date), as Shanghai wall
// clock; a value with an offset is converted to Shanghai.
func parseTime(s string, layouts, others []string, serial bool) (time.Time, bool) {
	// Every layout has a '-', '/' or '年' but 20060102, eight digits: a
	// spreadsheet serial (46346.5) is not tried against each of them.
	if !serial || len(s) == 8 || strings.ContainsAny(s, "-/年") {
		for _, list := range [][]string{layouts, others} {
			for _, l := range list {
				if t, err := time.ParseInLocation(l, s, pipelines.Shanghai); err == nil {
					if t.Year() < 1 || t.Year() > 9999 {
						return time.Time{}, false
					}
					return t.In(pipelines.Shanghai), true
				}
			}
		}
	}
	if serial {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 && !math.IsNaN(f) {
			t, err := excelize.ExcelDateToTime(f, false)
			if err == nil {
				// The serial is wall clock: keep its fields, in Shanghai.
				t = t.Round(time.Millisecond)
				return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), pipelines.Shanghai), true
			}
		}
	}
	return time.Time{}, false
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

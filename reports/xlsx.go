package reports

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file and xlsx_table.go, xlsx_styles.go hold the workbook plumbing
// shared by every sheet: here the row layout, the column kinds, the
// measuring of column widths and the cell values (formulas, styled
// cells); the streamed table with its title and header rows and the page
// set-up in xlsx_table.go; the styles in xlsx_styles.go. Every sheet has
// a title in row 1 and the header in row 2; both are frozen, repeated on
// every printed page, and the header carries the autofilter.

const (
	titleRow  = 1
	headerRow = 2
	firstData = 3

	dateTimeFmt = "yyyy-mm-dd hh:mm"
	intFmt      = 3 // built-in "#,##0"

	hm = "2006-01-02 15:04" // a time written as text, as dateTimeFmt shows it
)

// colKind says how a column's values are shown.
type colKind int

const (
	colText  colKind = iota
	colWrap          // text that wraps once the column reaches its cap
	colInt           // #,##0
	colTime          // yyyy-mm-dd hh:mm
	colPct           // 0.0%
	colDate          // yyyy-mm-dd
	colDec           // #,##0.0
	colMonth         // yyyy-mm
)

// colSpec is one column of a table.
type colSpec struct {
	label string
	kind  colKind
	max   int // width cap in display columns; 0 = defaultMaxWidth
}

const (
	defaultMaxWidth = 40
	minWidth        = 6
	timeWidth       = 16 // len("2026-11-21 23:50")
)

// displayWidth is the width of s in a fixed-pitch sense: East Asian wide
// and fullwidth characters count 2, the rest 1.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if isWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r),
		unicode.Is(unicode.Katakana, r), unicode.Is(unicode.Hangul, r):
		return true
	case r >= 0x3000 && r <= 0x303F, // CJK symbols and punctuation
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x2E80 && r <= 0x2FDF: // radicals
		return true
	}
	return false
}

// widths measures the longest value of each column, in display columns.
type widths []int

func newWidths(n int) widths { return make(widths, n) }

func (w widths) fit(i, n int) {
	if n > w[i] {
		w[i] = n
	}
}

// measure records the display width of v in column i.
func (w widths) measure(i int, v any) {
	switch v := v.(type) {
	case nil:
	case string:
		// A wrapped text is as wide as its longest line.
		for _, line := range strings.Split(v, "\n") {
			w.fit(i, displayWidth(line))
		}
	case int:
		w.fit(i, len(groupDigits(int64(v))))
	case int64:
		w.fit(i, len(groupDigits(v)))
	case sql.NullInt64:
		if v.Valid {
			w.fit(i, len(groupDigits(v.Int64)))
		}
	case time.Time:
		w.fit(i, timeWidth)
	case sql.NullTime:
		if v.Valid {
			w.fit(i, timeWidth)
		}
	case formula:
		w.measure(i, v.value)
	case styled:
		w.measure(i, v.value)
	default:
		w.fit(i, displayWidth(fmt.Sprint(v)))
	}
}

// measureRows records in w the widths of the cells row gives each item
// (as sheet row 0: a width does not depend on the row).
func measureRows[T any](w widths, items []T, row func(T, int) []any) {
	for _, it := range items {
		for i, v := range row(it, 0) {
			w.measure(i, v)
		}
	}
}

// groupDigits formats n as #,##0 does.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formula is a cell holding a formula (without "=") and its cached value.
type formula struct {
	expr  string
	value any
}

// columnSum is the SUM of column col over the data rows up to last (a
// total row's cell), with its cached value.
func columnSum(col string, last int, value any) formula {
	return formula{expr: fmt.Sprintf("SUM(%[1]s%[2]d:%[1]s%[3]d)", col, firstData, max(last, firstData)), value: value}
}

// styled overrides the column style of one cell.
type styled struct {
	value any
	style int
}

// escapeHF escapes text for a page header or footer, where & starts a
// code.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// sheetName makes a valid, unique sheet name of at most 31 characters.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, "'")
	if name == "" {
		name = "_"
	}
	base := truncRunes(name, 31)
	out := base
	for i := 2; used[strings.ToLower(out)]; i++ {
		suffix := fmt.Sprintf("(%d)", i)
		out = truncRunes(base, 31-len(suffix)) + suffix
	}
	used[strings.ToLower(out)] = true
	return out
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

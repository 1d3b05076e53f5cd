package reports

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// PeriodKind is the length of a report period.
type PeriodKind int

// The period kinds: a day gives the daily workbook, the others the
// operations report.
const (
	PeriodDay PeriodKind = iota + 1
	PeriodHalfMonth
	PeriodMonth
	PeriodQuarter
	PeriodYear
)

func (k PeriodKind) String() string {
	switch k {
	case PeriodDay:
		return "day"
	case PeriodHalfMonth:
		return "half-month"
	case PeriodMonth:
		return "month"
	case PeriodQuarter:
		return "quarter"
	case PeriodYear:
		return "year"
	}
	return "unknown"
}

// Period is a calendar period of Asia/Shanghai: the days from Start
// (00:00) up to End (00:00 of the day after the last), half-open.
type Period struct {
	Kind       PeriodKind
	Start, End time.Time
	name       string // as given, normalised: 2026-11-21, 2026-11-H1, 2026-11, 2026-Q4, 2026
}

// String is the period as written on the command line.
func (p Period) String() string { return p.name }

// Days is the number of calendar days of the period.
func (p Period) Days() int { return len(p.days()) }

var (
	reDay     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	reHalf    = regexp.MustCompile(`^(\d{4})-(\d{2})-H([12])$`)
	reMonth   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
	reYear    = regexp.MustCompile(`^(\d{4})$`)
)

// PeriodSyntax says which periods ParsePeriod accepts.
const PeriodSyntax = "a day YYYY-MM-DD, a half-month YYYY-MM-H1 or YYYY-MM-H2, a month YYYY-MM, a quarter YYYY-Q1..Q4 or a year YYYY"

// ParsePeriod parses a report period: a day 2026-11-21, a half-month
// 2026-11-H1 (days 1–15) or 2026-11-H2 (16 to the month's end), a month
// 2026-11, a quarter 2026-Q4 or a year 2026. Errors name the value.
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("period %q: %s", s, why)
	}
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	date := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, pipelines.Shanghai) }
	year := func(y int) bool { return y >= 1900 && y <= 9999 }
	switch {
	case reDay.MatchString(s):
		m := reDay.FindStringSubmatch(s)
		y, mo, d := num(m[1]), num(m[2]), num(m[3])
		if !year(y) || mo < 1 || mo > 12 {
			return bad("no such day; want " + PeriodSyntax)
		}
		start := date(y, mo, d)
		if start.Month() != time.Month(mo) || d < 1 {
			return bad("no such day; want " + PeriodSyntax)
		}
		return Period{Kind: PeriodDay, Start: start, End: start.AddDate(0, 0, 1), name: s}, nil
	case reHalf.MatchString(s):
		m := reHalf.FindStringSubmatch(s)
		y, mo := num(m[1]), num(m[2])
		if !year(y) || mo < 1 || mo > 12 {
			return bad("no such month; want " + PeriodSyntax)
		}
		if m[3] == "1" {
			return Period{Kind: PeriodHalfMonth, Start: date(y, mo, 1), End: date(y, mo, 16), name: s}, nil
		}
		return Period{Kind: PeriodHalfMonth, Start: date(y, mo, 16), End: date(y, mo+1, 1), name: s}, nil
	case reMonth.MatchString(s):
		m := reMonth.FindStringSubmatch(s)
		y, mo := num(m[1]), num(m[2])
		if !year(y) || mo < 1 || mo > 12 {
			return bad("no such month; want " + PeriodSyntax)
		}
		return Period{Kind: PeriodMonth, Start: date(y, mo, 1), End: date(y, mo+1, 1), name: s}, nil
	case reQuarter.MatchString(s):
		m := reQuarter.FindStringSubmatch(s)
		y, q := num(m[1]), num(m[2])
		if !year(y) {
			return bad("no such year; want " + PeriodSyntax)
		}
		return Period{Kind: PeriodQuarter, Start: date(y, 3*q-2, 1), End: date(y, 3*q+1, 1), name: s}, nil
	case reYear.MatchString(s):
		y := num(s)
		if !year(y) {
			return bad("no such year; want " + PeriodSyntax)
		}
		return Period{Kind: PeriodYear, Start: date(y, 1, 1), End: date(y+1, 1, 1), name: s}, nil
	}
	return bad("want " + PeriodSyntax)
}

// months are the first days of the calendar months the period touches.
func (p Period) months() []time.Time {
	var out []time.Time
	for m := time.Date(p.Start.Year(), p.Start.Month(), 1, 0, 0, 0, 0, pipelines.Shanghai); m.Before(p.End); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// days are the days of the period.
func (p Period) days() []time.Time {
	var out []time.Time
	for d := p.Start; d.Before(p.End); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

package reports_test

// Parsing the period of the operations report.

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

func TestParsePeriod(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time {
		return time.Date(y, m, day, 0, 0, 0, 0, pipelines.Shanghai)
	}
	for _, tc := range []struct {
		in         string
		kind       reports.PeriodKind
		start, end time.Time
		days       int
	}{
		{"2026-11-21", reports.PeriodDay, d(2026, 11, 21), d(2026, 11, 22), 1},
		{"2024-02-29", reports.PeriodDay, d(2024, 2, 29), d(2024, 3, 1), 1},
		{"2026-11-H1", reports.PeriodHalfMonth, d(2026, 11, 1), d(2026, 11, 16), 15},
		{"2026-11-H2", reports.PeriodHalfMonth, d(2026, 11, 16), d(2026, 12, 1), 15},
		{"2026-12-H2", reports.PeriodHalfMonth, d(2026, 12, 16), d(2027, 1, 1), 16},
		{"2028-02-H2", reports.PeriodHalfMonth, d(2028, 2, 16), d(2028, 3, 1), 14},
		{"2026-11", reports.PeriodMonth, d(2026, 11, 1), d(2026, 12, 1), 30},
		{"2026-12", reports.PeriodMonth, d(2026, 12, 1), d(2027, 1, 1), 31},
		{"2026-Q1", reports.PeriodQuarter, d(2026, 1, 1), d(2026, 4, 1), 90},
		{"2026-Q4", reports.PeriodQuarter, d(2026, 10, 1), d(2027, 1, 1), 92},
		{"2026", reports.PeriodYear, d(2026, 1, 1), d(2027, 1, 1), 365},
		{"2028", reports.PeriodYear, d(2028, 1, 1), d(2029, 1, 1), 366},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, err := reports.ParsePeriod(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind || !p.Start.Equal(tc.start) || !p.End.Equal(tc.end) || p.String() != tc.in {
				t.Errorf("= %v %s..%s %q, want %v %s..%s", p.Kind, p.Start, p.End, p, tc.kind, tc.start, tc.end)
			}
			if got := p.Days(); got != tc.days {
				t.Errorf("Days() = %d, want %d", got, tc.days)
			}
		})
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-02-30", "2026-11-00", "2026-11-H3", "2026-Q5", "2026-Q0",
		"26-11", "2026-1", "2026-11-21T00:00", "2026/11", "0999", "Q4", " 2026", "2026-11-h1", "2026-q4"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := reports.ParsePeriod(bad)
			if err == nil {
				t.Fatalf("ParsePeriod(%q): no error", bad)
			}
			if !strings.Contains(err.Error(), `"`+bad+`"`) {
				t.Errorf("error %q does not name the value %q", err, bad)
			}
		})
	}
}

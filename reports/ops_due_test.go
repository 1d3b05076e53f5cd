package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestDueReports(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, pipelines.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	written := map[string]time.Time{
		"2026-10": at("2026-11-03 09:00"), // in time (due 11-06 00:00)
		"2026-11": at("2026-12-08 10:00"), // late: due 12-06, 2 days 10 h after
		"2026-Q1": at("2026-04-02 09:00"),
	}
	for _, tc := range []struct {
		name, period, firstRun, now string
		want                        string // period:state, state = ok | missing | late
	}{
		{"a month: only its own report", "2026-11", "2026-01-01 00:00", "2026-12-31 00:00", ""},
		{"a quarter ended: its months", "2026-Q4", "2026-01-01 00:00", "2027-01-10 00:00", "2026-10:ok 2026-11:late 2026-12:missing"},
		{"December not yet due", "2026-Q4", "2026-01-01 00:00", "2027-01-05 00:00", "2026-10:ok 2026-11:late"},
		{"before pushaudit ran: not due", "2026-Q4", "2026-11-20 00:00", "2027-01-10 00:00", "2026-11:late 2026-12:missing"},
		{"no run at all: nothing due", "2026-Q4", "", "2027-01-10 00:00", ""},
		{"a year: months and quarters", "2026", "2026-09-15 00:00", "2027-01-10 00:00",
			"2026-09:missing 2026-10:ok 2026-11:late 2026-12:missing 2026-Q3:missing 2026-Q4:missing"},
		{"a half-month: nothing", "2026-11-H2", "2026-01-01 00:00", "2026-12-31 00:00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePeriod(tc.period)
			if err != nil {
				t.Fatal(err)
			}
			var first time.Time
			if tc.firstRun != "" {
				first = at(tc.firstRun)
			}
			var got []string
			for _, r := range dueReports(p, written, first, at(tc.now)) {
				state := "ok"
				switch {
				case r.written.IsZero():
					state = "missing"
				case r.written.After(r.due):
					state = "late"
				}
				got = append(got, r.period.String()+":"+state)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("due reports %q, want %q", g, tc.want)
			}
		})
	}
}

func TestTrendGroups(t *testing.T) {
	for _, tc := range []struct {
		period  string
		monthly bool
		want    string // first day of each group, as MM-DD
	}{
		{"2026-11", false, ""},
		{"2026-Q4", false, "10-01 10-05 10-12 10-19 10-26 11-02 11-09 11-16 11-23 11-30 12-07 12-14 12-21 12-28"},
		{"2026", true, "01-01 02-01 03-01 04-01 05-01 06-01 07-01 08-01 09-01 10-01 11-01 12-01"},
	} {
		p, err := ParsePeriod(tc.period)
		if err != nil {
			t.Fatal(err)
		}
		groups, monthly := trendGroups(p.days())
		var got []string
		n := 0
		for _, g := range groups {
			got = append(got, g[0].Format("01-02"))
			n += len(g)
		}
		if strings.Join(got, " ") != tc.want || monthly != tc.monthly || groups != nil && n != p.Days() {
			t.Errorf("%s: groups %v (monthly %v, %d days), want %q (monthly %v, %d days)", tc.period, got, monthly, n, tc.want, tc.monthly, p.Days())
		}
	}
}

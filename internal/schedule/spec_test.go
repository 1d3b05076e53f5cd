// Tests of the schedules themselves: deadline specs, cron expressions,
// jitter.

package schedule

import (
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, pipelines.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAfterDeadlines_Next(t *testing.T) {
	d := pipelines.DefaultSchedules()
	tests := []struct {
		name  string
		sch   pipelines.Schedule
		delay time.Duration
		after string
		want  string
	}{
		// [23:40, 23:50) is due at 00:00; with a minute's delay, 00:01.
		{"10m at midnight", d[pipelines.Every10m], time.Minute, "2026-11-20 00:00", "2026-11-20 00:01"},
		{"10m on the tick", d[pipelines.Every10m], time.Minute, "2026-11-20 00:01", "2026-11-20 00:11"},
		{"10m no delay", d[pipelines.Every10m], 0, "2026-11-20 00:05", "2026-11-20 00:10"},
		{"30m", d[pipelines.Every30m], 2 * time.Minute, "2026-11-20 09:40", "2026-11-20 10:02"},
		{"hourly", d[pipelines.Hourly], time.Minute, "2026-11-20 09:40", "2026-11-20 10:01"},
		// [D-1 23:00, D 23:00) is due at 06:00 on D+1.
		{"daily before 06:00", d[pipelines.DailyAfter2300], 5 * time.Minute, "2026-11-20 05:00", "2026-11-20 06:05"},
		{"daily after 06:05", d[pipelines.DailyAfter2300], 5 * time.Minute, "2026-11-20 06:05", "2026-11-21 06:05"},
		{"daily deadline overridden", pipelines.Schedule{Cadence: pipelines.DailyAfter2300, Align: 23 * time.Hour, DeadlineAfter: 2 * time.Hour},
			0, "2026-11-20 00:30", "2026-11-20 01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AfterDeadlines{Schedule: tt.sch, Delay: tt.delay}.Next(at(tt.after))
			if want := at(tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.In(pipelines.Shanghai).Format(time.DateTime), tt.want)
			}
		})
	}
	if got := (AfterDeadlines{Schedule: pipelines.Schedule{Cadence: pipelines.Once}}).Next(at("2026-11-20 00:00")); !got.IsZero() {
		t.Errorf("a cadence without windows: Next = %s, want the zero time", got)
	}
}

func TestParseCron(t *testing.T) {
	tests := []struct {
		expr, after, want string
		bad               bool
	}{
		{expr: "*/10 * * * *", after: "2026-11-20 09:01", want: "2026-11-20 09:10"},
		// the hours are Shanghai's, whatever zone the time is given in.
		{expr: "30 7 * * *", after: "2026-11-20 09:00", want: "2026-11-21 07:30"},
		{expr: "0 8 1,16 * *", after: "2026-11-20 09:00", want: "2026-12-01 08:00"},
		{expr: "@daily", after: "2026-11-20 09:00", want: "2026-11-21 00:00"},
		{expr: "0 2 * * 7", bad: true},
		{expr: "61 * * * *", bad: true},
		{expr: "* * * *", bad: true},
		{expr: "0 0 0 * * *", bad: true}, // six fields: seconds are not standard
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := ParseCron(tt.expr)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseCron(%q) = nil error, want one", tt.expr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.Next(at(tt.after).UTC())
			if want := at(tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.In(pipelines.Shanghai).Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	tick := at("2026-11-20 10:00")
	if a, b := jitter("snapshot:biz", tick, time.Minute), jitter("snapshot:biz", tick, time.Minute); a != b {
		t.Errorf("jitter differs for the same job and tick: %s, %s", a, b)
	}
	seen := map[time.Duration]bool{}
	for _, job := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		j := jitter(job, tick, time.Minute)
		if j < 0 || j >= time.Minute {
			t.Errorf("jitter(%s) = %s, want in [0, 1m)", job, j)
		}
		seen[j] = true
	}
	if len(seen) < 4 {
		t.Errorf("jitter spreads 8 jobs over %d values, want at least 4", len(seen))
	}
	if j := jitter("a", tick, 0); j != 0 {
		t.Errorf("jitter with no maximum = %s, want 0", j)
	}
}

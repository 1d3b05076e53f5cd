// Tests of what each of serve's jobs covers: the days a reconciliation
// judges, the period a report closes, which errors are transient.

package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func shanghai(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, pipelines.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReconcileDays(t *testing.T) {
	scheds := pipelines.DefaultSchedules()
	const delay = 2 * time.Minute
	once := shanghai("2026-11-18 00:00")
	tests := []struct {
		name     string
		cad      pipelines.Cadence
		due      string
		prev     string
		from, to string
	}{
		// 00:02 follows the deadline of [23:40, 23:50), a window of the 20th.
		{"10m just after midnight", pipelines.Every10m, "2026-11-21 00:02", "2026-11-20 23:52", "2026-11-20", "2026-11-20"},
		// 00:12 follows [23:50, 00:00), which ends at midnight: still the 20th.
		{"10m window ending at midnight", pipelines.Every10m, "2026-11-21 00:12", "2026-11-21 00:02", "2026-11-20", "2026-11-20"},
		{"10m first of the day", pipelines.Every10m, "2026-11-21 00:22", "2026-11-21 00:12", "2026-11-21", "2026-11-21"},
		// after two days down: from the window after the last success.
		{"hourly after downtime", pipelines.Hourly, "2026-11-21 10:02", "2026-11-19 08:02", "2026-11-19", "2026-11-21"},
		{"hourly no previous run", pipelines.Hourly, "2026-11-21 10:02", "", "2026-11-21", "2026-11-21"},
		{"hourly after a month down: 7 days", pipelines.Hourly, "2026-11-21 10:02", "2026-10-21 10:02", "2026-11-14", "2026-11-21"},
		// 06:02 on the 21st follows [19th 23:00, 20th 23:00), the 20th's.
		{"daily", pipelines.DailyAfter2300, "2026-11-21 06:02", "2026-11-20 06:02", "2026-11-20", "2026-11-20"},
		{"once: its day", pipelines.Once, "2026-11-21 07:10", "", "2026-11-18", "2026-11-18"},
		{"stats: yesterday", "", "2026-11-21 06:20", "", "2026-11-20", "2026-11-20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := schedule.Tick{Due: shanghai(tt.due)}
			if tt.prev != "" {
				tk.Prev = shanghai(tt.prev)
			}
			from, to := reconcileDays(tt.cad, scheds, delay, once, tk)
			if got := from.Format(time.DateOnly) + ".." + to.Format(time.DateOnly); got != tt.from+".."+tt.to {
				t.Errorf("days %s, want %s..%s", got, tt.from, tt.to)
			}
		})
	}
}

func TestClosedPeriod(t *testing.T) {
	tests := []struct{ kind, at, want string }{
		{"day", "2026-11-21 07:30", "2026-11-20"},
		{"day", "2026-01-01 07:30", "2025-12-31"},
		{"half_month", "2026-11-16 08:00", "2026-11-H1"},
		{"half_month", "2026-12-01 08:00", "2026-11-H2"},
		{"half_month", "2026-12-03 08:00", "2026-11-H2"},
		{"month", "2026-12-01 08:15", "2026-11"},
		{"month", "2027-01-01 08:15", "2026-12"},
		{"quarter", "2026-10-01 08:30", "2026-Q3"},
		{"quarter", "2027-01-01 08:30", "2026-Q4"},
		{"quarter", "2027-02-11 08:30", "2026-Q4"},
		{"year", "2027-01-01 08:45", "2026"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.at, func(t *testing.T) {
			p, err := closedPeriod(tt.kind, shanghai(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tt.want {
				t.Errorf("closed %s at %s = %s, want %s", tt.kind, tt.at, p, tt.want)
			}
			if p.End.After(shanghai(tt.at)) {
				t.Errorf("period %s ends %s, after %s", p, p.End, tt.at)
			}
		})
	}
	if _, err := closedPeriod("week", shanghai("2026-11-21 00:00")); err == nil {
		t.Error("closedPeriod accepts the kind week")
	}
}

func TestTransient(t *testing.T) {
	if !transient(fmt.Errorf("snapshot biz: %w", syscall.ECONNREFUSED)) {
		t.Error("connection refused is not transient")
	}
	if transient(fmt.Errorf("snapshot biz: %w", context.Canceled)) {
		t.Error("a cancelled run is transient")
	}
	if transient(fmt.Errorf("config: no source")) {
		t.Error("a config error is transient")
	}
}

// TestDaemonJobs_StatsAfterItsDeadline: the statistics check is due
// serve.reconcile_delay after its deadline (the daily cadence's, past
// midnight), following a schedules: override of that deadline; before it
// every counter is still pending. A cron in serve.schedules still wins.
func TestDaemonJobs_StatsAfterItsDeadline(t *testing.T) {
	const src = `
mysql: {addr: 127.0.0.1:3306, user: auditor, password_env: PA_TEST_MYSQL_PASSWORD}
sources:
  biz: {database: biz}
  stats: {database: stats}
`
	for _, tt := range []struct{ name, extra, want string }{
		{"default", "", "2026-11-21 07:00:30"},
		{"daily deadline overridden", "schedules:\n  daily_after_2300: {deadline_after: 1h}\n", "2026-11-21 01:00:30"},
		{"cron override", "serve:\n  schedules:\n    reconcile:stats: \"20 6 * * *\"\n", "2026-11-21 06:20:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse(strings.NewReader(src+tt.extra), "test.yaml", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			jobs, err := (&daemon{}).jobs(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				if j.Name != "reconcile:stats" {
					continue
				}
				got := j.Spec.Next(shanghai("2026-11-21 00:00")).In(pipelines.Shanghai).Format(time.DateTime)
				if got != tt.want {
					t.Errorf("reconcile:stats next after midnight: %s, want %s", got, tt.want)
				}
				return
			}
			t.Fatal("no reconcile:stats job")
		})
	}
}

package schedule

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Spec says when a job is due: the first tick strictly after t, or the zero
// time when there is none.
type Spec interface {
	Next(t time.Time) time.Time
}

// AfterDeadlines is due Delay after the deadline of every window of a
// periodic cadence: a reconciliation judges each window as soon as it is
// due. The windows and deadlines are the pipelines.Schedule's own.
type AfterDeadlines struct {
	Schedule pipelines.Schedule
	Delay    time.Duration
}

// Next returns the first deadline+Delay after t.
func (a AfterDeadlines) Next(t time.Time) time.Time {
	// The window whose deadline+Delay comes first after t is the one that
	// ends after t-DeadlineAfter-Delay: the window containing that time.
	w, err := a.Schedule.WindowAt(t.Add(-a.Schedule.DeadlineAfter - a.Delay))
	if err != nil {
		return time.Time{}
	}
	return a.Schedule.Deadline(w).Add(a.Delay)
}

// String describes the spec.
func (a AfterDeadlines) String() string {
	return fmt.Sprintf("%s after each %s deadline", a.Delay, a.Schedule.Cadence)
}

// cronParser reads the standard five fields (minute hour day-of-month
// month day-of-week) and the descriptors (@daily, @hourly, @every 10m).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Cron is a standard cron expression, read in Asia/Shanghai.
type Cron struct {
	Expr  string
	sched cron.Schedule
}

// ParseCron parses a standard five-field cron expression or descriptor.
func ParseCron(expr string) (*Cron, error) {
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression: %w", expr, err)
	}
	return &Cron{Expr: expr, sched: s}, nil
}

// Next returns the first tick after t, in Asia/Shanghai.
func (c *Cron) Next(t time.Time) time.Time { return c.sched.Next(t.In(pipelines.Shanghai)) }

// String returns the expression.
func (c *Cron) String() string { return c.Expr }

// jitter is a job's delay after each tick, the same for the same job and
// tick in every run (so tests see it too) and spread over [0, max).
func jitter(job string, tick time.Time, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s@%d", job, tick.Unix())
	return time.Duration(h.Sum64() % uint64(max))
}

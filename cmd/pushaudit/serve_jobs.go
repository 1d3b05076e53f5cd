package main

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

// jobs turns the config's serve jobs into scheduler jobs: a reconciliation
// of a periodic cadence is due after each window's deadline (plus
// serve.reconcile_delay), every other job on its cron expression.
func (d *daemon) jobs(c *config.Config) ([]schedule.Job, error) {
	set := c.ServeSettings()
	scheds := c.ScheduleSet()
	var out []schedule.Job
	for _, j := range c.ServeJobs() {
		var spec schedule.Spec
		if j.Cron != "" {
			cr, err := schedule.ParseCron(j.Cron)
			if err != nil {
				return nil, fmt.Errorf("serve.schedules.%s: %w", j.Name, err)
			}
			spec = cr
		} else {
			// a periodic cadence's windows, or the statistics check's
			// (yesterday's counters: before their deadline, the daily
			// cadence's on calendar days, they are pending)
			sch, err := scheds.Of(pipelines.Cadence(j.Arg))
			if j.Arg == "stats" {
				sch, err = scheds.Statistics()
			}
			if err != nil {
				return nil, fmt.Errorf("serve: job %s: %w", j.Name, err)
			}
			spec = schedule.AfterDeadlines{Schedule: sch, Delay: set.ReconcileDelay}
		}
		// a new daemon snapshots first: a reconciliation needs one to judge.
		// A reconciliation that snapshots the tables it reads first
		// (serve.snapshot_due) needs no other run before it: when the
		// daemon is behind it goes before whole-site snapshots and reports.
		urgent := j.Kind == config.JobReconcile && c.SnapshotDueOr() && dueCadence(j.Arg)
		out = append(out, schedule.Job{Name: j.Name, Spec: spec, Jitter: set.Jitter, Run: d.runner(j), RunAtStart: j.Kind == config.JobSnapshot, Urgent: urgent})
	}
	return out, schedule.Validate(out)
}

// runner is the run of one job: it reads the config current at each run.
func (d *daemon) runner(j config.ServeJob) func(context.Context, schedule.Tick) error {
	return func(ctx context.Context, t schedule.Tick) error {
		t0 := time.Now()
		defer func() {
			d.m.Logger.Info("run done", "job", j.Name, "wall", time.Since(t0).Round(time.Millisecond).String())
		}()
		c := d.config().WithClock(d.clock.Now)
		args := []string{"serve", "--job", j.Name, "--tick", t.Due.In(pipelines.Shanghai).Format(time.RFC3339)}
		switch j.Kind {
		case config.JobSnapshot, config.JobSnapshotFull:
			return d.retrying(ctx, c, j.Name, func() error { return d.snapshot(ctx, c, j, args) })
		case config.JobReconcile:
			return d.reconciling(ctx, c, func(wh *warehouse.Warehouse) error {
				if c.SnapshotDueOr() && dueCadence(j.Arg) {
					d.snapshotDue(ctx, c, wh, j.Arg, args)
				}
				return d.reconcile(ctx, c, wh, j.Arg, t, args)
			})
		case config.JobReport:
			if j.Arg == "day" { // it reconciles the day first
				return d.reconciling(ctx, c, func(wh *warehouse.Warehouse) error { return d.report(ctx, c, wh, j.Arg, t, args) })
			}
			return d.withWarehouse(ctx, c, func(wh *warehouse.Warehouse) error { return d.report(ctx, c, wh, j.Arg, t, args) })
		}
		return fmt.Errorf("job %s: unknown kind %s", j.Name, j.Kind)
	}
}

// reconciling runs f, a run that reconciles, on the warehouse; after it
// the findings are read, and once the warehouse is let go of, they set
// the open findings metric and go to the alert loop.
func (d *daemon) reconciling(ctx context.Context, c *config.Config, f func(*warehouse.Warehouse) error) error {
	var fs []alert.Finding
	err := d.withWarehouse(ctx, c, func(wh *warehouse.Warehouse) error {
		if err := f(wh); err != nil {
			return err
		}
		fs = d.reconciled(ctx, c, wh)
		return nil
	})
	d.publishFindings(c, fs)
	return err
}

// withWarehouse opens the warehouse for one run and closes it after: the
// daemon holds the file only while a run writes.
func (d *daemon) withWarehouse(ctx context.Context, c *config.Config, f func(*warehouse.Warehouse) error) error {
	return d.holding(ctx, c.WarehouseWaitOr(), f)
}

// holding runs f on the warehouse, open for it alone, after waiting for
// the daemon's turn (its runs and the alert loop's reads take turns) and
// at most wait for another process that holds the file.
func (d *daemon) holding(ctx context.Context, wait time.Duration, f func(*warehouse.Warehouse) error) error {
	select {
	case d.whTurn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.whTurn }()
	return d.openFor(ctx, wait, f)
}

// openFor runs f on the warehouse, open for it alone, waiting at most
// wait for another process that holds the file; the caller has the turn.
func (d *daemon) openFor(ctx context.Context, wait time.Duration, f func(*warehouse.Warehouse) error) error {
	wh, err := warehouse.OpenWith(ctx, d.whPath, warehouse.Options{Now: d.clock.Now, Wait: wait, Sleep: d.sleep,
		OnWait: func(holder string, wait time.Duration) {
			d.m.Logger.Warn("the warehouse is held by another process; waiting", "holder", holder, "wait", wait.String())
		}})
	if err != nil {
		return err
	}
	err = f(wh)
	return errors.Join(err, wh.Close())
}

func (d *daemon) snapshot(ctx context.Context, c *config.Config, j config.ServeJob, args []string) error {
	srcs, err := configSources(c)
	if err != nil {
		return err
	}
	var src []snapshot.Source
	full := j.Kind == config.JobSnapshotFull
	for _, s := range srcs {
		if s.Name == j.Arg {
			if full {
				s.Policies = nil // every table in full
			}
			src = append(src, s)
		}
	}
	if len(src) == 0 {
		return fmt.Errorf("snapshot: no source %s in the config", j.Arg)
	}
	var rates tableRates
	opts := daemonSnapshotOptions(c, &rates)
	opts.CountAll = full
	return d.withWarehouse(ctx, c, func(wh *warehouse.Warehouse) error {
		rep, err := d.m.snapshotWith(ctx, wh, src, opts, args)
		d.snapshotted(rep, &rates)
		return err
	})
}

// daemonSnapshotOptions are the snapshot options of the config, with the
// progress of the tables going to rates: the daemon's whole-site and due
// snapshots alike.
func daemonSnapshotOptions(c *config.Config, rates *tableRates) snapshot.Options {
	return snapshot.Options{AllowPrimary: c.Snapshot.AllowPrimary, Throttle: configThrottle(c), OnProgress: rates.progress,
		Parallel: c.Snapshot.ParallelOr()}
}

// reconcile judges the windows of one cadence (or stats) that came due
// since the job's last successful run: the days from the previous tick's
// window to this one's.
func (d *daemon) reconcile(ctx context.Context, c *config.Config, wh *warehouse.Warehouse, arg string, t schedule.Tick, args []string) error {
	cat, err := c.LoadCatalog()
	if err != nil {
		return err
	}
	sc := reconcileScope{}
	if arg == pipelines.StatsTarget || arg == pipelines.SourceTarget {
		sc.target = arg
	} else {
		sc.cadence = pipelines.Cadence(arg)
	}
	sc.from, sc.to = reconcileDays(sc.cadence, c.ScheduleSet(), c.ServeSettings().ReconcileDelay, c.OnceDate(), t)
	if arg == pipelines.SourceTarget && c.AnomalyRules().Bucket == "hour" {
		// hourly buckets: yesterday's and today's hours, each judged once
		// it has ended.
		sc.to = pipelines.DayStart(t.Due.Add(-time.Nanosecond))
		sc.from = sc.to.AddDate(0, 0, -1)
	}
	rs, err := d.m.reconcileIn(ctx, c, cat, wh, sc, args)
	if err != nil {
		return err
	}
	d.judged(rs)
	d.note("reconcile:"+arg, verdictCounts(rs))
	return nil
}

// maxCatchUpDays bounds the days one reconciliation covers after downtime.
const maxCatchUpDays = 7

// reconcileDays are the days (From, To) a reconciliation at tick t covers:
// the day of the window whose deadline t follows, back to the day of the
// window of the last successful tick (at most maxCatchUpDays). The
// one-time resources have their own day; stats, yesterday.
func reconcileDays(cad pipelines.Cadence, scheds map[pipelines.Cadence]pipelines.Schedule, delay time.Duration, onceAt time.Time, t schedule.Tick) (time.Time, time.Time) {
	// windows ending in (D 00:00, D+1 00:00] are day D's.
	dayOfEnd := func(end time.Time) time.Time { return pipelines.DayStart(end.Add(-time.Nanosecond)) }
	sch, periodic := scheds[cad]
	switch {
	case cad == pipelines.Once || cad == pipelines.MediaCopy:
		if !onceAt.IsZero() {
			return onceAt, onceAt
		}
		y := dayOfEnd(pipelines.DayStart(t.Due))
		return y, y
	case !periodic:
		y := dayOfEnd(pipelines.DayStart(t.Due))
		return y, y
	}
	to := dayOfEnd(t.Due.Add(-delay - sch.DeadlineAfter))
	from := to
	if !t.Prev.IsZero() {
		from = dayOfEnd(t.Prev.Add(-delay - sch.DeadlineAfter).Add(sch.Cadence.Period()))
	}
	if from.After(to) {
		from = to
	}
	if earliest := to.AddDate(0, 0, -maxCatchUpDays); from.Before(earliest) {
		from = earliest
	}
	return from, to
}

func (d *daemon) report(ctx context.Context, c *config.Config, wh *warehouse.Warehouse, kind string, t schedule.Tick, args []string) error {
	p, err := closedPeriod(kind, t.Due)
	if err != nil {
		return err
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		return err
	}
	if p.Kind == reports.PeriodDay {
		// The workbook shows one run's results for the day; the daemon's
		// runs each judge one cadence, so the whole day, every window due
		// by now, is reconciled in one run first.
		rs, err := d.m.reconcileIn(ctx, c, cat, wh, reconcileScope{from: p.Start, to: p.Start}, args)
		if err != nil {
			return err
		}
		d.judged(rs)
	}
	return asRun(ctx, wh, "report", args, func() (string, error) {
		return d.m.report(ctx, c, cat, wh, p, c.Path(c.OutputDir), "zh", "pushaudit")
	})
}

// closedPeriod is the latest period of kind (day, half_month, month,
// quarter, year) that had ended by t: the one before the period t is in.
func closedPeriod(kind string, t time.Time) (reports.Period, error) {
	t = t.In(pipelines.Shanghai)
	day := pipelines.DayStart(t)
	var name string
	switch kind {
	case "day":
		name = day.AddDate(0, 0, -1).Format(time.DateOnly)
	case "half_month":
		if day.Day() > 15 {
			name = day.Format("2006-01") + "-H1"
		} else {
			name = day.AddDate(0, 0, -day.Day()).Format("2006-01") + "-H2"
		}
	case "month":
		name = day.AddDate(0, 0, -day.Day()).Format("2006-01")
	case "quarter":
		q := (int(t.Month())-1)/3 + 1
		y := t.Year()
		if q--; q == 0 {
			q, y = 4, y-1
		}
		name = fmt.Sprintf("%d-Q%d", y, q)
	case "year":
		name = fmt.Sprint(t.Year() - 1)
	default:
		return reports.Period{}, fmt.Errorf("report: %q is not a period kind", kind)
	}
	return reports.ParsePeriod(name)
}

// retrying runs f, again after a transient source error (a connection
// refused, reset or lost; too many connections; a lock wait), waiting
// serve.retry_backoff and then twice as long each time, on the daemon's
// clock (a simulated day's retries are simulated time, as its schedule).
func (d *daemon) retrying(ctx context.Context, c *config.Config, job string, f func() error) error {
	set := c.ServeSettings()
	wait := set.RetryBackoff
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt >= set.Retries || !transient(err) || ctx.Err() != nil {
			return err
		}
		d.m.Logger.Warn("transient source error; trying again", "job", job, "attempt", attempt+1, "of", set.Retries, "wait", wait.String(),
			"err", warehouse.ScrubText(err.Error()))
		if d.sleep(ctx, wait) != nil {
			return err
		}
		wait *= 2
	}
}

// sleep waits d on the daemon's clock, or until ctx ends (its error).
func (d *daemon) sleep(ctx context.Context, dur time.Duration) error {
	t := d.clock.NewTimer(dur)
	defer t.Stop() // on a skip clock, a fired timer holds it until stopped
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

// transient says whether err is a source error that may pass: the network
// or the server's load, not bad SQL, a bad password or a bad config.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1205, 1213, 1317: // too many connections, shutdown, lock wait, deadlock, interrupted
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF)
}

// verdictCounts says how many windows got each verdict, findings first:
// "missed 1, late 2, ok 140" (pending windows left out).
func verdictCounts(rs []*reconcile.Result) string {
	counts := map[pipelines.Status]int{}
	for _, x := range rs {
		counts[x.Status]++
	}
	var parts []string
	for _, s := range pipelines.Statuses {
		if counts[s] > 0 && s.Finding() {
			parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
		}
	}
	if n := counts[pipelines.StatusOK]; n > 0 {
		parts = append(parts, fmt.Sprintf("ok %d", n))
	}
	if len(parts) == 0 {
		return "nothing due"
	}
	return strings.Join(parts, ", ")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// alertTick is how often (on the daemon's clock) the alert loop reads the
// findings again without a new run: respond-by and resolve-by misses and
// the hourly progress messages fall due between runs.
const alertTick = time.Minute

// alertGrace bounds how long a stopping daemon lets the alert loop finish
// the evaluation under way (a delivery and its retries).
const alertGrace = 10 * time.Second

// alertLoop is the daemon's alert goroutine: it evaluates the findings of
// each reconciliation, and every alertTick those it reads itself, outside
// any run's hold on the warehouse; Evaluate may block while it retries.
type alertLoop struct {
	d   *daemon
	eng atomic.Pointer[alert.Engine] // nil: the config has no alert groups

	found    chan queuedFindings // the latest findings of a run, to evaluate
	reconf   chan *config.Config // a reloaded config, to rebuild the engine from
	stopping chan struct{}
	done     chan struct{}
	cancel   context.CancelFunc
	// counted: the open-findings metric has been read from the warehouse
	// once; without alerts, the reconciliations keep it from then on.
	counted bool
}

// alertEngine builds the engine of c's alerts section; nil without groups.
func (d *daemon) alertEngine(c *config.Config) (*alert.Engine, error) {
	if len(c.AlertGroupNames()) == 0 {
		return nil, nil
	}
	eng, err := alert.FromConfig(c, alert.Options{Now: d.clock.Now, Sleep: d.sleep, Logger: d.m.Logger, Recorder: d.metrics})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return eng, nil
}

// startAlerts starts the alert loop with the engine of c.
func (d *daemon) startAlerts(c *config.Config) (*alertLoop, error) {
	eng, err := d.alertEngine(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &alertLoop{d: d, found: make(chan queuedFindings, 1), reconf: make(chan *config.Config, 1),
		stopping: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	l.eng.Store(eng)
	go l.run(ctx)
	return l, nil
}

// stop lets the loop evaluate the findings still queued, at most grace,
// then cancels it and waits for it to return.
func (l *alertLoop) stop(grace time.Duration) {
	close(l.stopping)
	t := time.NewTimer(grace) // wall time: a bound on shutdown
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
		l.d.m.Logger.Warn("alert delivery still under way after the grace period: cancelling it", "grace", grace.String())
	}
	l.cancel()
	<-l.done
}

// latest puts v in a channel of capacity 1, in place of what it holds.
func latest[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// queuedFindings are a run's findings on their way to the loop, holding
// the daemon's clock (schedule.Hold: a skip clock does not jump) until
// they are evaluated, so their alerts go out on the run's time.
type queuedFindings struct {
	fs      []alert.Finding
	release func()
}

// evaluateSoon hands the findings of a run to the loop, in place of
// findings still queued.
func (l *alertLoop) evaluateSoon(fs []alert.Finding) {
	if l.eng.Load() == nil {
		return
	}
	q := queuedFindings{fs: fs, release: schedule.Hold(l.d.clock)}
	for {
		select {
		case l.found <- q:
			return
		default:
		}
		select {
		case old := <-l.found:
			old.release()
		default:
		}
	}
}

// reload has the loop rebuild its engine from c between evaluations: the
// new engine loads the state file the old one saved last.
func (l *alertLoop) reload(c *config.Config) { latest(l.reconf, c) }

// failures are the engine's undelivered messages (redacted).
func (l *alertLoop) failures() []alert.Failure {
	if eng := l.eng.Load(); eng != nil {
		return eng.Failures()
	}
	return nil
}

func (l *alertLoop) run(ctx context.Context) {
	defer close(l.done)
	// held is the hold on the clock of the work just done, let go of once
	// the next tick's timer is set: a skip clock never jumps past it.
	held := func() {}
	defer func() { held() }()
	l.read(ctx)
	for {
		t := l.d.clock.NewTimer(alertTick)
		held()
		held = func() {}
		select {
		case q := <-l.found:
			l.evaluate(ctx, q.fs)
			held = q.release
		case <-t.C():
			l.tick(ctx)
			held = schedule.Hold(l.d.clock) // the fired timer holds it until Stop
		case c := <-l.reconf:
			l.rebuild(c)
		case <-l.stopping:
			t.Stop()
			select {
			case q := <-l.found:
				l.evaluate(ctx, q.fs)
				q.release()
			default:
			}
			return
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

func (l *alertLoop) rebuild(c *config.Config) {
	eng, err := l.d.alertEngine(c)
	if err != nil {
		l.d.m.Logger.Error("alert engine not rebuilt after the reload; the old one runs on", "err", err)
		return
	}
	l.eng.Store(eng)
}

// tick reads the findings (a short hold of the warehouse, between runs)
// and evaluates them. Without alerts it reads them only until the
// open-findings metric is set (read).
func (l *alertLoop) tick(ctx context.Context) {
	alerting := l.eng.Load() != nil
	if !alerting && l.counted {
		return
	}
	fs, ok := l.read(ctx)
	if alerting && ok {
		l.evaluate(ctx, fs)
	}
}

// read reads the findings and sets the open-findings metric from them; ok
// is false when the warehouse could not be read (no findings but nil: the
// warehouse is not there yet). The loop reads once as it starts, so a
// restarted daemon shows the findings still open from its first moment,
// not from its first reconciliation: for a site of daily pushes only that
// may be a day away, and a rule on the metric would see them resolved
// meanwhile.
func (l *alertLoop) read(ctx context.Context) (fs []alert.Finding, ok bool) {
	if _, err := os.Stat(l.d.whPath); err != nil {
		// No warehouse before the first run worked: no findings, but a
		// run that failed is told.
		return nil, true
	}
	c := l.d.config()
	// no wait for another process holding the file: the next tick tries again.
	err := l.d.holding(ctx, 0, func(wh *warehouse.Warehouse) error {
		var err error
		fs, err = l.d.loadFindings(ctx, c, wh)
		return err
	})
	switch {
	case errors.Is(err, warehouse.ErrLocked):
		l.d.m.Logger.Info("findings not read: another process holds the warehouse; next minute", "err", warehouse.ScrubText(err.Error()))
		return nil, false
	case err != nil:
		l.d.m.Logger.Warn("findings not read", "err", warehouse.ScrubText(err.Error()))
		return nil, false
	}
	l.d.findingsOpen(c, fs)
	l.counted = true
	return fs, true
}

// evaluate has the engine send what is due about fs and about the
// daemon's own failing runs.
func (l *alertLoop) evaluate(ctx context.Context, fs []alert.Finding) {
	eng := l.eng.Load()
	if eng == nil {
		return
	}
	rep, err := eng.Evaluate(ctx, append(slices.Clip(fs), l.d.runFindings()...))
	if err != nil && !errors.Is(err, context.Canceled) {
		l.d.m.Logger.Error("alert evaluation", "err", err)
	}
	if rep.Sent+rep.Failed+rep.Deferred > 0 {
		fmt.Fprintf(l.d.m.Stdout, "%s  %-28s %d sent, %d failed, %d held back\n",
			l.d.clock.Now().In(pipelines.Shanghai).Format("2006-01-02 15:04:05"), "alerts", rep.Sent, rep.Failed, rep.Deferred)
	}
}

// loadFindings reads what the alerts and the open-findings metric need:
// the open findings with a fault level and those resolved in the last day.
func (d *daemon) loadFindings(ctx context.Context, c *config.Config, wh *warehouse.Warehouse) ([]alert.Finding, error) {
	cat, err := c.LoadCatalog()
	if err != nil {
		return nil, err
	}
	return alert.LoadFindings(ctx, wh.DB(), d.clock.Now().Add(-24*time.Hour), cat)
}

// findingsOpen sets the open findings metric of every target and level:
// the catalog's targets, and any target ever seen with findings, zeros
// included so a resolved level drops to 0.
func (d *daemon) findingsOpen(c *config.Config, fs []alert.Finding) {
	counts := map[string]*[5]int{}
	d.mu.Lock()
	if d.targets == nil {
		d.targets = map[string]bool{}
	}
	if cat, err := c.LoadCatalog(); err == nil {
		for _, t := range cat.Targets {
			d.targets[t.Key] = true
		}
	}
	for _, f := range fs {
		d.targets[f.Target] = true
	}
	for t := range d.targets {
		counts[t] = &[5]int{}
	}
	d.mu.Unlock()
	for _, f := range fs {
		if f.Open() && f.Level >= 1 && f.Level <= 4 {
			counts[f.Target][f.Level]++
		}
	}
	for t, n := range counts {
		for level := 1; level <= 4; level++ {
			d.metrics.FindingsOpen(t, level, n[level])
		}
	}
}

// reconciled follows a run that reconciled: it reads the findings while
// the run still holds the warehouse. A failed read is logged, not the
// run's failure: its results are written.
func (d *daemon) reconciled(ctx context.Context, c *config.Config, wh *warehouse.Warehouse) []alert.Finding {
	fs, err := d.loadFindings(ctx, c, wh)
	if err != nil {
		d.m.Logger.Error("findings not read after the reconciliation", "err", warehouse.ScrubText(err.Error()))
		return nil
	}
	return fs
}

// publishFindings, after the run has let go of the warehouse, updates the
// open findings metric and hands the findings to the alert loop.
func (d *daemon) publishFindings(c *config.Config, fs []alert.Finding) {
	if fs == nil {
		return
	}
	d.findingsOpen(c, fs)
	d.alerts.evaluateSoon(fs)
}

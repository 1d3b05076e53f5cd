// Package schedule runs pushaudit's pipelines on their schedules: each
// job (a source's snapshot, a cadence's reconciliation, a report) is due
// on a Spec — the deadlines of a cadence's windows, or a cron expression —
// plus a deterministic jitter. No two runs of one job overlap; after
// downtime a job that missed several ticks runs once for the latest; at
// most MaxConcurrent jobs run at once. The clock is injected, so tests
// drive days of schedule in milliseconds.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Job is one pipeline the scheduler runs.
type Job struct {
	// Name identifies the job (e.g. "reconcile:every_10m"); its last tick is
	// kept under this name.
	Name string
	Spec Spec
	// Jitter delays each tick by a fixed fraction of it, spreading jobs
	// due at the same time.
	Jitter time.Duration
	// RunAtStart runs a job that never ran (no last tick kept) as soon as
	// the scheduler starts: a new daemon snapshots before it judges.
	RunAtStart bool
	// Urgent jobs go first when several are due at once (the daemon is
	// behind): a reconciliation that snapshots what it reads before
	// judging needs no other run before it, and a finding is first seen
	// sooner when it does not queue behind whole-site snapshots and
	// reports. A job kept waiting longer than Scheduler.MaxDefer is
	// treated as urgent too, so none starves.
	Urgent bool
	Run    func(ctx context.Context, t Tick) error
}

// Tick is one run of a job.
type Tick struct {
	Job string
	// Due is the tick the run stands for (jitter not included); after
	// downtime, the latest of the ticks missed.
	Due time.Time
	// Prev is the tick of the job's last successful run (zero: none), so a
	// run can cover everything since.
	Prev time.Time
	// Skipped counts the earlier ticks this run stands for too.
	Skipped int
}

// Outcome is a finished run.
type Outcome struct {
	Tick
	Started, Finished time.Time // on the scheduler's clock
	Err               error
}

// State keeps each job's last successful tick across restarts.
type State interface {
	Load() (map[string]time.Time, error)
	Save(job string, tick time.Time) error
}

// Scheduler runs jobs on a Clock.
type Scheduler struct {
	Clock Clock
	// State remembers last ticks; nil keeps them in memory only.
	State State
	// MaxConcurrent caps the runs at once (default 1: every run writes the
	// one warehouse).
	MaxConcurrent int
	// Until, when set, ends Run once nothing runs and the next tick is
	// after it.
	Until time.Time
	// Grace is how long Run waits for runs in flight after its context
	// ends before cancelling them (default 25 s).
	Grace time.Duration
	// MaxDefer is how long a due job that is not Urgent may be passed
	// over by urgent ones (default 30 min of the clock).
	MaxDefer time.Duration
	// OnStart and OnFinish observe runs (log lines, metrics, alerts);
	// they are called from the scheduler's goroutine and must not block.
	OnStart  func(Tick)
	OnFinish func(Outcome)
	// OnIdle is called when nothing runs, before waiting for the tick at
	// next: a test with a Manual clock moves the clock there.
	OnIdle func(next time.Time)
	Logger *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
	reload  chan []Job
	stopped chan struct{} // closed when Run returns
}

type entry struct {
	job     Job
	lastOK  time.Time // Prev of the next run
	due     time.Time // next tick, jitter not included; zero: none
	running bool
}

func (e *entry) at() time.Time { return e.due.Add(jitter(e.job.Name, e.due, e.job.Jitter)) }

// Planned is a job's next run.
type Planned struct {
	Job     string
	At      time.Time // tick plus jitter
	Running bool
}

// Plan lists the next run of every job, soonest first.
func (s *Scheduler) Plan() []Planned {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Planned
	for _, e := range s.entries {
		out = append(out, Planned{Job: e.job.Name, At: e.at(), Running: e.running})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].Job < out[j].Job
	})
	return out
}

// Reload replaces the jobs: a job of the same name keeps its last tick and
// a run in flight finishes; a job no longer listed is dropped after its
// run. It returns at once; Run applies it.
func (s *Scheduler) Reload(jobs []Job) {
	s.mu.Lock()
	ch, stopped := s.reload, s.stopped
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- jobs:
		case <-stopped:
		}
	}
}

// Validate checks a job list: names set and unique, a spec and a func each.
func Validate(jobs []Job) error {
	seen := map[string]bool{}
	for i, j := range jobs {
		switch {
		case j.Name == "":
			return fmt.Errorf("job %d: no name", i)
		case seen[j.Name]:
			return fmt.Errorf("job %s: listed twice", j.Name)
		case j.Spec == nil || j.Run == nil:
			return fmt.Errorf("job %s: no spec or no run", j.Name)
		}
		seen[j.Name] = true
	}
	return nil
}

// Run schedules jobs until ctx ends (or Until passes), then waits for the
// runs in flight (at most Grace, then cancels them and waits for them to
// return). It returns nil on a clean stop.
func (s *Scheduler) Run(ctx context.Context, jobs []Job) error {
	if err := Validate(jobs); err != nil {
		return err
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.MaxConcurrent <= 0 {
		s.MaxConcurrent = 1
	}
	if s.Grace <= 0 {
		s.Grace = 25 * time.Second
	}
	if s.MaxDefer <= 0 {
		s.MaxDefer = 30 * time.Minute
	}
	// On a Skip clock the scheduler holds the clock whenever it is not
	// idle (a run in flight, or work of its own), so the clock jumps to
	// the next tick only when nothing runs.
	release := Hold(s.Clock)
	defer func() { release() }()
	if st, ok := s.Clock.(interface{ Start() }); ok {
		st.Start()
	}
	last := map[string]time.Time{}
	if s.State != nil {
		var err error
		if last, err = s.State.Load(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.entries = map[string]*entry{}
	s.reload = make(chan []Job)
	s.stopped = make(chan struct{})
	s.mu.Unlock()
	defer close(s.stopped)
	s.apply(jobs, last)

	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	done := make(chan Outcome)
	running := 0
	for {
		running += s.dispatch(runCtx, done, s.MaxConcurrent-running)
		next, ok := s.nextAt()
		if running == 0 && !s.Until.IsZero() && (!ok || s.after(next)) {
			return nil
		}
		var timer Timer
		var fire <-chan time.Time
		if ok {
			timer = s.Clock.NewTimer(next.Sub(s.Clock.Now()))
			fire = timer.C()
		}
		if running == 0 && s.OnIdle != nil && ok {
			s.OnIdle(next)
		}
		idle := running == 0
		if idle {
			release()
		}
		select {
		case <-fire:
		case o := <-done:
			running--
			s.finish(o)
		case j := <-s.reload:
			s.apply(j, nil)
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			if idle {
				release = Hold(s.Clock)
			}
			return s.drain(done, running, cancelRuns)
		}
		if idle {
			release = Hold(s.Clock)
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// drain waits for the runs in flight: Grace, then cancels them.
func (s *Scheduler) drain(done chan Outcome, running int, cancel context.CancelFunc) error {
	grace := time.NewTimer(s.Grace) // wall time: a bound on shutdown
	defer grace.Stop()
	for running > 0 {
		select {
		case o := <-done:
			running--
			s.finish(o)
		case <-grace.C:
			s.Logger.Warn("runs still in flight after the grace period: cancelling them", "runs", running, "grace", s.Grace.String())
			cancel()
		}
	}
	return nil
}

// apply installs jobs, keeping what is known of jobs of the same name.
func (s *Scheduler) apply(jobs []Job, last map[string]time.Time) {
	now := s.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.entries
	s.entries = map[string]*entry{}
	for _, j := range jobs {
		e := &entry{job: j}
		if o, ok := old[j.Name]; ok {
			e.lastOK, e.running = o.lastOK, o.running
		} else {
			e.lastOK = last[j.Name]
		}
		from := now
		if !e.lastOK.IsZero() && e.lastOK.Before(now) {
			from = e.lastOK // ticks missed while down run once, at start
		}
		e.due = j.Spec.Next(from)
		if e.lastOK.IsZero() && j.RunAtStart && last != nil {
			e.due = now
		}
		if o, ok := old[j.Name]; ok && !o.due.IsZero() && sameSpec(o.job.Spec, j.Spec) {
			e.due = o.due
		}
		s.entries[j.Name] = e
	}
	for name, o := range old {
		if _, ok := s.entries[name]; !ok && o.running {
			// dropped while running: kept, with no next tick, until it ends
			// (finish removes an entry without a spec).
			o.due, o.job.Spec = time.Time{}, nil
			s.entries[name] = o
		}
	}
}

func sameSpec(a, b Spec) bool {
	sa, oka := a.(fmt.Stringer)
	sb, okb := b.(fmt.Stringer)
	return oka && okb && sa.String() == sb.String()
}

// after says whether t is past Until.
func (s *Scheduler) after(t time.Time) bool { return !s.Until.IsZero() && t.After(s.Until) }

// nextAt is the earliest tick (with jitter) of a job not running.
func (s *Scheduler) nextAt() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best time.Time
	for _, e := range s.entries {
		if e.running || e.due.IsZero() {
			continue
		}
		if at := e.at(); best.IsZero() || at.Before(best) {
			best = at
		}
	}
	return best, !best.IsZero()
}

// dispatch starts up to slots jobs that are due, earliest first, and
// returns how many it started.
func (s *Scheduler) dispatch(ctx context.Context, done chan<- Outcome, slots int) int {
	now := s.Clock.Now()
	s.mu.Lock()
	var due []*entry
	for _, e := range s.entries {
		if !e.running && !e.due.IsZero() && !e.at().After(now) && !s.after(e.at()) {
			due = append(due, e)
		}
	}
	// Urgent jobs first (and those passed over for MaxDefer already, and
	// a new daemon's first runs of RunAtStart jobs), then in tick order.
	first := func(e *entry) bool {
		return e.job.Urgent || now.Sub(e.at()) >= s.MaxDefer || (e.job.RunAtStart && e.lastOK.IsZero())
	}
	sort.Slice(due, func(i, j int) bool {
		if fi, fj := first(due[i]), first(due[j]); fi != fj {
			return fi
		}
		ai, aj := due[i].at(), due[j].at()
		if !ai.Equal(aj) {
			return ai.Before(aj)
		}
		return due[i].job.Name < due[j].job.Name
	})
	var ticks []Tick
	var runs []func(context.Context, Tick) error
	for _, e := range due {
		if len(ticks) == slots {
			break
		}
		t := Tick{Job: e.job.Name, Due: e.due, Prev: e.lastOK}
		// every tick missed up to now is stood for by this one run.
		for n := e.job.Spec.Next(t.Due); !n.IsZero() && !n.After(now) && !s.after(n); n = e.job.Spec.Next(n) {
			t.Due = n
			t.Skipped++
		}
		e.due = e.job.Spec.Next(t.Due)
		e.running = true
		ticks = append(ticks, t)
		runs = append(runs, e.job.Run)
	}
	s.mu.Unlock()
	for i, t := range ticks {
		if s.OnStart != nil {
			s.OnStart(t)
		}
		go func(t Tick, run func(context.Context, Tick) error) {
			o := Outcome{Tick: t, Started: s.Clock.Now()}
			o.Err = safeRun(ctx, run, t)
			o.Finished = s.Clock.Now()
			done <- o
		}(t, runs[i])
	}
	return len(ticks)
}

// safeRun runs a job, turning a panic into its error: one bad run must not
// end the daemon.
func safeRun(ctx context.Context, run func(context.Context, Tick) error, t Tick) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("run %s panicked: %v", t.Job, r)
		}
	}()
	return run(ctx, t)
}

// finish records a finished run.
func (s *Scheduler) finish(o Outcome) {
	s.mu.Lock()
	e, ok := s.entries[o.Job]
	if ok {
		e.running = false
		if o.Err == nil {
			e.lastOK = o.Due
		}
		if e.job.Spec == nil {
			delete(s.entries, o.Job)
		}
	}
	s.mu.Unlock()
	if o.Err == nil && s.State != nil {
		if err := s.State.Save(o.Job, o.Due); err != nil {
			s.Logger.Error("schedule state not saved", "job", o.Job, "err", err)
		}
	}
	if s.OnFinish != nil {
		s.OnFinish(o)
	}
	if o.Err != nil && !errors.Is(o.Err, context.Canceled) {
		s.Logger.Debug("run failed", "job", o.Job, "err", o.Err)
	}
}

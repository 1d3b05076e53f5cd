package schedule

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// slack bounds how far past its due time the skip clock may read when
// something happens that should happen at once (goroutine switches on a
// loaded machine). Far below any tick spacing: the checks below tell a
// clock that jumps from one that runs fast or waits in real time.
const slack = 2 * time.Second

// TestSkip_JumpsWhenIdleRealTimeWhenHeld: nothing holding the clock, a
// timer an hour away fires at once and the clock reads its time; while
// the fired timer holds it, the clock runs in real time; a hold keeps it
// from jumping.
func TestSkip_JumpsWhenIdleRealTimeWhenHeld(t *testing.T) {
	origin := at("2026-11-20 10:00")
	c := NewSkip(origin, 1)
	early := c.NewTimer(time.Hour)
	select {
	case <-early.C():
		t.Fatal("the timer fired before Start: a new clock must not jump")
	case <-time.After(20 * time.Millisecond):
	}
	c.Start()
	var fired time.Time
	select {
	case fired = <-early.C():
	case <-time.After(5 * time.Second):
		t.Fatal("an idle skip clock did not jump to its timer an hour away")
	}
	if want := origin.Add(time.Hour); fired.Before(want) || fired.Sub(want) > slack {
		t.Errorf("fired at %s, want %s", fired, want)
	}
	// held by the fired timer: real time.
	time.Sleep(50 * time.Millisecond)
	if d := c.Now().Sub(fired); d < 50*time.Millisecond || d > slack {
		t.Errorf("50 ms of work while held moved the clock %s, want 50 ms (real time)", d)
	}
	// another hold: the next timer waits for it.
	release := c.Hold()
	early.Stop() // lets go of the fired timer's hold
	next := c.NewTimer(10 * time.Minute)
	select {
	case <-next.C():
		t.Fatal("the clock jumped while held")
	case <-time.After(30 * time.Millisecond):
	}
	before := c.Now()
	release()
	release() // twice: no effect
	select {
	case got := <-next.C():
		if want := fired.Add(10 * time.Minute); got.Before(want) || got.Sub(want) > slack {
			t.Errorf("second timer fired at %s, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the clock did not jump once released")
	}
	if c.Now().Before(before) {
		t.Error("the clock went backwards")
	}
	// a stopped timer is not jumped to.
	next.Stop()
	hold := c.Hold()
	stopped := c.NewTimer(time.Hour)
	if !stopped.Stop() {
		t.Error("Stop of a pending timer reported false")
	}
	t0 := c.Now()
	hold()
	time.Sleep(20 * time.Millisecond)
	if d := c.Now().Sub(t0); d > slack {
		t.Errorf("with its only timer stopped the clock moved %s, want real time only", d)
	}
}

// TestSkip_WallTimerWhileHeld: a timer shorter than the work in flight
// fires in real time, at its time, while the clock is held.
func TestSkip_WallTimerWhileHeld(t *testing.T) {
	origin := at("2026-11-20 10:00")
	c := NewSkip(origin, 1)
	c.Start()
	release := c.Hold()
	defer release()
	// The wall time is measured from before the timer is made: it counts
	// from NewTimer, so a start taken after could see it fire a little
	// under 40 ms later (39.68 ms seen on a loaded machine) without any
	// fault of the clock.
	start := time.Now()
	tm := c.NewTimer(40 * time.Millisecond)
	far := c.NewTimer(time.Hour)
	defer far.Stop()
	got := <-tm.C()
	defer tm.Stop()
	if wall := time.Since(start); wall < 40*time.Millisecond {
		t.Errorf("fired after %s of wall time, want at least 40 ms", wall)
	}
	if want := origin.Add(40 * time.Millisecond); got.Before(want) || got.Sub(want) > slack {
		t.Errorf("fired at %s, want %s", got, want)
	}
}

// TestScheduler_SkipClock runs jobs of known durations on a skip clock
// over six simulated hours: each run starts at its tick (plus jitter)
// or, queued behind another, when that one finished; it lasts its real
// duration on the clock; and nothing else moves the clock while idle
// but the jump to the next tick.
func TestScheduler_SkipClock(t *testing.T) {
	start := at("2026-11-20 00:00")
	clock := NewSkip(start, 1)
	d := pipelines.DefaultSchedules()
	snap, _ := ParseCron("*/10 * * * *")
	durations := map[string]time.Duration{"snapshot": 30 * time.Millisecond, "reconcile:every_10m": 20 * time.Millisecond, "reconcile:hourly": 10 * time.Millisecond}
	var mu sync.Mutex
	var outs []Outcome
	mk := func(name string, spec Spec, jit time.Duration) Job {
		return Job{Name: name, Spec: spec, Jitter: jit, Run: func(ctx context.Context, tk Tick) error {
			time.Sleep(durations[name])
			return nil
		}}
	}
	jobs := []Job{
		mk("snapshot", snap, 0),
		mk("reconcile:every_10m", AfterDeadlines{Schedule: d[pipelines.Every10m], Delay: 30 * time.Second}, 0),
		// due with the 10-minute one on the hour: queued behind it.
		mk("reconcile:hourly", AfterDeadlines{Schedule: d[pipelines.Hourly], Delay: 30 * time.Second}, 0),
	}
	s := &Scheduler{Clock: clock, Until: start.Add(6 * time.Hour), OnFinish: func(o Outcome) {
		mu.Lock()
		defer mu.Unlock()
		outs = append(outs, o)
	}}
	wall := time.Now()
	if err := s.Run(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	t.Logf("6 simulated hours in %s of wall time", time.Since(wall).Round(time.Millisecond))
	count := map[string]int{}
	var prevEnd time.Time
	for i, o := range outs {
		count[o.Job]++
		if o.Skipped != 0 {
			t.Errorf("%s of %s stands for %d skipped ticks: the clock ran ahead of the runs", o.Job, o.Due, o.Skipped)
		}
		took := o.Finished.Sub(o.Started)
		if took < durations[o.Job] || took > durations[o.Job]+slack {
			t.Errorf("%s of %s took %s on the clock, want its real %s", o.Job, o.Due, took, durations[o.Job])
		}
		// it starts at its tick, or when the run before it ended.
		want := o.Due
		if i > 0 && prevEnd.After(want) {
			want = prevEnd
		}
		if o.Started.Before(want) || o.Started.Sub(want) > slack {
			t.Errorf("%s of %s started at %s, want %s (its tick, or the end of the run before)", o.Job, o.Due, o.Started, want)
		}
		prevEnd = o.Finished
	}
	// 00:10..06:00 snapshots (00:00 is the start), 00:00:30..05:50:30
	// ten-minute reconciliations, 00:00:30..05:00:30 hourly.
	if want := map[string]int{"snapshot": 36, "reconcile:every_10m": 36, "reconcile:hourly": 6}; !mapsEqual(count, want) {
		t.Errorf("runs %v, want %v", count, want)
	}
	// On the hour the hourly reconciliation was queued behind the
	// 10-minute one due at the same tick (name order): it waited exactly
	// that run's real time, not minutes.
	for _, o := range outs {
		if o.Job == "reconcile:hourly" {
			if wait := o.Started.Sub(o.Due); wait < durations["reconcile:every_10m"] || wait > slack {
				t.Errorf("hourly of %s waited %s, want the 10-minute run's %s", o.Due, wait, durations["reconcile:every_10m"])
			}
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestScheduler_UrgentFirst: when the daemon is behind, the urgent jobs
// due (reconciliations that snapshot what they read) run before the
// others due (whole-site snapshots, reports), which keep tick order; a
// job passed over for MaxDefer is urgent too.
func TestScheduler_UrgentFirst(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxDefer time.Duration
		want     []string
	}{
		// at 10:04 everything is due: the urgent one, then tick order.
		{"behind", 0, []string{"block", "reconcile", "snapshot", "report"}},
		// the 10:01 snapshot has waited 3 min, past MaxDefer 150 s: it goes
		// first (earliest tick); the 10:02 report (2 min) after the urgent one.
		{"aged", 150 * time.Second, []string{"block", "snapshot", "reconcile", "report"}},
		// a new daemon's first snapshot (RunAtStart, never ran) goes
		// before the urgent reconciliation: it judges on a snapshot.
		{"new daemon", 0, []string{"snapshot", "block", "reconcile", "snapshot", "report"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewManual(at("2026-11-20 09:59"))
			var order []string
			cron := func(expr string) Spec {
				c, err := ParseCron(expr)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			mk := func(name, expr string, urgent bool) Job {
				return Job{Name: name, Spec: cron(expr), Urgent: urgent, Run: func(ctx context.Context, tk Tick) error {
					order = append(order, name)
					if name == "block" {
						clock.Set(at("2026-11-20 10:04")) // this run takes 4 minutes
					}
					return nil
				}}
			}
			s := driven(clock, at("2026-11-20 10:10"))
			s.MaxDefer = tc.maxDefer
			s.State = &MemState{} // RunAtStart jobs that never ran go first
			jobs := []Job{mk("block", "0 10 * * *", false), mk("snapshot", "1 10 * * *", false),
				mk("report", "2 10 * * *", false), mk("reconcile", "3 10 * * *", true)}
			if tc.name == "new daemon" {
				jobs[1].RunAtStart = true
			}
			if err := s.Run(context.Background(), jobs); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(order, tc.want) {
				t.Errorf("order %v, want %v", order, tc.want)
			}
		})
	}
}

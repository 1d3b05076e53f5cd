package schedule

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// recorder collects the runs of jobs, in the order they started.
type recorder struct {
	mu   sync.Mutex
	runs []Tick
	now  []time.Time
}

func (r *recorder) job(name string, spec Spec, clock Clock, jit time.Duration) Job {
	return Job{Name: name, Spec: spec, Jitter: jit, Run: func(ctx context.Context, t Tick) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.runs = append(r.runs, t)
		r.now = append(r.now, clock.Now())
		return nil
	}}
}

// driven returns a scheduler on a manual clock that moves the clock to
// each next tick as soon as nothing runs, up to until.
func driven(clock *Manual, until time.Time) *Scheduler {
	return &Scheduler{Clock: clock, Until: until, OnIdle: clock.Set}
}

// TestScheduler_ThreeDays drives three simulated days of every cadence's
// reconciliation, a snapshot every 10 minutes and the daily workbook, and
// checks that every tick ran once, in order.
func TestScheduler_ThreeDays(t *testing.T) {
	start := at("2026-11-20 00:00")
	end := start.AddDate(0, 0, 3)
	clock := NewManual(start)
	rec := &recorder{}
	d := pipelines.DefaultSchedules()
	snap, _ := ParseCron("*/10 * * * *")
	daily, _ := ParseCron("30 7 * * *")
	jobs := []Job{
		rec.job("snapshot:biz", snap, clock, 2*time.Minute),
		rec.job("reconcile:every_10m", AfterDeadlines{Schedule: d[pipelines.Every10m], Delay: time.Minute}, clock, 30*time.Second),
		rec.job("reconcile:every_30m", AfterDeadlines{Schedule: d[pipelines.Every30m], Delay: time.Minute}, clock, 30*time.Second),
		rec.job("reconcile:hourly", AfterDeadlines{Schedule: d[pipelines.Hourly], Delay: time.Minute}, clock, 30*time.Second),
		rec.job("reconcile:daily_after_2300", AfterDeadlines{Schedule: d[pipelines.DailyAfter2300], Delay: time.Minute}, clock, 30*time.Second),
		rec.job("report:day", daily, clock, 0),
	}
	s := driven(clock, end.Add(-time.Second))
	if err := s.Run(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	// 3 days: 432 ten-minute ticks, 144 half-hours, 72 hours, 3 days; the
	// snapshot's first is 00:10 (00:00 is when the daemon starts), so 431.
	want := map[string]int{"snapshot:biz": 431, "reconcile:every_10m": 432, "reconcile:every_30m": 144,
		"reconcile:hourly": 72, "reconcile:daily_after_2300": 3, "report:day": 3}
	got := map[string][]time.Time{}
	for i, r := range rec.runs {
		got[r.Job] = append(got[r.Job], r.Due)
		if r.Skipped != 0 {
			t.Errorf("run %d %s at %s stands for %d skipped ticks, want 0", i, r.Job, r.Due, r.Skipped)
		}
		// it ran at its tick plus its jitter, not later: nothing waited.
		if wantAt := r.Due.Add(jitter(r.Job, r.Due, jobJitter(jobs, r.Job))); !rec.now[i].Equal(wantAt) {
			t.Errorf("run %d %s of %s ran at %s, want %s", i, r.Job, r.Due, rec.now[i], wantAt)
		}
		if i > 0 && rec.now[i].Before(rec.now[i-1]) {
			t.Errorf("run %d %s at %s started before run %d at %s", i, r.Job, rec.now[i], i-1, rec.now[i-1])
		}
	}
	for job, n := range want {
		ticks := got[job]
		if len(ticks) != n {
			t.Errorf("%s ran %d times, want %d", job, len(ticks), n)
			continue
		}
		for i := 1; i < len(ticks); i++ {
			if gap := ticks[i].Sub(ticks[i-1]); gap <= 0 || (job != "report:day" && gap != jobs[indexOf(jobs, job)].Spec.Next(ticks[i-1]).Sub(ticks[i-1])) {
				t.Errorf("%s: tick %d at %s follows %s", job, i, ticks[i], ticks[i-1])
			}
		}
	}
	if first := got["reconcile:every_10m"][0]; !first.Equal(at("2026-11-20 00:01")) {
		t.Errorf("first 10-minute reconciliation at %s, want 00:01 (the deadline of [23:40, 23:50) plus 1 min)", first)
	}
	if first := got["reconcile:daily_after_2300"][0]; !first.Equal(at("2026-11-20 06:01")) {
		t.Errorf("first daily reconciliation at %s, want 06:01", first)
	}
	if last := got["report:day"][2]; !last.Equal(at("2026-11-22 07:30")) {
		t.Errorf("last daily workbook at %s, want 2026-11-22 07:30", last)
	}
}

func jobJitter(jobs []Job, name string) time.Duration { return jobs[indexOf(jobs, name)].Jitter }

func indexOf(jobs []Job, name string) int {
	for i, j := range jobs {
		if j.Name == name {
			return i
		}
	}
	return -1
}

// TestScheduler_CatchUp: after three hours down, a 10-minute job runs once
// for the latest tick missed, then on its grid again.
func TestScheduler_CatchUp(t *testing.T) {
	now := at("2026-11-20 12:05")
	clock := NewManual(now)
	rec := &recorder{}
	every, _ := ParseCron("*/10 * * * *")
	state := &MemState{Last: map[string]time.Time{"snap": at("2026-11-20 09:00")}}
	s := driven(clock, at("2026-11-20 12:25"))
	s.State = state
	if err := s.Run(context.Background(), []Job{rec.job("snap", every, clock, 0)}); err != nil {
		t.Fatal(err)
	}
	if len(rec.runs) != 3 {
		t.Fatalf("ran %d times, want 3 (one catch-up, 12:10, 12:20): %+v", len(rec.runs), rec.runs)
	}
	first := rec.runs[0]
	if !first.Due.Equal(at("2026-11-20 12:00")) || !first.Prev.Equal(at("2026-11-20 09:00")) || first.Skipped != 17 {
		t.Errorf("catch-up run = due %s prev %s skipped %d, want due 12:00 prev 09:00 skipped 17", first.Due, first.Prev, first.Skipped)
	}
	if !rec.now[0].Equal(now) {
		t.Errorf("catch-up ran at %s, want at start %s", rec.now[0], now)
	}
	if !rec.runs[1].Due.Equal(at("2026-11-20 12:10")) || !rec.runs[1].Prev.Equal(at("2026-11-20 12:00")) {
		t.Errorf("second run = due %s prev %s, want 12:10 after 12:00", rec.runs[1].Due, rec.runs[1].Prev)
	}
	if got := state.Last["snap"]; !got.Equal(at("2026-11-20 12:20")) {
		t.Errorf("state keeps %s, want the last tick 12:20", got)
	}
}

// TestScheduler_NoOverlap: a run that outlasts two ticks is not joined by
// a second run of the same job; the ticks it covered are run once after.
func TestScheduler_NoOverlap(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	var inFlight, most atomic.Int32
	var ticks []Tick
	slow := func(ctx context.Context, tk Tick) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		ticks = append(ticks, tk)
		if len(ticks) == 1 {
			clock.Set(clock.Now().Add(25 * time.Minute)) // this run takes 25 min
		}
		return nil
	}
	other := &recorder{}
	s := driven(clock, at("2026-11-20 10:45"))
	s.MaxConcurrent = 4
	jobs := []Job{{Name: "slow", Spec: every, Run: slow}, other.job("other", every, clock, 0)}
	if err := s.Run(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	if most.Load() != 1 {
		t.Errorf("%d runs of one job at once, want 1", most.Load())
	}
	var dues []string
	for _, tk := range ticks {
		dues = append(dues, tk.Due.In(pipelines.Shanghai).Format("15:04"))
	}
	if got, want := dues, []string{"10:10", "10:30", "10:40"}; !slices.Equal(got, want) {
		t.Errorf("slow ran for %v, want %v (10:20 and 10:30 in one run after the long one)", got, want)
	}
	if ticks[1].Skipped != 1 {
		t.Errorf("run after the long one skipped %d ticks, want 1", ticks[1].Skipped)
	}
	// the other job went on meanwhile: 4 concurrent slots.
	if len(other.runs) < 3 {
		t.Errorf("the other job ran %d times, want at least 3", len(other.runs))
	}
}

// TestScheduler_OneAtATime: with MaxConcurrent 1, jobs due together run
// one after the other, in tick order.
func TestScheduler_OneAtATime(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	var inFlight, most atomic.Int32
	var order []string
	mk := func(name string) Job {
		return Job{Name: name, Spec: every, Run: func(ctx context.Context, tk Tick) error {
			if n := inFlight.Add(1); n > most.Load() {
				most.Store(n)
			}
			defer inFlight.Add(-1)
			order = append(order, name)
			return nil
		}}
	}
	s := driven(clock, at("2026-11-20 10:15"))
	if err := s.Run(context.Background(), []Job{mk("c"), mk("a"), mk("b")}); err != nil {
		t.Fatal(err)
	}
	if most.Load() != 1 {
		t.Errorf("%d runs at once, want 1", most.Load())
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

// TestScheduler_Failure: a failed run is reported, not saved as the last
// tick, and the next run covers from the last success.
func TestScheduler_Failure(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	var ticks []Tick
	fail := errors.New("source down")
	job := Job{Name: "snap", Spec: every, Run: func(ctx context.Context, tk Tick) error {
		ticks = append(ticks, tk)
		if len(ticks) == 2 {
			return fail
		}
		if len(ticks) == 3 {
			panic("bad run")
		}
		return nil
	}}
	var outcomes []Outcome
	state := &MemState{}
	s := driven(clock, at("2026-11-20 10:45"))
	s.State = state
	s.OnFinish = func(o Outcome) { outcomes = append(outcomes, o) }
	if err := s.Run(context.Background(), []Job{job}); err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 4 {
		t.Fatalf("ran %d times, want 4", len(ticks))
	}
	if !errors.Is(outcomes[1].Err, fail) || outcomes[2].Err == nil {
		t.Errorf("outcomes %v, %v: want the failure and the panic as errors", outcomes[1].Err, outcomes[2].Err)
	}
	if !ticks[3].Prev.Equal(at("2026-11-20 10:10")) {
		t.Errorf("run after two failures covers from %s, want the last success 10:10", ticks[3].Prev)
	}
	if got := state.Last["snap"]; !got.Equal(at("2026-11-20 10:40")) {
		t.Errorf("state %s, want 10:40", got)
	}
}

// TestScheduler_Reload: new jobs replace old ones; one of the same name
// keeps its last tick; a bad list is refused.
func TestScheduler_Reload(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	hourly, _ := ParseCron("0 * * * *")
	rec := &recorder{}
	s := &Scheduler{Clock: clock, Until: at("2026-11-20 12:00")}
	reloaded := false
	s.OnIdle = func(next time.Time) {
		if !reloaded && !next.Before(at("2026-11-20 10:30")) {
			reloaded = true
			go s.Reload([]Job{rec.job("a", hourly, clock, 0), rec.job("b", hourly, clock, 0)})
			return // the reload wakes the scheduler, which comes back here
		}
		clock.Set(next)
	}
	if err := s.Run(context.Background(), []Job{rec.job("a", every, clock, 0)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rec.runs {
		got = append(got, r.Job+"@"+r.Due.In(pipelines.Shanghai).Format("15:04"))
	}
	want := []string{"a@10:10", "a@10:20", "a@11:00", "b@11:00", "a@12:00", "b@12:00"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if err := Validate([]Job{rec.job("a", every, clock, 0), rec.job("a", hourly, clock, 0)}); err == nil {
		t.Error("Validate accepts a job listed twice")
	}
	if err := Validate([]Job{{Name: "x", Spec: every}}); err == nil {
		t.Error("Validate accepts a job without a run func")
	}
}

// TestScheduler_Shutdown: when the context ends, a run in flight is given
// the grace period, then cancelled; Run returns nil.
func TestScheduler_Shutdown(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var sawCancel atomic.Bool
	job := Job{Name: "stuck", Spec: every, Run: func(rctx context.Context, tk Tick) error {
		close(started)
		<-rctx.Done()
		sawCancel.Store(true)
		return rctx.Err()
	}}
	s := &Scheduler{Clock: clock, Grace: 10 * time.Millisecond, OnIdle: clock.Set}
	var outcomes []Outcome
	s.OnFinish = func(o Outcome) { outcomes = append(outcomes, o) }
	go func() { <-started; cancel() }()
	if err := s.Run(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	if !sawCancel.Load() || len(outcomes) != 1 || !errors.Is(outcomes[0].Err, context.Canceled) {
		t.Errorf("the run in flight was not cancelled and reported: %+v", outcomes)
	}
}

func TestScheduler_Plan(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:05"))
	every, _ := ParseCron("*/10 * * * *")
	hourly, _ := ParseCron("0 * * * *")
	rec := &recorder{}
	s := &Scheduler{Clock: clock}
	s.OnIdle = func(time.Time) {
		plan := s.Plan()
		go s.Reload(nil)
		if len(plan) != 2 || plan[0].Job != "a" || !plan[0].At.Equal(at("2026-11-20 10:10")) || plan[1].Job != "b" {
			t.Errorf("plan %+v, want a at 10:10 then b at 11:00", plan)
		}
	}
	s.Until = at("2026-11-20 10:06")
	if err := s.Run(context.Background(), []Job{rec.job("b", hourly, clock, 0), rec.job("a", every, clock, 0)}); err != nil {
		t.Fatal(err)
	}
}

func TestFileState(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	f := &FileState{Path: p}
	if got, err := f.Load(); err != nil || len(got) != 0 {
		t.Fatalf("Load of a missing file = %v, %v; want empty", got, err)
	}
	if err := f.Save("a", at("2026-11-20 10:00")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("b", at("2026-11-20 11:00")); err != nil {
		t.Fatal(err)
	}
	got, err := (&FileState{Path: p}).Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Equal(keys, []string{"a", "b"}) || !got["b"].Equal(at("2026-11-20 11:00")) {
		t.Errorf("reloaded state %v", got)
	}
}

// TestScheduler_UntilWithBacklog: on a clock that runs ahead of slow runs,
// no tick after Until is run, and the ticks before it are run at most once.
func TestScheduler_UntilWithBacklog(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:00"))
	every, _ := ParseCron("*/10 * * * *")
	var ticks []Tick
	job := Job{Name: "slow", Spec: every, Run: func(ctx context.Context, tk Tick) error {
		ticks = append(ticks, tk)
		clock.Set(clock.Now().Add(25 * time.Minute))
		return nil
	}}
	s := driven(clock, at("2026-11-20 11:00"))
	if err := s.Run(context.Background(), []Job{job}); err != nil {
		t.Fatal(err)
	}
	var dues []string
	for _, tk := range ticks {
		dues = append(dues, tk.Due.In(pipelines.Shanghai).Format("15:04"))
	}
	if want := []string{"10:10", "10:30", "11:00"}; !slices.Equal(dues, want) {
		t.Errorf("ran for %v, want %v", dues, want)
	}
}

// TestScheduler_RunAtStart: a job that never ran and asks to runs at once,
// before the others; one with a last tick does not.
func TestScheduler_RunAtStart(t *testing.T) {
	clock := NewManual(at("2026-11-20 10:05"))
	every, _ := ParseCron("*/10 * * * *")
	rec := &recorder{}
	fresh := rec.job("fresh", every, clock, time.Minute)
	fresh.RunAtStart = true
	known := rec.job("known", every, clock, 0)
	known.RunAtStart = true
	s := driven(clock, at("2026-11-20 10:10"))
	s.State = &MemState{Last: map[string]time.Time{"known": at("2026-11-20 10:00")}}
	if err := s.Run(context.Background(), []Job{known, fresh}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, r := range rec.runs {
		got = append(got, r.Job+"@"+rec.now[i].In(pipelines.Shanghai).Format("15:04"))
	}
	if want := []string{"fresh@10:05", "known@10:10"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

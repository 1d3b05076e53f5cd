package snapshot

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeClock is an injected clock: sleeping advances it.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func newTestThrottle(cfg Throttle, probe func(context.Context) (serverLoad, error)) (*throttle, *fakeClock) {
	c := &fakeClock{now: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)}
	th := newThrottle(cfg, probe, nil)
	th.now, th.sleep = c.Now, c.Sleep
	return th, c
}

func TestThrottle_RowsPerSecond(t *testing.T) {
	th, c := newTestThrottle(Throttle{MaxRowsPerSec: 1000}, nil)
	ctx := context.Background()
	// 500 rows at once: due 0.5 s after the start.
	if err := th.wait(ctx, 500); err != nil {
		t.Fatal(err)
	}
	if len(c.sleeps) != 1 || c.sleeps[0] != 500*time.Millisecond {
		t.Fatalf("sleeps %v, want [500ms]", c.sleeps)
	}
	// Reading took 2 s for the next 500: already late, no sleep.
	c.now = c.now.Add(2 * time.Second)
	if err := th.wait(ctx, 500); err != nil || len(c.sleeps) != 1 {
		t.Fatalf("sleeps %v err %v, want no new sleep", c.sleeps, err)
	}
	// 3000 more rows right away: due at 4 s after start, now is 2.5 s.
	if err := th.wait(ctx, 3000); err != nil || len(c.sleeps) != 2 || c.sleeps[1] != 1500*time.Millisecond {
		t.Fatalf("sleeps %v err %v, want a 1.5 s sleep", c.sleeps, err)
	}
}

func TestThrottle_PausesUnderLoad(t *testing.T) {
	lag := func(s float64) *float64 { return &s }
	loads := []serverLoad{
		{Lag: lag(1), ThreadsRunning: 3},   // fine
		{Lag: lag(120), ThreadsRunning: 3}, // lagging
		{Lag: lag(90), ThreadsRunning: 50}, // busy
		{Lag: lag(2), ThreadsRunning: 4},   // fine again
	}
	probes := 0
	probe := func(context.Context) (serverLoad, error) {
		l := loads[min(probes, len(loads)-1)]
		probes++
		return l, nil
	}
	th, c := newTestThrottle(Throttle{MaxReplicaLag: 60 * time.Second, MaxThreadsRunning: 20,
		CheckEvery: 10 * time.Second, Pause: 7 * time.Second}, probe)
	ctx := context.Background()
	// The first wait does not probe: short reads never do.
	if err := th.wait(ctx, 100); err != nil || probes != 0 {
		t.Fatalf("first wait: probes %d err %v", probes, err)
	}
	c.now = c.now.Add(10 * time.Second)
	if err := th.wait(ctx, 100); err != nil || probes != 1 || len(c.sleeps) != 0 {
		t.Fatalf("wait after CheckEvery: probes %d sleeps %v err %v", probes, c.sleeps, err)
	}
	// Within CheckEvery: no probe.
	c.now = c.now.Add(5 * time.Second)
	if err := th.wait(ctx, 100); err != nil || probes != 1 {
		t.Fatalf("second wait probed (%d)", probes)
	}
	// After CheckEvery: lag, then threads, then fine: two pauses.
	c.now = c.now.Add(6 * time.Second)
	if err := th.wait(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if probes != 4 || len(c.sleeps) != 2 || c.sleeps[0] != 7*time.Second || c.sleeps[1] != 7*time.Second {
		t.Fatalf("probes %d sleeps %v, want 4 probes and two 7 s pauses", probes, c.sleeps)
	}
}

func TestThrottle_ProbeErrorAndCancel(t *testing.T) {
	th, c := newTestThrottle(Throttle{MaxThreadsRunning: 1}, func(context.Context) (serverLoad, error) {
		return serverLoad{}, errors.New("access denied")
	})
	_ = th.wait(context.Background(), 10)
	c.now = c.now.Add(time.Minute)
	if err := th.wait(context.Background(), 10); err != nil || len(c.sleeps) != 0 {
		t.Fatalf("probe error must not stop or pause the read: %v %v", err, c.sleeps)
	}
	th, c = newTestThrottle(Throttle{MaxThreadsRunning: 1}, func(context.Context) (serverLoad, error) {
		return serverLoad{ThreadsRunning: 5}, nil
	})
	_ = th.wait(context.Background(), 10)
	c.now = c.now.Add(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.wait(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while paused: %v", err)
	}
	var nilT *throttle
	if err := nilT.wait(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
}

func TestNextChunkRows(t *testing.T) {
	for _, c := range []struct {
		limit  int
		n      int64
		d, tgt time.Duration
		want   int
	}{
		{10_000, 10_000, 100 * time.Millisecond, 2 * time.Second, 40_000},              // fast: at most 4× up
		{20_000, 20_000, 100 * time.Millisecond, 2 * time.Second, rowGroupRows},        // 80,000: one row group
		{245_760, 245_760, 1 * time.Second, 2 * time.Second, 4 * rowGroupRows},         // toward the target
		{245_760, 245_760, 1800 * time.Millisecond, 2 * time.Second, 2 * rowGroupRows}, // 273,066: the nearest whole row groups
		{80_000, 80_000, 8 * time.Second, 2 * time.Second, 20_000},                     // slow: down, under half a row group
		{800_000, 800_000, 100 * time.Millisecond, time.Second, 8 * rowGroupRows},      // capped at 1,000,000, in row groups
		{1000, 1000, time.Second, time.Millisecond, minChunkRows},                      // floor
		{5000, 5000, time.Second, -1, 5000},                                            // fixed
	} {
		if got := nextChunkRows(c.limit, c.n, c.d, c.tgt); got != c.want {
			t.Errorf("nextChunkRows(%d, %d, %v, %v) = %d, want %d", c.limit, c.n, c.d, c.tgt, got, c.want)
		}
	}
}

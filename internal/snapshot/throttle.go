package snapshot

import (
	"context"
	"log/slog"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/timers"
)

// Throttle limits the load a snapshot puts on a production server.
type Throttle struct {
	// MaxRowsPerSec caps the read rate of one table; 0 means no cap.
	MaxRowsPerSec float64
	// MaxReplicaLag pauses reading while the replica lags more than this;
	// 0 means no limit.
	MaxReplicaLag time.Duration
	// MaxThreadsRunning pauses reading while the server's Threads_running
	// exceeds it; 0 means no limit.
	MaxThreadsRunning int
	// CheckEvery is how often lag and Threads_running are probed (default
	// 5 s); Pause how long to wait before probing again when over a limit
	// (default 5 s).
	CheckEvery, Pause time.Duration
}

// serverLoad is what the throttle probes: replica lag (nil when not a
// replica) and Threads_running.
type serverLoad struct {
	Lag            *float64
	ThreadsRunning int
}

// throttle applies a Throttle to one table read. Its clock and sleep are
// injectable for tests.
type throttle struct {
	cfg   Throttle
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	probe func(ctx context.Context) (serverLoad, error)
	log   *slog.Logger

	start     time.Time
	rows      int64
	lastProbe time.Time
	paused    time.Duration // total time spent paused for load
}

func newThrottle(cfg Throttle, probe func(ctx context.Context) (serverLoad, error), log *slog.Logger) *throttle {
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 5 * time.Second
	}
	if cfg.Pause <= 0 {
		cfg.Pause = 5 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &throttle{cfg: cfg, now: time.Now, sleep: timers.Sleep, probe: probe, log: log}
}

// active reports whether the throttle can ever wait.
func (t *throttle) active() bool {
	return t != nil && (t.cfg.MaxRowsPerSec > 0 ||
		t.probe != nil && (t.cfg.MaxReplicaLag > 0 || t.cfg.MaxThreadsRunning > 0))
}

// wait is called before n more rows are handed on: it sleeps as long as
// the rows/s ceiling needs, and pauses while the server is over a load
// limit.
func (t *throttle) wait(ctx context.Context, n int64) error {
	if !t.active() {
		return nil
	}
	now := t.now()
	if t.start.IsZero() {
		t.start = now
	}
	t.rows += n
	if t.cfg.MaxRowsPerSec > 0 {
		// Rows so far may not arrive before rows/ceiling after the start
		// (pauses for load do not count as reading time).
		due := t.start.Add(t.paused + time.Duration(float64(t.rows)/t.cfg.MaxRowsPerSec*float64(time.Second)))
		if d := due.Sub(now); d > 0 {
			if err := t.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	if t.probe == nil || t.cfg.MaxReplicaLag <= 0 && t.cfg.MaxThreadsRunning <= 0 {
		return nil
	}
	if t.lastProbe.IsZero() {
		// The first probe comes CheckEvery after the start: short reads
		// never open the second connection.
		t.lastProbe = now
		return nil
	}
	for {
		now = t.now()
		if now.Sub(t.lastProbe) < t.cfg.CheckEvery {
			return nil
		}
		t.lastProbe = now
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		load, err := t.probe(pctx)
		cancel()
		if err != nil {
			t.log.Warn("throttle: cannot read server load; going on", keyError, err)
			return nil
		}
		over := ""
		if t.cfg.MaxReplicaLag > 0 && load.Lag != nil && *load.Lag > t.cfg.MaxReplicaLag.Seconds() {
			over = "replica lag"
		}
		if t.cfg.MaxThreadsRunning > 0 && load.ThreadsRunning > t.cfg.MaxThreadsRunning {
			over = "threads running"
		}
		if over == "" {
			return nil
		}
		t.log.Info("throttle: pausing", "reason", over, "replica_lag_s", lagText(load.Lag),
			"threads_running", load.ThreadsRunning, "pause", t.cfg.Pause)
		if err := t.sleep(ctx, t.cfg.Pause); err != nil {
			return err
		}
		t.paused += t.cfg.Pause
		t.lastProbe = t.now().Add(-t.cfg.CheckEvery) // probe again right away
	}
}

// loadProbe reads the server load on a second connection.
func (s *snapshotter) loadProbe(ms *mysqlSource) func(ctx context.Context) (serverLoad, error) {
	return func(ctx context.Context) (serverLoad, error) {
		p, err := ms.probe(ctx)
		if err != nil {
			return serverLoad{}, err
		}
		return p.load(ctx)
	}
}

package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestWaitOpen_InjectedClock: with Sleep set, the wait for a held file is
// measured on Now and spent in Sleep (a simulated clock's 2 minutes), and the file is tried again between the sleeps.
func TestWaitOpen_InjectedClock(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var slept time.Duration
	tries := 0
	opts := Options{
		Wait: 2 * time.Minute,
		Now:  func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept += d
			now = now.Add(d)
			return nil
		},
	}
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	held := func() (*Warehouse, error) { tries++; return nil, ErrLocked }
	_, err := waitOpen(context.Background(), path, opts, held)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err %v, want ErrLocked", err)
	}
	if slept != 2*time.Minute {
		t.Errorf("slept %s on the injected clock, want the 2m wait", slept)
	}
	if want := 1 + int(2*time.Minute/(250*time.Millisecond)); tries != want {
		t.Errorf("tried %d times, want %d (every 250 ms of the clock)", tries, want)
	}
	// the holder lets go: the next try opens.
	tries, slept = 0, 0
	free := func() (*Warehouse, error) {
		if tries++; tries < 3 {
			return nil, ErrLocked
		}
		return &Warehouse{}, nil
	}
	if w, err := waitOpen(context.Background(), path, opts, free); err != nil || w == nil {
		t.Fatalf("open after 2 tries: %v", err)
	}
	if slept != 500*time.Millisecond {
		t.Errorf("slept %s, want 500ms (two waits of 250 ms)", slept)
	}
	// a cancelled wait ends with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	if _, err := waitOpen(ctx, path, opts, held); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
}

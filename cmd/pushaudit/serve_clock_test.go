package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
)

// TestServe_RetryBackoffOnClock: the retries of a transient source error
// wait serve.retry_backoff, then twice that, on the daemon's clock: a
// manual clock that does not move keeps the retry waiting; moved by the
// backoff, the next try comes.
func TestServe_RetryBackoffOnClock(t *testing.T) {
	start := shanghai("2026-11-20 10:00")
	clock := schedule.NewManual(start)
	m := NewMain(io.Discard, io.Discard)
	m.Logger = slog.New(slog.DiscardHandler)
	d := &daemon{m: m, clock: clock}
	c := &config.Config{}
	c.Serve.Retries = 2
	c.Serve.RetryBackoff = 10 * time.Second
	tries := make(chan time.Time, 10)
	done := make(chan error, 1)
	go func() {
		done <- d.retrying(context.Background(), c, "snapshot:biz", func() error {
			tries <- clock.Now()
			return fmt.Errorf("snapshot biz: %w", syscall.ECONNREFUSED)
		})
	}()
	next := func(what string) time.Time {
		select {
		case at := <-tries:
			return at
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s", what)
		}
		return time.Time{}
	}
	// waiting is the retry waiting on the clock: moved before, the move
	// would come before the wait and count for nothing.
	waiting := func() { t.Helper(); waitFor(t, func() bool { return clock.Pending() > 0 }) }
	if at := next("first try"); !at.Equal(start) {
		t.Errorf("first try at %s, want %s", at, start)
	}
	// the wall clock passing does not end the backoff.
	select {
	case at := <-tries:
		t.Fatalf("retried at %s while the daemon's clock stood still", at)
	case <-time.After(50 * time.Millisecond):
	}
	waiting()
	clock.Set(start.Add(9 * time.Second))
	select {
	case at := <-tries:
		t.Fatalf("retried at %s, before the 10s backoff", at)
	case <-time.After(50 * time.Millisecond):
	}
	clock.Set(start.Add(10 * time.Second))
	if at := next("second try"); !at.Equal(start.Add(10 * time.Second)) {
		t.Errorf("second try at %s, want 10:00:10", at)
	}
	waiting()
	clock.Set(start.Add(30 * time.Second)) // then 20s
	if at := next("third try"); !at.Equal(start.Add(30 * time.Second)) {
		t.Errorf("third try at %s, want 10:00:30", at)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("retrying returned nil after every try failed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("retrying did not return after its 2 retries")
	}
}

// Package timers holds the one context-aware sleep that the retries of
// alerts, the warehouse's wait for its lock and the snapshot's throttle
// share (each injects it, so that their tests run on a fake one).
package timers

import (
	"context"
	"time"
)

// Sleep waits d of wall time, or until ctx ends: then it returns ctx's
// error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

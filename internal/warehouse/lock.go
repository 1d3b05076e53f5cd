package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/timers"
)

// ErrServeRunning is returned by LockServe when another serve holds the
// warehouse's lock file.
var ErrServeRunning = errors.New("another pushaudit serve runs on this warehouse")

// LockPath is the daemon's single-instance lock file of the warehouse at
// path. It is not DuckDB's lock: the daemon holds it for its whole life,
// and the warehouse only while a run writes.
func LockPath(path string) string { return path + ".serve.lock" }

// ServeLock is the daemon's hold on LockPath, an exclusive flock. The
// file says who holds it (pid, host) and what it runs, for the message of
// a command that finds the warehouse held.
type ServeLock struct {
	f    *os.File
	who  string
	path string
}

// LockServe takes the single-instance lock of the warehouse at path, at
// once or not at all: a second serve gets ErrServeRunning naming the first.
func LockServe(path string) (*ServeLock, error) {
	lp := LockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("serve lock %s: %w", lp, err)
	}
	if err := flock(f); err != nil {
		holder := readHolder(path)
		_ = f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("serve lock %s: %w (%s)", lp, ErrServeRunning, holder)
		}
		return nil, fmt.Errorf("serve lock %s: %w", lp, err)
	}
	host, _ := os.Hostname()
	l := &ServeLock{f: f, path: lp, who: fmt.Sprintf("pushaudit serve, pid %d on %s", os.Getpid(), host)}
	if err := l.SetRun(""); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

// SetRun writes into the lock file the run now holding the warehouse (""
// when none).
func (l *ServeLock) SetRun(run string) error {
	line := l.who
	if run != "" {
		line += ", running " + run
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("serve lock %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt([]byte(line+"\n"), 0); err != nil {
		return fmt.Errorf("serve lock %s: %w", l.path, err)
	}
	return nil
}

// Close releases the lock and removes the file.
func (l *ServeLock) Close() error {
	_ = os.Remove(l.path) // before unlocking: a new serve recreates it
	return l.f.Close()
}

var duckPID = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// readHolder says who holds the warehouse at path: the daemon's lock file
// when there is one, else "another process".
func readHolder(path string) string {
	if b, err := os.ReadFile(LockPath(path)); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return s
		}
	}
	return "another process"
}

// holderOf names the holder of a warehouse that DuckDB refused to open
// with err: the daemon's lock file, or the program and PID DuckDB names.
func holderOf(path string, err error) string {
	h := readHolder(path)
	if m := duckPID.FindStringSubmatch(err.Error()); m != nil && h == "another process" {
		return fmt.Sprintf("%s, pid %s", m[1], m[2])
	}
	return h
}

// waitOpen calls open until it succeeds, fails other than by the lock, or
// opts.Wait has passed (on opts.Now when opts.Sleep is set, else the wall
// clock); opts.OnWait is told once who holds the file.
func waitOpen(ctx context.Context, path string, opts Options, open func() (*Warehouse, error)) (*Warehouse, error) {
	w, err := open()
	wait := opts.Wait
	if err == nil || !errors.Is(err, ErrLocked) || wait <= 0 {
		return w, err
	}
	holder := holderOf(path, err)
	if opts.OnWait != nil {
		opts.OnWait(holder, wait)
	}
	now, sleep := time.Now, timers.Sleep
	if opts.Sleep != nil {
		sleep = opts.Sleep
		if opts.Now != nil {
			now = opts.Now
		}
	}
	deadline := now().Add(wait)
	for now().Before(deadline) {
		if err := sleep(ctx, min(250*time.Millisecond, deadline.Sub(now()))); err != nil {
			return nil, err
		}
		if w, err = open(); err == nil || !errors.Is(err, ErrLocked) {
			return w, err
		}
	}
	return nil, fmt.Errorf("%w (held by %s; waited %s)", err, holderOf(path, err), wait)
}

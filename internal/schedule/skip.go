package schedule

import (
	"sort"
	"sync"
	"time"
)

// Holder is a clock that may jump ahead while nothing holds it (Skip):
// whoever works on the clock's time holds it, so that the time its work
// takes passes on the clock.
type Holder interface {
	Clock
	// Hold keeps the clock from jumping until release is called (once;
	// later calls do nothing).
	Hold() (release func())
}

// Hold holds c when it is a Holder and returns its release; on any other
// clock it does nothing.
func Hold(c Clock) (release func()) {
	if h, ok := c.(Holder); ok {
		return h.Hold()
	}
	return func() {}
}

// Skip is a simulated clock that is honest about how long work takes and
// wastes no time waiting: while something holds it (a run in flight, an
// alert being sent) it runs Speed times as fast as the wall clock (1: in
// real time), and as soon as nothing holds it, it jumps to its earliest
// timer. A simulated day then takes as much wall time as its runs, and the
// time from a tick to the end of what it started is the real time of the
// work (plus the waits behind other work), not an artefact of a speed-up.
//
// A timer that fired holds the clock until its Stop is called: its owner
// works on the time it fired at, and the clock must not jump meanwhile.
// A new Skip holds itself until Start, so that its users can set their
// first timers before it jumps to any of them.
type Skip struct {
	mu      sync.Mutex
	origin  time.Time // simulated time at began, plus every jump
	began   time.Time // wall time
	speed   float64
	holds   int
	started bool
	timers  []*skipTimer // pending, in no order
}

// NewSkip returns a skip clock reading origin now and running speed times
// as fast as the wall clock while it is held (speed <= 0 means 1).
func NewSkip(origin time.Time, speed float64) *Skip {
	if speed <= 0 {
		speed = 1
	}
	return &Skip{origin: origin, began: time.Now(), speed: speed, holds: 1}
}

// Start lets the clock jump (once; later calls do nothing).
func (s *Skip) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.holds--
		s.skip()
	}
}

// Now returns the simulated time.
func (s *Skip) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Skip) now() time.Time {
	return s.origin.Add(time.Duration(float64(time.Since(s.began)) * s.speed))
}

// wall is the wall time d of simulated time takes while the clock is held.
func (s *Skip) wall(d time.Duration) time.Duration { return time.Duration(float64(d) / s.speed) }

// Hold keeps the clock from jumping until release.
func (s *Skip) Hold() (release func()) {
	s.mu.Lock()
	s.holds++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.holds--
			s.skip()
		})
	}
}

// skip jumps to the earliest timer when nothing holds the clock and
// fires it (s.mu held). The fired timer then holds the clock.
func (s *Skip) skip() {
	if s.holds > 0 || len(s.timers) == 0 {
		return
	}
	sort.Slice(s.timers, func(i, j int) bool { return s.timers[i].at.Before(s.timers[j].at) })
	first := s.timers[0]
	now := s.now()
	if first.at.After(now) {
		s.origin = s.origin.Add(first.at.Sub(now))
		now = first.at
	}
	keep := s.timers[:0]
	for _, t := range s.timers {
		if t.at.After(now) {
			keep = append(keep, t)
			continue
		}
		s.fire(t, now)
	}
	clear(s.timers[len(keep):])
	s.timers = keep
	// the wall timers of the others now have less time to go.
	for _, t := range s.timers {
		t.wt.Reset(s.wall(t.at.Sub(now)))
	}
}

// fire sends now on t's channel and has t hold the clock until Stop (s.mu
// held; t is taken off the pending list by the caller).
func (s *Skip) fire(t *skipTimer, now time.Time) {
	if t.wt != nil {
		t.wt.Stop()
	}
	t.pending, t.held = false, true
	s.holds++
	t.ch <- now
}

// NewTimer fires when the clock reaches now+d: after d/speed of wall time
// while the clock is held, at once when it jumps there.
func (s *Skip) NewTimer(d time.Duration) Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &skipTimer{s: s, at: now.Add(d), ch: make(chan time.Time, 1), pending: true}
	if d <= 0 {
		s.fire(t, now)
		return t
	}
	t.wt = time.AfterFunc(s.wall(d), t.wallFired)
	s.timers = append(s.timers, t)
	s.skip()
	return t
}

type skipTimer struct {
	s       *Skip
	at      time.Time
	ch      chan time.Time
	wt      *time.Timer
	pending bool // not fired, not stopped
	held    bool // fired, holding the clock until Stop
}

func (t *skipTimer) C() <-chan time.Time { return t.ch }

// wallFired: the wall timer went off; the clock may read a hair before at.
func (t *skipTimer) wallFired() {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.pending {
		return
	}
	now := s.now()
	if rest := t.at.Sub(now); rest > 0 {
		t.wt.Reset(s.wall(rest))
		return
	}
	s.remove(t)
	s.fire(t, now)
}

func (s *Skip) remove(t *skipTimer) {
	for i, x := range s.timers {
		if x == t {
			s.timers = append(s.timers[:i], s.timers[i+1:]...)
			return
		}
	}
}

// Stop stops a pending timer (true), or lets go of the hold of a timer
// that fired (false).
func (t *skipTimer) Stop() bool {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case t.pending:
		t.pending = false
		t.wt.Stop()
		s.remove(t)
		return true
	case t.held:
		t.held = false
		s.holds--
		s.skip()
	}
	return false
}

package schedule

import (
	"sort"
	"sync"
	"time"
)

// Clock is the scheduler's time: the real one, a faster simulated one
// (serve --speed), or one a test moves by hand.
type Clock interface {
	Now() time.Time
	// NewTimer fires once, d of this clock's time from now.
	NewTimer(d time.Duration) Timer
}

// Timer is a Clock's one-shot timer.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped it.
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now.
func (Real) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Scaled is a simulated clock that starts at Origin when it is made and
// runs Speed times faster than the wall clock.
type Scaled struct {
	origin time.Time
	began  time.Time
	speed  float64
}

// NewScaled returns a clock reading origin now and running speed times
// faster than the wall clock (speed >= 1 in practice; 1 is real time
// shifted to origin).
func NewScaled(origin time.Time, speed float64) *Scaled {
	if speed <= 0 {
		speed = 1
	}
	return &Scaled{origin: origin, began: time.Now(), speed: speed}
}

// Now returns the simulated time.
func (s *Scaled) Now() time.Time {
	return s.origin.Add(time.Duration(float64(time.Since(s.began)) * s.speed))
}

// NewTimer fires after d of simulated time, d/speed of wall time.
func (s *Scaled) NewTimer(d time.Duration) Timer {
	return realTimer{time.NewTimer(time.Duration(float64(d) / s.speed))}
}

// Manual is a clock that moves only when Set is called: tests drive days
// of schedule with it in milliseconds.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

// NewManual returns a manual clock reading t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t (never backwards) and fires every timer due by
// then, earliest first.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.now = t
	}
	sort.SliceStable(m.timers, func(i, j int) bool { return m.timers[i].at.Before(m.timers[j].at) })
	keep := m.timers[:0]
	for _, x := range m.timers {
		if x.at.After(m.now) {
			keep = append(keep, x)
			continue
		}
		x.ch <- m.now
	}
	m.timers = keep
}

// Pending is the number of timers waiting for the clock to move: a test
// waits for the code under test to start waiting before it moves the
// clock, or the move would come before the wait and count for nothing.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// NewTimer returns a timer firing when the clock reaches now+d.
func (m *Manual) NewTimer(d time.Duration) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := &manualTimer{m: m, at: m.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		x.ch <- m.now
		return x
	}
	m.timers = append(m.timers, x)
	return x
}

type manualTimer struct {
	m  *Manual
	at time.Time
	ch chan time.Time
}

func (x *manualTimer) C() <-chan time.Time { return x.ch }

func (x *manualTimer) Stop() bool {
	x.m.mu.Lock()
	defer x.m.mu.Unlock()
	for i, y := range x.m.timers {
		if y == x {
			x.m.timers = append(x.m.timers[:i], x.m.timers[i+1:]...)
			return true
		}
	}
	return false
}

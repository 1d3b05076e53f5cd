package testenv

import (
	"runtime"
	"testing"
)

func TestCount(t *testing.T) {
	const name = "PUSHAUDIT_TESTENV_COUNT"
	t.Setenv(name, "")
	if n := Count(t, name, 7, 1); n != 7 {
		t.Errorf("unset: %d, want the default 7", n)
	}
	t.Setenv(name, "12")
	if n := Count(t, name, 7, 1); n != 12 {
		t.Errorf("12: %d", n)
	}
	for _, bad := range []string{"0", "-3", "1.5", "five"} {
		t.Setenv(name, bad)
		if !fails(func(tb testing.TB) { Count(tb, name, 7, 1) }) {
			t.Errorf("%q did not fail", bad)
		}
	}
}

// fails reports whether f fails the TB it is given.
func fails(f func(testing.TB)) bool {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

// recorder is a testing.TB whose Fatalf records the failure and ends the
// goroutine, as testing's own does.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	runtime.Goexit()
}

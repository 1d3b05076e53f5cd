// Package testenv is for tests and benchmarks only: it reads their knobs
// from the environment (rounds, days, rows, kills) and fails on a bad
// value at once, instead of running minutes with a default nobody asked
// for.
package testenv

import (
	"os"
	"strconv"
	"testing"
)

// Count is the whole number the environment variable name gives, at
// least least, or def when it is unset; any other value fails tb.
func Count(tb testing.TB, name string, def, least int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		tb.Fatalf("%s=%q: want a whole number, at least %d", name, v, least)
	}
	return n
}

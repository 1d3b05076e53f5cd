package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole command to path when
// path is not empty (PUSHAUDIT_CPUPROFILE, for engineers measuring a slow
// run: go tool pprof bin/pushaudit FILE). It returns the function that
// stops it. A profile that cannot be written is reported and skipped.
func startCPUProfile(path string, stderr io.Writer) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(stderr, "pushaudit: cpu profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(stderr, "pushaudit: cpu profile:", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(stderr, "pushaudit: cpu profile:", err)
		}
	}
}

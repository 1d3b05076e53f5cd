//go:build linux

package snapshot

import (
	"runtime"
	"syscall"
)

// lowerReaderPriority pins the calling goroutine to its OS thread and
// gives that thread the lowest CPU priority (nice 19). It never unlocks
// the thread, so the thread ends with the goroutine and no other goroutine
// ever runs at that priority (an unprivileged process cannot raise it
// back).
func lowerReaderPriority() error {
	runtime.LockOSThread()
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}

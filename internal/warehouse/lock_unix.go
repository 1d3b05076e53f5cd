//go:build unix

package warehouse

import (
	"errors"
	"os"
	"syscall"
)

var errWouldBlock = errors.New("lock held")

// flock takes an exclusive lock on f without waiting.
func flock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errWouldBlock
	}
	return err
}

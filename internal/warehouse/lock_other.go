//go:build !unix

package warehouse

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

// flock is not available here: serve runs on Linux.
func flock(*os.File) error { return errors.New("pushaudit serve needs flock (Linux or another Unix)") }

//go:build !linux

package snapshot

// lowerReaderPriority does nothing where threads have no priority of their
// own.
func lowerReaderPriority() error { return nil }

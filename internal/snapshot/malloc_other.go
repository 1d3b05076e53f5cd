//go:build !linux || !cgo

package snapshot

func limitMallocArenas() {}

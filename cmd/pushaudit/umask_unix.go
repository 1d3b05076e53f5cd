//go:build unix

package main

import "syscall"

// restrictUmask makes every file the process creates (the warehouse and
// its write-ahead log, workbooks, state files) 0640 at most and every
// folder 0750: the warehouse holds a full copy of the audited data.
func restrictUmask() { syscall.Umask(0o027) }

package snapshot

import (
	"errors"
	"strings"
)

// ErrSource is wrapped by every error caused by a source: unreachable
// server, bad DSN, wrong password, unknown database or table, permission
// denied, a writable server without AllowPrimary.
var ErrSource = errors.New("source failed")

// ErrCountMismatch is wrapped when the rows loaded into DuckDB differ from
// COUNT(*) read in the same MySQL transaction.
var ErrCountMismatch = errors.New("row count mismatch")

// SourceError is a failure of one source, or of one of its tables. It
// wraps ErrSource and the cause. Its text never holds the DSN password.
type SourceError struct {
	Source string
	Table  string // empty when the whole source failed
	Err    error
}

func (e *SourceError) Error() string {
	name := e.Source
	if e.Table != "" {
		name += "." + e.Table
	}
	return "snapshot " + name + ": " + e.Err.Error()
}

// Unwrap returns ErrSource and the cause.
func (e *SourceError) Unwrap() []error { return []error{ErrSource, e.Err} }

// redactedError hides secrets in the text of an error it still wraps.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every occurrence of the given secrets removed
// from its text.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "***")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// guessPassword returns what looks like the password of a DSN that did
// not parse: the text between the first ':' and the last '@'.
func guessPassword(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return ""
	}
	colon := strings.Index(dsn[:at], ":")
	if colon < 0 {
		return ""
	}
	return dsn[colon+1 : at]
}

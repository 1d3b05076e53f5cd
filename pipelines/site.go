package pipelines

import (
	"fmt"
	"time"
)

// SiteEvidence are the evidence conventions of one site (the config's
// evidence section): the shape of its push log, whether its exchange logs
// empty pushes, the targets without a push log, clocks that are off, and
// how long each target's front-end database keeps its rows.
type SiteEvidence struct {
	PushLog PushLogSpec
	// EmptyPushes is EmptyPushesLogged, EmptyPushesNotLogged or
	// EmptyPushesAuto ("" is auto).
	EmptyPushes string
	// NoPushLog are the targets the exchange keeps no push log for: they
	// are reconciled source ↔ target only, and their claim is unknown.
	NoPushLog map[string]bool
	// ClockOffsets are how far the clock of a source or target (by name:
	// a source of the config such as exchange, or a target key) is ahead
	// of the true Asia/Shanghai time; its recorded times are read less it.
	ClockOffsets map[string]time.Duration
	// Retention is how long a target's front-end database keeps its rows
	// (by target key): windows that ended longer ago than that before now
	// are unverifiable.
	Retention map[string]time.Duration
	// Heartbeat is the exchange's heartbeat, where it logs one (nil: none).
	Heartbeat *HeartbeatSpec
}

// ClockOffset is the offset of a source or target (0 when none is set).
func (s SiteEvidence) ClockOffset(name string) time.Duration { return s.ClockOffsets[name] }

// ValidateEmptyPushes checks an evidence.empty_pushes value.
func ValidateEmptyPushes(v string) error {
	switch v {
	case "", EmptyPushesLogged, EmptyPushesNotLogged, EmptyPushesAuto:
		return nil
	}
	return fmt.Errorf("evidence.empty_pushes: %q is not logged, not_logged or auto", v)
}

// EmptyNotLogged decides the empty-push convention of one resource: the
// configured one, or under auto its own history — an exchange that ever
// logged a push of 0 rows for it logs its empty pushes; one that logged
// pushes but never an empty one does not (a push log of one row per
// record never can).
func EmptyNotLogged(convention string, pushes, emptyPushes int64, rowsPerRecord bool) bool {
	switch convention {
	case EmptyPushesLogged:
		return false
	case EmptyPushesNotLogged:
		return true
	}
	if rowsPerRecord {
		return true
	}
	return pushes > 0 && emptyPushes == 0
}

package pipelines

import (
	"fmt"
	"strings"
	"time"
)

// HeartbeatSpec is the exchange's heartbeat (evidence.heartbeat), where it
// logs one: a table of one row each time the exchange shows it is alive,
// whether or not it had anything to push. An exchange that logs no empty
// push says nothing of a quiet night in its push log; its heartbeat does:
// a quiet window whose deadline passed while the heartbeat was silent is
// a window the exchange could not have pushed, and counts towards a stale
// run like a missing push.
//
//	heartbeat:
//	  table: exchange.heartbeat   # source.table
//	  time_column: beat_at        # DATETIME, Asia/Shanghai (default beat_at)
//	  target_column: target       # optional: beats per target
//	  every: 5m                   # how often it beats
type HeartbeatSpec struct {
	Table        string        `yaml:"table"`
	TimeColumn   string        `yaml:"time_column,omitempty"`
	TargetColumn string        `yaml:"target_column,omitempty"`
	Every        time.Duration `yaml:"every"`
}

// DefaultHeartbeatTime is the time column of a heartbeat table that names
// none.
const DefaultHeartbeatTime = "beat_at"

// Time is the heartbeat's time column.
func (h HeartbeatSpec) Time() string {
	if h.TimeColumn == "" {
		return DefaultHeartbeatTime
	}
	return h.TimeColumn
}

// Source is the warehouse schema (the snapshot's source) of the table.
func (h HeartbeatSpec) Source() string {
	src, _, _ := strings.Cut(h.Table, ".")
	return src
}

// Silence is how long the heartbeat may be quiet before the exchange is
// taken as down: two beats missed.
func (h HeartbeatSpec) Silence() time.Duration { return 2 * h.Every }

// Validate checks the spec; errors name the field under prefix.
func (h HeartbeatSpec) Validate(prefix string) error {
	var errs []string
	if src, tbl, ok := strings.Cut(h.Table, "."); !ok || src == "" || tbl == "" || strings.Contains(tbl, ".") {
		errs = append(errs, fmt.Sprintf("%s.table: %q is not source.table", prefix, h.Table))
	}
	for _, c := range []struct{ name, v string }{{"time_column", h.TimeColumn}, {"target_column", h.TargetColumn}} {
		if c.v != "" && !sqlIdentRE.MatchString(c.v) {
			errs = append(errs, fmt.Sprintf("%s.%s: %q is not a column name", prefix, c.name, c.v))
		}
	}
	if h.Every <= 0 || h.Every > 24*time.Hour {
		errs = append(errs, fmt.Sprintf("%s.every: %s is not a duration of a day or less (how often the exchange beats)", prefix, h.Every))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "\n"))
}

// Silent reports whether no beat fell in the Silence before deadline:
// beats are the heartbeat's times, sorted.
func (h HeartbeatSpec) Silent(beats []time.Time, deadline time.Time) bool {
	from := deadline.Add(-h.Silence())
	// the first beat after from
	lo, hi := 0, len(beats)
	for lo < hi {
		m := (lo + hi) / 2
		if beats[m].After(from) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo == len(beats) || beats[lo].After(deadline)
}

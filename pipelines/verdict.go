package pipelines

import (
	"fmt"
	"time"
)

// Facts are what the reconciler measured for one target × resource ×
// window; Classify turns them into a verdict.
type Facts struct {
	Mode     Mode
	Deadline time.Time
	Now      time.Time
	// Unverifiable: the source could not be trusted for this window.
	Unverifiable bool
	Expected     int64
	Claimed      int64 // rows the push log says were sent successfully
	Received     int64 // rows the target holds for the window's batches
	Batches      int   // push-log batches for the window, any status
	Succeeded    int   // of which succeeded
	Missing      int64 // source keys the target lacks
	Extra        int64 // target keys the source lacks
	Duplicate    int64 // keys received more than once
	Mismatched   int64 // keys (or dimensions) whose values differ
	// Changed are keys whose source row changed after the push that
	// carried them: their values are not compared (not a fault).
	Changed    int64
	LastFinish time.Time
	// InStaleRun: the window belongs to a run of windows without any push
	// long enough to be stale (StaleRuns decides it across windows).
	InStaleRun bool
	// BeforeHistory: the window lies before the resource's first push ever;
	// a missing push there starts no stale run (BeforeHistory decides it).
	BeforeHistory bool
	// EmptyNotLogged: the exchange logs no push for a window with nothing
	// to push, so such a quiet window (Expected 0, no batch) is no missing
	// push: StaleRuns judges staleness on the windows that had rows.
	EmptyNotLogged bool
	// Silent: the exchange's heartbeat was silent when the window's push
	// was due (HeartbeatSpec.Silent), so a quiet window without a push is
	// a push the exchange could not make: it counts in a stale run.
	Silent bool
	// NoClaim: the target has no push log; the claim is unknown and the
	// window is judged source ↔ target only (Batches and Claimed say
	// nothing).
	NoClaim bool
}

// Trust is what the reconciler gathered about the inputs of one
// resource's windows: which sources it can trust, and which it needs.
type Trust struct {
	// Snapshots are the sources whose latest snapshot succeeded, each with
	// the time its data are complete to: the snapshot time less the
	// replica lag it recorded (a replica 2 hours behind holds the primary
	// of 2 hours ago).
	Snapshots map[string]time.Time
	// Compared are the sources whose rows a window compares as of its end
	// (the source query's schemas: biz, stats, exchange).
	Compared []string
	// Evidence are the sources that must have a good latest snapshot, at
	// any time: the target's front-end database and the push log's schema
	// (none for a media copy, whose evidence is its receipt files).
	Evidence []string
}

// Unverifiable decides whether the source cannot be trusted for window w
// (DESIGN.md: "the source could not be trusted for this window (snapshot
// failed, replica lag beyond the window) — never reported as a missed
// push"): a compared source without a good snapshot complete to the
// window end, or an evidence source without a good snapshot. Evidence the
// reconciler could not read at all (a failed receipt load, a front-end
// table not in the warehouse) makes a window unverifiable without asking.
func (t Trust) Unverifiable(w Window) bool {
	for _, src := range t.Compared {
		if at, ok := t.Snapshots[src]; !ok || at.Before(w.End) {
			return true
		}
	}
	for _, src := range t.Evidence {
		if _, ok := t.Snapshots[src]; !ok {
			return true
		}
	}
	return false
}

// BeforeHistory decides whether window w lies before a resource's first
// push ever (firstPush, the start of its first window with a push-log
// batch; zero when it has none): there was no push to miss yet.
func BeforeHistory(w Window, firstPush time.Time) bool {
	return firstPush.IsZero() || w.Start.Before(firstPush)
}

// StaleRuns decides which of consecutive windows ws of one resource, with
// their facts fs, are stale (DESIGN.md: "the resource has had no push for
// longer than its cadence allows"): a run of windows without any push that
// spans at least staleAfter. A window not yet due, not verified (its
// evidence was not read) or before the resource's first push says nothing
// about a missing push: it ends a run, as a pushed window does. The
// caller passes the windows around the range asked for too, so a window
// gets the same verdict whatever range it is reconciled in.
func StaleRuns(ws []Window, fs []Facts, staleAfter time.Duration) []bool {
	out := make([]bool, len(ws))
	if staleAfter <= 0 {
		return out
	}
	noPush := func(f Facts) bool {
		return f.Batches == 0 && f.Received == 0 && !f.Unverifiable && !f.BeforeHistory && !f.Now.Before(f.Deadline)
	}
	// a quiet window of an exchange that logs no empty push neither
	// extends nor ends a run: a run starts and ends with windows that had
	// rows to push, and the quiet windows inside it are part of it. One
	// due while the exchange's heartbeat was silent is no quiet window: the
	// exchange was down.
	quiet := func(f Facts) bool { return f.EmptyNotLogged && f.Expected == 0 && noPush(f) && !f.Silent }
	for i := 0; i < len(ws); {
		if !noPush(fs[i]) || quiet(fs[i]) {
			i++
			continue
		}
		last, j := i, i
		for j < len(ws) && noPush(fs[j]) {
			if !quiet(fs[j]) {
				last = j
			}
			j++
		}
		if ws[last].End.Sub(ws[i].Start) >= staleAfter {
			for k := i; k <= last; k++ {
				out[k] = true
			}
		}
		i = j
	}
	return out
}

// Complete reports whether the target holds exactly what the source says.
func (f Facts) Complete() bool {
	return (f.Succeeded > 0 || f.NoClaim) && f.Received == f.Expected && f.Missing == 0 && f.Extra == 0 && f.Duplicate == 0 && f.Mismatched == 0 && (f.Claimed == f.Received || f.NoClaim)
}

// Classify gives the one verdict of a result. Its facts Unverifiable,
// InStaleRun and BeforeHistory are decided above (Trust.Unverifiable,
// StaleRuns, BeforeHistory); the fault level of a finding below
// (LevelRules). The order of the checks is
// the precedence: a window not yet due is pending unless already complete
// (and pushed by its deadline: a log whose push finished after a deadline
// still to come is ahead of this run's clock, a replay or a clock offset,
// and lateness is judged once the deadline has passed);
// an untrusted source makes it unverifiable; no push at all is stale or
// missed; a logged failure or rows claimed but never received is failed;
// then duplicate, short, excess, mismatch; a complete push after its
// deadline is late.
func Classify(f Facts) Status {
	due := !f.Now.Before(f.Deadline)
	if !due && (!f.Complete() || f.LastFinish.After(f.Deadline)) {
		return StatusPending
	}
	if f.Unverifiable {
		return StatusUnverifiable
	}
	if f.Batches == 0 && f.Received == 0 {
		if f.InStaleRun {
			return StatusStale
		}
		if f.Expected > 0 {
			return StatusMissed
		}
		return StatusOK
	}
	if f.NoClaim && f.Received == 0 {
		// nothing arrived and no log says whether anything was pushed.
		if f.Expected > 0 {
			return StatusMissed
		}
		return StatusOK
	}
	if !f.NoClaim && (f.Succeeded == 0 || f.Claimed > f.Received) {
		return StatusFailed
	}
	if f.Duplicate > 0 {
		return StatusDuplicate
	}
	if f.Mode == ModeFullSet && (f.Missing > 0 || f.Extra > 0 || f.Mismatched > 0 || f.Received != f.Expected) {
		// a one-time push compared with today's source: the source drifted.
		return StatusMismatch
	}
	if f.Received < f.Expected || f.Missing > 0 {
		return StatusShort
	}
	if f.Received > f.Expected || f.Extra > 0 {
		return StatusExcess
	}
	if f.Mismatched > 0 {
		return StatusMismatch
	}
	if f.LastFinish.After(f.Deadline) {
		return StatusLate
	}
	return StatusOK
}

// LevelRules give the fault level (1..4 for 一级..四级) of a finding. The
// defaults follow the operations contract: a target without a successful
// push for hours (stale) is 二级; a missed or failed push 三级; a short
// window missing under 1 % of its rows 四级 (三级 above); the rest 四级.
type LevelRules struct {
	// ByStatus is the level of each finding verdict.
	ByStatus map[Status]int `yaml:"by_status"`
	// ShortMinorRatio: a short window missing less than this share of its
	// rows gets ShortMinorLevel instead of ByStatus[short].
	ShortMinorRatio float64 `yaml:"short_minor_ratio"`
	ShortMinorLevel int     `yaml:"short_minor_level"`
	// Default is the level of a finding verdict ByStatus does not name.
	Default int `yaml:"default"`
}

// DefaultLevelRules returns the contract's default rules.
func DefaultLevelRules() LevelRules {
	return LevelRules{
		ByStatus: map[Status]int{
			StatusStale: 2, StatusMissed: 3, StatusFailed: 3, StatusShort: 3,
			StatusDuplicate: 4, StatusExcess: 4, StatusLate: 4, StatusMismatch: 4, StatusUnverifiable: 4,
			StatusAnomaly: 3,
		},
		ShortMinorRatio: 0.01,
		ShortMinorLevel: 4,
		Default:         4,
	}
}

// Level is the fault level of a result (0 when it is not a finding).
func (l *LevelRules) Level(s Status, f Facts) int {
	if !s.Finding() {
		return 0
	}
	if s == StatusShort && f.Expected > 0 && float64(f.Expected-f.Received)/float64(f.Expected) < l.ShortMinorRatio && l.ShortMinorLevel > 0 {
		return l.ShortMinorLevel
	}
	if v, ok := l.ByStatus[s]; ok && v >= 1 && v <= 4 {
		return v
	}
	return l.Default
}

// Validate checks that every level is 1..4 and every status a finding.
func (l *LevelRules) Validate() error {
	for s, v := range l.ByStatus {
		if !s.Valid() || !s.Finding() {
			return fmt.Errorf("fault_levels.by_status: %q is not a finding verdict", s)
		}
		if v < 1 || v > 4 {
			return fmt.Errorf("fault_levels.by_status.%s: %d is not a level 1..4", s, v)
		}
	}
	if l.Default < 1 || l.Default > 4 {
		return fmt.Errorf("fault_levels.default: %d is not a level 1..4", l.Default)
	}
	if l.ShortMinorLevel < 0 || l.ShortMinorLevel > 4 {
		return fmt.Errorf("fault_levels.short_minor_level: %d is not a level 1..4", l.ShortMinorLevel)
	}
	if l.ShortMinorRatio < 0 || l.ShortMinorRatio > 1 {
		return fmt.Errorf("fault_levels.short_minor_ratio: %g is not between 0 and 1", l.ShortMinorRatio)
	}
	return nil
}

// FaultLevel is the level of a result under the default rules.
func FaultLevel(s Status, f Facts) int {
	l := DefaultLevelRules()
	return l.Level(s, f)
}

// LevelZH is the Chinese name of a fault level.
func LevelZH(level int) string {
	switch level {
	case 1:
		return "一级"
	case 2:
		return "二级"
	case 3:
		return "三级"
	case 4:
		return "四级"
	}
	return ""
}

// ResponseLimits are the response and resolve limits of table 3-5 by level.
var ResponseLimits = map[int]struct{ Respond, Resolve time.Duration }{
	1: {5 * time.Minute, 2 * time.Hour},
	2: {10 * time.Minute, 3 * time.Hour},
	3: {20 * time.Minute, 4 * time.Hour},
	4: {30 * time.Minute, 5 * time.Hour},
}

package pipelines

import "time"

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
	LastFinish   time.Time
	// InStaleRun: the window belongs to a run of windows without any push
	// long enough to be stale (decided across windows by the caller).
	InStaleRun bool
}

// Complete reports whether the target holds exactly what the source says.
func (f Facts) Complete() bool {
	return f.Succeeded > 0 && f.Received == f.Expected && f.Missing == 0 && f.Extra == 0 && f.Duplicate == 0 && f.Mismatched == 0 && f.Claimed == f.Received
}

// Classify gives the one verdict of a result. The order of the checks is
// the precedence: a window not yet due is pending unless already complete;
// an untrusted source makes it unverifiable; no push at all is stale or
// missed; a logged failure or rows claimed but never received is failed;
// then duplicate, short, excess, mismatch; a complete push after its
// deadline is late.
func Classify(f Facts) Status {
	due := !f.Now.Before(f.Deadline)
	if !due && !f.Complete() {
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
	if f.Succeeded == 0 || f.Claimed > f.Received {
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

// FaultLevel is the default level (1..4 for 一级..四级) of a finding, from
// the rules of the operations contract: a target without a successful push
// for hours is 二级; a missed or failed push 三级; a short window under 1 %
// of its rows 四级 (三级 above); the rest 四级. 0 means not a finding.
func FaultLevel(s Status, f Facts) int {
	switch s {
	case StatusOK, StatusPending:
		return 0
	case StatusStale:
		return 2
	case StatusMissed, StatusFailed:
		return 3
	case StatusShort:
		if f.Expected > 0 && float64(f.Expected-f.Received)/float64(f.Expected) < 0.01 {
			return 4
		}
		return 3
	}
	return 4
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

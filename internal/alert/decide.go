package alert

import (
	"slices"
	"time"
)

// Policy is when a group is told about a finding.
type Policy struct {
	// MinLevel is the least severe level sent (3: 一级, 二级, 三级).
	MinLevel int
	// Targets limits the group to these targets (empty: all).
	Targets []string
	// ProgressLevel: findings this severe or more get a progress message
	// every RepeatInterval while open (table 3-5 asks hourly progress
	// reports for 二级 and above: 2 and 1h). 0 sends none.
	ProgressLevel  int
	RepeatInterval time.Duration
}

// Matches reports whether the group is told about f: its level is at or
// above MinLevel (1 is the most severe) and its target is one of the
// group's.
//
// A failure of the auditor's own run (f.Run) goes to every group that is
// not limited to some targets: the people who run pushaudit, not a
// district's.
func (p Policy) Matches(f Finding) bool {
	if f.Run != "" {
		return len(p.Targets) == 0
	}
	if f.Level < 1 || f.Level > p.MinLevel {
		return false
	}
	return len(p.Targets) == 0 || slices.Contains(p.Targets, f.Target)
}

// Due returns the alert message due about f at now under p, given sent,
// which reports whether an event (by Key) was already delivered: at most
// one message per finding at a time, the most important, covering the
// others due at the same moment. The rules, in order:
//
//   - resolved: once, and only if the new-finding message went out;
//     nothing else about a resolved finding.
//   - new: once, when first seen at or above the group's level; it
//     covers the deadlines already missed and the progress already due
//     (its text shows them), so a restart after downtime sends one
//     message per finding, not a burst.
//   - resolve overdue: once, at resolve-by (2 h for 一级, 3 h 二级,
//     4 h 三级, 5 h 四级 after first seen, table 3-5).
//   - respond overdue: once, at respond-by (5/10/20/30 min), while
//     nobody has acknowledged the finding.
//   - progress: for ProgressLevel and above, the n-th message n repeat
//     intervals after first seen; after downtime only the latest.
func Due(p Policy, f Finding, now time.Time, sent func(key string) bool) (Event, bool) {
	if !p.Matches(f) {
		return Event{}, false
	}
	newEv := Event{Kind: KindNew, Finding: f}
	if !f.Open() {
		res := Event{Kind: KindResolved, Finding: f}
		if sent(newEv.Key()) && !sent(res.Key()) {
			return res, true
		}
		return Event{}, false
	}
	var due []Event
	if !sent(newEv.Key()) {
		due = append(due, newEv)
	}
	if !f.ResolveBy.IsZero() && !now.Before(f.ResolveBy) {
		due = append(due, Event{Kind: KindResolveOverdue, Finding: f})
	}
	if !f.RespondBy.IsZero() && !now.Before(f.RespondBy) && f.RespondedAt.IsZero() {
		due = append(due, Event{Kind: KindRespondOverdue, Finding: f})
	}
	if f.Level >= 1 && f.Level <= p.ProgressLevel && p.RepeatInterval > 0 {
		if n := int(now.Sub(f.FirstSeen) / p.RepeatInterval); n >= 1 {
			due = append(due, Event{Kind: KindProgress, Finding: f, Seq: n})
		}
	}
	due = slices.DeleteFunc(due, func(e Event) bool { return sent(e.Key()) })
	if len(due) == 0 {
		return Event{}, false
	}
	head := due[0]
	head.Covers = due[1:]
	return head, true
}

package sim

import (
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// FaultKind is one kind of injected fault.
type FaultKind string

// The fault kinds and the verdict each must get.
const (
	FaultMissed          FaultKind = "missed_push"       // no push at all
	FaultPartial         FaultKind = "partial_push"      // pushed part, logged what it pushed
	FaultDuplicate       FaultKind = "duplicate_push"    // the same window pushed twice
	FaultLate            FaultKind = "late_push"         // complete, after the deadline
	FaultFailedAsSuccess FaultKind = "failed_as_success" // logged success, nothing arrived
	FaultLostAtTarget    FaultKind = "lost_at_target"    // arrived, then rows vanished at the target
	FaultTargetDown      FaultKind = "target_down"       // no push to a target for hours
	FaultStatsDrift      FaultKind = "stats_drift"       // statistics counters drift from the cases
	FaultOnceDrift       FaultKind = "once_source_drift" // the source of a one-time push changed after it
)

// FaultKinds lists every kind, in the order faults are dealt.
var FaultKinds = []FaultKind{
	FaultMissed, FaultPartial, FaultDuplicate, FaultLate, FaultFailedAsSuccess,
	FaultLostAtTarget, FaultTargetDown, FaultStatsDrift, FaultOnceDrift,
}

// ExpectStatus is the verdict of DESIGN.md a fault of kind k must get.
func (k FaultKind) ExpectStatus() pipelines.Status {
	switch k {
	case FaultMissed:
		return pipelines.StatusMissed
	case FaultPartial:
		return pipelines.StatusShort
	case FaultDuplicate:
		return pipelines.StatusDuplicate
	case FaultLate:
		return pipelines.StatusLate
	case FaultFailedAsSuccess, FaultLostAtTarget:
		return pipelines.StatusFailed
	case FaultTargetDown:
		return pipelines.StatusStale
	case FaultStatsDrift, FaultOnceDrift:
		return pipelines.StatusMismatch
	}
	return ""
}

// ManifestEntry is one target × resource × window a fault affects.
type ManifestEntry struct {
	Target       string           `json:"target"`
	Resource     string           `json:"resource"`
	WindowStart  string           `json:"window_start"`
	Kind         FaultKind        `json:"kind"`
	ExpectStatus pipelines.Status `json:"expect_status"`
	Fault        int              `json:"fault"` // which injected fault (1-based)
	Detail       string           `json:"detail,omitempty"`
}

// Manifest lists what the simulator injected.
type Manifest struct {
	Seed     uint64          `json:"seed"`
	Start    string          `json:"start"`
	Days     int             `json:"days"`
	AsOf     string          `json:"as_of"`
	Faults   int             `json:"faults"`
	Entries  []ManifestEntry `json:"entries"`
	Injected []FaultRecord   `json:"injected"`
}

// FaultRecord describes one injected fault as a whole.
type FaultRecord struct {
	N        int       `json:"n"`
	Kind     FaultKind `json:"kind"`
	Target   string    `json:"target"`
	Resource string    `json:"resource,omitempty"`
	From     string    `json:"from"`
	To       string    `json:"to,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

func rfc(t time.Time) string { return t.In(pipelines.Shanghai).Format(time.RFC3339) }

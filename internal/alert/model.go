package alert

import (
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Finding is what an alert is about: one row of audit.findings, with the
// names people know the target and resource by.
type Finding struct {
	ID           string
	Target       string
	TargetName   string // e.g. 市网络理政中心; "" shows the id only
	Resource     string
	ResourceName string
	WindowStart  time.Time
	WindowEnd    time.Time
	Status       pipelines.Status
	// Level is the fault level, 1 = 一级 … 4 = 四级 (0: none).
	Level     int
	FirstSeen time.Time
	RespondBy time.Time // zero: no deadline
	ResolveBy time.Time
	// RespondedAt is when someone acknowledged it (pushaudit ack), zero
	// when nobody has.
	RespondedAt time.Time
	// ResolvedAt is when a later run no longer found it; zero while open.
	ResolvedAt time.Time
	// Expected and Received rows of the window, when known.
	Expected, Received *int64

	// Run, when set, makes this not a finding but a failure of the
	// auditor's own pipeline of that name (a snapshot or reconciliation
	// that still failed after its retries): the on-call groups are told
	// once when it starts failing and once when it succeeds again
	// (ResolvedAt). FirstSeen is the first failed run, RunFailures how
	// many failed since, Error the last one's error, redacted. Target,
	// window, level and deadlines are empty: it is no fault of the
	// contractor's and is never deducted.
	Run         string
	RunFailures int
	Error       string
}

// Open reports whether the finding is unresolved.
func (f Finding) Open() bool { return f.ResolvedAt.IsZero() }

// Kind is what happened to a finding that people are told about.
type Kind string

// The kinds of alert messages, most important first.
const (
	// KindResolved: a later run no longer finds it.
	KindResolved Kind = "resolved"
	// KindNew: first seen, at or above the group's level.
	KindNew Kind = "new"
	// KindResolveOverdue: open past its resolve-by deadline.
	KindResolveOverdue Kind = "resolve_overdue"
	// KindRespondOverdue: nobody responded by its respond-by deadline.
	KindRespondOverdue Kind = "respond_overdue"
	// KindProgress: still open, one repeat interval more (二级 and above,
	// every hour by default).
	KindProgress Kind = "progress"
)

// Kinds lists every kind, most important first.
var Kinds = []Kind{KindResolved, KindNew, KindResolveOverdue, KindRespondOverdue, KindProgress}

// Event is one alert message due about a finding.
type Event struct {
	Kind    Kind
	Finding Finding
	// Seq numbers progress messages: the Seq-th repeat interval since the
	// finding was first seen (0 for the other kinds).
	Seq int
	// Covers are the other events due at the same time that this message
	// stands for (one message per finding at a time): they are recorded
	// as sent with it.
	Covers []Event
}

// Key identifies the event for de-duplication: finding id, kind, and the
// progress number.
func (e Event) Key() string {
	k := e.Finding.ID + "/" + string(e.Kind)
	if e.Kind == KindProgress {
		k += "/" + strconv.Itoa(e.Seq)
	}
	return k
}

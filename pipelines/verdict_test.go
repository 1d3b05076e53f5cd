package pipelines_test

import (
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// okFacts is a complete rows window pushed on time, reconciled after its
// deadline; the cases of the tables below change one thing at a time.
func okFacts() pipelines.Facts {
	dl := sh(2026, 11, 20, 11, 0)
	return pipelines.Facts{
		Mode: pipelines.ModeRows, Deadline: dl, Now: dl.Add(time.Hour),
		Expected: 10, Claimed: 10, Received: 10, Batches: 1, Succeeded: 1,
		LastFinish: dl.Add(-20 * time.Minute),
	}
}

func TestClassify(t *testing.T) {
	noPush := func(f *pipelines.Facts) {
		f.Claimed, f.Received, f.Batches, f.Succeeded, f.LastFinish = 0, 0, 0, 0, time.Time{}
	}
	early := func(f *pipelines.Facts) { f.Now = f.Deadline.Add(-time.Minute) }
	tests := []struct {
		name string
		edit func(f *pipelines.Facts)
		want pipelines.Status
	}{
		{"ok", func(f *pipelines.Facts) {}, pipelines.StatusOK},
		{"ok before the deadline when complete", early, pipelines.StatusOK},
		{"pending: not due and incomplete", func(f *pipelines.Facts) { early(f); f.Received, f.Claimed, f.Missing = 7, 7, 3 }, pipelines.StatusPending},
		{"pending: not due, complete, logged as finished after the deadline still to come", func(f *pipelines.Facts) {
			early(f)
			f.LastFinish = f.Deadline.Add(30 * time.Minute)
		}, pipelines.StatusPending},
		{"pending: not due and no push", func(f *pipelines.Facts) { early(f); noPush(f) }, pipelines.StatusPending},
		{"pending before unverifiable", func(f *pipelines.Facts) { early(f); noPush(f); f.Unverifiable = true }, pipelines.StatusPending},
		{"due exactly at the deadline", func(f *pipelines.Facts) { f.Now = f.Deadline; f.Received, f.Claimed, f.Missing = 7, 7, 3 }, pipelines.StatusShort},
		{"unverifiable", func(f *pipelines.Facts) { f.Unverifiable = true }, pipelines.StatusUnverifiable},
		{"unverifiable, never missed", func(f *pipelines.Facts) { noPush(f); f.Unverifiable = true; f.InStaleRun = true }, pipelines.StatusUnverifiable},
		{"stale: no push in a stale run", func(f *pipelines.Facts) { noPush(f); f.InStaleRun = true }, pipelines.StatusStale},
		{"stale: no push in a stale run, expected 0", func(f *pipelines.Facts) { noPush(f); f.Expected = 0; f.InStaleRun = true }, pipelines.StatusStale},
		{"missed: no push, rows expected", noPush, pipelines.StatusMissed},
		{"ok: no push, expected 0", func(f *pipelines.Facts) { noPush(f); f.Expected = 0 }, pipelines.StatusOK},
		{"failed: logged failure", func(f *pipelines.Facts) { f.Succeeded, f.Claimed, f.Received, f.Missing = 0, 0, 0, 10 }, pipelines.StatusFailed},
		{"failed: logged failure in a stale run", func(f *pipelines.Facts) {
			f.Succeeded, f.Claimed, f.Received, f.Missing = 0, 0, 0, 10
			f.InStaleRun = true
		}, pipelines.StatusFailed},
		{"failed: claimed > received", func(f *pipelines.Facts) { f.Received, f.Missing = 7, 3 }, pipelines.StatusFailed},
		{"failed before duplicate", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Duplicate = 12, 11, 1 }, pipelines.StatusFailed},
		{"duplicate", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Duplicate = 11, 11, 1 }, pipelines.StatusDuplicate},
		{"duplicate before short", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Duplicate, f.Missing = 10, 10, 1, 1 }, pipelines.StatusDuplicate},
		{"full_set drift: fewer rows is mismatch", func(f *pipelines.Facts) {
			f.Mode = pipelines.ModeFullSet
			f.Expected, f.Missing = 11, 1
		}, pipelines.StatusMismatch},
		{"full_set drift: more rows is mismatch", func(f *pipelines.Facts) {
			f.Mode = pipelines.ModeFullSet
			f.Expected, f.Extra = 9, 1
		}, pipelines.StatusMismatch},
		{"full_set drift: values", func(f *pipelines.Facts) { f.Mode = pipelines.ModeFullSet; f.Mismatched = 1 }, pipelines.StatusMismatch},
		{"full_set complete is ok", func(f *pipelines.Facts) { f.Mode = pipelines.ModeFullSet }, pipelines.StatusOK},
		{"short", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Missing = 9, 9, 1 }, pipelines.StatusShort},
		{"short: a key missing, another extra", func(f *pipelines.Facts) { f.Missing, f.Extra = 1, 1 }, pipelines.StatusShort},
		{"short before late", func(f *pipelines.Facts) {
			f.Claimed, f.Received, f.Missing = 9, 9, 1
			f.LastFinish = f.Deadline.Add(time.Minute)
		}, pipelines.StatusShort},
		{"excess", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Extra = 11, 11, 1 }, pipelines.StatusExcess},
		{"excess before mismatch", func(f *pipelines.Facts) { f.Claimed, f.Received, f.Extra, f.Mismatched = 11, 11, 1, 1 }, pipelines.StatusExcess},
		{"mismatch", func(f *pipelines.Facts) { f.Mode = pipelines.ModeMeasures; f.Mismatched = 2 }, pipelines.StatusMismatch},
		{"mismatch before late", func(f *pipelines.Facts) { f.Mismatched = 1; f.LastFinish = f.Deadline.Add(time.Minute) }, pipelines.StatusMismatch},
		{"late", func(f *pipelines.Facts) { f.LastFinish = f.Deadline.Add(time.Second) }, pipelines.StatusLate},
		{"finished exactly at the deadline is ok", func(f *pipelines.Facts) { f.LastFinish = f.Deadline }, pipelines.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := okFacts()
			tc.edit(&f)
			if got, want := pipelines.Classify(f), tc.want; got != want {
				t.Errorf("Classify(%+v) = %s, want %s", f, got, want)
			}
		})
	}
}

func TestFaultLevel(t *testing.T) {
	short := func(expected, received int64) pipelines.Facts {
		f := okFacts()
		f.Expected, f.Claimed, f.Received, f.Missing = expected, received, received, expected-received
		return f
	}
	tests := []struct {
		name   string
		status pipelines.Status
		facts  pipelines.Facts
		want   int
	}{
		{"ok", pipelines.StatusOK, okFacts(), 0},
		{"pending", pipelines.StatusPending, okFacts(), 0},
		{"stale", pipelines.StatusStale, okFacts(), 2},
		{"missed", pipelines.StatusMissed, okFacts(), 3},
		{"failed", pipelines.StatusFailed, okFacts(), 3},
		{"short under 1 %", pipelines.StatusShort, short(1000, 995), 4},
		{"short exactly 1 %", pipelines.StatusShort, short(100, 99), 3},
		{"short over 1 %", pipelines.StatusShort, short(10, 5), 3},
		{"short, all rows missing", pipelines.StatusShort, short(10, 0), 3},
		{"duplicate", pipelines.StatusDuplicate, okFacts(), 4},
		{"excess", pipelines.StatusExcess, okFacts(), 4},
		{"mismatch", pipelines.StatusMismatch, okFacts(), 4},
		{"late", pipelines.StatusLate, okFacts(), 4},
		{"unverifiable", pipelines.StatusUnverifiable, okFacts(), 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := pipelines.FaultLevel(tc.status, tc.facts), tc.want; got != want {
				t.Errorf("FaultLevel(%s) = %d, want %d", tc.status, got, want)
			}
		})
	}
	t.Run("a level exactly for findings", func(t *testing.T) {
		for _, s := range pipelines.Statuses {
			l := pipelines.FaultLevel(s, okFacts())
			if got, want := l > 0, s.Finding(); got != want {
				t.Errorf("%s: level %d, Finding() = %v", s, l, want)
			}
			if _, ok := pipelines.ResponseLimits[l]; s.Finding() && !ok {
				t.Errorf("%s: level %d has no response limits", s, l)
			}
			if s.Finding() && pipelines.LevelZH(l) == "" {
				t.Errorf("%s: level %d has no Chinese name", s, l)
			}
		}
	})
}

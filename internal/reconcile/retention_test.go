package reconcile

import (
	"testing"
	"time"
)

// TestPurgedAt: which tables of one target are taken as purged by age,
// and from when each is kept.
func TestPurgedAt(t *testing.T) {
	day := func(d, h int) time.Time { return sh(2026, 11, d, h, 0) }
	logStart := day(1, 0)
	tests := []struct {
		name   string
		tables []heldFrom
		want   map[string]time.Time // nil: no retention inferred
	}{
		{"every table holds its first push", []heldFrom{{"a", logStart, logStart}, {"b", logStart, logStart}}, nil},
		{"two tables cut on the 10th", []heldFrom{{"a", logStart, day(10, 12)}, {"b", logStart, day(10, 12)}},
			map[string]time.Time{"a": day(10, 12), "b": day(10, 12)}},
		{"a daily table's first kept window starts the evening before", []heldFrom{
			{"a", logStart, day(10, 12)}, {"daily", logStart, day(9, 23)}},
			map[string]time.Time{"a": day(10, 12), "daily": day(9, 23)}},
		{"one table only: an outage looks the same", []heldFrom{{"a", logStart, day(10, 12)}}, nil},
		{"one table cut, the other holds everything", []heldFrom{{"a", logStart, day(10, 12)}, {"b", logStart, logStart}, {"c", logStart, day(10, 12)}}, nil},
		{"gaps of hours: an outage at the start, not a purge", []heldFrom{{"a", logStart, day(1, 5)}, {"b", logStart, day(1, 5)}}, nil},
		{"a table holding none of its pushes: a one-time push before the cut", []heldFrom{
			{"a", logStart, day(10, 12)}, {"b", logStart, day(10, 12)}, {"once", logStart, time.Time{}}, {"none yet", day(11, 0), time.Time{}}},
			map[string]time.Time{"a": day(10, 12), "b": day(10, 12), "once": day(10, 12)}},
		{"tables holding none of their pushes are no purge", []heldFrom{{"a", logStart, time.Time{}}, {"b", logStart, time.Time{}}}, nil},
		{"cut days apart: not one purge", []heldFrom{{"a", logStart, day(5, 0)}, {"b", logStart, day(10, 0)}}, nil},
		{"cut days apart, two together", []heldFrom{{"a", logStart, day(5, 0)}, {"b", logStart, day(10, 0)}, {"c", logStart, day(5, 6)}},
			map[string]time.Time{"a": day(5, 0), "b": day(5, 6), "c": day(5, 6)}},
		{"a table begun after the cut, and one lacking pushes after it", []heldFrom{
			{"a", logStart, day(10, 12)}, {"b", logStart, day(10, 12)}, {"new", day(11, 0), day(11, 0)}, {"late", logStart, day(12, 0)}},
			map[string]time.Time{"a": day(10, 12), "b": day(10, 12), "late": day(10, 12)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := purgedAt(tc.tables)
			if ok != (tc.want != nil) {
				t.Fatalf("purged %v (%v), want %v", ok, got, tc.want)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("kept %v, want %v", got, tc.want)
			}
			for k, w := range tc.want {
				if !got[k].Equal(w) {
					t.Errorf("%s kept from %s, want %s", k, got[k], w)
				}
			}
		})
	}
}

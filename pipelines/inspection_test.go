package pipelines

import (
	"reflect"
	"testing"
	"time"
)

func TestParseInspectionDeadline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 9 * time.Hour, false},
		{"09:00", 9 * time.Hour, false},
		{" 07:30 ", 7*time.Hour + 30*time.Minute, false},
		{"33:00", 33 * time.Hour, false},
		{"00:00", 0, true},
		{"48:00", 0, true},
		{"9", 0, true},
		{"9:5", 0, true},
		{"09:60", 0, true},
		{"-1:00", 0, true},
	} {
		got, err := ParseInspectionDeadline(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseInspectionDeadline(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// "未提供日巡检记录，每有一次扣 0.2 分": a day has a record when its check
// ran after the day ended and by the deadline (09:00 the next morning by
// default); a reconciliation run later over past days does not make
// those days inspected.
func TestInspectionLog(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, Shanghai) }
	day := func(d int) time.Time { return at(d, 0, 0) }
	run := func(id string, finished time.Time) DailyCheck {
		return DailyCheck{RunID: id, Started: finished.Add(-time.Minute), Finished: finished, Windows: 10, OK: 9, Missed: 1}
	}
	checks := map[string][]DailyCheck{
		// 18th: before the first run (19th 12:00): not counted.
		"2026-11-18": {run("a", at(19, 1, 0))},
		// 19th: runs during the day and one at 00:15 the next day: in time.
		"2026-11-19": {run("c", at(20, 0, 15)), run("b", at(19, 23, 55)), run("z", at(25, 10, 0))},
		// 20th: only a reconciliation days later: late, not a record.
		"2026-11-20": {run("z", at(25, 10, 0))},
		// 21st: the check finished at 09:00 sharp: in time; at 09:01 late.
		"2026-11-21": {run("d", at(22, 9, 0))},
		"2026-11-22": {run("e", at(23, 9, 1))},
		// 23rd: runs during the day only: the deadline passed: not inspected.
		"2026-11-23": {run("f", at(23, 12, 0))},
		// 25th: nothing yet, deadline (26th 09:00) ahead of now.
	}
	now := at(26, 8, 0)
	log := InspectionLog([]time.Time{day(18), day(19), day(20), day(21), day(22), day(23), day(24), day(25)},
		checks, DefaultInspectionDeadline, at(19, 12, 0), now)
	type row struct {
		state InspectionState
		check string
		runs  int
	}
	var got []row
	for _, in := range log {
		r := row{state: in.State, runs: in.Runs}
		if in.Check != nil {
			r.check = in.Check.RunID
		}
		got = append(got, r)
		if want := in.Day.AddDate(0, 0, 1).Add(9 * time.Hour); !in.Deadline.Equal(want) {
			t.Errorf("%s: deadline %v, want %v", in.Day.Format("01-02"), in.Deadline, want)
		}
	}
	want := []row{
		{InspectionUntracked, "a", 1},
		{InspectedInTime, "c", 3},
		{InspectedLate, "z", 1},
		{InspectedInTime, "d", 1},
		{InspectedLate, "e", 1},
		{NotInspected, "", 1},
		{NotInspected, "", 0},
		{InspectionNotDue, "", 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log =\n%+v\nwant\n%+v", got, want)
	}
	if got, want := InspectedDays(log), map[string]bool{"2026-11-19": true, "2026-11-21": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("InspectedDays = %v, want %v", got, want)
	}
	// The assessment counts the six days whose deadline passed after the
	// first run, two of them inspected; the 25th is not yet missing.
	if due, inTime := InspectionCounts(log); due != 6 || inTime != 2 {
		t.Errorf("InspectionCounts = %d, %d; want 6, 2", due, inTime)
	}
}

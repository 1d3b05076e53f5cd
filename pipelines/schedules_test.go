package pipelines_test

import (
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestSchedules: every cadence has its schedule in one set, the one-time
// ones included (README: "once, media_copy: the day of the one-time push;
// deadline 07:00 the next day"), and the statistics check takes the daily
// cadence's deadline over calendar days.
func TestSchedules(t *testing.T) {
	s := pipelines.DefaultSchedules()
	for _, c := range pipelines.Cadences {
		sch, err := s.Of(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if sch.Cadence != c {
			t.Errorf("%s: schedule of %s", c, sch.Cadence)
		}
	}
	day := sh(2026, 11, 20, 0, 0)
	for _, c := range []pipelines.Cadence{pipelines.Once, pipelines.MediaCopy} {
		sch, _ := s.Of(c)
		w := pipelines.OneTimeWindow(day)
		if got, want := w.String(), "2026-11-20T00:00:00+08:00/2026-11-21T00:00:00+08:00"; got != want {
			t.Errorf("OneTimeWindow = %s, want %s", got, want)
		}
		if got, want := sch.Deadline(w), sh(2026, 11, 21, 7, 0); !got.Equal(want) {
			t.Errorf("%s: deadline %s, want %s", c, got, want)
		}
		if got, want := sch.Span(), 24*time.Hour; got != want {
			t.Errorf("%s: span %s, want %s", c, got, want)
		}
		if sch.StaleAfter != 0 {
			t.Errorf("%s: stale after %s, want never", c, sch.StaleAfter)
		}
	}
	if got, want := s[pipelines.Every30m].Span(), 30*time.Minute; got != want {
		t.Errorf("every_30m span %s, want %s", got, want)
	}

	one := time.Hour
	s.Override(pipelines.DailyAfter2300, pipelines.ScheduleOverride{DeadlineAfter: &one})
	st, err := s.Statistics()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := st.Windows(day, day.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || !ws[0].Start.Equal(day) || !ws[1].Start.Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("statistics windows %v, want the calendar days 11-20 and 11-21", ws)
	}
	if got, want := st.Deadline(ws[0]), sh(2026, 11, 21, 1, 0); !got.Equal(want) {
		t.Errorf("statistics deadline %s, want %s (the daily override)", got, want)
	}
	if d := s[pipelines.DailyAfter2300]; d.Align != 23*time.Hour || d.StaleAfter != 48*time.Hour || d.DeadlineAfter != time.Hour {
		t.Errorf("override changed more than the deadline: %+v", d)
	}

	if _, err := (pipelines.Schedules{}).Of(pipelines.Hourly); err == nil {
		t.Error("Of on an empty set: no error")
	}
	if _, err := (pipelines.Schedules{}).Statistics(); err == nil {
		t.Error("Statistics on an empty set: no error")
	}
}

package reconcile

// Windows to check, stale runs of windows and MySQL to DuckDB column types.

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestMarkStale(t *testing.T) {
	sch := pipelines.DefaultSchedules()[pipelines.Every30m] // stale after 2 h
	now := sh(2026, 11, 21, 6, 0)
	// pushes lists, per 30-minute window from 08:00, whether it had a push
	// ('P'), a batch-less received row ('R') or nothing ('.'); want marks
	// the windows in a stale run ('S').
	tests := []struct {
		name, pushes, want string
		now                time.Time
	}{
		{"all pushed", "PPPPPP", "......", now},
		{"three empty windows (1.5 h) are not stale", "P...PP", "......", now},
		{"four empty windows (2 h) are stale", "P....P", ".SSSS.", now},
		{"a longer run is stale throughout", "P......", ".SSSSSS", now},
		{"a run at the start", "....PP", "SSSS..", now},
		{"runs broken by a push", "...P...P", "........", now},
		{"a received row breaks the run", "..R...", "......", now},
		{"two stale runs", "....P....", "SSSS.SSSS", now},
		{"nothing pushed at all", "........", "SSSSSSSS", now},
		{"empty", "", "", now},
		// windows 10:00 and 10:30 are not due at 10:40 (deadline one period
		// after the end): they say nothing yet about a missing push.
		{"windows not yet due do not count", "P.....", "......", sh(2026, 11, 20, 10, 40)},
		{"once due they do", "P.....", ".SSSSS", sh(2026, 11, 20, 11, 30)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rs []*Result
			start := sh(2026, 11, 20, 8, 0)
			for i, c := range tc.pushes {
				w := pipelines.Window{Start: start.Add(time.Duration(i) * 30 * time.Minute)}
				w.End = w.Start.Add(30 * time.Minute)
				x := &Result{Window: w, Deadline: sch.Deadline(w)}
				x.Facts = pipelines.Facts{Deadline: x.Deadline, Now: tc.now, Expected: 1}
				switch c {
				case 'P':
					x.Facts.Batches, x.Facts.Succeeded = 1, 1
				case 'R':
					x.Facts.Received = 1
				}
				rs = append(rs, x)
			}
			markStale(rs, sch)
			var b strings.Builder
			for _, x := range rs {
				if x.Facts.InStaleRun {
					b.WriteByte('S')
				} else {
					b.WriteByte('.')
				}
			}
			if got, want := b.String(), tc.want; got != want {
				t.Errorf("markStale(%s) = %s, want %s", tc.pushes, got, want)
			}
		})
	}
	t.Run("unverifiable windows do not count", func(t *testing.T) {
		var rs []*Result
		start := sh(2026, 11, 20, 8, 0)
		for i := range 6 {
			w := pipelines.Window{Start: start.Add(time.Duration(i) * 30 * time.Minute)}
			w.End = w.Start.Add(30 * time.Minute)
			x := &Result{Window: w, Deadline: sch.Deadline(w)}
			x.Facts = pipelines.Facts{Deadline: x.Deadline, Now: now, Expected: 1, Unverifiable: i >= 3}
			rs = append(rs, x)
		}
		markStale(rs, sch)
		for i, x := range rs {
			if x.Facts.InStaleRun {
				t.Errorf("window %d (%s) in a stale run", i, x.Window)
			}
		}
	})
	t.Run("no stale limit", func(t *testing.T) {
		x := &Result{Window: pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 21, 0, 0)}}
		x.Facts.Now = now
		markStale([]*Result{x}, pipelines.Schedule{Cadence: pipelines.DailyAfter2300})
		if x.Facts.InStaleRun {
			t.Error("stale without StaleAfter")
		}
	})
}

func TestDuckType(t *testing.T) {
	tests := []struct{ mysql, want string }{
		{"TINYINT", "BIGINT"},
		{"tinyint(1)", "BIGINT"},
		{"SMALLINT", "BIGINT"},
		{"MEDIUMINT", "BIGINT"},
		{"INT", "BIGINT"},
		{"INT(11)", "BIGINT"},
		{"INTEGER", "BIGINT"},
		{"BIGINT", "BIGINT"},
		{"INT(10) UNSIGNED", "UBIGINT"},
		{"INT UNSIGNED", "UBIGINT"},
		{"bigint unsigned", "UBIGINT"},
		{"DECIMAL(12,3)", "DECIMAL(12,3)"},
		{"DECIMAL(10, 2)", "DECIMAL(10,2)"},
		{"decimal(5,2) unsigned", "DECIMAL(5,2)"},
		{"NUMERIC(6,2)", "DECIMAL(6,2)"},
		{"DECIMAL", "DECIMAL(10,0)"},
		{"FLOAT", "FLOAT"},
		{"DOUBLE", "DOUBLE"},
		{"DOUBLE PRECISION", "DOUBLE"},
		{"REAL", "DOUBLE"},
		{"DATETIME", "TIMESTAMP"},
		{"DATETIME(3)", "TIMESTAMP"},
		{"TIMESTAMP", "TIMESTAMP"},
		{"DATE", "DATE"},
		{" date ", "DATE"},
		{"VARCHAR(64)", "VARCHAR"},
		{"CHAR(18)", "VARCHAR"},
		{"TEXT", "VARCHAR"},
		{"", "VARCHAR"},
	}
	for _, tc := range tests {
		t.Run(tc.mysql, func(t *testing.T) {
			if got, want := duckType(tc.mysql), tc.want; got != want {
				t.Errorf("duckType(%q) = %q, want %q", tc.mysql, got, want)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	day := sh(2026, 11, 20, 0, 0)
	after := sh(2026, 11, 23, 12, 0) // after every window of the tests
	tests := []struct {
		name        string
		cadence     pipelines.Cadence
		from, to    time.Time
		now, onceAt time.Time
		n           int
		first, last pipelines.Window // first and last listed window
		deadline    time.Time        // of the last window
	}{
		{"every_10m, one day", pipelines.Every10m, day, day, after, time.Time{}, 144,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 0, 10)},
			pipelines.Window{Start: sh(2026, 11, 20, 23, 50), End: sh(2026, 11, 21, 0, 0)},
			sh(2026, 11, 21, 0, 10)},
		{"every_10m across midnight", pipelines.Every10m, day, day.AddDate(0, 0, 1), after, time.Time{}, 288,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 0, 10)},
			pipelines.Window{Start: sh(2026, 11, 21, 23, 50), End: sh(2026, 11, 22, 0, 0)},
			sh(2026, 11, 22, 0, 10)},
		{"every_10m, started before now", pipelines.Every10m, day, day, sh(2026, 11, 20, 1, 5), time.Time{}, 7,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 0, 10)},
			pipelines.Window{Start: sh(2026, 11, 20, 1, 0), End: sh(2026, 11, 20, 1, 10)},
			sh(2026, 11, 20, 1, 20)},
		{"every_10m, now on a window start", pipelines.Every10m, day, day, sh(2026, 11, 20, 1, 0), time.Time{}, 6,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 0, 10)},
			pipelines.Window{Start: sh(2026, 11, 20, 0, 50), End: sh(2026, 11, 20, 1, 0)},
			sh(2026, 11, 20, 1, 10)},
		{"every_30m", pipelines.Every30m, day, day, after, time.Time{}, 48,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 0, 30)},
			pipelines.Window{Start: sh(2026, 11, 20, 23, 30), End: sh(2026, 11, 21, 0, 0)},
			sh(2026, 11, 21, 0, 30)},
		{"hourly", pipelines.Hourly, day, day, after, time.Time{}, 24,
			pipelines.Window{Start: sh(2026, 11, 20, 0, 0), End: sh(2026, 11, 20, 1, 0)},
			pipelines.Window{Start: sh(2026, 11, 20, 23, 0), End: sh(2026, 11, 21, 0, 0)},
			sh(2026, 11, 21, 1, 0)},
		{"daily aligned at 23:00", pipelines.DailyAfter2300, day, day, after, time.Time{}, 1,
			pipelines.Window{Start: sh(2026, 11, 19, 23, 0), End: sh(2026, 11, 20, 23, 0)},
			pipelines.Window{Start: sh(2026, 11, 19, 23, 0), End: sh(2026, 11, 20, 23, 0)},
			sh(2026, 11, 21, 6, 0)},
		{"daily, three days", pipelines.DailyAfter2300, day, day.AddDate(0, 0, 2), after, time.Time{}, 3,
			pipelines.Window{Start: sh(2026, 11, 19, 23, 0), End: sh(2026, 11, 20, 23, 0)},
			pipelines.Window{Start: sh(2026, 11, 21, 23, 0), End: sh(2026, 11, 22, 23, 0)},
			sh(2026, 11, 23, 6, 0)},
		{"daily, now before the window starts", pipelines.DailyAfter2300, day, day, sh(2026, 11, 19, 22, 0), time.Time{}, 0,
			pipelines.Window{}, pipelines.Window{}, time.Time{}},
		{"daily, now inside the window", pipelines.DailyAfter2300, day, day, sh(2026, 11, 20, 9, 0), time.Time{}, 1,
			pipelines.Window{Start: sh(2026, 11, 19, 23, 0), End: sh(2026, 11, 20, 23, 0)},
			pipelines.Window{Start: sh(2026, 11, 19, 23, 0), End: sh(2026, 11, 20, 23, 0)},
			sh(2026, 11, 21, 6, 0)},
		// Clock edges (issue 14): the quarter's last day keeps its own
		// 23:00 window and not the next one; a leap day has its 144
		// windows; a year end hands its last 10 minutes to the new year's
		// first deadline.
		{"daily on the last day of a quarter", pipelines.DailyAfter2300, sh(2026, 3, 31, 0, 0), sh(2026, 3, 31, 0, 0), sh(2026, 4, 2, 0, 0), time.Time{}, 1,
			pipelines.Window{Start: sh(2026, 3, 30, 23, 0), End: sh(2026, 3, 31, 23, 0)},
			pipelines.Window{Start: sh(2026, 3, 30, 23, 0), End: sh(2026, 3, 31, 23, 0)},
			sh(2026, 4, 1, 6, 0)},
		{"daily on the first day of the next quarter", pipelines.DailyAfter2300, sh(2026, 4, 1, 0, 0), sh(2026, 4, 1, 0, 0), sh(2026, 4, 2, 12, 0), time.Time{}, 1,
			pipelines.Window{Start: sh(2026, 3, 31, 23, 0), End: sh(2026, 4, 1, 23, 0)},
			pipelines.Window{Start: sh(2026, 3, 31, 23, 0), End: sh(2026, 4, 1, 23, 0)},
			sh(2026, 4, 2, 6, 0)},
		{"every_10m on a leap day", pipelines.Every10m, sh(2028, 2, 29, 0, 0), sh(2028, 2, 29, 0, 0), sh(2028, 3, 2, 0, 0), time.Time{}, 144,
			pipelines.Window{Start: sh(2028, 2, 29, 0, 0), End: sh(2028, 2, 29, 0, 10)},
			pipelines.Window{Start: sh(2028, 2, 29, 23, 50), End: sh(2028, 3, 1, 0, 0)},
			sh(2028, 3, 1, 0, 10)},
		{"every_10m across a year end", pipelines.Every10m, sh(2026, 12, 31, 0, 0), sh(2027, 1, 1, 0, 0), sh(2027, 1, 3, 0, 0), time.Time{}, 288,
			pipelines.Window{Start: sh(2026, 12, 31, 0, 0), End: sh(2026, 12, 31, 0, 10)},
			pipelines.Window{Start: sh(2027, 1, 1, 23, 50), End: sh(2027, 1, 2, 0, 0)},
			sh(2027, 1, 2, 0, 10)},
		{"hourly across a month end", pipelines.Hourly, sh(2026, 11, 30, 0, 0), sh(2026, 12, 1, 0, 0), sh(2026, 12, 3, 0, 0), time.Time{}, 48,
			pipelines.Window{Start: sh(2026, 11, 30, 0, 0), End: sh(2026, 11, 30, 1, 0)},
			pipelines.Window{Start: sh(2026, 12, 1, 23, 0), End: sh(2026, 12, 2, 0, 0)},
			sh(2026, 12, 2, 1, 0)},
		{"once on OnceAt", pipelines.Once, day, day, after, day, 1,
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			sh(2026, 11, 21, 7, 0)},
		{"once, OnceAt inside a longer range", pipelines.Once, day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), after, day, 1,
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			sh(2026, 11, 21, 7, 0)},
		{"once, OnceAt the day before", pipelines.Once, day, day, after, day.AddDate(0, 0, -1), 0,
			pipelines.Window{}, pipelines.Window{}, time.Time{}},
		{"once, OnceAt the day after", pipelines.Once, day, day, after, day.AddDate(0, 0, 1), 0,
			pipelines.Window{}, pipelines.Window{}, time.Time{}},
		{"once, now before OnceAt", pipelines.Once, day, day, sh(2026, 11, 19, 12, 0), day, 0,
			pipelines.Window{}, pipelines.Window{}, time.Time{}},
		{"media_copy on OnceAt", pipelines.MediaCopy, day, day, after, day, 1,
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			pipelines.Window{Start: day, End: day.AddDate(0, 0, 1)},
			sh(2026, 11, 21, 7, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{From: tc.from, To: tc.to, Now: tc.now, OnceAt: tc.onceAt, Schedules: pipelines.DefaultSchedules()}
			lo, hi := o.dayBounds()
			res := &pipelines.Resource{Target: "t", Key: "r", Cadence: tc.cadence}
			ws, sch, err := windows(res, o, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(ws), tc.n; got != want {
				t.Fatalf("%d windows, want %d: %v", got, want, ws)
			}
			for i, w := range ws {
				if !w.End.After(lo) || w.End.After(hi) || !w.Start.Before(tc.now) {
					t.Errorf("window %s outside (%s, %s] or not started by %s", w, lo, hi, tc.now)
				}
				if i > 0 && !w.Start.Equal(ws[i-1].End) {
					t.Errorf("gap or overlap between %s and %s", ws[i-1], w)
				}
			}
			if tc.n == 0 {
				return
			}
			if got, want := ws[0].String(), tc.first.String(); got != want {
				t.Errorf("first window %s, want %s", got, want)
			}
			if got, want := ws[len(ws)-1].String(), tc.last.String(); got != want {
				t.Errorf("last window %s, want %s", got, want)
			}
			if got, want := sch.Deadline(ws[len(ws)-1]), tc.deadline; !got.Equal(want) {
				t.Errorf("deadline %s, want %s", got, want)
			}
		})
	}
	t.Run("no schedule", func(t *testing.T) {
		o := Options{From: day, To: day, Now: after, Schedules: map[pipelines.Cadence]pipelines.Schedule{}}
		lo, hi := o.dayBounds()
		_, _, err := windows(&pipelines.Resource{Cadence: pipelines.Hourly}, o, lo, hi)
		if err == nil || !strings.Contains(err.Error(), "hourly") {
			t.Errorf("error %v does not name the cadence", err)
		}
	})
}

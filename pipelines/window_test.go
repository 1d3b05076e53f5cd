package pipelines_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func sh(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, pipelines.Shanghai)
}

func TestWindowParams(t *testing.T) {
	ts := func(s string) string { return "TIMESTAMP '" + s + "'" }
	tests := []struct {
		name string
		w    pipelines.Window
		asOf time.Time
		want pipelines.Params
	}{
		{"daily window", pipelines.Window{Start: sh(2026, 11, 26, 23, 0), End: sh(2026, 11, 27, 23, 0)}, sh(2026, 11, 28, 6, 0),
			pipelines.Params{"window_start": ts("2026-11-26 23:00:00"), "window_end": ts("2026-11-27 23:00:00"),
				"as_of": ts("2026-11-28 06:00:00"), "day_start": ts("2026-11-27 00:00:00"),
				"month_start": ts("2026-11-01 00:00:00"), "months6_start": ts("2026-06-01 00:00:00")}},
		{"hour ending at midnight belongs to its day", pipelines.Window{Start: sh(2026, 11, 30, 23, 0), End: sh(2026, 12, 1, 0, 0)}, sh(2026, 12, 1, 0, 5),
			pipelines.Params{"window_start": ts("2026-11-30 23:00:00"), "window_end": ts("2026-12-01 00:00:00"),
				"as_of": ts("2026-12-01 00:05:00"), "day_start": ts("2026-11-30 00:00:00"),
				"month_start": ts("2026-11-01 00:00:00"), "months6_start": ts("2026-06-01 00:00:00")}},
		{"six months across a year", pipelines.Window{Start: sh(2027, 1, 14, 23, 0), End: sh(2027, 1, 15, 23, 0)}, sh(2027, 1, 16, 1, 0),
			pipelines.Params{"window_start": ts("2027-01-14 23:00:00"), "window_end": ts("2027-01-15 23:00:00"),
				"as_of": ts("2027-01-16 01:00:00"), "day_start": ts("2027-01-15 00:00:00"),
				"month_start": ts("2027-01-01 00:00:00"), "months6_start": ts("2026-08-01 00:00:00")}},
		{"UTC input is shown in Shanghai time",
			pipelines.Window{Start: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 27, 2, 10, 0, 0, time.UTC)},
			time.Date(2026, 11, 27, 2, 30, 0, 0, time.UTC),
			pipelines.Params{"window_start": ts("2026-11-27 10:00:00"), "window_end": ts("2026-11-27 10:10:00"),
				"as_of": ts("2026-11-27 10:30:00"), "day_start": ts("2026-11-27 00:00:00"),
				"month_start": ts("2026-11-01 00:00:00"), "months6_start": ts("2026-06-01 00:00:00")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pipelines.WindowParams(tc.w, tc.asOf)
			if len(got) != len(tc.want) {
				t.Errorf("got %d parameters, want %d: %v", len(got), len(tc.want), got)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
		})
	}
}

func TestRender(t *testing.T) {
	p := pipelines.Params{"window_start": "TIMESTAMP '2026-11-27 10:00:00'", "window_end": "TIMESTAMP '2026-11-27 10:10:00'"}
	tests := []struct {
		name, sql, want, err string
	}{
		{"both", "c.t >= :window_start AND c.t < :window_end",
			"c.t >= TIMESTAMP '2026-11-27 10:00:00' AND c.t < TIMESTAMP '2026-11-27 10:10:00'", ""},
		{"repeated", ":window_end > :window_end", "TIMESTAMP '2026-11-27 10:10:00' > TIMESTAMP '2026-11-27 10:10:00'", ""},
		{"time literal is not a parameter", "c.t < '2026-11-27 23:00:00'", "c.t < '2026-11-27 23:00:00'", ""},
		{"missing", "c.t < :as_of AND c.d >= :day_start AND c.t < :window_end", "",
			"query parameter(s) without a value: as_of, day_start"},
		{"longer name is another parameter", "c.t < :window_end_x", "", "without a value: window_end_x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pipelines.Render(tc.sql, p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestScheduleWindowAt(t *testing.T) {
	s := pipelines.DefaultSchedules()
	tests := []struct {
		name       string
		c          pipelines.Cadence
		at         time.Time
		start, end time.Time
	}{
		{"daily before 23:00", pipelines.DailyAfter2300, sh(2026, 11, 27, 10, 5), sh(2026, 11, 26, 23, 0), sh(2026, 11, 27, 23, 0)},
		{"daily at 23:00 opens the next", pipelines.DailyAfter2300, sh(2026, 11, 27, 23, 0), sh(2026, 11, 27, 23, 0), sh(2026, 11, 28, 23, 0)},
		{"daily just after midnight", pipelines.DailyAfter2300, sh(2026, 11, 28, 0, 1), sh(2026, 11, 27, 23, 0), sh(2026, 11, 28, 23, 0)},
		{"daily across a month", pipelines.DailyAfter2300, sh(2026, 11, 30, 23, 30), sh(2026, 11, 30, 23, 0), sh(2026, 12, 1, 23, 0)},
		{"every 10 min at midnight", pipelines.Every10m, sh(2026, 11, 28, 0, 0), sh(2026, 11, 28, 0, 0), sh(2026, 11, 28, 0, 10)},
		{"every 10 min before midnight", pipelines.Every10m, sh(2026, 11, 27, 23, 59), sh(2026, 11, 27, 23, 50), sh(2026, 11, 28, 0, 0)},
		{"every 30 min", pipelines.Every30m, sh(2026, 11, 27, 10, 45), sh(2026, 11, 27, 10, 30), sh(2026, 11, 27, 11, 0)},
		{"hourly", pipelines.Hourly, sh(2026, 11, 27, 10, 5), sh(2026, 11, 27, 10, 0), sh(2026, 11, 27, 11, 0)},
		{"UTC instant", pipelines.Hourly, time.Date(2026, 11, 27, 2, 5, 0, 0, time.UTC), sh(2026, 11, 27, 10, 0), sh(2026, 11, 27, 11, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := s[tc.c].WindowAt(tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if !w.Start.Equal(tc.start) || !w.End.Equal(tc.end) {
				t.Errorf("got %s, want %s", w, pipelines.Window{Start: tc.start, End: tc.end})
			}
			if !w.Contains(tc.at) {
				t.Errorf("%s does not contain %s", w, tc.at)
			}
		})
	}
	if d := s[pipelines.DailyAfter2300].Deadline(pipelines.Window{Start: sh(2026, 11, 26, 23, 0), End: sh(2026, 11, 27, 23, 0)}); !d.Equal(sh(2026, 11, 28, 6, 0)) {
		t.Errorf("daily deadline %s, want 06:00 the next day", d)
	}
	for _, c := range []pipelines.Cadence{pipelines.Once, pipelines.MediaCopy} {
		if _, err := (pipelines.Schedule{Cadence: c}).WindowAt(testT0); err == nil {
			t.Errorf("%s: no error", c)
		}
	}
}

func TestScheduleWindows(t *testing.T) {
	s := pipelines.DefaultSchedules()
	str := func(ws []pipelines.Window) string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Start.Format("01-02 15:04")+"~"+w.End.Format("15:04"))
		}
		return strings.Join(out, ", ")
	}
	tests := []struct {
		name     string
		c        pipelines.Cadence
		from, to time.Time
		want     string
	}{
		{"every 10 min across midnight, unaligned start", pipelines.Every10m, sh(2026, 11, 27, 23, 35), sh(2026, 11, 28, 0, 20),
			"11-27 23:40~23:50, 11-27 23:50~00:00, 11-28 00:00~00:10, 11-28 00:10~00:20"},
		{"daily aligned at 23:00", pipelines.DailyAfter2300, sh(2026, 11, 26, 23, 0), sh(2026, 11, 29, 23, 0),
			"11-26 23:00~23:00, 11-27 23:00~23:00, 11-28 23:00~23:00"},
		{"daily from midnight starts at 23:00", pipelines.DailyAfter2300, sh(2026, 11, 27, 0, 0), sh(2026, 11, 28, 0, 0),
			"11-27 23:00~23:00"},
		{"empty range", pipelines.Hourly, sh(2026, 11, 27, 10, 0), sh(2026, 11, 27, 10, 0), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := s[tc.c].Windows(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := str(ws); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			for i := 1; i < len(ws); i++ {
				if !ws[i].Start.Equal(ws[i-1].End) {
					t.Errorf("gap between %s and %s", ws[i-1], ws[i])
				}
			}
		})
	}
}

func TestRenameSchemas(t *testing.T) {
	names := map[string]string{"biz": "t1_biz", "stats": "t1_stats", "fe_city_gov": "t1_fe_city_gov"}
	tests := []struct{ in, want string }{
		{"SELECT c.id FROM biz.cases c JOIN stats.case_eval e ON e.case_id = c.id",
			"SELECT c.id FROM t1_biz.cases c JOIN t1_stats.case_eval e ON e.case_id = c.id"},
		{"INSERT INTO fe_city_gov.case_record SELECT * FROM exchange.push_log",
			"INSERT INTO t1_fe_city_gov.case_record SELECT * FROM exchange.push_log"},
		{"(SELECT x FROM biz.media m)", "(SELECT x FROM t1_biz.media m)"},
		{"SELECT mybiz.x, a.biz.y, fe_pengzhou.t FROM q", "SELECT mybiz.x, a.biz.y, fe_pengzhou.t FROM q"},
		{"biz.cases", "t1_biz.cases"},
	}
	for _, tc := range tests {
		if got := pipelines.RenameSchemas(tc.in, names); got != tc.want {
			t.Errorf("RenameSchemas(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := pipelines.RenameSchemas("FROM biz.cases", nil); got != "FROM biz.cases" {
		t.Errorf("nil map changed the query: %q", got)
	}
}

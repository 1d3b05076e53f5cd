package pipelines

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// FuzzWindowArithmetic holds the window grid's laws for any instant, any
// periodic cadence and any alignment: the window of t contains t, is one
// period long and lies on the grid anchored at the day's start plus the
// alignment; Windows over a range is contiguous, starts inside the range
// and misses no window; the deadline is not before the window's end.
func FuzzWindowArithmetic(f *testing.F) {
	// Seeds: midnight, month, quarter and year ends, a leap day, the daily
	// 23:00 window on the last day of a quarter, and instants given in UTC
	// and in a far zone (the server's zone differing from the config's).
	for _, s := range []struct {
		unix  int64
		cad   uint8
		align int64
		span  int64
	}{
		{time.Date(2026, 11, 30, 23, 59, 59, 0, Shanghai).Unix(), 0, 0, 3600},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, Shanghai).Unix(), 3, 23 * 3600, 86400 * 2},
		{time.Date(2028, 2, 29, 12, 0, 0, 0, Shanghai).Unix(), 2, 0, 86400},
		{time.Date(2026, 3, 31, 22, 59, 59, 0, Shanghai).Unix(), 3, 23 * 3600, 7200},
		{time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC).Unix(), 1, 15 * 60, 5400},
		{0, 0, 0, 600},
		{-1, 2, 1, 1},
		{1 << 40, 1, 0, 0},
	} {
		f.Add(s.unix, s.cad, s.align, s.span)
	}
	periodic := []Cadence{Every10m, Every30m, Hourly, DailyAfter2300}
	f.Fuzz(func(t *testing.T, unix int64, cad uint8, alignSec int64, spanSec int64) {
		// Years 1..9999 and alignments of the config's range [0, 24h).
		const lo, hi = -62135596800, 253402300799
		if unix < lo || unix > hi {
			unix = lo + (unix%(hi-lo)+(hi-lo))%(hi-lo)
		}
		sch := DefaultSchedules()[periodic[int(cad)%len(periodic)]]
		sch.Align = time.Duration((alignSec%86400+86400)%86400) * time.Second
		p := sch.Cadence.Period()
		at := time.Unix(unix, int64(uint64(unix)%1e9)).In(time.FixedZone("X", int(alignSec%50400)))

		w, err := sch.WindowAt(at)
		if err != nil {
			t.Fatalf("WindowAt(%v): %v", at, err)
		}
		if !w.Contains(at) || w.End.Sub(w.Start) != p {
			t.Fatalf("%s: window %v of %v does not contain it or is not %v long", sch.Cadence, w, at, p)
		}
		if off := w.Start.Sub(DayStart(w.Start).Add(sch.Align)) % p; off != 0 {
			t.Fatalf("%s align %v: window %v is off the grid by %v", sch.Cadence, sch.Align, w, off)
		}
		if again, _ := sch.WindowAt(w.Start); again != w {
			t.Fatalf("the window of its own start differs: %v vs %v", again, w)
		}
		if sch.Deadline(w).Before(w.End) {
			t.Fatalf("deadline %v before the window end %v", sch.Deadline(w), w.End)
		}

		span := time.Duration((spanSec%(3*86400)+3*86400)%(3*86400)) * time.Second
		to := at.Add(span)
		ws, err := sch.Windows(at, to)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range ws {
			if x.Start.Before(at) || !x.Start.Before(to) || x.End.Sub(x.Start) != p {
				t.Fatalf("window %d %v outside [%v, %v) or not %v long", i, x, at, to, p)
			}
			if i > 0 && !ws[i-1].End.Equal(x.Start) {
				t.Fatalf("windows %d and %d are not contiguous: %v, %v", i-1, i, ws[i-1], x)
			}
		}
		// None missed: the window after the last starts at or after to,
		// and the one before the first starts before at.
		if len(ws) > 0 {
			if ws[len(ws)-1].End.Before(to) {
				t.Fatalf("the window at %v is missing", ws[len(ws)-1].End)
			}
			if !ws[0].Start.Add(-p).Before(at) {
				t.Fatalf("the window before %v is missing", ws[0].Start)
			}
		} else {
			next := w.End
			if w.Start.Equal(at) {
				next = w.Start
			}
			if next.Before(to) {
				t.Fatalf("no windows in [%v, %v) but one starts at %v", at, to, next)
			}
		}
	})
}

// FuzzParseCatalog: any bytes give a catalog or an error, never a panic;
// an accepted catalog validates, and written out and read again it is
// accepted the same.
func FuzzParseCatalog(f *testing.F) {
	f.Add(catalogYAML)
	for _, s := range []string{
		"", "targets: []", "resources: {}", "resources:\n- target: city_gov\n  key: x\n",
		"targets:\n- key: t\n  name: T\nresources:\n- target: t\n  key: r\n  table: r\n  cadence: hourly\n  mode: count\n  from: biz.t\n  columns: [{name: id, type: INT}]\n  key_columns: [id]\n",
		"resources:\n- target: city_gov\n  key: r\n  columns: [{name: a, type: \"DECIMAL(10,\"}]\n",
		"\xff\xfe", "resources: [", "stats_counters: [{name: x}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog(bytes.NewReader(data))
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted catalog does not validate: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("accepted catalog does not marshal: %v", err)
		}
		if _, err := ParseCatalog(bytes.NewReader(out)); err != nil {
			t.Fatalf("accepted catalog, written out, is refused: %v\n%s", err, out)
		}
	})
}

package pipelines_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestTrust_Unverifiable quotes DESIGN.md: unverifiable is "the source
// could not be trusted for this window (snapshot failed, replica lag
// beyond the window) — never reported as a missed push".
func TestTrust_Unverifiable(t *testing.T) {
	w := pipelines.Window{Start: sh(2026, 11, 20, 10, 0), End: sh(2026, 11, 20, 11, 0)}
	good := map[string]time.Time{
		"biz":      sh(2026, 11, 20, 12, 0), // complete to 12:00
		"exchange": sh(2026, 11, 20, 12, 0),
		"fe_t":     sh(2026, 11, 20, 12, 0),
		"lagging":  sh(2026, 11, 20, 10, 30), // a replica behind the window end
	}
	tests := []struct {
		name               string
		compared, evidence []string
		want               bool
	}{
		{"every input trusted", []string{"biz"}, []string{"fe_t", "exchange"}, false},
		{"source snapshot failed", []string{"stats"}, []string{"fe_t", "exchange"}, true},
		{"replica lag beyond the window end", []string{"lagging"}, []string{"fe_t"}, true},
		{"one of two sources lags", []string{"biz", "lagging"}, nil, true},
		{"target front-end not snapshotted", []string{"biz"}, []string{"fe_other", "exchange"}, true},
		{"push log not snapshotted", []string{"biz"}, []string{"fe_t", "exchange2"}, true},
		{"evidence needs a snapshot, not one complete to the window end", nil, []string{"lagging"}, false},
		{"a media copy: no evidence source", []string{"biz"}, nil, false},
		{"nothing needed", nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := pipelines.Trust{Snapshots: good, Compared: tc.compared, Evidence: tc.evidence}
			if got := tr.Unverifiable(w); got != tc.want {
				t.Errorf("Unverifiable = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("complete exactly to the window end", func(t *testing.T) {
		tr := pipelines.Trust{Snapshots: map[string]time.Time{"biz": w.End}, Compared: []string{"biz"}}
		if tr.Unverifiable(w) {
			t.Error("a source complete to the window end holds the window")
		}
	})
}

// TestStaleRuns quotes DESIGN.md: stale is "the resource has had no push
// for longer than its cadence allows"; README: "a run of windows without
// any push spanning at least the cadence's stale limit ... windows before
// a resource's first push ever start no run".
func TestStaleRuns(t *testing.T) {
	now := sh(2026, 11, 21, 6, 0)
	start := sh(2026, 11, 20, 8, 0)
	// one character per 30-minute window from 08:00: P pushed, R a row
	// received without a batch, . nothing, U unverifiable, H before the
	// first push, N not yet due; want marks the stale windows S.
	tests := []struct{ name, windows, want string }{
		{"all pushed", "PPPP", "...."},
		{"1.5 h without a push is not stale", "P...P", "....."},
		{"2 h without a push is stale", "P....P", ".SSSS."},
		{"a received row breaks the run", "..R...", "......"},
		{"an unverifiable window breaks the run", "...U...", "......."},
		{"before the first push no run starts", "HHHHP", "....."},
		{"a window not yet due ends the run", "P...N", "....."},
		{"two runs", "....P....", "SSSS.SSSS"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ws []pipelines.Window
			var fs []pipelines.Facts
			for i, c := range tc.windows {
				w := pipelines.Window{Start: start.Add(time.Duration(i) * 30 * time.Minute)}
				w.End = w.Start.Add(30 * time.Minute)
				f := pipelines.Facts{Deadline: w.End.Add(30 * time.Minute), Now: now, Expected: 1}
				switch c {
				case 'P':
					f.Batches, f.Succeeded = 1, 1
				case 'R':
					f.Received = 1
				case 'U':
					f.Unverifiable = true
				case 'H':
					f.BeforeHistory = true
				case 'N':
					f.Deadline = now.Add(time.Minute)
				}
				ws, fs = append(ws, w), append(fs, f)
			}
			var b strings.Builder
			for _, s := range pipelines.StaleRuns(ws, fs, 2*time.Hour) {
				b.WriteByte(map[bool]byte{true: 'S', false: '.'}[s])
			}
			if got := b.String(); got != tc.want {
				t.Errorf("StaleRuns(%s) = %s, want %s", tc.windows, got, tc.want)
			}
		})
	}
	t.Run("no stale limit", func(t *testing.T) {
		w := pipelines.Window{Start: start, End: start.Add(24 * time.Hour)}
		got := pipelines.StaleRuns([]pipelines.Window{w}, []pipelines.Facts{{Deadline: w.End, Now: now}}, 0)
		if got[0] {
			t.Error("stale without a stale limit")
		}
	})
}

func TestBeforeHistory(t *testing.T) {
	w := pipelines.Window{Start: sh(2026, 11, 20, 10, 0), End: sh(2026, 11, 20, 11, 0)}
	for _, tc := range []struct {
		name  string
		first time.Time
		want  bool
	}{
		{"never pushed", time.Time{}, true},
		{"first push later", sh(2026, 11, 20, 11, 0), true},
		{"first push this window", w.Start, false},
		{"first push earlier", sh(2026, 11, 19, 0, 0), false},
	} {
		if got := pipelines.BeforeHistory(w, tc.first); got != tc.want {
			t.Errorf("%s: BeforeHistory = %v, want %v", tc.name, got, tc.want)
		}
	}
}

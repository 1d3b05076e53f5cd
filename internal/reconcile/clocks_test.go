package reconcile

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var wall = warehouse.Wall

func mustExecArgs(tb testing.TB, db *sql.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// TestReconciler_CheckClocks: hand-made pushes of ten hourly windows, each
// started a minute after its window ended and finished 90 s later, its
// rows stamped 10 s after the start by the front-end's clock. A front-end
// clock 5 minutes off either way is found, with how far at least, and not
// once the offset is configured; one stray late row is not a clock; an
// exchange whose log finishes pushes after the snapshot that read it is
// ahead of the auditor's clock (and a right front-end behind it); rows
// more than clockReach (past the configured offset) from the windows are
// not looked at.
func TestReconciler_CheckClocks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		feOffset  time.Duration // how far the front-end's clock is ahead
		exOffset  time.Duration // how far the exchange's clock is ahead
		configure map[string]time.Duration
		stray     bool
		want      map[string][2]time.Duration // name → offset range
	}{
		{name: "right clocks"},
		{name: "front-end 5 min ahead", feOffset: 5 * time.Minute, want: map[string][2]time.Duration{"t": {3*time.Minute + 40*time.Second, 5 * time.Minute}}},
		{name: "front-end 5 min behind", feOffset: -5 * time.Minute, want: map[string][2]time.Duration{"t": {-5 * time.Minute, -4*time.Minute - 50*time.Second}}},
		{name: "front-end 5 min ahead, configured", feOffset: 5 * time.Minute, configure: map[string]time.Duration{"t": 5 * time.Minute}},
		{name: "one row of ten batches an hour late", stray: true},
		// Rows are looked at within clockReach of the windows, so that
		// the scan of a front-end table holding years reads a few days:
		// a clock days off is found, one more than a week off is not.
		{name: "front-end 6 days behind", feOffset: -6 * 24 * time.Hour, want: map[string][2]time.Duration{"t": {-6 * 24 * time.Hour, -6*24*time.Hour + 20*time.Second}}},
		{name: "front-end 8 days behind, beyond the reach", feOffset: -8 * 24 * time.Hour},
		{name: "front-end 8 days behind, configured", feOffset: -8 * 24 * time.Hour, configure: map[string]time.Duration{"t": -8 * 24 * time.Hour}},
		// The front-end's clock is compared with the exchange's: a right
		// one is behind an exchange ahead. The auditor's snapshot of 11:20
		// sees 12.5 of the 90 minutes: pushes logged as finished up to
		// 11:32:30.
		{name: "exchange 90 min ahead", exOffset: 90 * time.Minute, want: map[string][2]time.Duration{
			"exchange": {12 * time.Minute, 13 * time.Minute}, "t": {-90 * time.Minute, -89 * time.Minute}}},
		{name: "exchange 90 min ahead, configured", exOffset: 90 * time.Minute, configure: map[string]time.Duration{"exchange": 90 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpenWarehouse(t, append(exchangeDDL(), "CREATE TABLE fe_t.r (id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)")...)
			// The auditor snapshots at 11:20 (its own clock); the last push,
			// of 09:00-10:00, started at 10:01 true time.
			mustSnapshotted(t, db, "2026-11-20 11:20:00", "biz", "exchange", "fe_t")
			for h := range 10 {
				start := sh(2026, 11, 20, h+1, 1)
				batch := fmt.Sprintf("b%d", h)
				st, fin := start.Add(tc.exOffset), start.Add(90*time.Second+tc.exOffset)
				mustExecArgs(t, db, `INSERT INTO exchange.push_log VALUES (?, 't', 'r', ?, ?, ?, 2, 'success', NULL, ?, ?)`,
					h, wall(sh(2026, 11, 20, h, 0)), wall(sh(2026, 11, 20, h+1, 0)), batch, wall(st), wall(fin))
				for k := range 2 {
					arrived := start.Add(10*time.Second + tc.feOffset)
					if tc.stray && h == 3 && k == 1 {
						arrived = arrived.Add(time.Hour)
					}
					mustExecArgs(t, db, `INSERT INTO fe_t.r VALUES (?, ?, ?)`, 10*h+k, batch, wall(arrived))
				}
			}
			o := Options{From: sh(2026, 11, 20, 0, 0), To: sh(2026, 11, 20, 0, 0), Now: sh(2026, 11, 20, 11, 20), RunID: "run",
				Evidence: pipelines.SiteEvidence{ClockOffsets: tc.configure}}
			if off, ok := tc.configure["exchange"]; ok {
				o.Evidence.PushLog = pipelines.PlainPushLog(pipelines.DefaultPushLog)
				o.Evidence.PushLog.ClockOffset = off
			}
			r := New(db, caseIDsCatalog("r", pipelines.Hourly))
			lo, hi := o.dayBounds()
			got, err := r.CheckClocks(ctx, db, o, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("drifts %v, want %v", got, tc.want)
			}
			for _, d := range got {
				w, ok := tc.want[d.Name]
				if !ok || d.Offset < w[0] || d.Offset > w[1] {
					t.Errorf("%s, want %s in %v", d, d.Name, w)
				}
				if d.Name == "t" && (d.Of != 10 || d.Out != 10) {
					t.Errorf("%s: %d of %d batches, want 10 of 10", d.Name, d.Out, d.Of)
				}
			}

			// Run says so in its log, and judges as before.
			var log bytes.Buffer
			o.Logger = slog.New(slog.NewTextHandler(&log, nil))
			if _, err := r.Run(ctx, o); err != nil {
				t.Fatal(err)
			}
			for name := range tc.want {
				if !strings.Contains(log.String(), "set evidence.clock_offsets."+name) {
					t.Errorf("Run's log does not name the clock of %s:\n%s", name, log.String())
				}
			}
			if len(tc.want) == 0 && strings.Contains(log.String(), "clock") {
				t.Errorf("Run's log speaks of a clock:\n%s", log.String())
			}
		})
	}
}

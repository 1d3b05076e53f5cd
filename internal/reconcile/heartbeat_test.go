package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestReconciler_Run_Heartbeat: an exchange that logs no empty push, an
// hourly resource with cases at 01:10 and from 10:10 to 20:10, so the
// night's windows are quiet. Its heartbeat, every 5 minutes, stops from
// 02:00 to 09:00. The night's quiet windows whose push was due while it
// was silent are a stale run; with the heartbeat beating all night, or
// no heartbeat configured, a quiet night is no fault; past what the
// heartbeat's snapshot holds, silence says nothing.
func TestReconciler_Run_Heartbeat(t *testing.T) {
	ctx := context.Background()
	hb := &pipelines.HeartbeatSpec{Table: "exchange.heartbeat", Every: 5 * time.Minute}
	gapFrom, gapTo := sh(2026, 11, 20, 2, 0), sh(2026, 11, 20, 9, 0)
	for _, tc := range []struct {
		name       string
		heartbeat  *pipelines.HeartbeatSpec
		gap        bool
		heldTo     string // the heartbeat's snapshot
		wantSilent bool
	}{
		{"no heartbeat configured", nil, true, "2026-11-21 01:00:00", false},
		{"beating all night", hb, false, "2026-11-21 01:00:00", false},
		{"silent from 02:00 to 09:00", hb, true, "2026-11-21 01:00:00", true},
		{"silent, but its snapshot ends at 02:30", hb, true, "2026-11-20 02:30:00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpenWarehouse(t, append(exchangeDDL(),
				"CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
				"CREATE TABLE exchange.heartbeat (beat_at TIMESTAMP)")...)
			mustSnapshotted(t, db, "2026-11-21 01:00:00", "biz", "fe_t")
			mustExec(t, db, `INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
				VALUES ('snap-1', 'exchange', 'all', 'full', 1, TIMESTAMP '`+tc.heldTo+`', 'ok', TIMESTAMP '`+tc.heldTo+`')`)
			hours := []int{1}
			for h := 10; h <= 20; h++ {
				hours = append(hours, h)
			}
			for i, h := range hours {
				ws := sh(2026, 11, 20, h, 0)
				mustExecArgs(t, db, `INSERT INTO biz.cases VALUES (?, ?)`, i, wall(ws.Add(10*time.Minute)))
				mustExecArgs(t, db, `INSERT INTO exchange.push_log VALUES (?, 't', 'r', ?, ?, ?, 1, 'success', NULL, ?, ?)`,
					i, wall(ws), wall(ws.Add(time.Hour)), fmt.Sprint("b", i), wall(ws.Add(62*time.Minute)), wall(ws.Add(63*time.Minute)))
				mustExecArgs(t, db, `INSERT INTO fe_t.r VALUES (?, ?, ?, ?)`, i, i, fmt.Sprint("b", i), wall(ws.Add(62*time.Minute)))
			}
			for at := sh(2026, 11, 20, 0, 0); at.Before(sh(2026, 11, 21, 1, 0)); at = at.Add(5 * time.Minute) {
				if tc.gap && at.After(gapFrom) && at.Before(gapTo) {
					continue
				}
				mustExecArgs(t, db, `INSERT INTO exchange.heartbeat VALUES (?)`, wall(at))
			}
			day := sh(2026, 11, 20, 0, 0)
			o := Options{From: day, To: day, Now: sh(2026, 11, 21, 1, 0), RunID: "run",
				Evidence: pipelines.SiteEvidence{EmptyPushes: pipelines.EmptyPushesNotLogged, Heartbeat: tc.heartbeat}}
			rs, err := New(db, caseIDsCatalog("r", pipelines.Hourly)).Run(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			stale := 0
			for _, x := range rs {
				hm := x.Window.Start.In(pipelines.Shanghai).Format("15:04")
				h := x.Window.Start.In(pipelines.Shanghai).Hour()
				quiet := h != 1 && (h < 10 || h > 20)
				silent := quiet && x.Deadline.After(gapFrom.Add(hb.Silence())) && x.Deadline.Before(gapTo)
				switch {
				case hm == "00:00" && x.Status == pipelines.StatusUnverifiable: // before the log's first window
				case x.Status == pipelines.StatusStale:
					stale++
					if !tc.wantSilent || !silent {
						t.Errorf("%s (due %s): stale (%s)", hm, x.Deadline.Format("15:04"), x.Detail)
					}
					if !strings.Contains(x.Detail, "心跳中断") {
						t.Errorf("%s: detail %q does not say the heartbeat stopped", hm, x.Detail)
					}
				case x.Status != pipelines.StatusOK:
					t.Errorf("%s: %s (%s), want ok or stale", hm, x.Status, x.Detail)
				case tc.wantSilent && silent:
					t.Errorf("%s (due %s): ok, want stale: the heartbeat was silent", hm, x.Deadline.Format("15:04"))
				}
			}
			if tc.wantSilent && stale < 4 {
				t.Errorf("%d stale windows, want the night's", stale)
			}
		})
	}
}

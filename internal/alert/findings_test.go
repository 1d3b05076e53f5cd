package alert_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestLoadFindings(t *testing.T) {
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Timestamps are Asia/Shanghai wall clock, as the ledger writes them.
	_, err = w.DB().ExecContext(ctx, `
INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level,
  first_seen, last_seen, first_run_id, last_run_id, respond_by, resolve_by, responded_at, resolved_at, expected, received)
VALUES
 ('open2', 'city_gov', 'case_record', '2026-11-21 10:00:00', '2026-11-21 10:10:00', 'missed', 2,
  '2026-11-21 10:21:00', '2026-11-21 10:31:00', 'r1', 'r2', '2026-11-21 10:31:00', '2026-11-21 13:21:00', '2026-11-21 10:25:00', NULL, 120, 0),
 ('fixed', 'city_gov', 'case_record', '2026-11-21 09:00:00', '2026-11-21 09:10:00', 'short', 3,
  '2026-11-21 09:21:00', '2026-11-21 09:31:00', 'r1', 'r2', '2026-11-21 09:41:00', '2026-11-21 13:21:00', NULL, '2026-11-21 11:00:00', NULL, NULL),
 ('old', 'city_gov', 'case_record', '2026-11-19 09:00:00', '2026-11-19 09:10:00', 'short', 3,
  '2026-11-19 09:21:00', '2026-11-19 09:31:00', 'r1', 'r2', NULL, NULL, NULL, '2026-11-19 11:00:00', NULL, NULL),
 ('nolevel', 'city_gov', 'case_record', '2026-11-21 09:00:00', '2026-11-21 09:10:00', 'late', NULL,
  '2026-11-21 09:21:00', '2026-11-21 09:31:00', 'r1', 'r2', NULL, NULL, NULL, NULL, NULL, NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := alert.LoadFindings(ctx, w.DB(), t0.Add(-time.Hour), cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].ID != "fixed" || fs[1].ID != "open2" {
		t.Fatalf("findings = %+v, want fixed and open2", fs)
	}
	f := fs[1]
	if !f.FirstSeen.Equal(t0) || !f.WindowStart.Equal(t0.Add(-21*time.Minute)) || !f.RespondBy.Equal(t0.Add(10*time.Minute)) ||
		!f.ResolveBy.Equal(t0.Add(3*time.Hour)) || !f.RespondedAt.Equal(t0.Add(4*time.Minute)) || !f.Open() {
		t.Errorf("times of open2 = %+v (read as Asia/Shanghai wall clock?)", f)
	}
	if f.Level != 2 || f.Status != pipelines.StatusMissed || f.Expected == nil || *f.Expected != 120 || f.Received == nil || *f.Received != 0 {
		t.Errorf("open2 = %+v", f)
	}
	if f.TargetName != "市网络理政中心" || f.ResourceName == "" {
		t.Errorf("names = %q, %q", f.TargetName, f.ResourceName)
	}
	if fs[0].Open() || !fs[0].ResolvedAt.Equal(t0.Add(39*time.Minute)) || fs[0].Expected != nil {
		t.Errorf("fixed = %+v", fs[0])
	}
}

package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// outage returns findings of n windows of step from the window at from, of
// each resource of target, as a reconciliation records them.
func outage(target string, resources []string, st pipelines.Status, level int, from time.Time, step time.Duration, count int) []ledger.Finding {
	var out []ledger.Finding
	for _, r := range resources {
		for i := 0; i < count; i++ {
			s := from.Add(time.Duration(i) * step)
			out = append(out, ledger.Finding{ID: fmt.Sprintf("%s-%s-%s", target, r, s.Format("0215:04")), Target: target, Resource: r,
				WindowStart: s, WindowEnd: s.Add(step), Status: st, FaultLevel: level, Expected: n(5), Received: n(0), Missing: 5})
		}
	}
	return out
}

// TestIncidents_Group: the ledger groups incrementally: the findings of a
// target down recorded run after run are one incident; a finding seen
// later joins it; acknowledging it acknowledges its findings; it resolves
// when all its findings do.
func TestIncidents_Group(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(20, 12, 0))
	db := wh.DB()
	fs, is := ledger.NewFindings(db), ledger.NewIncidents(db)
	res := []string{"a", "b", "c"}
	rules := pipelines.DefaultIncidentRules()

	// Run 1 at 10:40: three resources, windows 10:00..10:30, stale.
	run1 := outage("pengzhou", res, pipelines.StatusStale, 2, sh(20, 10, 0), 10*time.Minute, 3)
	if err := fs.Record(ctx, "r1", sh(20, 10, 40), run1); err != nil {
		t.Fatal(err)
	}
	// An unverifiable finding of another target forms no incident.
	unv := []ledger.Finding{{ID: "u1", Target: "city_gov", Resource: "x", WindowStart: sh(20, 10, 0), WindowEnd: sh(20, 10, 10), Status: pipelines.StatusUnverifiable, FaultLevel: 4}}
	if err := fs.Record(ctx, "r1", sh(20, 10, 40), unv); err != nil {
		t.Fatal(err)
	}
	if n, err := is.Group(ctx, "r1", rules); err != nil || n != 1 {
		t.Fatalf("Group after run 1: %d incidents, %v; want 1", n, err)
	}
	list, err := is.List(ctx, time.Time{}, time.Time{}, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("List: %d, %v; want 1 incident", len(list), err)
	}
	in := list[0]
	if in.Level != 1 || !in.WholeTarget || in.Windows != 9 || fmt.Sprint(in.Resources) != "[a b c]" || in.Missing != 45 {
		t.Errorf("incident %+v; want 一级, whole target, 9 windows of a b c, 45 rows missing", in)
	}
	if !in.DetectedAt.Equal(sh(20, 10, 40)) || !in.RespondBy.Equal(sh(20, 10, 45)) || !in.ResolveBy.Equal(sh(20, 12, 40)) {
		t.Errorf("detected %v respond by %v resolve by %v; want 10:40, 10:45, 12:40", in.DetectedAt, in.RespondBy, in.ResolveBy)
	}

	// Run 2 at 10:50 sees the next window: it joins the open incident.
	run2 := outage("pengzhou", res, pipelines.StatusStale, 2, sh(20, 10, 30), 10*time.Minute, 1)
	if err := fs.Record(ctx, "r2", sh(20, 10, 50), run2); err != nil {
		t.Fatal(err)
	}
	if _, err := is.Group(ctx, "r2", rules); err != nil {
		t.Fatal(err)
	}
	list, _ = is.List(ctx, time.Time{}, time.Time{}, false)
	if len(list) != 1 || list[0].ID != in.ID || list[0].Windows != 12 || !list[0].DetectedAt.Equal(in.DetectedAt) {
		t.Fatalf("after run 2: %+v; want %s with 12 windows, detected as before", list, in.ID)
	}
	var linked int
	if err := db.QueryRow(`SELECT count(*) FROM audit.findings WHERE incident_id = ?`, in.ID).Scan(&linked); err != nil || linked != 12 {
		t.Errorf("findings linked to %s: %d, %v; want 12", in.ID, linked, err)
	}

	// ack --incident: the incident and every finding of it.
	got, already, err := is.Ack(ctx, in.ID, sh(20, 10, 55), "zhang", "front-end DB down", "")
	if err != nil || already || !got.RespondedAt.Equal(sh(20, 10, 55)) || got.RespondedBy != "zhang" || got.Note != "front-end DB down" {
		t.Fatalf("Ack: %+v already %v, %v", got, already, err)
	}
	var acked int
	if err := db.QueryRow(`SELECT count(*) FROM audit.findings WHERE incident_id = ? AND responded_at IS NOT NULL`, in.ID).Scan(&acked); err != nil || acked != 12 {
		t.Errorf("findings acknowledged: %d, %v; want 12", acked, err)
	}
	if _, _, err := is.Ack(ctx, "INC-nope", sh(20, 11, 0), "", "", ""); !errors.As(err, new(*ledger.NoIncidentError)) {
		t.Errorf("Ack of an unknown id: %v, want NoIncidentError", err)
	}

	// Resolution: a run judging every window again and finding them fine.
	var judged []ledger.WindowRef
	for _, f := range append(run1, run2...) {
		judged = append(judged, ledger.WindowRef{Target: f.Target, Resource: f.Resource, WindowStart: f.WindowStart})
	}
	if _, err := fs.Resolve(ctx, "r3", sh(20, 12, 30), judged[:6], map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if _, err := is.Group(ctx, "r3", rules); err != nil {
		t.Fatal(err)
	}
	if got, _ := is.Get(ctx, in.ID); !got.Open() {
		t.Errorf("half the findings resolved: incident resolved at %v", got.ResolvedAt)
	}
	if _, err := fs.Resolve(ctx, "r4", sh(20, 13, 0), judged, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if _, err := is.Group(ctx, "r4", rules); err != nil {
		t.Fatal(err)
	}
	got, _ = is.Get(ctx, in.ID)
	if got.Open() || !got.ResolvedAt.Equal(sh(20, 13, 0)) || got.RespondedBy != "zhang" {
		t.Errorf("all resolved: resolved %v by %q; want 13:00, response kept", got.ResolvedAt, got.RespondedBy)
	}
	if open, _ := is.List(ctx, time.Time{}, time.Time{}, true); len(open) != 0 {
		t.Errorf("open incidents: %d, want 0", len(open))
	}
	// The summary report.
	got, already, err = is.Ack(ctx, in.ID, sh(22, 9, 0), "", "", "reports/INC.docx")
	if err != nil || !already || got.ReportPath != "reports/INC.docx" || !got.ReportedAt.Equal(sh(22, 9, 0)) {
		t.Errorf("report: %+v already %v, %v", got, already, err)
	}

	// A new outage later the same day is a new incident; the resolved one
	// is left as it was.
	later := outage("pengzhou", []string{"a"}, pipelines.StatusMissed, 3, sh(20, 15, 0), 10*time.Minute, 2)
	if err := fs.Record(ctx, "r5", sh(20, 15, 30), later); err != nil {
		t.Fatal(err)
	}
	if _, err := is.Group(ctx, "r5", rules); err != nil {
		t.Fatal(err)
	}
	list, _ = is.List(ctx, sh(20, 14, 0), sh(21, 0, 0), false)
	if len(list) != 1 || list[0].ID == in.ID || list[0].Level != 3 || list[0].Windows != 2 {
		t.Errorf("later outage: %+v; want one new 三级 incident of 2 windows", list)
	}
	if all, _ := is.List(ctx, time.Time{}, time.Time{}, false); len(all) != 2 {
		t.Errorf("incidents: %d, want 2", len(all))
	}
}

package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestLoadHome(t *testing.T) {
	f := newFixture(t)
	var p HomePage
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = loadHome(context.Background(), wh.DB(), f.cfg, f.cat, Status{ReplicaLag: map[string]float64{"biz": 1.5}}, f.now, f.base("zh"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Day != "2026-11-20" {
		t.Errorf("day %q, want 2026-11-20", p.Day)
	}
	if len(p.Targets) != len(f.cat.Targets) {
		t.Fatalf("%d targets, want the catalog's %d", len(p.Targets), len(f.cat.Targets))
	}
	got := p.Targets[0]
	if got.Key != f.target.Key || got.Name != f.target.NameZH || got.Light != pipelines.RAGRed || got.LightText != "红" {
		t.Errorf("first target %+v, want %s %s red", got, f.target.Key, f.target.NameZH)
	}
	// the late finding has no fault level: only the missed one (二级) counts.
	if got.Open != [5]int{0, 0, 1, 0, 0} || got.ByLevel[1].Label != "二级" || got.ByLevel[1].N != 1 {
		t.Errorf("open findings %v %+v, want one of 二级", got.Open, got.ByLevel)
	}
	if len(p.Targets) > 1 && p.Targets[1].Light != pipelines.RAGNone {
		t.Errorf("target %s without results: light %v, want none", p.Targets[1].Key, p.Targets[1].Light)
	}
	if len(p.Lags) != 1 || p.Lags[0].Seconds != 1.5 {
		t.Errorf("lags %+v", p.Lags)
	}
	if len(p.Workbooks) != 1 || !strings.HasSuffix(p.Workbooks[0].Name, "2026-11-20.xlsx") {
		t.Errorf("workbooks %+v", p.Workbooks)
	}
}

func TestLoadHome_YesterdayWhenTodayHasNone(t *testing.T) {
	f := newFixture(t)
	f.now = f.now.AddDate(0, 0, 1)
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		p, err := loadHome(context.Background(), wh.DB(), f.cfg, f.cat, Status{}, f.now, f.base("en"))
		if err == nil && (p.Day != "2026-11-20" || p.Targets[0].LightText != "red" || p.Targets[0].ByLevel[1].Label != "level 2") {
			t.Errorf("next day: day %q, first target %+v; want yesterday's red, English labels", p.Day, p.Targets[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLoadTarget(t *testing.T) {
	f := newFixture(t)
	var p TargetPage
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = loadTarget(context.Background(), wh.DB(), f.cat, f.target.Key, f.now, f.base("zh"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Run != "run-1" || len(p.Columns) != 3 || len(p.Rows) != 2 {
		t.Fatalf("run %q, %d columns, %d rows; want run-1, 3 windows × 2 resources", p.Run, len(p.Columns), len(p.Rows))
	}
	cells := map[string]Cell{}
	for _, r := range p.Rows {
		for i, c := range r.Cells {
			cells[r.Key+" "+p.Columns[i].Format("15:04")] = c
		}
	}
	miss := cells[f.res[0].Key+" 09:00"]
	if miss.Text != pipelines.StatusMissed.ZH() || miss.FindingID != f.missedID || miss.Light != "red" || miss.Level != "二级" {
		t.Errorf("missed cell %+v", miss)
	}
	if late := cells[f.res[1].Key+" 10:00"]; late.FindingID != f.lateID || late.Light != "amber" {
		t.Errorf("late cell %+v", late)
	}
	if ok := cells[f.res[0].Key+" 08:00"]; ok.Status != pipelines.StatusOK || ok.FindingID != "" || ok.Light != "green" {
		t.Errorf("ok cell %+v", ok)
	}
	err = f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		_, err := loadTarget(context.Background(), wh.DB(), f.cat, "nosuch", f.now, f.base("zh"))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown target: %v", err)
	}
}

func TestLoadFinding(t *testing.T) {
	f := newFixture(t)
	var p FindingPage
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = loadFinding(context.Background(), wh, f.cfg, f.cat, f.missedID, f.now, nil, f.base("zh"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.F.ID != f.missedID || p.StatusText != pipelines.StatusMissed.ZH() || p.LevelText != "二级" || p.TargetName != f.target.NameZH {
		t.Errorf("finding page %+v", p)
	}
	if len(p.History) == 0 || p.History[0].RunID != "run-1" {
		t.Errorf("history %+v, want run-1's verdict", p.History)
	}
	if p.Explain == nil {
		t.Fatalf("not explained: %s", p.ExplainError)
	}
	if len(p.Explain.Batches) != 2 || p.Explain.Batches[0].BatchID != "batch-0800" {
		t.Errorf("batches %+v, want the two neighbours'", p.Explain.Batches)
	}
	err = f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		_, err := loadFinding(context.Background(), wh, f.cfg, f.cat, "nosuch", f.now, nil, f.base("zh"))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown finding: %v", err)
	}
}

// TestLoadFinding_ExplainFails: a window explain cannot recompute (here,
// no push log) is shown with the error, and its history still.
func TestLoadFinding_ExplainFails(t *testing.T) {
	f := newFixture(t)
	var p FindingPage
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		if _, err := wh.DB().ExecContext(context.Background(), `DROP TABLE exchange.push_log`); err != nil {
			return err
		}
		var err error
		p, err = loadFinding(context.Background(), wh, f.cfg, f.cat, f.missedID, f.now, nil, f.base("en"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Explain != nil || !strings.Contains(p.ExplainError, "push_log") || len(p.History) != 1 || p.History[0].Text != "missed" {
		t.Errorf("explain %v, error %q, history %+v; want the error and run-1's verdict", p.Explain != nil, p.ExplainError, p.History)
	}
}

// TestLoad_SourceAnomaly: where the anomaly check ran, its pseudo-target
// gets a row of its own on the home page, after the catalog's targets,
// with its open finding's level, and a grid page.
func TestLoad_SourceAnomaly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := "cases_by_district:510105"
	err := f.hold(ctx, func(wh *warehouse.Warehouse) error {
		day := ledger.Result{Target: pipelines.SourceTarget, Resource: key, WindowStart: sh(0, 0), WindowEnd: sh(0, 0).AddDate(0, 0, 1),
			Deadline: sh(0, 0).AddDate(0, 0, 1), Status: pipelines.StatusAnomaly, Expected: n(120), Received: n(0), FaultLevel: 3, Detail: "0 条，较前 6 周同期中位数 120 下降 100%"}
		if err := ledger.NewResults(wh.DB()).Save(ctx, "run-1", []ledger.Result{day}); err != nil {
			return err
		}
		return ledger.NewFindings(wh.DB()).Record(ctx, "run-1", sh(11, 40), []ledger.Finding{{ID: "f-anomaly", Target: pipelines.SourceTarget, Resource: key,
			WindowStart: day.WindowStart, WindowEnd: day.WindowEnd, Status: pipelines.StatusAnomaly, FaultLevel: 3, RespondBy: sh(14, 0), ResolveBy: sh(20, 0), Detail: day.Detail}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var home HomePage
	var grid TargetPage
	err = f.hold(ctx, func(wh *warehouse.Warehouse) error {
		var err error
		if home, err = loadHome(ctx, wh.DB(), f.cfg, f.cat, Status{}, f.now, f.base("zh")); err != nil {
			return err
		}
		grid, err = loadTarget(ctx, wh.DB(), f.cat, pipelines.SourceTarget, f.now, f.base("zh"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(home.Targets) != len(f.cat.Targets)+1 {
		t.Fatalf("%d targets, want the catalog's %d and the sources", len(home.Targets), len(f.cat.Targets))
	}
	src := home.Targets[len(home.Targets)-1]
	if src.Key != pipelines.SourceTarget || src.Name != "数据源（总量异常）" || src.Light != pipelines.RAGRed || src.Open != [5]int{0, 0, 0, 1, 0} {
		t.Errorf("the sources' row %+v, want red with one open finding of 三级", src)
	}
	if grid.Name != "数据源（总量异常）" || len(grid.Rows) != 1 || grid.Rows[0].Key != key || grid.Rows[0].Cells[0].Text != pipelines.StatusAnomaly.ZH() || grid.Rows[0].Cells[0].FindingID != "f-anomaly" {
		t.Errorf("the sources' grid %+v", grid)
	}
}

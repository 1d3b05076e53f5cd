package web

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// fixture is a warehouse with one run's results for a day of one target's
// two resources, and two findings: a missed window (level 二级) and a late
// one.
type fixture struct {
	cfg      *config.Config
	cat      *pipelines.Catalog
	now      time.Time
	target   *pipelines.Target
	res      []*pipelines.Resource
	missedID string
	lateID   string
	hold     Warehouse
}

func sh(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, pipelines.Shanghai) }

func n(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := config.Default()
	c.Warehouse = filepath.Join(dir, "w.duckdb")
	c.OutputDir = filepath.Join(dir, "out")
	if err := os.MkdirAll(c.OutputDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.OutputDir, "推送稽核日报_2026-11-20.xlsx"), []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fixture{cfg: c, cat: cat, now: sh(12, 0), target: &cat.Targets[0]}
	for _, r := range cat.ResourcesOf(f.target.Key) {
		if r.Cadence == pipelines.Hourly && len(f.res) < 2 {
			f.res = append(f.res, r)
		}
	}
	if len(f.res) < 2 {
		t.Fatalf("the catalog has no two hourly resources of %s", f.target.Key)
	}
	f.missedID, f.lateID = "f-missed-0900", "f-late-1000"
	ctx := context.Background()
	wh, err := warehouse.OpenWith(ctx, c.Warehouse, warehouse.Options{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	var rs []ledger.Result
	for _, r := range f.res {
		for h := 8; h < 11; h++ {
			x := ledger.Result{Target: f.target.Key, Resource: r.Key, WindowStart: sh(h, 0), WindowEnd: sh(h+1, 0),
				Deadline: sh(h+1, 30), Status: pipelines.StatusOK, Expected: n(5), Claimed: n(5), Received: n(5)}
			if r == f.res[0] && h == 9 {
				x.Status, x.Received, x.MissingKeys, x.FaultLevel, x.Detail = pipelines.StatusMissed, n(0), 5, 2, "nothing received"
			}
			if r == f.res[1] && h == 10 {
				x.Status, x.Detail = pipelines.StatusLate, "arrived after the deadline"
			}
			rs = append(rs, x)
		}
	}
	if err := ledger.NewResults(wh.DB()).Save(ctx, "run-1", rs); err != nil {
		t.Fatal(err)
	}
	fs := []ledger.Finding{
		{ID: f.missedID, Target: f.target.Key, Resource: f.res[0].Key, WindowStart: sh(9, 0), WindowEnd: sh(10, 0),
			Status: pipelines.StatusMissed, FaultLevel: 2, RespondBy: sh(14, 0), ResolveBy: sh(20, 0), Expected: n(5), Received: n(0), Detail: "nothing received"},
		{ID: f.lateID, Target: f.target.Key, Resource: f.res[1].Key, WindowStart: sh(10, 0), WindowEnd: sh(11, 0),
			Status: pipelines.StatusLate, Detail: "arrived after the deadline"},
	}
	if err := ledger.NewFindings(wh.DB()).Record(ctx, "run-1", sh(11, 40), fs); err != nil {
		t.Fatal(err)
	}
	// the push log as the evidence snapshot loads it: two batches of the
	// missed window's neighbours, none of the window itself.
	for _, q := range []string{`CREATE SCHEMA exchange`,
		`CREATE TABLE exchange.push_log (target VARCHAR, resource VARCHAR, window_start TIMESTAMP, batch_id VARCHAR,
  status VARCHAR, rows_sent BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP, error VARCHAR)`} {
		if _, err := wh.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []int{8, 10} {
		if _, err := wh.DB().ExecContext(ctx, `INSERT INTO exchange.push_log VALUES (?, ?, ?, ?, 'success', 5, ?, ?, NULL)`,
			f.target.Key, f.res[0].Key, warehouse.Timestamp(sh(h, 0)), "batch-"+sh(h, 0).Format("1504"),
			warehouse.Timestamp(sh(h+1, 5)), warehouse.Timestamp(sh(h+1, 6))); err != nil {
			t.Fatal(err)
		}
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	f.hold = func(ctx context.Context, fn func(*warehouse.Warehouse) error) error {
		wh, err := warehouse.OpenWith(ctx, c.Warehouse, warehouse.Options{Now: func() time.Time { return f.now }})
		if err != nil {
			return err
		}
		defer wh.Close()
		return fn(wh)
	}
	return f
}

// server is the pages of f served on listen with the token file tokens
// ("" for none).
func (f *fixture) server(t *testing.T, listen, tokens string) *Server {
	t.Helper()
	c := *f.cfg
	if tokens != "" {
		p := filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(p, []byte(tokens), 0o600); err != nil {
			t.Fatal(err)
		}
		c.Serve.TokenFile = p
	}
	s, err := New(Options{Warehouse: f.hold, Config: func() *config.Config { return &c }, Now: func() time.Time { return f.now },
		Listen: listen, Status: func() Status {
			return Status{Last: []Run{{Job: "reconcile:hourly", Started: sh(11, 32), Finished: sh(11, 32).Add(1500 * time.Millisecond), OK: true}},
				Next: []Next{{Job: "snapshot:biz", At: sh(12, 10)}}, ReplicaLag: map[string]float64{"biz": 2.5}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) mux(t *testing.T, listen, tokens string) *http.ServeMux {
	mux := http.NewServeMux()
	f.server(t, listen, tokens).Mount(mux)
	return mux
}

func (f *fixture) base(lang string) Base {
	r, _ := http.NewRequest("GET", "/?lang="+lang, nil)
	return (&Server{o: Options{Now: func() time.Time { return f.now }}}).base(r, "")
}

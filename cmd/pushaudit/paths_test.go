package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestReconcile_OneQueryPathsEqualPerWindow: the paths that reconcile all
// windows of a resource in one query (windows bucketed by a time column;
// states at each window's end joined with the windows) give every window
// of every resource the same verdict, facts and keys as reconciling each
// window alone, the reference path explain shows. Three simulated days
// with the simulator's faults, reconciled over the last two days, so the
// daily resources (month to date, the last six months, …) have two
// windows and go through the joined path too. Both forms of the key diff
// (lean, bucketed) give the same on both paths.
func TestReconcile_OneQueryPathsEqualPerWindow(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "23", "--start", "2026-11-19", "--days", "3",
		"--cases-per-day", "700", "--faults", "16", "--write-config", cfg)
	MustRunMain(t, exitOK, "--config", cfg, "snapshot")
	c, cat := mustConfigCatalog(t, cfg)
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	from := time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai)
	to := from.AddDate(0, 0, 1)
	run := func(perWindow, bucketed bool) (map[string]*reconcile.Result, map[string][]string) {
		o := reconcile.OptionsOf(c, clock(c), nil)
		o.From, o.To, o.PerWindow = from, to, perWindow
		if bucketed {
			o.BucketedDiffFrom = 1 // every key diff in the form for big windows
		}
		o.RunID = fmt.Sprintf("paths-%v-%v", perWindow, bucketed)
		rs, err := reconcile.New(wh.DB(), cat).Run(ctx, o)
		if err != nil {
			t.Fatalf("reconcile (per window %v): %v", perWindow, err)
		}
		out := map[string]*reconcile.Result{}
		for _, x := range rs {
			out[x.Target+"/"+x.Resource+"/"+x.Window.Start.Format("2006-01-02T15:04")] = x
		}
		keys := map[string][]string{}
		rows, err := wh.DB().QueryContext(ctx, `SELECT target, resource, window_start, kind, key, occurrences FROM audit.result_keys WHERE run_id = ?`, o.RunID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var target, resource, kind, key string
			var ws time.Time
			var occ int64
			if err := rows.Scan(&target, &resource, &ws, &kind, &key, &occ); err != nil {
				t.Fatal(err)
			}
			k := target + "/" + resource + "/" + warehouse.FromWall(ws).In(pipelines.Shanghai).Format("2006-01-02T15:04")
			keys[k] = append(keys[k], fmt.Sprintf("%s %s ×%d", kind, key, occ))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, v := range keys {
			sort.Strings(v)
		}
		return out, keys
	}
	one, oneKeys := run(true, false)
	findings, keyed := 0, 0
	for _, y := range one {
		if y.Status.Finding() {
			findings++
		}
	}
	for _, v := range oneKeys {
		if len(v) > 0 {
			keyed++
		}
	}
	for _, path := range []struct {
		name                string
		perWindow, bucketed bool
	}{{"one query", false, false}, {"one query, bucketed diff", false, true}, {"per window, bucketed diff", true, true}} {
		set, setKeys := run(path.perWindow, path.bucketed)
		if len(set) != len(one) {
			t.Fatalf("%d results %s, %d per window", len(set), path.name, len(one))
		}
		for k, x := range set {
			y := one[k]
			if y == nil {
				t.Errorf("%s: no result per window", k)
				continue
			}
			if x.Status != y.Status || x.Facts != y.Facts || x.FaultLevel != y.FaultLevel {
				t.Errorf("%s: %s %+v (level %d) %s, %s %+v (level %d) per window", k, x.Status, x.Facts, x.FaultLevel, path.name, y.Status, y.Facts, y.FaultLevel)
			}
			if a, b := strings.Join(setKeys[k], "; "), strings.Join(oneKeys[k], "; "); a != b {
				t.Errorf("%s: keys %q %s, %q per window", k, a, path.name, b)
			}
		}
	}
	t.Logf("%d windows, %d findings, %d with keys: the same on every path and in both forms of the key diff", len(one), findings, keyed)
	if findings == 0 || keyed == 0 {
		t.Errorf("the faults made no finding with keys: nothing compared")
	}
}

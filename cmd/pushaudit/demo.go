package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

// runDemo does the whole job on an embedded MySQL server: simulate a few
// days of the city with faults, snapshot, reconcile, write the workbooks,
// and hold the findings against the fault manifest.
func (m *Main) runDemo(ctx context.Context, g *globals, args []string) error {
	f, out, serveSpeed, err := m.parseDemoFlags(args)
	if err != nil {
		return err
	}
	start, err := parseDay("start", f.start)
	if err != nil {
		return err
	}
	if f.dsn != "" {
		if err := checkDSN("demo", "--mysql", f.dsn); err != nil {
			return err
		}
	}
	t0 := time.Now()
	embedded := f.dsn == ""
	if embedded {
		if err := m.startEmbeddedDemoDB(ctx, &f); err != nil {
			return err
		}
	}
	if err := resetDemoOutput(f); err != nil {
		return err
	}
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		return err
	}
	res, err := m.simulate(ctx, f, start, cat)
	if err != nil {
		return err
	}
	if serveSpeed > 0 {
		return m.demoServe(ctx, f, start.AddDate(0, 0, f.days-1), serveSpeed)
	}
	c, wh, err := m.demoSnapshot(ctx, f, args)
	if err != nil {
		return err
	}
	last := res.AsOf.In(pipelines.Shanghai)
	rs, err := m.reconcile(ctx, c, cat, wh, start, last, "", "", args)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout)
	if err := m.printSummary(rs, cat); err != nil {
		return err
	}
	books, err := m.demoWorkbooks(ctx, c, cat, wh, start, last, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout)
	m.scoreManifest(res.Manifest, rs)
	if err := m.demoIncidents(ctx, wh); err != nil {
		return err
	}
	m.printDemoFiles(f, books, embedded)
	fmt.Fprintf(m.Stdout, "demo done in %s\n", time.Since(t0).Round(time.Second))
	return nil
}

// parseDemoFlags parses demo's flags: the simulation's, the output folder
// (and the demo's files in it) and the speed of the serve run (0: one
// pass instead).
func (m *Main) parseDemoFlags(args []string) (f simFlags, out string, serveSpeed float64, err error) {
	fs := newFlags("demo", "demo [--out DIR] [--days N] [--faults K] [--cases-per-day N] [--seed S] [--mysql DSN] [--serve-speed N]", m.Stdout)
	fs.Float64Var(&serveSpeed, "serve-speed", 0, "instead of one pass, run serve over the last simulated day on a clock N times faster (make demo-serve: 600)")
	fs.StringVar(&out, "out", "out", "output folder: demo.duckdb, workbooks, manifest, config")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed")
	fs.StringVar(&f.start, "start", "2026-11-20", "first simulated day")
	fs.IntVar(&f.days, "days", 3, "simulated days")
	fs.IntVar(&f.faults, "faults", 18, "faults to inject (9 or more cover every kind)")
	fs.IntVar(&f.casesPerDay, "cases-per-day", 400, "cases a day (the real city has about 11,300; the embedded server is slower than MySQL)")
	fs.IntVar(&f.components, "components", 2000, "components (部件)")
	fs.StringVar(&f.dsn, "mysql", "", "use this MySQL server instead of the embedded one")
	err = parseFlags(fs, args)
	f.manifest = filepath.Join(out, "demo-manifest.json")
	f.writeConfig = filepath.Join(out, "demo.yaml")
	f.warehouse = filepath.Join(out, "demo.duckdb")
	return f, out, serveSpeed, err
}

// startEmbeddedDemoDB starts the embedded MySQL server, closed with the
// demo, and points f at it.
func (m *Main) startEmbeddedDemoDB(ctx context.Context, f *simFlags) error {
	srv, err := startDemoDB(ctx, m.Stderr)
	if err != nil {
		return fmt.Errorf("demo: embedded MySQL server: %w", err)
	}
	m.onClose(srv.close)
	f.dsn = srv.dsn
	fmt.Fprintf(m.Stdout, "embedded MySQL server on %s\n", srv.addr)
	return nil
}

// resetDemoOutput removes the warehouse (and its side files) of an
// earlier demo, so that the demo starts afresh.
func resetDemoOutput(f simFlags) error {
	for _, p := range []string{f.warehouse, f.warehouse + ".wal", f.warehouse + ".schedule.json"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// demoSnapshot loads the config the simulation wrote, opens the demo's
// warehouse (closed with the demo) and snapshots the sources into it.
func (m *Main) demoSnapshot(ctx context.Context, f simFlags, args []string) (*config.Config, *warehouse.Warehouse, error) {
	c, err := config.Load(f.writeConfig)
	if err != nil {
		return nil, nil, err
	}
	wh, err := warehouse.OpenWith(ctx, f.warehouse, warehouse.Options{Now: c.Clock()})
	if err != nil {
		return nil, nil, err
	}
	m.onClose(wh.Close)
	srcs, err := configSources(c)
	if err != nil {
		return nil, nil, err
	}
	if err := m.snapshot(ctx, wh, srcs, true, args); err != nil {
		return nil, nil, err
	}
	return c, wh, nil
}

// demoWorkbooks writes and records the daily workbook of each day from
// start to last and the operations report of last's quarter, and returns
// their paths.
func (m *Main) demoWorkbooks(ctx context.Context, c *config.Config, cat *pipelines.Catalog, wh *warehouse.Warehouse, start, last time.Time, out string) ([]string, error) {
	var periods []reports.Period
	for d := start; !d.After(last); d = d.AddDate(0, 0, 1) {
		p, err := reports.ParsePeriod(d.Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		periods = append(periods, p)
	}
	// The quarterly operations report of the quarter of the last day.
	q, err := reports.ParsePeriod(pipelines.Quarter(last))
	if err != nil {
		return nil, err
	}
	var books []string
	for _, p := range append(periods, q) {
		path, err := m.report(ctx, c, cat, wh, p, out, "zh", "pushaudit demo")
		if err != nil {
			return nil, err
		}
		books = append(books, path)
	}
	return books, nil
}

// printDemoFiles lists the files the demo wrote and, after a demo on the
// embedded server, what can be done with them next.
func (m *Main) printDemoFiles(f simFlags, books []string, embedded bool) {
	fmt.Fprintln(m.Stdout, "\nfiles:")
	for _, p := range append(append([]string{}, books...), f.warehouse, f.manifest, f.writeConfig) {
		fmt.Fprintf(m.Stdout, "  %s\n", p)
	}
	if embedded {
		// The config names the embedded server, which ends with the demo.
		fmt.Fprintf(m.Stdout, "\nnext: pushaudit --config %s reconcile|explain|report … work on the warehouse;\n"+
			"snapshot and check need a MySQL server (the embedded one ended with the demo): pushaudit demo --mysql DSN\n", f.writeConfig)
	}
}

// printSummary prints, per target, the windows due and their verdicts.
func (m *Main) printSummary(rs []*reconcile.Result, cat *pipelines.Catalog) error {
	type row struct {
		due    int
		counts map[pipelines.Status]int
	}
	by := map[string]*row{}
	var order []string
	for _, t := range cat.Targets {
		order = append(order, t.Key)
	}
	order = append(order, pipelines.StatsTarget)
	for _, x := range rs {
		r := by[x.Target]
		if r == nil {
			r = &row{counts: map[pipelines.Status]int{}}
			by[x.Target] = r
		}
		r.counts[x.Status]++
		if x.Status != pipelines.StatusPending {
			r.due++
		}
	}
	fmt.Fprintf(m.Stdout, "%-14s %-12s %6s %6s  %s\n", "target", "", "due", "ok", "not ok by verdict")
	for _, k := range order {
		r := by[k]
		if r == nil {
			continue
		}
		name := k
		if t, ok := cat.Target(k); ok {
			name = t.NameZH
		} else if k == pipelines.StatsTarget {
			name = "业务统计一致性"
		}
		var bad string
		for _, s := range pipelines.Statuses {
			if s == pipelines.StatusOK || r.counts[s] == 0 {
				continue
			}
			bad += fmt.Sprintf(" %s %d", s, r.counts[s])
		}
		fmt.Fprintf(m.Stdout, "%-14s %-12s %6d %6d %s\n", k, name, r.due, r.counts[pipelines.StatusOK], bad)
	}
	return nil
}

// scoreManifest holds the results against the injected faults: every
// manifest entry must get its verdict, and no other result may be a
// finding.
func (m *Main) scoreManifest(man sim.Manifest, rs []*reconcile.Result) {
	got := map[string]pipelines.Status{}
	for _, x := range rs {
		got[x.Target+"/"+x.Resource+"/"+x.Window.Start.In(pipelines.Shanghai).Format(time.RFC3339)] = x.Status
	}
	want := map[string]pipelines.Status{}
	hit := 0
	var misses []string
	for _, e := range man.Entries {
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		want[k] = e.ExpectStatus
		if got[k] == e.ExpectStatus {
			hit++
		} else {
			misses = append(misses, fmt.Sprintf("%s: want %s, got %s", k, e.ExpectStatus, orNone(got[k])))
		}
	}
	extra := 0
	for k, s := range got {
		if s.Finding() {
			if _, ok := want[k]; !ok {
				extra++
				misses = append(misses, fmt.Sprintf("%s: %s, not injected", k, s))
			}
		}
	}
	sort.Strings(misses)
	fmt.Fprintf(m.Stdout, "injected faults: %d, manifest entries %d: %d found as expected, %d other findings\n", man.Faults, len(man.Entries), hit, extra)
	for i, s := range misses {
		if i == 20 {
			fmt.Fprintf(m.Stdout, "  … %d more\n", len(misses)-20)
			break
		}
		fmt.Fprintln(m.Stdout, "  ", s)
	}
}

func orNone(s pipelines.Status) string {
	if s == "" {
		return "no result"
	}
	return string(s)
}

// demoServeSchedules are the demo's serve section: the embedded server is
// slow, so snapshots every half hour and none in full, for the
// reconciliations to keep up with a clock 600 times faster.
const demoServeSchedules = `
serve:
  schedules:
    snapshot: "*/30 * * * *"
    snapshot_full: "off"
`

// demoServe runs serve over the simulated day on a clock speed times
// faster, with the demo's schedules added to its config.
func (m *Main) demoServe(ctx context.Context, f simFlags, day time.Time, speed float64) error {
	cf, err := os.OpenFile(f.writeConfig, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := cf.WriteString(demoServeSchedules)
	if err := errors.Join(werr, cf.Close()); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c, err := config.Load(f.writeConfig)
	if err != nil {
		return err
	}
	return m.serve(ctx, c, serveOptions{listen: "127.0.0.1:0", speed: speed, simulated: true, start: day, end: day.AddDate(0, 0, 1), configPath: f.writeConfig})
}

// demoIncidents prints the faults as the contract counts them: the
// incidents the findings were grouped into, by level, and the largest.
func (m *Main) demoIncidents(ctx context.Context, wh *warehouse.Warehouse) error {
	ins, err := ledger.NewIncidents(wh.DB()).List(ctx, time.Time{}, time.Time{}, false)
	if err != nil {
		return err
	}
	var by [5]int
	var big *ledger.Incident
	for i := range ins {
		if l := ins[i].Level; l >= 1 && l <= 4 {
			by[l]++
		}
		if big == nil || ins[i].Windows > big.Windows {
			big = &ins[i]
		}
	}
	fmt.Fprintf(m.Stdout, "faults as the contract counts them: %d incidents (一级 %d, 二级 %d, 三级 %d, 四级 %d)", len(ins), by[1], by[2], by[3], by[4])
	if big != nil {
		fmt.Fprintf(m.Stdout, "; the largest, %s: %s, %d windows of %d resources as one %s fault",
			big.ID, strings.Join(big.Targets, ","), big.Windows, len(big.Resources), pipelines.LevelZH(big.Level))
	}
	fmt.Fprintln(m.Stdout, " (pushaudit incidents)")
	return nil
}

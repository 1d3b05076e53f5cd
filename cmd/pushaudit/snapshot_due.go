package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Snapshots of only what is due: the tables that the reconciliation of
// some resources reads (their source query's tables, the push log, their
// front-end tables), or tables named one by one. The other tables of the
// warehouse stay as the last run that loaded them left them; each source's
// chosen tables are read in one consistent transaction and published
// together, and a reconciliation trusts each table as of the run that
// last loaded it (audit.table_snapshots).

// dueTables are the tables, by source, that specs (TARGET or
// TARGET/RESOURCE, or stats) and tables (SOURCE.TABLE) ask for.
func dueTables(cat *pipelines.Catalog, pushLog string, specs, tables []string) (map[string][]string, error) {
	var res []*pipelines.Resource
	var extra []string
	for _, s := range specs {
		tgt, key, one := strings.Cut(s, "/")
		switch {
		case tgt == pipelines.StatsTarget && !one:
			extra = append(extra, pipelines.StatsTables()...)
		case one:
			r, ok := cat.Resource(tgt, key)
			if !ok {
				return nil, usagef("snapshot: --resource %s: no resource %s of target %s in the catalog", s, key, tgt)
			}
			res = append(res, r)
		default:
			if _, ok := cat.Target(tgt); !ok {
				return nil, usagef("snapshot: --resource %s: no target %s in the catalog (targets: %s)", s, tgt, targetKeys(cat))
			}
			res = append(res, cat.ResourcesOf(tgt)...)
		}
	}
	for _, t := range tables {
		src, table := pipelines.SplitTable(t)
		if src == "" || table == "" || strings.Contains(table, ".") {
			return nil, usagef("snapshot: --table %q: with a config, name a table as SOURCE.TABLE (e.g. biz.cases)", t)
		}
		extra = append(extra, t)
	}
	out, err := cat.TablesOf(res, pushLog)
	if err != nil {
		return nil, usageError{fmt.Errorf("snapshot: %w", err)}
	}
	for _, t := range extra {
		src, table := pipelines.SplitTable(t)
		if !slices.Contains(out[src], table) {
			out[src] = append(out[src], table)
		}
	}
	for _, ts := range out {
		sort.Strings(ts)
	}
	return out, nil
}

// configDueSources restricts the config's sources srcs to the tables of
// --resource and --table; anything it cannot snapshot is bad usage.
func configDueSources(c *config.Config, srcs []snapshot.Source, resources, tables []string) ([]snapshot.Source, error) {
	cat, err := c.LoadCatalog()
	if err != nil {
		return nil, err
	}
	want, err := dueTables(cat, c.Evidence.PushLog.Table(), resources, tables)
	if err != nil {
		return nil, err
	}
	out, problems := restrictSources(srcs, want)
	if len(problems) > 0 {
		return nil, usagef("snapshot: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

func targetKeys(cat *pipelines.Catalog) string {
	keys := []string{pipelines.StatsTarget}
	for _, t := range cat.Targets {
		keys = append(keys, t.Key)
	}
	return strings.Join(keys, ", ")
}

// restrictSources keeps of srcs the sources of want, each with only the
// tables want names. What it cannot give is listed in problems: a source
// want names that srcs lacks, a table its config does not snapshot
// (sources.NAME.tables).
func restrictSources(srcs []snapshot.Source, want map[string][]string) (out []snapshot.Source, problems []string) {
	byName := map[string]snapshot.Source{}
	var names []string
	for _, s := range srcs {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	var missing []string
	for src := range want {
		if _, ok := byName[src]; !ok {
			missing = append(missing, src)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		problems = append(problems, fmt.Sprintf("no source %s in the config (sources: %s)", m, strings.Join(names, ", ")))
	}
	for _, name := range names {
		ts, ok := want[name]
		if !ok {
			continue
		}
		s := byName[name]
		var keep []string
		for _, t := range ts {
			if len(s.Tables) > 0 && !slices.Contains(s.Tables, t) {
				problems = append(problems, fmt.Sprintf("table %s.%s is not in sources.%s.tables", name, t, name))
				continue
			}
			keep = append(keep, t)
		}
		if len(keep) > 0 {
			s.Tables = keep
			out = append(out, s)
		}
	}
	return out, problems
}

// dueCadence says whether the daemon snapshots the tables of a
// reconciliation job's resources before it runs (serve.snapshot_due): the
// periodic cadences, whose windows close all day long. The one-time and
// media-copy checks and stats run once a day, after the nightly and the
// regular snapshots.
func dueCadence(arg string) bool {
	return pipelines.Cadence(arg).Periodic()
}

// snapshotDue snapshots, before the reconciliation of cadence, the tables
// its resources read. A failure is logged and the reconciliation goes on:
// the tables that could not be loaded are then untrusted, and the windows
// that read them unverifiable.
func (d *daemon) snapshotDue(ctx context.Context, c *config.Config, wh *warehouse.Warehouse, cadence string, args []string) {
	t0 := time.Now()
	log := d.m.Logger.With("job", "reconcile:"+cadence)
	srcs, err := d.dueSources(c, pipelines.Cadence(cadence))
	if err != nil {
		log.Error("due snapshot: cannot list the tables; reconciling on the last snapshots", "err", warehouse.ScrubText(err.Error()))
		return
	}
	if len(srcs) == 0 {
		return
	}
	var rates tableRates
	rep, err := d.m.snapshotWith(ctx, wh, srcs, daemonSnapshotOptions(c, &rates), dueArgs(args, cadence))
	d.snapshotted(rep, &rates)
	n := 0
	for _, s := range srcs {
		n += len(s.Tables)
	}
	if err != nil {
		log.Warn("due snapshot failed; its tables are untrusted until the next good snapshot", "tables", n, "err", warehouse.ScrubText(err.Error()))
		return
	}
	log.Info("due snapshot", "sources", len(srcs), "tables", n, "wall", time.Since(t0).Round(time.Millisecond).String())
}

// dueArgs are the audit.runs args of the due snapshot of a reconciliation
// job whose args are args ("serve --job reconcile:C --tick T"): the same
// with the job snapshot_due:C.
func dueArgs(args []string, cadence string) []string {
	out := slices.Clone(args)
	for i := range out {
		if i > 0 && out[i-1] == "--job" {
			out[i] = "snapshot_due:" + cadence
		}
	}
	return out
}

// dueSources are the config's sources restricted to the tables the
// resources of cadence read.
func (d *daemon) dueSources(c *config.Config, cadence pipelines.Cadence) ([]snapshot.Source, error) {
	cat, err := c.LoadCatalog()
	if err != nil {
		return nil, err
	}
	var res []*pipelines.Resource
	for i := range cat.Resources {
		if cat.Resources[i].Cadence == cadence {
			res = append(res, &cat.Resources[i])
		}
	}
	if len(res) == 0 {
		return nil, nil
	}
	want, err := cat.TablesOf(res, c.Evidence.PushLog.Table())
	if err != nil {
		return nil, err
	}
	srcs, err := configSources(c)
	if err != nil {
		return nil, err
	}
	out, problems := restrictSources(srcs, want)
	for _, p := range problems {
		d.m.Logger.Warn("due snapshot: a table the resources read is not snapshotted", "cadence", string(cadence), "problem", p)
	}
	return out, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/chengdu-cgw/pushaudit/internal/repair"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// runRepair writes the repair plan of findings: SQL for the target's
// front-end database, CSV for an exchange's re-push tool, or JSON. It
// exits 1 when a window of the plan stays a finding once applied.
func (m *Main) runRepair(ctx context.Context, g *globals, args []string) error {
	var finding, incident, target, date, format, out string
	fs := newFlags("repair", "[--config FILE] repair (--finding ID | --incident ID | --target T --date YYYY-MM-DD) [--format sql|csv|json] --out DIR", m.Stdout)
	fs.StringVar(&finding, "finding", "", "one finding id (audit.findings)")
	fs.StringVar(&incident, "incident", "", "the findings of one incident (audit.incidents)")
	fs.StringVar(&target, "target", "", "every open finding of this target on --date")
	fs.StringVar(&date, "date", "", "day (Asia/Shanghai) of --target's windows")
	fs.StringVar(&format, "format", "sql", "sql (for the front-end database), csv (for a re-push tool) or json")
	fs.StringVar(&out, "out", "", "directory the files are written to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	n := 0
	for _, s := range []string{finding, incident, target} {
		if s != "" {
			n++
		}
	}
	switch {
	case n != 1:
		return usagef("repair: give one of --finding, --incident or --target with --date")
	case target != "" && date == "":
		return usagef("repair: --target needs --date")
	case target == "" && date != "":
		return usagef("repair: --date goes with --target")
	case out == "":
		return usagef("repair: --out is required")
	case !slices.Contains(repair.Formats, format):
		return usagef("repair: --format %q is not %s", format, strings.Join(repair.Formats, ", "))
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		return usageError{err}
	}
	if target != "" && target != pipelines.StatsTarget {
		if _, ok := cat.Target(target); !ok {
			return usagef("repair: --target %q is not a target of the catalog", target)
		}
	}
	wh, err := m.openExisting(ctx, c)
	if err != nil {
		return err
	}
	m.onClose(wh.Close)
	now := clock(c)
	dbs := map[string]string{}
	for name, src := range c.Sources {
		dbs[name] = src.Database
	}
	p := repair.New(wh.DB(), cat, repair.Options{PushLog: c.Evidence.PushLog.Table(), Now: now, Databases: dbs})
	var ws []*repair.Window
	switch {
	case finding != "":
		ws, err = p.ForFindings(ctx, []string{finding})
	case incident != "":
		ws, err = p.ForIncident(ctx, incident)
	default:
		day, derr := parseDay("date", date)
		if derr != nil {
			return derr
		}
		ws, err = p.ForTargetDay(ctx, target, day)
	}
	if errors.Is(err, repair.ErrNoFinding) {
		return usageError{fmt.Errorf("repair: %w", err)}
	}
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		fmt.Fprintln(m.Stdout, "nothing to repair: no open finding")
		return nil
	}
	files, err := repair.Write(out, format, ws, now)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tWINDOW\tSTATUS\tPUSH\tDELETE\tAFTER\tNOTE")
	uncovered := 0
	for _, f := range files {
		for _, w := range f.Windows {
			note := ""
			if !w.Covered {
				uncovered++
				note = w.Reason
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", f.Path, w.Window.Start.Format("2006-01-02 15:04"), w.Status,
				len(w.Push), w.Deleted(), w.Predicted, note)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d windows in %d files; %d not covered by the plan\n", len(ws), len(files), uncovered)
	if uncovered > 0 {
		return errFindings
	}
	return nil
}

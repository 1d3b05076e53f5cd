package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/repair"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// repairArgs are the flags of repair.
type repairArgs struct {
	finding, incident, target, date, format, out string
	day                                          time.Time // --date, parsed
}

// runRepair writes the repair plan of findings: SQL for the target's
// front-end database, CSV for an exchange's re-push tool, or JSON. It
// exits 1 when a window of the plan stays a finding once applied.
func (m *Main) runRepair(ctx context.Context, g *globals, args []string) error {
	a, err := m.parseRepairArgs(args)
	if err != nil {
		return err
	}
	c, cat, wh, err := m.openCataloged(ctx, g, "repair", a.target, nil, pipelines.StatsTarget)
	if err != nil {
		return err
	}
	now := clock(c)
	dbs := map[string]string{}
	for name, src := range c.Sources {
		dbs[name] = src.Database
	}
	p := repair.New(wh.DB(), cat, repair.Options{PushLog: c.Evidence.PushLog.Table(), Now: now, Databases: dbs})
	ws, err := repairWindows(ctx, p, a)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		fmt.Fprintln(m.Stdout, "nothing to repair: no open finding")
		return nil
	}
	files, err := repair.Write(a.out, a.format, ws, now)
	if err != nil {
		return err
	}
	uncovered, err := m.printRepairFiles(files)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d windows in %d files; %d not covered by the plan\n", len(ws), len(files), uncovered)
	if uncovered > 0 {
		return errFindings
	}
	return nil
}

// parseRepairArgs parses repair's flags and checks they name one set of
// findings (a finding, an incident, or a target's day), the output
// directory and a known format.
func (m *Main) parseRepairArgs(args []string) (repairArgs, error) {
	var a repairArgs
	fs := newFlags("repair", "[--config FILE] repair (--finding ID | --incident ID | --target T --date YYYY-MM-DD) [--format sql|csv|json] --out DIR", m.Stdout)
	fs.StringVar(&a.finding, "finding", "", "one finding id (audit.findings)")
	fs.StringVar(&a.incident, "incident", "", "the findings of one incident (audit.incidents)")
	fs.StringVar(&a.target, "target", "", "every open finding of this target on --date")
	fs.StringVar(&a.date, "date", "", "day (Asia/Shanghai) of --target's windows")
	fs.StringVar(&a.format, "format", "sql", "sql (for the front-end database), csv (for a re-push tool) or json")
	fs.StringVar(&a.out, "out", "", "directory the files are written to")
	if err := parseFlags(fs, args); err != nil {
		return a, err
	}
	n := 0
	for _, s := range []string{a.finding, a.incident, a.target} {
		if s != "" {
			n++
		}
	}
	switch {
	case n != 1:
		return a, usagef("repair: give one of --finding, --incident or --target with --date")
	case a.target != "" && a.date == "":
		return a, usagef("repair: --target needs --date")
	case a.target == "" && a.date != "":
		return a, usagef("repair: --date goes with --target")
	case a.out == "":
		return a, usagef("repair: --out is required")
	case !slices.Contains(repair.Formats, a.format):
		return a, usagef("repair: --format %q is not %s", a.format, strings.Join(repair.Formats, ", "))
	}
	if a.date != "" {
		day, err := parseDay("date", a.date)
		if err != nil {
			return a, err
		}
		a.day = day
	}
	return a, nil
}

// repairWindows plans the windows of the findings a names; findings the
// ledger does not hold are a usage error.
func repairWindows(ctx context.Context, p *repair.Planner, a repairArgs) ([]*repair.Window, error) {
	var ws []*repair.Window
	var err error
	switch {
	case a.finding != "":
		ws, err = p.ForFindings(ctx, []string{a.finding})
	case a.incident != "":
		ws, err = p.ForIncident(ctx, a.incident)
	default:
		ws, err = p.ForTargetDay(ctx, a.target, a.day)
	}
	if errors.Is(err, repair.ErrNoFinding) {
		return nil, usageError{fmt.Errorf("repair: %w", err)}
	}
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// printRepairFiles prints a line per window of the files written and
// returns how many windows the plan leaves a finding.
func (m *Main) printRepairFiles(files []repair.File) (int, error) {
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
		return 0, err
	}
	return uncovered, nil
}

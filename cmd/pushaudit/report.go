package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

func (m *Main) runReport(ctx context.Context, g *globals, args []string) error {
	var period, out, lang string
	fs := newFlags("report", "[--config FILE] report --period P [--out DIR] [--lang zh|en]\n"+
		"  P is a day YYYY-MM-DD (the daily workbook) or a half-month YYYY-MM-H1|H2, a month YYYY-MM,\n"+
		"  a quarter YYYY-Q1..Q4 or a year YYYY (the operations report)", m.Stdout)
	fs.StringVar(&period, "period", "", "the period to report: YYYY-MM-DD, YYYY-MM-H1|H2, YYYY-MM, YYYY-Qn or YYYY")
	fs.StringVar(&out, "out", "", "output folder (default: the config's output_dir)")
	fs.StringVar(&lang, "lang", "zh", "labels: zh or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if lang != "zh" && lang != "en" {
		return usagef("report: --lang %q is not zh or en", lang)
	}
	if period == "" {
		return usagef("report: --period is required: %s", reports.PeriodSyntax)
	}
	p, err := reports.ParsePeriod(period)
	if err != nil {
		return usagef("report: --%v", err)
	}
	c, cat, wh, err := m.openCataloged(ctx, g, "report", "", nil)
	if err != nil {
		return err
	}
	if out == "" {
		out = c.Path(c.OutputDir)
	}
	return asRun(ctx, wh, "report", args, func() (string, error) {
		path, err := m.report(ctx, c, cat, wh, p, out, lang, "pushaudit")
		if err != nil {
			return "", err
		}
		fmt.Fprintln(m.Stdout, path)
		return path, nil
	})
}

// report writes the workbook of p and records it in audit.reports; the
// workbook names its producer as who on this host.
func (m *Main) report(ctx context.Context, c *config.Config, cat *pipelines.Catalog, wh *warehouse.Warehouse, p reports.Period, out, lang, who string) (string, error) {
	host, _ := os.Hostname()
	producer := who + " on " + host
	var (
		path string
		err  error
	)
	if p.Kind == reports.PeriodDay {
		path, err = reports.WriteDaily(ctx, wh.DB(), cat, reports.DailyOptions{Day: p.Start, OutDir: out, Lang: lang,
			Now: c.Clock(), Producer: producer})
	} else {
		// Validated with the config.
		deadline, _ := pipelines.ParseInspectionDeadline(c.InspectionDeadline)
		path, err = reports.WriteOps(ctx, wh.DB(), cat, reports.OpsOptions{Period: p, OutDir: out, Lang: lang,
			Incidents: c.IncidentRules(), QuarterlyFee: c.Assessment.QuarterlyFee,
			Now: c.Clock(), Producer: producer, InspectionDeadline: deadline})
	}
	if err != nil {
		return "", err
	}
	if err := wh.RecordReport(ctx, p.String(), p.Kind.String(), lang, path); err != nil {
		return "", err
	}
	return path, nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"regexp"

	"github.com/chengdu-cgw/pushaudit/reports"
)

var dayRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (m *Main) runReport(ctx context.Context, g *globals, args []string) error {
	var period, out, lang string
	fs := newFlags("report", "[--config FILE] report --period YYYY-MM-DD [--out DIR] [--lang zh|en]", m.Stdout)
	fs.StringVar(&period, "period", "", "the day to report (YYYY-MM-DD)")
	fs.StringVar(&out, "out", "", "output folder (default: the config's output_dir)")
	fs.StringVar(&lang, "lang", "zh", "labels: zh or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if lang != "zh" && lang != "en" {
		return usagef("report: --lang %q is not zh or en", lang)
	}
	if !dayRE.MatchString(period) {
		return usagef("report: --period %q: give a day YYYY-MM-DD (the periodic operations reports are not built yet)", period)
	}
	day, err := parseDay("period", period)
	if err != nil {
		return err
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	if out == "" {
		out = c.Path(c.OutputDir)
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		return usageError{err}
	}
	wh, err := openExisting(ctx, c)
	if err != nil {
		return err
	}
	m.onClose(wh.Close)
	host, _ := os.Hostname()
	path, err := reports.WriteDaily(ctx, wh.DB(), cat, reports.DailyOptions{Day: day, OutDir: out, Lang: lang,
		Now: c.Clock(), Producer: "pushaudit on " + host})
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, path)
	return nil
}

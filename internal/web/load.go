package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TargetLight is one target's row on the home page.
type TargetLight struct {
	Key, Name string
	Light     pipelines.RAG
	LightText string
	Open      [5]int // open findings by fault level 1..4; [0]: without a level
	ByLevel   []LevelCount
}

// LevelCount is the open findings of one fault level.
type LevelCount struct {
	Label string
	N     int
}

// RunRow is a job's last run on the home page.
type RunRow struct {
	Run
	Duration time.Duration
}

// LagRow is a source's replica lag.
type LagRow struct {
	Source  string
	Seconds float64
}

// Workbook is a workbook in the output directory.
type Workbook struct {
	Name     string
	Modified time.Time
}

// HomePage is /.
type HomePage struct {
	Base
	Day       string
	Targets   []TargetLight
	Runs      []RunRow
	Next      []Next
	Lags      []LagRow
	Workbooks []Workbook
}

// maxNext and maxWorkbooks bound the home page's lists.
const (
	maxNext      = 12
	maxWorkbooks = 8
)

// loadHome reads the home page: each target's light from the latest run of
// today's results (yesterday's when today has none yet) and its open
// findings by level, with the daemon's runs and the latest workbooks.
func loadHome(ctx context.Context, q warehouse.Querier, c *config.Config, cat *pipelines.Catalog, st Status, now time.Time, b Base) (HomePage, error) {
	p := HomePage{Base: b}
	run, span, err := latestDay(ctx, q, now)
	if err != nil {
		return p, err
	}
	p.Day = span.From.Format(time.DateOnly)
	counts := map[string]map[pipelines.Status]int{}
	if run != "" {
		cs, err := ledger.NewResults(q).CountByStatus(ctx, run, span)
		if err != nil {
			return p, fmt.Errorf("results: %w", err)
		}
		for _, x := range cs {
			if counts[x.Target] == nil {
				counts[x.Target] = map[pipelines.Status]int{}
			}
			counts[x.Target][pipelines.Status(x.Status)] += x.N
		}
	}
	open, err := ledger.NewFindings(q).Alertable(ctx, now)
	if err != nil {
		return p, err
	}
	byTarget := map[string]*[5]int{}
	for _, f := range open {
		if !f.ResolvedAt.IsZero() {
			continue
		}
		if byTarget[f.Target] == nil {
			byTarget[f.Target] = &[5]int{}
		}
		byTarget[f.Target][f.FaultLevel]++
	}
	targets := cat.Targets
	if counts[pipelines.SourceTarget] != nil || byTarget[pipelines.SourceTarget] != nil {
		// the anomaly check's results, where it runs: a row of their own.
		targets = append(slices.Clip(targets), sourceTarget)
	}
	for _, t := range targets {
		tl := TargetLight{Key: t.Key, Name: targetName(b.Lang, &t), Light: pipelines.RAGOf(counts[t.Key])}
		tl.LightText = lightText(b.Lang, tl.Light)
		if n := byTarget[t.Key]; n != nil {
			tl.Open = *n
		}
		for l := 1; l <= 4; l++ {
			tl.ByLevel = append(tl.ByLevel, LevelCount{Label: levelText(b.Lang, l), N: tl.Open[l]})
		}
		p.Targets = append(p.Targets, tl)
	}
	for _, r := range st.Last {
		p.Runs = append(p.Runs, RunRow{Run: r, Duration: r.Finished.Sub(r.Started).Round(time.Millisecond)})
	}
	sort.Slice(p.Runs, func(i, j int) bool { return p.Runs[i].Job < p.Runs[j].Job })
	p.Next = st.Next
	if len(p.Next) > maxNext {
		p.Next = p.Next[:maxNext]
	}
	for src, s := range st.ReplicaLag {
		p.Lags = append(p.Lags, LagRow{Source: src, Seconds: s})
	}
	sort.Slice(p.Lags, func(i, j int) bool { return p.Lags[i].Source < p.Lags[j].Source })
	p.Workbooks = workbooks(c.Path(c.OutputDir))
	return p, nil
}

// latestDay is the latest run with results for today, else for yesterday,
// and the day's span; run is "" when neither has any.
func latestDay(ctx context.Context, q warehouse.Querier, now time.Time) (string, ledger.Span, error) {
	span := ledger.Day(now)
	for range 2 {
		run, err := ledger.NewResults(q).LatestRun(ctx, span)
		switch {
		case err == nil:
			return run, span, nil
		case !errors.Is(err, ledger.ErrNoResults):
			return "", span, fmt.Errorf("results: %w", err)
		}
		span = ledger.Day(span.From.Add(-time.Hour))
	}
	return "", ledger.Day(now), nil
}

// sourceTarget names the anomaly check's pseudo-target on the pages.
var sourceTarget = pipelines.Target{Key: pipelines.SourceTarget, NameZH: "数据源（总量异常）", NameEN: "Sources (volume anomalies)"}

// targetOf is a target of the catalog, or the anomaly check's
// pseudo-target.
func targetOf(cat *pipelines.Catalog, key string) (*pipelines.Target, bool) {
	if key == pipelines.SourceTarget {
		return &sourceTarget, true
	}
	return cat.Target(key)
}

func targetName(lang string, t *pipelines.Target) string {
	if lang == "en" && t.NameEN != "" {
		return t.NameEN
	}
	if t.NameZH != "" {
		return t.NameZH
	}
	return t.Key
}

// workbooks are the newest workbooks of dir (none when it is missing).
func workbooks(dir string) []Workbook {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []Workbook
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xlsx") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil {
			out = append(out, Workbook{Name: e.Name(), Modified: info.ModTime()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Modified.Equal(out[j].Modified) {
			return out[i].Modified.After(out[j].Modified)
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > maxWorkbooks {
		out = out[:maxWorkbooks]
	}
	return out
}

// Cell is one window of one resource on a target's grid.
type Cell struct {
	Status    pipelines.Status
	Text      string
	Light     string // CSS class
	Level     string
	FindingID string // "" when the verdict is ok or has no finding
	Title     string
}

// GridRow is one resource of a target's grid.
type GridRow struct {
	Key, Name string
	Cells     []Cell // by column; a zero cell: no window of the resource there
}

// TargetPage is /targets/{target}.
type TargetPage struct {
	Base
	Key, Name string
	Day, Run  string
	Columns   []time.Time // window starts
	Rows      []GridRow
}

// loadTarget reads a target's grid: its resources × the windows of the
// latest run's results for the day (today, else yesterday).
func loadTarget(ctx context.Context, q warehouse.Querier, cat *pipelines.Catalog, target string, now time.Time, b Base) (TargetPage, error) {
	t, ok := targetOf(cat, target)
	if !ok && target != pipelines.StatsTarget {
		return TargetPage{}, fmt.Errorf("%w: target %q", errNotFound, target)
	}
	p := TargetPage{Base: b, Key: target, Name: target}
	if ok {
		p.Name = targetName(b.Lang, t)
	}
	run, span, err := latestDay(ctx, q, now)
	if err != nil {
		return p, err
	}
	p.Day, p.Run = span.From.Format(time.DateOnly), run
	if run == "" {
		return p, nil
	}
	rs, err := ledger.NewResults(q).ForDay(ctx, run, span)
	if err != nil {
		return p, fmt.Errorf("results: %w", err)
	}
	fs, err := ledger.NewFindings(q).EndingIn(ctx, span)
	if err != nil {
		return p, err
	}
	findings := map[string]string{}
	for _, f := range fs {
		findings[cellKey(f.Resource, f.WindowStart, f.Status)] = f.ID
	}
	col := map[int64]int{}
	for _, r := range rs {
		if r.Target == target {
			col[r.WindowStart.Unix()] = 0
		}
	}
	for u := range col {
		p.Columns = append(p.Columns, time.Unix(u, 0).In(pipelines.Shanghai))
	}
	sort.Slice(p.Columns, func(i, j int) bool { return p.Columns[i].Before(p.Columns[j]) })
	for i, c := range p.Columns {
		col[c.Unix()] = i
	}
	rows := map[string]*GridRow{}
	var order []string
	for _, r := range rs {
		if r.Target != target {
			continue
		}
		g := rows[r.Resource]
		if g == nil {
			g = &GridRow{Key: r.Resource, Name: r.Resource, Cells: make([]Cell, len(p.Columns))}
			if res, ok := cat.Resource(target, r.Resource); ok && b.Lang != "en" && res.NameZH != "" {
				g.Name = res.NameZH
			}
			rows[r.Resource] = g
			order = append(order, r.Resource)
		}
		g.Cells[col[r.WindowStart.Unix()]] = Cell{Status: r.Status, Text: statusText(b.Lang, r.Status),
			Light: lightClass(pipelines.RAGOf(map[pipelines.Status]int{r.Status: 1})), Level: levelText(b.Lang, r.FaultLevel),
			FindingID: findings[cellKey(r.Resource, r.WindowStart, r.Status)], Title: r.Detail}
	}
	sort.Strings(order)
	for _, k := range order {
		p.Rows = append(p.Rows, *rows[k])
	}
	return p, nil
}

func cellKey(resource string, start time.Time, st pipelines.Status) string {
	return fmt.Sprintf("%s|%d|%s", resource, start.Unix(), st)
}

package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// DailyOptions says which day and run the daily workbook shows and where
// it goes.
type DailyOptions struct {
	// Day is the calendar day in Asia/Shanghai (its date in that zone is
	// used; the time of day is ignored).
	Day time.Time
	// RunID is the reconcile run to report; empty means LatestRun.
	RunID string
	// OutDir is the folder of the workbook ("" = current folder).
	OutDir string
	// Lang is "zh" (default) or "en".
	Lang string
	// Now is the clock (default time.Now); it stamps the workbook and
	// decides whether an open finding is past its deadline.
	Now func() time.Time
	// Producer names the program and host, e.g. "pushaudit v0.1 on host".
	Producer string
	// KeysPerFinding caps the keys listed per result (default 1000).
	KeysPerFinding int
}

// DefaultKeysPerFinding is the default cap of keys listed per result.
const DefaultKeysPerFinding = 1000

// DailyFileName is the file name of the daily workbook of day in lang.
func DailyFileName(day time.Time, lang string) (string, error) {
	lbl, err := labelsFor(lang)
	if err != nil {
		return "", err
	}
	return lbl.fileStem + "_" + newDayRange(day).String() + ".xlsx", nil
}

// WriteDaily writes the daily reconciliation workbook (数据对接日检表) of
// opts.Day and returns its path. The file appears whole or not at all.
func WriteDaily(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, opts DailyOptions) (path string, err error) {
	return writeDaily(ctx, db, cat, opts, excelize.TotalRows)
}

// writeDaily is WriteDaily with the last usable row of a sheet.
func writeDaily(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, opts DailyOptions, maxRows int) (path string, err error) {
	if opts.Day.IsZero() {
		return "", errors.New("daily report: no day given")
	}
	lbl, err := labelsFor(opts.Lang)
	if err != nil {
		return "", fmt.Errorf("daily report: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.KeysPerFinding <= 0 {
		opts.KeysPerFinding = DefaultKeysPerFinding
	}
	if opts.Producer == "" {
		opts.Producer = "pushaudit"
	}
	d := newDayRange(opts.Day)
	run := opts.RunID
	if run == "" {
		if run, err = LatestRun(ctx, db, opts.Day); err != nil {
			return "", fmt.Errorf("daily report: %w", err)
		}
	}
	data, err := loadDaily(ctx, db, cat, d, run)
	if err != nil {
		return "", fmt.Errorf("daily report: %w", err)
	}

	f := excelize.NewFile()
	defer f.Close()
	// The first sheet is the active one. Said now, while it is the only
	// one: later, excelize would read every streamed sheet back to mark
	// it not selected (seconds and the whole sheet in memory).
	f.SetActiveSheet(0)
	st, err := newStyles(f)
	if err != nil {
		return "", fmt.Errorf("daily report: %w", err)
	}
	wb := &workbook{
		f: f, st: st, lbl: lbl,
		header: fmt.Sprintf(lbl.header, d),
		footer: fmt.Sprintf(lbl.footer, escapeHF(opts.Producer)),
	}
	now := opts.Now().In(pipelines.Shanghai)
	w := &dailyWriter{db: db, wb: wb, lbl: lbl, cat: cat, d: d, run: run, opts: opts, now: now, data: data, used: map[string]bool{}, maxRows: maxRows}
	for _, step := range []func(context.Context) error{w.summary, w.targets, w.keys, w.findings, w.stats} {
		if err := step(ctx); err != nil {
			return "", fmt.Errorf("daily report %s: %w", d, err)
		}
	}
	stamp := now.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          fmt.Sprintf(lbl.title, d),
		Subject:        lbl.subject,
		Keywords:       lbl.keywords,
		Creator:        "pushaudit",
		LastModifiedBy: "pushaudit",
		Description:    opts.Producer + "; run " + run,
		Created:        stamp,
		Modified:       stamp,
		Language:       lbl.lang,
	}); err != nil {
		return "", fmt.Errorf("daily report: document properties: %w", err)
	}
	name, err := DailyFileName(opts.Day, opts.Lang)
	if err != nil {
		return "", fmt.Errorf("daily report: %w", err)
	}
	path, err = saveAtomic(f, opts.OutDir, name)
	if err != nil {
		return "", fmt.Errorf("daily report: %w", err)
	}
	return path, nil
}

// saveAtomic writes the workbook to a temporary file in dir and renames it
// to name.
func saveAtomic(f *excelize.File, dir, name string) (string, error) {
	if dir == "" {
		dir = "."
	}
	if err := warehouse.CheckDir(dir); err != nil {
		return "", fmt.Errorf("output folder: %w", err)
	}
	if err := os.MkdirAll(dir, warehouse.DirMode); err != nil {
		return "", fmt.Errorf("output folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".pushaudit-*.xlsx")
	if err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := f.WriteTo(tmp); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write workbook: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	if err := os.Chmod(tmp.Name(), warehouse.FileMode); err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write workbook: %w", err)
	}
	return path, nil
}

// dailyData is everything the daily workbook shows, but the keys, which
// are streamed.
type dailyData struct {
	summary  []TargetSummary
	results  []result
	info     runInfo
	findings []finding
}

func loadDaily(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, d dayRange, run string) (*dailyData, error) {
	var data dailyData
	var err error
	if data.summary, err = summaryRows(ctx, db, cat, d, run); err != nil {
		return nil, err
	}
	if data.results, err = loadResults(ctx, db, d, run); err != nil {
		return nil, err
	}
	if len(data.results) == 0 {
		return nil, fmt.Errorf("run %s, %s: %w", run, d, ErrNoResults)
	}
	if data.info, err = loadRunInfo(ctx, db, run); err != nil {
		return nil, err
	}
	if data.findings, err = loadFindings(ctx, db, d); err != nil {
		return nil, err
	}
	return &data, nil
}

type dailyWriter struct {
	db   *sql.DB
	wb   *workbook
	lbl  *labelSet
	cat  *pipelines.Catalog
	d    dayRange
	run  string
	opts DailyOptions
	now  time.Time // opts.Now in Asia/Shanghai, read once
	data *dailyData
	used map[string]bool // sheet names, lower case
	// maxRows is the last row a sheet may use (Excel's limit; lowered in
	// tests).
	maxRows int
}

// targetName is the display name of a target.
func (w *dailyWriter) targetName(key string) string {
	t, ok := w.cat.Target(key)
	switch {
	case !ok && key == pipelines.StatsTarget:
		return w.lbl.statsTarget
	case !ok && key == pipelines.SourceTarget:
		return w.lbl.sourceTarget
	case !ok:
		return key
	case w.lbl.nameEN && t.NameEN != "":
		return t.NameEN
	case t.NameZH != "":
		return t.NameZH
	}
	return key
}

// resourceName is the display name of a resource (a statistics counter
// for the stats target).
func (w *dailyWriter) resourceName(target, key string) string {
	if r, ok := w.cat.Resource(target, key); ok && r.NameZH != "" {
		return r.NameZH
	}
	if target == pipelines.StatsTarget {
		for _, c := range w.cat.StatsCounters {
			if c.Name == key && c.ZH != "" {
				return c.ZH
			}
		}
	}
	return key
}

func (w *dailyWriter) cadence(target, key string) string {
	if r, ok := w.cat.Resource(target, key); ok {
		return w.lbl.cadence(r.Cadence)
	}
	return ""
}

// bucketOf names the bucket of an anomaly result by its window's length.
func (w *dailyWriter) bucketOf(r result) string {
	if r.end.Sub(r.start) == time.Hour {
		return w.lbl.bucketHour
	}
	return w.lbl.bucketDay
}

// targetOrder is the order of targets in the workbook: catalog order, then
// the others by key.
func (w *dailyWriter) targetOrder() []string {
	var out []string
	for _, s := range w.data.summary {
		out = append(out, s.Target)
	}
	return out
}

// resultsOf returns the day's results of a target, resources in catalog
// order (statistics counters in their catalog order; others by key), then
// by window start.
func (w *dailyWriter) resultsOf(target string) []result {
	rank := map[string]int{}
	for i, r := range w.cat.ResourcesOf(target) {
		rank[r.Key] = i + 1
	}
	if target == pipelines.StatsTarget && len(rank) == 0 {
		for i, c := range w.cat.StatsCounters {
			rank[c.Name] = i + 1
		}
	}
	var out []result
	for _, r := range w.data.results {
		if r.target == target {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ra, rb := rank[a.resource], rank[b.resource]
		if ra == 0 {
			ra = len(rank) + 1
		}
		if rb == 0 {
			rb = len(rank) + 1
		}
		if ra != rb {
			return ra < rb
		}
		if a.resource != b.resource {
			return a.resource < b.resource
		}
		return a.start.Before(b.start)
	})
	return out
}

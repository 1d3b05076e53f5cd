package reports

// What the sheets of the inspection log, volumes, business-vs-statistics
// check and schema drift read, and the rules they apply (pipelines).

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// opsMore is the data of the sheets added for issue 11.
type opsMore struct {
	checks    map[string][]pipelines.DailyCheck // by day
	workbooks map[string]warehouse.Workbook     // daily workbooks by day
	volumes   []ledger.Volume
	diffs     []caseFlowDiff
	markStyle int // the style of a marked figure, once created
}

func loadMore(ctx context.Context, db *sql.DB, latest warehouse.Querier, cat *pipelines.Catalog, p Period, lang string) (opsMore, error) {
	var m opsMore
	var err error
	rs := ledger.NewResults(db)
	if m.checks, err = rs.DailyChecks(ctx, p.span()); err != nil {
		return m, fmt.Errorf("daily checks of %s: %w", p, err)
	}
	if lang == "" {
		lang = "zh"
	}
	if m.workbooks, err = warehouse.DailyWorkbooks(ctx, db, p.Start, p.End, lang); err != nil {
		return m, fmt.Errorf("daily workbooks of %s: %w", p, err)
	}
	if m.volumes, err = ledger.NewResults(latest).VolumesOf(ctx, latestTable); err != nil {
		return m, fmt.Errorf("volumes of %s: %w", p, err)
	}
	if m.diffs, err = loadCaseFlowDiffs(ctx, db, cat, p); err != nil {
		return m, err
	}
	return m, nil
}

// caseFlowCounters are the counters of stats.case_eval the case-flow
// sheets show, in their column order.
var caseFlowCounters = []string{"report_cnt", "file_cnt", "dispatch_cnt", "handle_cnt", "close_cnt", "need_close_cnt", "ontime_close_cnt"}

// caseFlowDiff is one case-flow figure (district × month × counter) the
// statistics check found inconsistent with the business database.
type caseFlowDiff struct {
	districtID int64
	month      time.Time
	counter    int   // index in caseFlowCounters
	delta      int64 // statistics − business
}

// loadCaseFlowDiffs sums, per district, month and counter, how far the
// statistics database's per-case counters are from the business
// database's for the cases the statistics check found inconsistent.
func loadCaseFlowDiffs(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, p Period) ([]caseFlowDiff, error) {
	if cat == nil {
		return nil, nil
	}
	has, err := tableExists(ctx, db, "stats", "case_eval")
	if err != nil || !has {
		return nil, err
	}
	if has, err = tableExists(ctx, db, "biz", "cases"); err != nil || !has {
		return nil, err
	}
	ds, err := reconcile.CaseCounterDiffs(ctx, db, cat, p.Start, p.End, caseFlowCounters)
	if err != nil {
		return nil, fmt.Errorf("case flow of %s against the business DB: %w", p, err)
	}
	idx := map[string]int{}
	for i, c := range caseFlowCounters {
		idx[c] = i
	}
	type key struct {
		d int64
		m time.Time
		c int
	}
	sum := map[key]int64{}
	var order []key
	for _, d := range ds {
		k := key{d.DistrictID, time.Date(d.StatDate.Year(), d.StatDate.Month(), 1, 0, 0, 0, 0, pipelines.Shanghai), idx[d.Counter]}
		if _, ok := sum[k]; !ok {
			order = append(order, k)
		}
		sum[k] += d.Stats - d.Biz
	}
	var out []caseFlowDiff
	for _, k := range order {
		if sum[k] != 0 {
			out = append(out, caseFlowDiff{districtID: k.d, month: k.m, counter: k.c, delta: sum[k]})
		}
	}
	return out, nil
}

// inspectionLog applies the inspection rule to the period's days.
func (w *opsWriter) inspectionLog() []pipelines.Inspection {
	dl := w.opts.InspectionDeadline
	if dl == 0 {
		dl = pipelines.DefaultInspectionDeadline
	}
	return pipelines.InspectionLog(w.p.days(), w.data.more.checks, dl, w.data.firstRun, w.now)
}

// clock is a deadline after a day's end as the next morning's hh:mm (or
// hours past 24).
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// periodTitle is the period as the titles name it: the kind of report
// and the period, e.g. "月度，2026-11" or "monthly, 2026-11".
func periodTitle(p Period, lang string) string {
	ml := moreLabels(lang)
	sep := "，"
	if lang == "en" {
		sep = ", "
	}
	if k, ok := ml.reportKinds[p.Kind]; ok {
		return k + sep + p.String()
	}
	return p.String()
}

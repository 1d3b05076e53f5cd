package reports

// The sheets of the daily workbook, in workbook order: 汇总, one per
// target, 缺失明细, 问题台账, 业务统计一致性.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

func diffOf(r result, row int, expectedCol, receivedCol string) any {
	if !r.expected.Valid || !r.recvd.Valid {
		return nil
	}
	return formula{
		expr:  fmt.Sprintf("%[2]s%[1]d-%[3]s%[1]d", row, receivedCol, expectedCol),
		value: r.recvd.Int64 - r.expected.Int64,
	}
}

// summaryVerdicts are the finding verdicts with a column in the summary:
// the anomaly check's only where it ran (its pseudo-target has a row).
func (w *dailyWriter) summaryVerdicts() []pipelines.Status {
	for _, s := range w.data.summary {
		if s.Target == pipelines.SourceTarget {
			return findingVerdicts
		}
	}
	return slices.DeleteFunc(slices.Clone(findingVerdicts), func(v pipelines.Status) bool { return v == pipelines.StatusAnomaly })
}

func (w *dailyWriter) summary(context.Context) error {
	lbl, st := w.lbl, w.wb.st
	verdicts := w.summaryVerdicts()
	cols := []colSpec{
		{label: lbl.colTarget, kind: colText},
		{label: lbl.colResources, kind: colInt, max: 10},
		{label: lbl.colChecked, kind: colInt, max: 10},
		{label: lbl.colDue, kind: colInt, max: 10},
		{label: lbl.verdict(pipelines.StatusOK), kind: colInt, max: 10},
	}
	for _, s := range verdicts {
		cols = append(cols, colSpec{label: lbl.verdict(s), kind: colInt, max: 10})
	}
	cols = append(cols,
		colSpec{label: lbl.verdict(pipelines.StatusPending), kind: colInt, max: 10},
		colSpec{label: lbl.colRAG, kind: colText, max: 10})

	var rows [][]any
	total := map[pipelines.Status]int{}
	var resources, checked, due int
	for _, s := range w.data.summary {
		row := []any{w.targetName(s.Target), s.Resources, s.Checked, s.Due, s.OK()}
		for _, v := range verdicts {
			row = append(row, s.Counts[v])
		}
		row = append(row, s.Counts[pipelines.StatusPending])
		rag := s.RAG()
		row = append(row, styled{value: lbl.ragLabels[rag], style: st.rag[rag]})
		rows = append(rows, row)
		for k, n := range s.Counts {
			total[k] += n
		}
		resources, checked, due = resources+s.Resources, checked+s.Checked, due+s.Due
	}
	info := w.runInfoRows()
	wd := newWidths(len(cols))
	for _, r := range rows {
		for i, v := range r {
			wd.measure(i, v)
		}
	}
	wd.measure(0, lbl.total)
	for _, r := range info {
		wd.measure(0, r[0])
	}
	t, err := w.wb.newTable(sheetName(lbl.sheetSummary, w.used), fmt.Sprintf(lbl.titleSummary, w.d), cols, wd)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := t.add(r...); err != nil {
			return err
		}
	}
	lastTarget := t.row
	// The total row: SUM of each count column, cached values included.
	tot := []any{styled{value: lbl.total, style: st.totalText}}
	vals := []int{resources, checked, due, total[pipelines.StatusOK]}
	for _, v := range verdicts {
		vals = append(vals, total[v])
	}
	vals = append(vals, total[pipelines.StatusPending])
	for i, v := range vals {
		c := colName(i + 1)
		tot = append(tot, styled{
			value: columnSum(c, lastTarget, v),
			style: st.totalInt,
		})
	}
	rag := pipelines.RAGOf(total)
	tot = append(tot, styled{value: lbl.ragLabels[rag], style: st.rag[rag]})
	if err := t.add(tot...); err != nil {
		return err
	}
	t.row++ // a blank row before the run information
	for _, r := range info {
		if err := t.addRaw(excelize.Cell{StyleID: st.label, Value: r[0]}, r[1]); err != nil {
			return err
		}
	}
	return t.finish(lastTarget)
}

// runInfoRows are the label/value pairs below the summary table.
func (w *dailyWriter) runInfoRows() [][2]string {
	lbl, info := w.lbl, w.data.info
	out := [][2]string{{lbl.infoRun, info.id}}
	if info.hasStart {
		end := ""
		if info.hasEnd {
			end = info.finished.Format(hm)
		}
		out = append(out, [2]string{lbl.infoRunTime, fmt.Sprintf(lbl.runTimeText, info.started.Format(hm), end, lbl.runState(info.status))})
	}
	if len(info.snapshots) == 0 {
		out = append(out, [2]string{lbl.infoNoSnapshot, "—"})
	}
	for _, s := range info.snapshots {
		text := fmt.Sprintf(lbl.noLag, s.at.Format(hm))
		if s.lag.Valid {
			text = fmt.Sprintf(lbl.snapshotText, s.at.Format(hm), fmt.Sprintf(lbl.lagText, s.lag.Float64))
		}
		out = append(out, [2]string{fmt.Sprintf(lbl.infoSnapshot, s.source), text})
	}
	out = append(out,
		[2]string{lbl.infoGenerated, w.now.Format(hm)},
		[2]string{lbl.infoProducer, w.opts.Producer},
		[2]string{lbl.infoRule, fmt.Sprintf(lbl.ruleText, w.d.day.Format(hm), w.d.day.AddDate(0, 0, 1).Format(hm))},
		[2]string{lbl.colRAG, lbl.ragLegend},
	)
	return out
}

// windowCols are the columns of a per-target sheet; the difference is
// column J (received I − expected G) and the verdict column K.
func (w *dailyWriter) windowCols() []colSpec {
	lbl := w.lbl
	return []colSpec{
		{label: lbl.colResKey, kind: colText, max: 28},
		{label: lbl.colResName, kind: colWrap, max: 30},
		{label: lbl.colCadence, kind: colText, max: 18},
		{label: lbl.colWinStart, kind: colTime},
		{label: lbl.colWinEnd, kind: colTime},
		{label: lbl.colDeadline, kind: colTime},
		{label: lbl.colExpected, kind: colInt, max: 12},
		{label: lbl.colClaimed, kind: colInt, max: 12},
		{label: lbl.colReceived, kind: colInt, max: 12},
		{label: lbl.colDiff, kind: colInt, max: 12},
		{label: lbl.colVerdict, kind: colText, max: 14},
		{label: lbl.colLevel, kind: colText, max: 10},
		{label: lbl.colDetail, kind: colWrap, max: 50},
	}
}

func (w *dailyWriter) targets(ctx context.Context) error {
	for _, target := range w.targetOrder() {
		if target == pipelines.StatsTarget {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.targetSheet(target); err != nil {
			return err
		}
	}
	return nil
}

func (w *dailyWriter) targetSheet(target string) error {
	lbl := w.lbl
	cols := w.windowCols()
	if target == pipelines.SourceTarget {
		// a source's count against its history: no push, no claim.
		cols[2].label, cols[6].label, cols[8].label, cols[9].label = lbl.colBucket, lbl.colMedian, lbl.colCounted, lbl.colCountDiff
	}
	res := w.resultsOf(target)
	row := func(r result, n int) []any {
		var deadline any
		if r.hasDeadline {
			deadline = r.deadline
		}
		cadence := w.cadence(target, r.resource)
		if target == pipelines.SourceTarget {
			cadence = w.bucketOf(r)
		}
		return []any{
			r.resource, w.resourceName(target, r.resource), cadence,
			r.start, r.end, deadline, r.expected, r.claimed, r.recvd,
			diffOf(r, n, "G", "I"), lbl.verdict(r.status), lbl.level(r.level.Int64, r.level.Valid), r.detail,
		}
	}
	wd := newWidths(len(cols))
	measureRows(wd, res, row)
	name := w.targetName(target)
	title := fmt.Sprintf(lbl.titleTarget, name, w.d)
	if target == pipelines.SourceTarget {
		title = fmt.Sprintf(lbl.titleSource, w.d)
	}
	t, err := w.wb.newTable(sheetName(name, w.used), title, cols, wd)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: w.wb.st.note, Value: lbl.noResults}); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	if err := addRows(t, res, row); err != nil {
		return err
	}
	if err := t.verdictRules(10, t.row); err != nil {
		return err
	}
	return t.finish(t.row)
}

func (w *dailyWriter) keys(ctx context.Context) error {
	lbl, st := w.lbl, w.wb.st
	limit := w.opts.KeysPerFinding
	n, maxKey, maxOcc, err := keyStats(ctx, w.db, w.d, w.run)
	if err != nil {
		return err
	}
	cols := []colSpec{
		{label: lbl.colTarget, kind: colText, max: 24},
		{label: lbl.colResName, kind: colWrap, max: 30},
		{label: lbl.colWinStart, kind: colTime},
		{label: lbl.colKind, kind: colText, max: 12},
		{label: lbl.colKey, kind: colText, max: 60},
		{label: lbl.colOccurrences, kind: colInt, max: 12},
	}
	// Measure without reading the keys twice: names come from the
	// results, the key width from keyStats.
	wd := newWidths(len(cols))
	var pairs []ledger.Pair
	seen := map[ledger.Pair]bool{}
	for _, target := range w.targetOrder() {
		for _, r := range w.resultsOf(target) {
			p := ledger.Pair{Target: r.target, Resource: r.resource}
			if !seen[p] {
				seen[p] = true
				pairs = append(pairs, p)
			}
		}
	}
	if n > 0 {
		for _, p := range pairs {
			wd.measure(0, w.targetName(p.Target))
			wd.measure(1, w.resourceName(p.Target, p.Resource))
		}
		wd.fit(2, timeWidth)
		for _, k := range lbl.kinds {
			wd.measure(3, k)
		}
		wd.fit(4, int(maxKey))
		wd.measure(5, maxOcc)
		wd.measure(4, fmt.Sprintf(lbl.keysCapped, n, limit))
	}
	t, err := w.wb.newTable(sheetName(lbl.sheetKeys, w.used), fmt.Sprintf(lbl.titleKeys, w.d), cols, wd)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: lbl.noKeys}); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	// Too many rows to hold: declare the last row and stream them.
	listRows, err := keyListRows(ctx, w.db, w.d, w.run, limit)
	if err != nil {
		return err
	}
	last := int64(headerRow) + listRows
	if last >= int64(w.maxRows) {
		last = int64(w.maxRows) // the rows that fit, then the note saying so
	}
	if err := t.streamTo(int(last)); err != nil {
		return err
	}
	// Stop one row short of Excel's last row and say so there.
	errFull := errors.New("sheet full")
	listed := int64(0)
	// The names of the pair being listed.
	cur, tn, rn := -1, "", ""
	err = eachKey(ctx, w.db, w.d, w.run, pairs, limit, func(k keyRow) error {
		if k.pair != cur {
			p := pairs[k.pair]
			cur, tn, rn = k.pair, w.targetName(p.Target), w.resourceName(p.Target, p.Resource)
		}
		if t.row >= w.maxRows-1 {
			return errFull
		}
		if err := t.add(tn, rn, k.start, lbl.kind(k.kind), k.key, k.occurrences); err != nil {
			return err
		}
		listed++
		if k.rank == int64(limit) && k.total > int64(limit) {
			if t.row >= w.maxRows-1 {
				return errFull
			}
			return t.add(tn, rn, k.start, nil, styled{value: fmt.Sprintf(lbl.keysCapped, k.total, limit), style: st.noteBorder}, nil)
		}
		return nil
	})
	if errors.Is(err, errFull) {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: fmt.Sprintf(lbl.keysSheetFull, listed, n)}); err != nil {
			return err
		}
		return t.finish(t.row - 1)
	}
	if err != nil {
		return err
	}
	return t.finish(t.row)
}

func (w *dailyWriter) findings(context.Context) error {
	lbl := w.lbl
	cols := []colSpec{
		{label: lbl.colFindingID, kind: colText, max: 20},
		{label: lbl.colTarget, kind: colText, max: 24},
		{label: lbl.colResName, kind: colWrap, max: 30},
		{label: lbl.colWinStart, kind: colTime},
		{label: lbl.colWinEnd, kind: colTime},
		{label: lbl.colVerdict, kind: colText, max: 14},
		{label: lbl.colLevel, kind: colText, max: 10},
		{label: lbl.colFirstSeen, kind: colTime},
		{label: lbl.colLastSeen, kind: colTime},
		{label: lbl.colResolvedAt, kind: colTime},
		{label: lbl.colRespondBy, kind: colTime},
		{label: lbl.colResolveBy, kind: colTime},
		{label: lbl.colMet, kind: colText, max: 10},
	}
	row := func(f finding) []any {
		met := ""
		if f.resolveBy.Valid {
			switch pipelines.Judge(warehouse.FromWall(f.resolvedAt.Time), warehouse.FromWall(f.resolveBy.Time), w.now) {
			case pipelines.InTime:
				met = lbl.metYes
			case pipelines.Late, pipelines.Overdue:
				met = lbl.metNo
			default:
				met = lbl.metNotDue
			}
		}
		return []any{
			f.id, w.targetName(f.target), w.resourceName(f.target, f.resource), f.start, f.end,
			lbl.verdict(f.status), lbl.level(f.level.Int64, f.level.Valid),
			f.firstSeen, f.lastSeen, f.resolvedAt, f.respondBy, f.resolveBy, met,
		}
	}
	wd := newWidths(len(cols))
	for _, f := range w.data.findings {
		for i, v := range row(f) {
			wd.measure(i, v)
		}
	}
	t, err := w.wb.newTable(sheetName(lbl.sheetFindings, w.used), fmt.Sprintf(lbl.titleFind, w.d), cols, wd)
	if err != nil {
		return err
	}
	if len(w.data.findings) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: w.wb.st.note, Value: lbl.noFindings}); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	for _, f := range w.data.findings {
		if err := t.add(row(f)...); err != nil {
			return err
		}
	}
	if err := t.verdictRules(5, t.row); err != nil {
		return err
	}
	return t.finish(t.row)
}

func (w *dailyWriter) stats(context.Context) error {
	lbl := w.lbl
	cols := []colSpec{
		{label: lbl.colCheck, kind: colText, max: 28},
		{label: lbl.colCheckName, kind: colWrap, max: 30},
		{label: lbl.colWinStart, kind: colTime},
		{label: lbl.colWinEnd, kind: colTime},
		{label: lbl.colBiz, kind: colInt, max: 14},
		{label: lbl.colStats, kind: colInt, max: 14},
		{label: lbl.colStatsDiff, kind: colInt, max: 12},
		{label: lbl.colVerdict, kind: colText, max: 14},
		{label: lbl.colLevel, kind: colText, max: 10},
		{label: lbl.colDetail, kind: colWrap, max: 50},
	}
	res := w.resultsOf(pipelines.StatsTarget)
	row := func(r result, n int) []any {
		return []any{
			r.resource, w.resourceName(pipelines.StatsTarget, r.resource), r.start, r.end, r.expected, r.recvd,
			diffOf(r, n, "E", "F"), lbl.verdict(r.status), lbl.level(r.level.Int64, r.level.Valid), r.detail,
		}
	}
	wd := newWidths(len(cols))
	measureRows(wd, res, row)
	t, err := w.wb.newTable(sheetName(lbl.sheetStats, w.used), fmt.Sprintf(lbl.titleStats, w.d), cols, wd)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: w.wb.st.note, Value: lbl.noStats}); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	if err := addRows(t, res, row); err != nil {
		return err
	}
	if err := t.verdictRules(7, t.row); err != nil {
		return err
	}
	return t.finish(t.row)
}

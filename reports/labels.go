package reports

import (
	"fmt"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// labelSet holds every text a workbook shows, in one language. All labels
// live in this file; the writers never spell a label themselves.
type labelSet struct {
	fileStem string // file name before "_2026-11-21.xlsx"
	lang     string // document language
	nameEN   bool   // show targets by their English names

	title    string // workbook title; %s is the day
	subject  string
	keywords string

	// Sheet names and titles (%s is the day, or the target name and day).
	sheetSummary, titleSummary string
	titleTarget                string // %[1]s target name, %[2]s day
	sheetKeys, titleKeys       string
	sheetFindings, titleFind   string
	sheetStats, titleStats     string

	// 汇总 columns.
	colTarget, colResources, colChecked, colDue, colRAG, total string
	ragLabels                                                  map[RAG]string
	ragLegend                                                  string

	// Run information below the summary table.
	infoRun, infoRunTime, infoSnapshot, infoNoSnapshot, infoGenerated, infoProducer, infoRule string
	ruleText                                                                                  string // %[1]s day start, %[2]s next day start
	snapshotText                                                                              string // %[1]s snapshot time, %[2]s lag
	noLag, lagText, runTimeText                                                               string // runTimeText: %[1]s start, %[2]s end, %[3]s status

	// Per-target sheet columns.
	colResKey, colResName, colCadence, colWinStart, colWinEnd, colDeadline string
	colExpected, colClaimed, colReceived, colDiff, colVerdict, colLevel    string
	// the anomaly check's sheet: a count against its history's median.
	colMedian, colCounted, colCountDiff, colBucket string
	bucketDay, bucketHour, titleSource             string
	colDetail, noResults                           string

	// 缺失明细 columns.
	colKind, colKey, colOccurrences, keysCapped, noKeys string // keysCapped: %[1]d total, %[2]d shown
	keysSheetFull                                       string // %[1]d listed, %[2]d in all

	// 问题台账 columns.
	colFindingID, colFirstSeen, colLastSeen, colResolvedAt, colRespondBy, colResolveBy, colMet string
	metYes, metNo, metNotDue, noFindings                                                       string

	// 业务统计一致性 columns.
	colCheck, colCheckName, colBiz, colStats, colStatsDiff, statsTarget, sourceTarget, noStats string

	header, footer string // header/footer templates; %s is the day

	runStatus map[string]string // audit.runs.status

	verdicts map[pipelines.Status]string
	kinds    map[string]string
	levels   [5]string // index 1..4
	cadences map[pipelines.Cadence]string
}

var labelSets = map[string]*labelSet{
	"zh": {
		fileStem: "数据对接日检表",
		lang:     "zh-CN",
		title:    "数据对接日检表（%s）",
		subject:  "成都市数字城管数据对接日检：应推、已推、已收核对",
		keywords: "数字城管;数据对接;日检",

		sheetSummary: "汇总", titleSummary: "数据对接日检表（%s）",
		titleTarget: "%[1]s 推送核对明细（%[2]s）",
		sheetKeys:   "缺失明细", titleKeys: "缺失明细（%s）",
		sheetFindings: "问题台账", titleFind: "问题台账（%s）",
		sheetStats: "业务统计一致性", titleStats: "业务库与统计库一致性（%s）",

		colTarget: "目标系统", colResources: "资源数", colChecked: "已核对资源", colDue: "应核对窗口",
		colRAG: "状态", total: "合计",
		ragLabels: map[RAG]string{RAGGreen: "绿", RAGAmber: "黄", RAGRed: "红", RAGNone: "无结果"},
		ragLegend: "绿：全部正常；黄：仅有延迟、未到期或无法核验；红：有漏推、少推、多推、重复、推送失败、数值不符或长时间未推送；无结果：当日没有核对结果",

		infoRun: "核对批次", infoRunTime: "核对时间", infoSnapshot: "数据快照 %s", infoNoSnapshot: "数据快照",
		infoGenerated: "生成时间", infoProducer: "生成程序", infoRule: "统计口径",
		ruleText:     "窗口结束时间在 %[1]s（不含）至 %[2]s（含）之间的核对结果，北京时间",
		snapshotText: "%[1]s，从库延迟 %[2]s",
		noLag:        "%[1]s，主库（无从库延迟）",
		lagText:      "%.1f 秒",
		runTimeText:  "%[1]s 至 %[2]s（%[3]s）",

		colResKey: "资源编号", colResName: "资源名称", colCadence: "推送频率",
		colWinStart: "窗口开始", colWinEnd: "窗口结束", colDeadline: "截止时间",
		colExpected: "应推", colClaimed: "已推", colReceived: "已收", colDiff: "差异（已收−应推）",
		colMedian: "前几周同期中位数", colCounted: "本期数量", colCountDiff: "差异（本期−中位数）", colBucket: "统计粒度",
		bucketDay: "按日", bucketHour: "按小时", titleSource: "数据源总量异常检测（%s，与前几周同期比较）",
		colVerdict: "结论", colLevel: "故障等级", colDetail: "说明",
		noResults: "当日无核对结果",

		colKind: "类型", colKey: "键", colOccurrences: "出现次数",
		keysCapped:    "… 共 %[1]d 条，仅列前 %[2]d 条",
		noKeys:        "当日无键级明细",
		keysSheetFull: "… 已达 Excel 行数上限：列出 %[1]d 条，共 %[2]d 条，其余请查询数据仓库 audit.result_keys",

		colFindingID: "问题编号", colFirstSeen: "首次发现", colLastSeen: "最近发现", colResolvedAt: "解决时间",
		colRespondBy: "响应时限", colResolveBy: "解决时限", colMet: "按时解决",
		metYes: "是", metNo: "否", metNotDue: "未到期",
		noFindings: "当日无问题记录",

		colCheck: "检查项", colCheckName: "名称", colBiz: "业务库", colStats: "统计库", colStatsDiff: "差异（统计库−业务库）",
		statsTarget:  "业务统计一致性",
		sourceTarget: "数据源（总量异常）",
		noStats:      "未发现业务库与统计库一致性核对结果（目标 stats）",

		header: "&L数据对接日检表 %s&R&A",
		footer: "&L%s&R第 &P 页，共 &N 页",

		runStatus: map[string]string{"ok": "完成，无问题", "findings": "完成，发现问题", "failed": "失败", "running": "运行中"},

		verdicts: func() map[pipelines.Status]string {
			m := map[pipelines.Status]string{}
			for _, s := range pipelines.Statuses {
				m[s] = s.ZH()
			}
			return m
		}(),
		kinds:  map[string]string{"missing": "缺失", "extra": "多余", "duplicate": "重复", "mismatch": "数值不符"},
		levels: [5]string{"", "一级", "二级", "三级", "四级"},
		cadences: func() map[pipelines.Cadence]string {
			m := map[pipelines.Cadence]string{}
			for _, c := range pipelines.Cadences {
				m[c] = c.ZH()
			}
			return m
		}(),
	},
	"en": {
		fileStem: "daily-reconciliation",
		lang:     "en",
		nameEN:   true,
		title:    "Daily reconciliation (%s)",
		subject:  "Chengdu digital urban management data exchange: expected, claimed and received",
		keywords: "data exchange;daily reconciliation",

		sheetSummary: "Summary", titleSummary: "Daily reconciliation (%s)",
		titleTarget: "%[1]s: windows (%[2]s)",
		sheetKeys:   "Keys", titleKeys: "Missing and extra keys (%s)",
		sheetFindings: "Findings", titleFind: "Findings ledger (%s)",
		sheetStats: "Business vs statistics", titleStats: "Business DB vs statistics DB (%s)",

		colTarget: "Target", colResources: "Resources", colChecked: "Checked", colDue: "Windows due",
		colRAG: "RAG", total: "Total",
		ragLabels: map[RAG]string{RAGGreen: "green", RAGAmber: "amber", RAGRed: "red", RAGNone: "no results"},
		ragLegend: "green: all ok; amber: only late, pending or unverifiable; red: missed, short, excess, duplicate, failed, mismatch or stale; no results: nothing reconciled for the day",

		infoRun: "Run", infoRunTime: "Run time", infoSnapshot: "Snapshot %s", infoNoSnapshot: "Snapshot",
		infoGenerated: "Generated at", infoProducer: "Producer", infoRule: "Day rule",
		ruleText:     "results whose window ends after %[1]s and at or before %[2]s, Asia/Shanghai",
		snapshotText: "%[1]s, replica lag %[2]s",
		noLag:        "%[1]s, primary (no replica lag)",
		lagText:      "%.1f s",
		runTimeText:  "%[1]s to %[2]s (%[3]s)",

		colResKey: "Resource key", colResName: "Resource", colCadence: "Cadence",
		colWinStart: "Window start", colWinEnd: "Window end", colDeadline: "Deadline",
		colExpected: "Expected", colClaimed: "Claimed", colReceived: "Received", colDiff: "Difference",
		colMedian: "Median of earlier weeks", colCounted: "Counted", colCountDiff: "Difference (counted − median)", colBucket: "Bucket",
		bucketDay: "daily", bucketHour: "hourly", titleSource: "Source volume anomalies (%s, against the same weekday of earlier weeks)",
		colVerdict: "Verdict", colLevel: "Fault level", colDetail: "Detail",
		noResults: "no results for the day",

		colKind: "Kind", colKey: "Key", colOccurrences: "Occurrences",
		keysCapped:    "… %[1]d in all, first %[2]d listed",
		noKeys:        "no key-level detail for the day",
		keysSheetFull: "… Excel's row limit reached: %[1]d listed of %[2]d; query audit.result_keys in the warehouse for the rest",

		colFindingID: "Finding", colFirstSeen: "First seen", colLastSeen: "Last seen", colResolvedAt: "Resolved at",
		colRespondBy: "Respond by", colResolveBy: "Resolve by", colMet: "Met",
		metYes: "yes", metNo: "no", metNotDue: "not due",
		noFindings: "no findings for the day",

		colCheck: "Check", colCheckName: "Name", colBiz: "Business DB", colStats: "Statistics DB", colStatsDiff: "Difference",
		statsTarget:  "Business vs statistics",
		sourceTarget: "Sources (volume anomalies)",
		noStats:      "no business vs statistics results (target stats)",

		header: "&LDaily reconciliation %s&R&A",
		footer: "&L%s&RPage &P of &N",

		runStatus: map[string]string{"ok": "finished, all ok", "findings": "finished with findings", "failed": "failed", "running": "running"},

		verdicts: map[pipelines.Status]string{
			pipelines.StatusOK: "ok", pipelines.StatusPending: "pending", pipelines.StatusMissed: "missed",
			pipelines.StatusShort: "short", pipelines.StatusExcess: "excess", pipelines.StatusDuplicate: "duplicate",
			pipelines.StatusLate: "late", pipelines.StatusFailed: "failed", pipelines.StatusMismatch: "mismatch",
			pipelines.StatusStale: "stale", pipelines.StatusUnverifiable: "unverifiable",
			pipelines.StatusAnomaly: "source anomaly",
		},
		kinds:  map[string]string{"missing": "missing", "extra": "extra", "duplicate": "duplicate", "mismatch": "mismatch"},
		levels: [5]string{"", "level 1", "level 2", "level 3", "level 4"},
		cadences: map[pipelines.Cadence]string{
			pipelines.Every10m: "every 10 min", pipelines.Every30m: "every 30 min", pipelines.Hourly: "hourly",
			pipelines.DailyAfter2300: "daily after 23:00", pipelines.Once: "once", pipelines.MediaCopy: "media copy",
		},
	},
}

// labelsFor returns the label set of lang ("" is Chinese).
func labelsFor(lang string) (*labelSet, error) {
	if lang == "" {
		lang = "zh"
	}
	l, ok := labelSets[lang]
	if !ok {
		return nil, fmt.Errorf("language %q: want zh or en", lang)
	}
	return l, nil
}

func (l *labelSet) verdict(s pipelines.Status) string {
	if v, ok := l.verdicts[s]; ok {
		return v
	}
	return string(s)
}

func (l *labelSet) runState(s string) string {
	if v, ok := l.runStatus[s]; ok {
		return v
	}
	return s
}

func (l *labelSet) kind(k string) string {
	if v, ok := l.kinds[k]; ok {
		return v
	}
	return k
}

func (l *labelSet) level(n int64, valid bool) string {
	if !valid || n < 1 || n > 4 {
		return ""
	}
	return l.levels[n]
}

func (l *labelSet) cadence(c pipelines.Cadence) string {
	if v, ok := l.cadences[c]; ok {
		return v
	}
	return string(c)
}

// findingVerdicts are the verdicts that get a column of their own in the
// summary, in report order.
var findingVerdicts = []pipelines.Status{
	pipelines.StatusMissed, pipelines.StatusShort, pipelines.StatusExcess,
	pipelines.StatusDuplicate, pipelines.StatusLate, pipelines.StatusFailed,
	pipelines.StatusMismatch, pipelines.StatusStale, pipelines.StatusAnomaly, pipelines.StatusUnverifiable,
}

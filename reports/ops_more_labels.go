package reports

// The texts of the operations report's sheets of the inspection log,
// volumes, business-vs-statistics check, schema drift and the sections
// people fill in (ops_inspection.go, ops_volumes.go, ops_statscheck.go,
// ops_drift.go, ops_manual.go), and the period words of the titles.

type opsMoreLabels struct {
	// Titles: the kind of report (月度 …) and the deductions sheet's
	// title by kind; %[1]s is the period, %[2]s the kind.
	reportKinds map[PeriodKind]string
	titleDeduct map[PeriodKind]string

	// 日常巡检记录
	sheetInspect, titleInspect                          string
	colDay, colDeadline, colCheckedAt, colRun, colState string
	colWindows, colOK, colLate, colMissed, colOther     string
	colUnver, colPending, colFound, colRuns             string
	colWorkbook, colWritten                             string
	states                                              map[int]string // pipelines.InspectionState
	found, foundNone                                    string         // found: %[1]d windows %[2]d problems
	inspectNote                                         string         // %[1]s deadline, %[2]d due, %[3]d in time, %[4]d late, %[5]d missing

	// 推送量
	sheetVolumes, titleVolumes                         string
	colMonth, colDue, colComplete, colRateWindows      string
	colExpected, colClaimed, colReceived, colDelivered string
	colRateRows, volumesNote, noVolumes                string

	// 业务统计核对
	sheetStats, titleStats                                    string
	colCheck, colDaysChecked, colDaysOK, colDaysDiff          string
	colDaysUnver, colCounters, colKeysDiff, colDaysPending    string
	checkNames                                                map[string]string
	colDistrict, colCounter, colStatsFig, colBizFig, colDiff  string
	statsNote, noStatsCheck, diffHeader, noDiffs, markComment string // markComment: %s the business figure

	// 表结构变更
	sheetDrift, titleDrift                       string
	colDetected, colSource, colTable, colChange  string
	colSnapRun, driftNote, noDrift, driftUnknown string

	// 运行与保障（人工填写）
	sheetManual, titleManual, colSection, colItem, colFill, colHint, colBy, colDate string
	manualNote                                                                      string
	manual                                                                          [][3]string // section, item, hint
}

var opsMoreLabelSets = map[string]*opsMoreLabels{
	"zh": {
		reportKinds: map[PeriodKind]string{PeriodHalfMonth: "半月", PeriodMonth: "月度", PeriodQuarter: "季度", PeriodYear: "年度"},
		titleDeduct: map[PeriodKind]string{
			PeriodHalfMonth: "考核扣分：本半月数据项预计扣分，计入所在季度考核（%[1]s）",
			PeriodMonth:     "考核扣分：本月数据项预计扣分，计入所在季度考核（%[1]s）",
			PeriodQuarter:   "季度考核：数据项预计扣分（%[1]s）",
			PeriodYear:      "年度考核：数据项预计扣分（%[1]s）",
		},

		sheetInspect: "日常巡检记录", titleInspect: "日常巡检记录：每日核对（%s）",
		colDay: "日期", colDeadline: "巡检截止", colCheckedAt: "巡检完成时间", colRun: "核对批次", colState: "是否按时",
		colWindows: "核对窗口", colOK: "正常", colLate: "延迟", colMissed: "漏推", colOther: "其他问题",
		colUnver: "无法核验", colPending: "未到期", colFound: "发现", colRuns: "当日核对次数",
		colWorkbook: "日检表", colWritten: "日检表生成时间",
		states: map[int]string{0: "按时", 1: "补查（超时，不计）", 2: "缺失", 3: "未到截止时间", 4: "本程序运行前（不计）"},
		found:  "核对 %[1]d 个窗口，发现问题 %[2]d 个", foundNone: "核对 %d 个窗口，未发现问题",
		inspectNote: "巡检：日终后、截止时间（次日 %[1]s）前完成的核对批次（reconcile），取最早完成的一次；" +
			"截止后才完成的核对（事后补查）不计为当日巡检。应巡检 %[2]d 天，按时 %[3]d 天，补查 %[4]d 天，缺失 %[5]d 天。" +
			"截止时间由配置项 inspection_deadline 设定。",

		sheetVolumes: "推送量", titleVolumes: "推送量：按目标系统、资源和月份（%s）",
		colMonth: "月份", colDue: "应推窗口", colComplete: "完整窗口", colRateWindows: "窗口完整率",
		colExpected: "应推行数", colClaimed: "声明推送行数", colReceived: "实收行数", colDelivered: "有效到达行数",
		colRateRows: "行完整率",
		volumesNote: "应推行数为业务库按资源定义应推送的行数，声明推送行数为推送日志所记，实收行数为前置库所存；" +
			"行数只计可核验的已到期窗口；有效到达行数为各窗口实收与应推两者中较小者之和（多推不抵少推）；" +
			"行完整率 = 有效到达行数 / 应推行数；窗口完整率 =（按时 + 延迟）/（应推窗口 − 无法核验）。",
		noVolumes: "报告期内无核对结果",

		sheetStats: "业务统计核对", titleStats: "业务库与统计库核对（%s）",
		colCheck: "核对项", colDaysChecked: "核对天数", colDaysOK: "一致", colDaysDiff: "不一致",
		colDaysUnver: "无法核验", colCounters: "核对指标数", colKeysDiff: "不一致记录数", colDaysPending: "未到期",
		checkNames: map[string]string{
			"case_eval":            "案件考评结果（stats.case_eval，逐案）",
			"daily_district_stats": "区县日汇总（stats.daily_district_stats）",
		},
		colDistrict: "区县", colCounter: "指标", colStatsFig: "统计库", colBizFig: "业务库", colDiff: "差异（统计库 − 业务库）",
		statsNote: "用业务库案卷按目录中的指标定义重算统计库的指标，逐案（或逐区县）比对；不一致记录为指标不符的案件（区县）。" +
			"“案件流转”“区县汇总”中取自统计库的数字，凡核对发现与业务库不符的，以红色标出，批注为业务库的数字。",
		noStatsCheck: "报告期内无业务统计核对结果",
		diffHeader:   "案件流转中与业务库不符的数字",
		noDiffs:      "案件流转的数字未发现与业务库不符",
		markComment:  "与业务库不符：业务库为 %s（见“业务统计核对”）",

		sheetDrift: "表结构变更", titleDrift: "数据源表结构变更（%s）",
		colDetected: "发现时间", colSource: "数据源", colTable: "表", colChange: "变更", colSnapRun: "快照批次",
		driftNote:    "每次快照记录各表结构（information_schema），与上一次不同即为变更；数据来自 audit.schema_drift。",
		noDrift:      "报告期内的快照未发现表结构变更",
		driftUnknown: "报告期内的快照未记录表结构，无法判断是否有变更",

		sheetManual: "运行与保障（人工填写）", titleManual: "运行与保障（人工填写，数据仓库无法核实）（%s）",
		colSection: "类别", colItem: "项目", colFill: "情况（请填写）", colHint: "填写说明", colBy: "填写人", colDate: "填写日期",
		manualNote: "本页由运维人员填写后随报告提交：系统运行状态、现场人员配置与数据备份无法从数据仓库核实，本程序不代填。",
		manual: [][3]string{
			{"系统运行状态", "前置机服务器", "运行是否正常、停机时段与原因"},
			{"系统运行状态", "前置库（数据库）", "运行是否正常、存储余量"},
			{"系统运行状态", "数据交换程序", "版本、异常与处置"},
			{"系统运行状态", "网络与专线", "中断时段与原因"},
			{"现场人员配置", "驻场运维人员", "岗位、姓名、在岗天数"},
			{"现场人员配置", "值班安排", "值班表、节假日安排"},
			{"数据备份", "前置库备份", "方式、频率、最近一次备份时间"},
			{"数据备份", "恢复演练", "日期与结果"},
			{"其他", "需要说明的事项", ""},
		},
	},
	"en": {
		reportKinds: map[PeriodKind]string{PeriodHalfMonth: "half-monthly", PeriodMonth: "monthly", PeriodQuarter: "quarterly", PeriodYear: "yearly"},
		titleDeduct: map[PeriodKind]string{
			PeriodHalfMonth: "Deductions: this half-month's estimated deductions for the data items, part of its quarter's assessment (%[1]s)",
			PeriodMonth:     "Deductions: this month's estimated deductions for the data items, part of its quarter's assessment (%[1]s)",
			PeriodQuarter:   "Quarterly assessment: estimated deductions for the data items (%[1]s)",
			PeriodYear:      "Yearly assessment: estimated deductions for the data items (%[1]s)",
		},

		sheetInspect: "Daily inspections", titleInspect: "Daily inspection log (%s)",
		colDay: "Day", colDeadline: "Due by", colCheckedAt: "Checked at", colRun: "Run", colState: "In time",
		colWindows: "Windows", colOK: "OK", colLate: "Late", colMissed: "Missed", colOther: "Other",
		colUnver: "Unverifiable", colPending: "Pending", colFound: "Found", colRuns: "Checks of the day",
		colWorkbook: "Daily workbook", colWritten: "Workbook written",
		states: map[int]string{0: "in time", 1: "late (not counted)", 2: "missing", 3: "not due yet", 4: "before pushaudit (not counted)"},
		found:  "%[1]d windows checked, %[2]d at fault", foundNone: "%d windows checked, none at fault",
		inspectNote: "Inspection: the first reconcile run to finish after the day ended and by the deadline (%[1]s the next morning); " +
			"a check finished after the deadline (a later reconciliation) does not count. %[2]d days due, %[3]d in time, %[4]d late, %[5]d missing. " +
			"The deadline is the config key inspection_deadline.",

		sheetVolumes: "Volumes", titleVolumes: "Push volumes by target, resource and month (%s)",
		colMonth: "Month", colDue: "Windows due", colComplete: "Windows complete", colRateWindows: "Completeness (windows)",
		colExpected: "Rows expected", colClaimed: "Rows claimed", colReceived: "Rows received", colDelivered: "Rows delivered",
		colRateRows: "Completeness (rows)",
		volumesNote: "Expected: rows the business DB says are due; claimed: the push log; received: the front-end DB; " +
			"rows over the windows due and verifiable; delivered: per window the lesser of received and expected (an excess does not make up a shortfall); " +
			"completeness (rows) = delivered / expected; completeness (windows) = (on time + late) / (due − unverifiable).",
		noVolumes: "no results in the period",

		sheetStats: "Business vs stats", titleStats: "Business DB against statistics DB (%s)",
		colCheck: "Check", colDaysChecked: "Days checked", colDaysOK: "Consistent", colDaysDiff: "Inconsistent",
		colDaysUnver: "Unverifiable", colCounters: "Counters", colKeysDiff: "Records differing", colDaysPending: "Pending",
		checkNames: map[string]string{
			"case_eval":            "per-case counters (stats.case_eval)",
			"daily_district_stats": "district daily totals (stats.daily_district_stats)",
		},
		colDistrict: "District", colCounter: "Counter", colStatsFig: "Statistics DB", colBizFig: "Business DB", colDiff: "Difference (stats − business)",
		statsNote: "The statistics DB's counters recomputed from the business DB's cases with the catalog's definitions and compared case by case (or district by district). " +
			"On Cases and Districts, a figure from the statistics DB that the check found inconsistent is marked red, with the business DB's figure in its note.",
		noStatsCheck: "no business-vs-statistics results in the period",
		diffHeader:   "Case-flow figures that differ from the business DB",
		noDiffs:      "no case-flow figure found to differ from the business DB",
		markComment:  "differs from the business DB, which holds %s (see Business vs stats)",

		sheetDrift: "Schema drift", titleDrift: "Schema drift of the sources (%s)",
		colDetected: "Detected at", colSource: "Source", colTable: "Table", colChange: "Change", colSnapRun: "Snapshot run",
		driftNote:    "Every snapshot captures each table's structure (information_schema); a difference from the previous capture is drift (audit.schema_drift).",
		noDrift:      "no schema drift detected by the snapshots of the period",
		driftUnknown: "no snapshot of the period captured the table structures: drift cannot be told",

		sheetManual: "Operations (fill in)", titleManual: "Operations and support (to fill in: the warehouse cannot prove these) (%s)",
		colSection: "Section", colItem: "Item", colFill: "Status (fill in)", colHint: "What to write", colBy: "Filled in by", colDate: "Date",
		manualNote: "Filled in by the operations staff and handed in with the report: system status, on-site staffing and backups cannot be proven from the warehouse; pushaudit does not fill them in.",
		manual: [][3]string{
			{"System status", "Front-end server", "running normally; downtime and why"},
			{"System status", "Front-end database", "running normally; free storage"},
			{"System status", "Exchange program", "version; faults and what was done"},
			{"System status", "Network and private line", "interruptions and why"},
			{"On-site staffing", "On-site operations staff", "roles, names, days on site"},
			{"On-site staffing", "Duty roster", "roster, holidays"},
			{"Backups", "Front-end database backup", "method, frequency, last backup"},
			{"Backups", "Restore drill", "date and result"},
			{"Other", "Anything else to report", ""},
		},
	},
}

// moreLabels are the labels of lang ("" is Chinese; opsLabelsFor has
// checked lang already).
func moreLabels(lang string) *opsMoreLabels {
	if l, ok := opsMoreLabelSets[lang]; ok {
		return l
	}
	return opsMoreLabelSets["zh"]
}

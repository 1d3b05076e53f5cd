package reports

import "fmt"

// opsLabels holds every text of the operations report, in one language.
type opsLabels struct {
	fileStem, title, subject, keywords string // title: %s is the period
	header                             string // %s is the period
	kinds                              map[PeriodKind]string

	// 概览
	sheetOverview, titleOverview            string
	colItem, colValue, colNote              string
	ovPeriod, ovDays, ovAsOf, ovGenerated   string
	ovProducer, ovDue, ovOK, ovLate         string
	ovMissed, ovComplete, ovOnTime          string
	ovFindings, ovMTTR, ovCases, ovCloseR   string
	ovOnTimeCloseR, ovSnap, ovDrift         string
	ovDeduct, ovScore                       string
	ovPeriodText                            string // %[1]s kind %[2]s first day %[3]s last day
	ovAsOfNote, ovFindingsText, ovScoreNote string
	ovResultsRule, ovRule                   string

	// 数据对接
	sheetExchange, titleExchange                    string
	colDue, colOnTime, colLate, colMissed, colOther string
	colUnver, colComplete, colOnTimeRate            string
	colLevelN                                       [5]string
	colMTTR                                         string
	exchangeNote                                    string

	// 完整率趋势
	sheetTrend, titleTrend, colDay, chartTrend, trendNote string
	trendWeek, trendMonth                                 string // the chart's groups of a long period

	// 案件流转, 区县汇总
	sheetCases, titleCases, colDistrict, colMonth               string
	colReport, colFile, colDispatch, colHandle, colClose        string
	colNeedClose, colOnTimeClose, colCloseRate, colOnTimeCloseR string
	casesNote, noteCloseRate, noteOnTimeCloseRate, noCases      string
	casesSource                                                 map[string]string // casesNote: %s is the source
	sheetDistricts, titleDistricts, chartDistricts              string

	// 故障等级
	sheetFaults, titleFaults, colLevel, colRespondLimit, colResolveLimit string
	colFaults, colResolved, colResolvedInTime, colResolvedLate           string
	colOpenOverdue, colOpenNotDue, colInTimeRate, colResponse            string
	colResponseLate                                                      string
	responseNotRecorded, faultsNote, noLevel, chartLevels, chartPie      string // responseNotRecorded: no response, respond limit not passed
	minutes, hours                                                       string // %d

	// 快照与结构
	sheetSnap, titleSnap, colSource, colSnapshots, colTables string
	colOKLoads, colFailedLoads, colRows, colCountMismatch    string
	colMaxLag, colAvgLag, colLastOK, colAnomalies            string
	noSnapshots, driftLabel, driftNone, driftCount           string // driftCount: %d
	driftCountAll                                            string // %d

	// 考核扣分
	sheetDeduct, titleDeduct, colRule, colBasis, colCount, colEach, colDeduct string
	ruleInspection, basisInspection                                           string // basis: %[1]d days ended, %[2]d with a record
	ruleResolve, basisResolve                                                 string // rule: %[1]s level %[2]s points
	ruleRespond, basisRespond                                                 string // rule: as ruleResolve; basis: %d late responses
	ruleOutage, basisOutage                                                   string // basis: %[1]d pairs, %[2]s worst
	ruleReports, basisReports                                                 string // basis: %[1]d due, %[2]d missing, %[3]d due days, %[4]s the missing ones
	ruleYearReport, basisYearReport                                           string // basis: as basisReports, for the previous year's report
	ruleReportsLate, basisReportsLate                                         string // basis: %d days late
	missingList, listJoin                                                     string // missingList: %s the joined periods
	deductTotal, deductScore, deductNote                                      string
}

var opsLabelSets = map[string]*opsLabels{
	"zh": {
		fileStem: "运维报告", title: "数字城管数据对接运维报告（%s）",
		subject:  "成都市数字城管数据对接运维报告：推送、案件、故障、快照与考核扣分",
		keywords: "数字城管;数据对接;运维报告",
		header:   "&L数字城管数据对接运维报告 %s&R&A",
		kinds:    map[PeriodKind]string{PeriodDay: "日", PeriodHalfMonth: "半月", PeriodMonth: "月", PeriodQuarter: "季度", PeriodYear: "年度"},

		sheetOverview: "概览", titleOverview: "数字城管数据对接运维报告（%s）",
		colItem: "指标", colValue: "数值", colNote: "说明",
		ovPeriod: "报告期", ovDays: "天数", ovAsOf: "统计截至", ovGenerated: "生成时间", ovProducer: "生成程序",
		ovDue: "应推窗口", ovOK: "按时推送", ovLate: "延迟推送", ovMissed: "漏推（含长时间未推送）",
		ovComplete: "推送完整率", ovOnTime: "按时推送率",
		ovFindings: "问题数", ovMTTR: "平均解决时长（小时）",
		ovCases: "上报 / 立案 / 结案", ovCloseR: "结案率", ovOnTimeCloseR: "按期结案率",
		ovSnap: "快照成功率", ovDrift: "表结构变更",
		ovDeduct: "预计扣分", ovScore: "预计考核得分",
		ovPeriodText:   "%[1]s报告：%[2]s 至 %[3]s",
		ovAsOfNote:     "报告期尚未结束：只统计到此时刻",
		ovFindingsText: "一级 %d，二级 %d，三级 %d，四级 %d，未定级 %d",
		ovScoreNote:    "100 分减去本期数据项的预计扣分；低于 60 分为不合格。明细见“考核扣分”",
		ovResultsRule:  "窗口结束时间在报告期内的核对结果（每个窗口取最新一次核对），北京时间",
		ovRule:         "统计口径",

		sheetExchange: "数据对接", titleExchange: "数据对接情况：按目标系统和资源（%s）",
		colDue: "应推窗口", colOnTime: "按时", colLate: "延迟", colMissed: "漏推", colOther: "其他问题",
		colUnver: "无法核验", colComplete: "完整率", colOnTimeRate: "按时率",
		colLevelN: [5]string{"未定级", "一级问题", "二级问题", "三级问题", "四级问题"},
		colMTTR:   "平均解决时长（小时）",
		exchangeNote: "应推窗口：截止时间已过的窗口；完整率 =（按时 + 延迟）/（应推窗口 − 无法核验）；按时率 = 按时 /（应推窗口 − 无法核验）；" +
			"漏推含长时间未推送；其他问题为少推、多推、重复、推送失败、数值不符；问题按故障等级计数，平均解决时长自首次发现至解决。",

		sheetTrend: "完整率趋势", titleTrend: "每日推送完整率：按目标系统（%s）", colDay: "日期",
		chartTrend: "每日推送完整率",
		trendNote:  "完整率 =（按时 + 延迟）/ 已到期可核验窗口；空白表示当日无到期窗口",
		trendWeek:  "周起始日", trendMonth: "月份",

		sheetCases: "案件流转", titleCases: "案件流转：按区县和月份（%s）",
		colDistrict: "区县", colMonth: "月份",
		colReport: "上报", colFile: "立案", colDispatch: "派遣", colHandle: "处置", colClose: "结案",
		colNeedClose: "应结案", colOnTimeClose: "按期结案", colCloseRate: "结案率", colOnTimeCloseR: "按期结案率",
		casesSource: map[string]string{
			"stats.case_eval": "统计库案件考评结果（stats.case_eval，每案一行），按上报日期归入月份",
			"biz.cases":       "业务库案卷（biz.cases），按上报时间归入月份；应结案为已处置或已过处置时限的案件，按期结案为在结案时限内结案的案件",
		},
		casesNote: "数据来源：%s；" +
			"结案率 = 结案数 / 应结案数；按期结案率 = 按期结案数 / 应结案数；应结案数 = 已处置案件数 + 超期未处置案件数。",
		noteCloseRate:       "结案率 = 结案数 / 应结案数（应结案数 = 已处置 + 超期未处置）",
		noteOnTimeCloseRate: "按期结案率 = 按期结案数 / 应结案数",
		noCases:             "数据仓库中没有统计库案件考评结果（stats.case_eval）或业务库案卷（biz.cases），或报告期内无案件",
		sheetDistricts:      "区县汇总", titleDistricts: "案件流转：按区县汇总（%s）",
		chartDistricts: "各区县案件上报、立案、结案",

		sheetFaults: "故障等级", titleFaults: "故障按等级与表 3-5 时限对照（%s）",
		colLevel: "故障等级", colRespondLimit: "响应时限", colResolveLimit: "解决时限",
		colFaults: "故障数", colResolved: "已解决", colResolvedInTime: "按时解决", colResolvedLate: "超时解决",
		colOpenOverdue: "未解决已超时", colOpenNotDue: "未解决未到期", colInTimeRate: "按时解决率", colResponse: "按时响应",
		colResponseLate: "超时响应", responseNotRecorded: "未记录（未到期）",
		faultsNote: "故障：首个窗口在报告期内的故障（audit.incidents，一次中断的问题合并为一起，见“故障记录”）；时限按表 3-5 自首次发现起算；" +
			"响应时间为故障的 responded_at（pushaudit ack --incident 记录，或其问题最早的响应）：按时响应为不晚于响应时限；超时响应为晚于响应时限，或未响应且响应时限已过统计截至时间；" +
			"未记录为未响应且响应时限未到。",
		noLevel: "未定级", chartLevels: "故障按等级：按时解决、超时与未到期", chartPie: "故障等级分布",
		minutes: "%d 分钟", hours: "%d 小时",

		sheetSnap: "快照与结构", titleSnap: "数据快照健康与表结构变更（%s）",
		colSource: "数据源", colSnapshots: "快照次数", colTables: "表数", colOKLoads: "成功表次", colFailedLoads: "失败表次",
		colRows: "载入行数", colCountMismatch: "行数核对不符", colMaxLag: "最大从库延迟（秒）", colAvgLag: "平均从库延迟（秒）",
		colLastOK: "最近成功快照", colAnomalies: "异常值",
		noSnapshots: "报告期内无快照记录",
		driftLabel:  "表结构变更",
		driftNone:   "未检测（报告期内的快照未记录表结构）",
		driftCount:  "报告期内 %d 项变更（audit.schema_drift）", driftCountAll: "共 %d 项变更（audit.schema_drift）",

		sheetDeduct: "考核扣分", titleDeduct: "季度考核：数据项预计扣分（%s）",
		colRule: "考核规则", colBasis: "计数依据", colCount: "次数", colEach: "每次扣分", colDeduct: "扣分",
		ruleInspection:  "日常巡检记录缺失，每天扣 0.2 分",
		basisInspection: "报告期内已过巡检截止时间 %[1]d 天（自本程序首次运行起），其中 %[2]d 天按时完成核对（见“日常巡检记录”）",
		ruleResolve:     "%[1]s故障未按时解决，每次扣 %[2]s 分",
		basisResolve:    "解决时间晚于解决时限，或未解决且已过解决时限",
		ruleRespond:     "%[1]s故障未按时响应，每次扣 %[2]s 分",
		basisRespond:    "按问题台账响应时间核对：%d 个超时响应（含已过响应时限仍未响应）",
		ruleOutage:      "累计中断超过 1 小时，每次扣 0.5 分",
		basisOutage:     "按目标系统、按月合并漏推、长时间未推送、推送失败的窗口：%[1]d 个目标系统·月超过 1 小时（最长 %[2]s）",
		ruleReports:     "月报、季报缺失每份扣 0.5 分",
		basisReports:    "报告期内应交月报、季报 %[1]d 份（各期结束后 %[3]d 天内；自本程序首次运行起），缺 %[2]d 份%[4]s",
		ruleYearReport:  "年报缺失每份扣 1 分",
		basisYearReport: "报告期内到期的上年年报 %[1]d 份（年度结束后 %[3]d 天内；自本程序首次运行起），缺 %[2]d 份%[4]s",
		ruleReportsLate: "报告未按时提交，每延期 1 天扣 0.1 分",
		missingList:     "：%s", listJoin: "、",
		basisReportsLate: "按各报告首次生成时间（audit.reports）：共延期 %d 天",
		deductTotal:      "扣分合计", deductScore: "预计得分（100 − 扣分合计）",
		deductNote: "估算：只含能从数据仓库核对的数据项；人员、文档等其他考核项不在此列。",
	},
	"en": {
		fileStem: "operations-report", title: "Data exchange operations report (%s)",
		subject:  "Chengdu digital urban management data exchange: pushes, cases, faults, snapshots and assessment deductions",
		keywords: "data exchange;operations report",
		header:   "&LData exchange operations report %s&R&A",
		kinds:    map[PeriodKind]string{PeriodDay: "daily", PeriodHalfMonth: "half-monthly", PeriodMonth: "monthly", PeriodQuarter: "quarterly", PeriodYear: "yearly"},

		sheetOverview: "Overview", titleOverview: "Data exchange operations report (%s)",
		colItem: "Item", colValue: "Value", colNote: "Note",
		ovPeriod: "Period", ovDays: "Days", ovAsOf: "As of", ovGenerated: "Generated at", ovProducer: "Producer",
		ovDue: "Windows due", ovOK: "On time", ovLate: "Late", ovMissed: "Missed (incl. stale)",
		ovComplete: "Completeness rate", ovOnTime: "On-time rate",
		ovFindings: "Findings", ovMTTR: "Mean time to resolve (h)",
		ovCases: "Reported / filed / closed", ovCloseR: "Close rate", ovOnTimeCloseR: "On-time close rate",
		ovSnap: "Snapshot success rate", ovDrift: "Schema drift",
		ovDeduct: "Estimated deductions", ovScore: "Estimated assessment score",
		ovPeriodText:   "%[1]s report: %[2]s to %[3]s",
		ovAsOfNote:     "the period has not ended: counted up to this time",
		ovFindingsText: "level 1 %d, level 2 %d, level 3 %d, level 4 %d, no level %d",
		ovScoreNote:    "100 minus the estimated deductions for the data items; below 60 fails. See Deductions",
		ovResultsRule:  "results whose window ends within the period (the latest result per window), Asia/Shanghai",
		ovRule:         "Period rule",

		sheetExchange: "Exchange", titleExchange: "Data exchange by target and resource (%s)",
		colDue: "Due", colOnTime: "On time", colLate: "Late", colMissed: "Missed", colOther: "Other",
		colUnver: "Unverifiable", colComplete: "Completeness", colOnTimeRate: "On-time rate",
		colLevelN: [5]string{"No level", "Level 1", "Level 2", "Level 3", "Level 4"},
		colMTTR:   "Mean time to resolve (h)",
		exchangeNote: "Due: windows past their deadline; completeness = (on time + late) / (due − unverifiable); on-time rate = on time / (due − unverifiable); " +
			"missed includes stale; other is short, excess, duplicate, failed, mismatch; findings by fault level; time to resolve from first seen.",

		sheetTrend: "Completeness trend", titleTrend: "Daily completeness by target (%s)", colDay: "Day",
		chartTrend: "Daily completeness",
		trendNote:  "completeness = (on time + late) / windows due and verifiable; blank: no window due that day",
		trendWeek:  "Week of", trendMonth: "Month",

		sheetCases: "Cases", titleCases: "Case flow by district and month (%s)",
		colDistrict: "District", colMonth: "Month",
		colReport: "Reported", colFile: "Filed", colDispatch: "Dispatched", colHandle: "Handled", colClose: "Closed",
		colNeedClose: "To close", colOnTimeClose: "Closed on time", colCloseRate: "Close rate", colOnTimeCloseR: "On-time close rate",
		casesSource: map[string]string{
			"stats.case_eval": "the statistics DB's per-case counters (stats.case_eval), by month of report",
			"biz.cases":       "the business DB's cases (biz.cases), by month of report; to close: handled or past the handle deadline; on time: closed by the close deadline",
		},
		casesNote: "Source: %s; " +
			"close rate = closed / to close; on-time close rate = closed on time / to close; to close = handled + overdue unhandled.",
		noteCloseRate:       "close rate = closed / to close (to close = handled + overdue unhandled)",
		noteOnTimeCloseRate: "on-time close rate = closed on time / to close",
		noCases:             "no per-case counters (stats.case_eval) or cases (biz.cases) in the warehouse, or no cases in the period",
		sheetDistricts:      "Districts", titleDistricts: "Case flow by district (%s)",
		chartDistricts: "Cases reported, filed and closed by district",

		sheetFaults: "Faults", titleFaults: "Faults by level against table 3-5 (%s)",
		colLevel: "Fault level", colRespondLimit: "Respond within", colResolveLimit: "Resolve within",
		colFaults: "Faults", colResolved: "Resolved", colResolvedInTime: "Resolved in time", colResolvedLate: "Resolved late",
		colOpenOverdue: "Open, overdue", colOpenNotDue: "Open, not due", colInTimeRate: "In-time rate", colResponse: "Responded in time",
		colResponseLate: "Responded late", responseNotRecorded: "not recorded (not due)",
		faultsNote: "Faults: incidents (audit.incidents: the findings of one outage, see the fault register) whose first window is in the period; limits of table 3-5 from first seen; " +
			"responses are the incident's responded_at (pushaudit ack --incident, or the earliest response to one of its findings): in time by the respond limit; late after it, or none and the limit passed before the as-of time; " +
			"not recorded: none yet and the limit not passed.",
		noLevel: "no level", chartLevels: "Faults by level: in time, late and not due", chartPie: "Faults by level",
		minutes: "%d min", hours: "%d h",

		sheetSnap: "Snapshots", titleSnap: "Snapshot health and schema drift (%s)",
		colSource: "Source", colSnapshots: "Snapshots", colTables: "Tables", colOKLoads: "Loads ok", colFailedLoads: "Loads failed",
		colRows: "Rows loaded", colCountMismatch: "Count mismatches", colMaxLag: "Max replica lag (s)", colAvgLag: "Mean replica lag (s)",
		colLastOK: "Last good snapshot", colAnomalies: "Anomalies",
		noSnapshots: "no snapshots in the period",
		driftLabel:  "Schema drift",
		driftNone:   "not checked (no snapshot of the period captured the table structures)",
		driftCount:  "%d changes in the period (audit.schema_drift)", driftCountAll: "%d changes (audit.schema_drift)",

		sheetDeduct: "Deductions", titleDeduct: "Quarterly assessment: estimated deductions for the data items (%s)",
		colRule: "Rule", colBasis: "Basis", colCount: "Count", colEach: "Points each", colDeduct: "Deduction",
		ruleInspection:  "missing daily inspection record: 0.2 per day",
		basisInspection: "%[1]d days of the period past their inspection deadline (since pushaudit's first run), %[2]d checked in time (see Daily inspections)",
		ruleResolve:     "%[1]s fault not resolved in time: %[2]s each",
		basisResolve:    "resolved after the resolve limit, or open past it",
		ruleRespond:     "%[1]s fault not answered in time: %[2]s each",
		basisRespond:    "checked against the findings ledger's response times: %d late responses (incl. none by the respond limit)",
		ruleOutage:      "cumulative downtime over 1 h: 0.5 each",
		basisOutage:     "missed, stale and failed windows merged per target and month: %[1]d target-months over 1 h (longest %[2]s)",
		ruleReports:     "missing monthly or quarterly report: 0.5 each",
		basisReports:    "%[1]d monthly or quarterly reports due in the period (%[3]d days after their period ends; since pushaudit's first run), %[2]d missing%[4]s",
		ruleYearReport:  "missing yearly report: 1 each",
		basisYearReport: "%[1]d yearly reports of the previous year due in the period (%[3]d days after the year ends; since pushaudit's first run), %[2]d missing%[4]s",
		ruleReportsLate: "report handed in late: 0.1 per day",
		missingList:     ": %s", listJoin: ", ",
		basisReportsLate: "from the first time each report was written (audit.reports): %d days late in all",
		deductTotal:      "Total deductions", deductScore: "Estimated score (100 − deductions)",
		deductNote: "An estimate: only the data items the warehouse can prove; staffing, documents and other items are not included.",
	},
}

// opsLabelsFor returns the operations report's labels of lang ("" is
// Chinese).
func opsLabelsFor(lang string) (*opsLabels, error) {
	if lang == "" {
		lang = "zh"
	}
	l, ok := opsLabelSets[lang]
	if !ok {
		return nil, fmt.Errorf("language %q: want zh or en", lang)
	}
	return l, nil
}

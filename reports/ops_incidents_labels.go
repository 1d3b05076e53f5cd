package reports

import "github.com/chengdu-cgw/pushaudit/pipelines"

// incidentLabels are the texts of the fault register (故障记录) and of the
// incident rules of the assessment, in one language.
type incidentLabels struct {
	sheet, title, none, note, noFee                 string
	colID, colLevel, colTargets, colResources       string
	colStatuses, colWindows, colFirst, colLast      string
	colMissing, colExtra, colDuplicate, colDetected string
	colRespondBy, colResponded, colResponse         string
	colResolveBy, colResolved, colResolution        string
	colHoursLate, colReport, colDeduct, colMoney    string
	colNote, notOwed, missing, reportAt             string // reportAt: %s is the file
	timeliness                                      map[pipelines.Timeliness]string
	ruleReport, basisReport                         string // basisReport: %d incidents
	ruleStabShort, ruleStabHalf, basisStab          string // basisStab: %d interruptions
}

var incidentLabelsZH = incidentLabels{
	sheet: "故障记录", title: "故障记录（%s）：每起故障一行，时限按表 3-5 自故障申报（首次发现）起算",
	none: "本期无故障",
	note: "故障：同一目标系统多个资源同时中断、或同一资源连续窗口同样失败的问题合并为一起（audit.incidents）；" +
		"无法核验（unverifiable）属审计自身原因，不计故障、不扣分。扣分：未按时响应、未按时解决按等级扣 3/2/1/1 分，" +
		"二级及以上故障解决后一周内未提交故障处置总结报告扣 1 分；扣款 = 扣分 × 100 元 + 每超时 1 小时季度服务费的千分之五（单次不超过百分之八）。",
	noFee: "未配置季度服务费（assessment.quarterly_fee），扣款一栏留空。",
	colID: "故障编号", colLevel: "等级", colTargets: "目标系统", colResources: "数据资源",
	colStatuses: "核对结论", colWindows: "窗口数", colFirst: "首个窗口开始", colLast: "末个窗口结束",
	colMissing: "缺失行", colExtra: "多余行", colDuplicate: "重复行", colDetected: "发现（申报）时间",
	colRespondBy: "响应时限", colResponded: "响应时间", colResponse: "响应",
	colResolveBy: "解决时限", colResolved: "解决时间", colResolution: "解决",
	colHoursLate: "超时小时", colReport: "总结报告", colDeduct: "扣分", colMoney: "扣款（元）",
	colNote: "原因与处置", notOwed: "无需", missing: "缺失", reportAt: "总结报告：%s",
	timeliness: map[pipelines.Timeliness]string{
		pipelines.NotDue: "未到期", pipelines.InTime: "按时", pipelines.Late: "超时", pipelines.Overdue: "逾期未办",
	},
	ruleReport: "故障处置总结报告缺失或迟交（每起 1 分）", basisReport: "二级及以上已解决故障中 %d 起未在一周内提交总结报告",
	ruleStabShort: "系统稳定性：中断大于 5 分钟且不超过 15 分钟（每次 0.5 分）",
	ruleStabHalf:  "系统稳定性：中断大于 30 分钟且不超过 1 小时（每次 1 分）",
	basisStab:     "故障记录中数据中断 %d 次（中断时长 = 首个窗口开始至末个窗口结束）",
}

var incidentLabelsEN = incidentLabels{
	sheet: "Fault register", title: "Fault register (%s): one row per fault, limits of table 3-5 from detection",
	none: "No fault in the period",
	note: "Fault: findings of one outage grouped (audit.incidents): resources of one target failing together, or consecutive windows " +
		"of one resource failing the same way; unverifiable is the auditor's own failure, never a fault. Deductions: late response and late " +
		"resolution 3/2/1/1 points by level; a resolved fault of level 2 or above without its summary report within a week 1 point; money = " +
		"points × 100 yuan + 0.5 % of the quarterly fee per hour resolved late (at most 8 % per fault).",
	noFee: " No quarterly fee configured (assessment.quarterly_fee): the money column is blank.",
	colID: "Fault", colLevel: "Level", colTargets: "Targets", colResources: "Resources",
	colStatuses: "Verdicts", colWindows: "Windows", colFirst: "First window start", colLast: "Last window end",
	colMissing: "Rows missing", colExtra: "Rows extra", colDuplicate: "Rows duplicate", colDetected: "Detected",
	colRespondBy: "Respond by", colResponded: "Responded", colResponse: "Response",
	colResolveBy: "Resolve by", colResolved: "Resolved", colResolution: "Resolution",
	colHoursLate: "Hours late", colReport: "Summary report", colDeduct: "Points", colMoney: "Money (yuan)",
	colNote: "Cause and action", notOwed: "not owed", missing: "missing", reportAt: "summary report: %s",
	timeliness: map[pipelines.Timeliness]string{
		pipelines.NotDue: "not due", pipelines.InTime: "in time", pipelines.Late: "late", pipelines.Overdue: "overdue",
	},
	ruleReport: "Fault summary report missing or late (1 each)", basisReport: "%d resolved faults of level 2 or above without a summary report within a week",
	ruleStabShort: "Stability: interruptions over 5 and up to 15 minutes (0.5 each)",
	ruleStabHalf:  "Stability: interruptions over 30 minutes and up to an hour (1 each)",
	basisStab:     "%d interruptions in the fault register (first window start to last window end)",
}

func incidentLabelsFor(lang string) *incidentLabels {
	if lang == "en" {
		return &incidentLabelsEN
	}
	return &incidentLabelsZH
}

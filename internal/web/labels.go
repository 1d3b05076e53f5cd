package web

import (
	"net/http"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// labels are the pages' words: Chinese by default, English on ?lang=en.
var labels = map[string][2]string{
	"app":          {"推送稽核", "Push audit"},
	"targets":      {"对接对象", "Targets"},
	"target":       {"对接对象", "Target"},
	"light":        {"状态", "Light"},
	"open":         {"未关闭问题", "Open findings"},
	"runs":         {"最近运行", "Last runs"},
	"job":          {"任务", "Job"},
	"started":      {"开始", "Started"},
	"duration":     {"耗时", "Duration"},
	"result":       {"结果", "Result"},
	"next":         {"下次运行", "Next runs"},
	"at":           {"时间", "At"},
	"running":      {"运行中", "running"},
	"lag":          {"从库延迟", "Replica lag"},
	"source":       {"数据源", "Source"},
	"seconds":      {"秒", "s"},
	"workbooks":    {"最新报表", "Latest workbooks"},
	"none":         {"无", "none"},
	"resource":     {"资源", "Resource"},
	"day":          {"日期", "Day"},
	"run":          {"稽核运行", "Run"},
	"noresults":    {"当日无稽核结果", "No reconcile results for the day"},
	"finding":      {"问题", "Finding"},
	"window":       {"时间窗", "Window"},
	"deadline":     {"截止", "Deadline"},
	"verdict":      {"结论", "Verdict"},
	"level":        {"故障等级", "Fault level"},
	"expected":     {"应推送", "Expected"},
	"claimed":      {"声称推送", "Claimed"},
	"received":     {"实际接收", "Received"},
	"keys":         {"差异主键", "Keys"},
	"batches":      {"推送日志批次", "Push-log batches"},
	"nobatches":    {"时间窗附近无推送批次", "No push-log batch near the window"},
	"counted":      {"本期数量", "Counted"},
	"median":       {"前几周同期中位数", "Median of the same bucket in earlier weeks"},
	"weeks":        {"前几周同期数量", "The same bucket in earlier weeks"},
	"sql":          {"SQL（DuckDB，基于数据仓库）", "SQL (DuckDB, over the warehouse)"},
	"history":      {"历史", "History"},
	"firstseen":    {"首次发现", "First seen"},
	"lastseen":     {"最近发现", "Last seen"},
	"resolved":     {"已解决", "Resolved"},
	"respondby":    {"响应时限", "Respond by"},
	"resolveby":    {"解决时限", "Resolve by"},
	"response":     {"响应", "Response"},
	"noresponse":   {"尚未响应", "Not responded yet"},
	"by":           {"响应人", "By"},
	"note":         {"说明", "Note"},
	"ack":          {"确认响应", "Acknowledge"},
	"acked":        {"已响应", "Responded"},
	"login":        {"登录", "Log in"},
	"token":        {"令牌", "Token"},
	"badtoken":     {"令牌不正确", "Wrong token"},
	"error":        {"错误", "Error"},
	"busy":         {"数据仓库正被一次运行占用，请稍后刷新。", "The warehouse is held by a run: refresh in a moment."},
	"nowarehouse":  {"尚无数据仓库：第一次运行还未写入。", "No warehouse yet: the first run has not written it."},
	"notfound":     {"未找到", "Not found"},
	"explainerror": {"无法重算该时间窗", "The window could not be recomputed"},
	"unverifiable": {"源或证据快照不可信（失败或早于时间窗结束），未作比对。", "The source or evidence snapshot cannot be trusted for this window: nothing was compared."},
	"home":         {"首页", "Home"},
	"lang":         {"English", "中文"},
	"missing":      {"缺失（源端有、目标端无）", "missing (in the source, not at the target)"},
	"extra":        {"多余（目标端有、源端无）", "extra (at the target, not in the source)"},
	"duplicate":    {"重复", "duplicate"},
	"mismatch":     {"不一致", "mismatch"},
	"first":        {"前", "first"},
	"batch":        {"批次", "Batch"},
	"rows":         {"行数", "Rows"},
	"finished":     {"结束", "Finished"},
	"batcherror":   {"错误", "Error"},
	"respondedat":  {"响应时间", "Responded at"},
}

// labelsOf returns the labels in the request's language.
func labelsOf(r *http.Request) map[string]string {
	i := 0
	if r.URL.Query().Get("lang") == "en" {
		i = 1
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = v[i]
	}
	return out
}

// statusText is a verdict in the page's language.
func statusText(lang string, s pipelines.Status) string {
	if lang == "en" {
		return string(s)
	}
	return s.ZH()
}

// levelText is a fault level in the page's language ("" for none).
func levelText(lang string, level int) string {
	if level < 1 || level > 4 {
		return ""
	}
	if lang == "en" {
		return "level " + string(rune('0'+level))
	}
	return pipelines.LevelZH(level)
}

// lightClass is the CSS class of a traffic light.
func lightClass(r pipelines.RAG) string { return r.String() }

// lightText is a traffic light in the page's language.
func lightText(lang string, r pipelines.RAG) string {
	zh := map[pipelines.RAG]string{pipelines.RAGGreen: "绿", pipelines.RAGAmber: "黄", pipelines.RAGRed: "红", pipelines.RAGNone: "无结果"}
	if lang == "en" {
		if r == pipelines.RAGNone {
			return "no results"
		}
		return r.String()
	}
	return zh[r]
}

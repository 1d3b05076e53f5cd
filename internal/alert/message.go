package alert

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Message is an event rendered for people: a one-line title and a
// Markdown body (the subset WeCom and DingTalk robots both show).
type Message struct {
	Event    Event
	Group    string
	Title    string
	Markdown string
	// Link is the finding's page, BaseURL + /findings/{id}.
	Link string
	// At is when the message was made (the engine's clock).
	At time.Time
}

// maxMarkdown bounds a message body: WeCom takes 4096 bytes of markdown.
// maxName bounds a target or resource name, in characters, so that the
// rest of the message always fits.
const (
	maxMarkdown = 4000
	maxName     = 64
)

// word is a label of a message; words holds each in Chinese (0) and
// English (1).
type word int

const (
	wTarget word = iota
	wResource
	wWindow
	wVerdict
	wLevel
	wFirstSeen
	wRespondBy
	wResolveBy
	wResolvedAt
	wOpen
	wLink
	wDetail
	wOverdue
	wResponded
	wRows
	wTo
	wSep
	wRunTitle
	wRunJob
	wRunFirst
	wRunCount
	wRunError
	wRunNote
	wRunStatus
)

var words = [...][2]string{
	wTarget: {"目标系统", "Target"}, wResource: {"数据资源", "Resource"},
	wWindow: {"时间窗口", "Window"}, wVerdict: {"核验结论", "Verdict"},
	wLevel: {"故障等级", "Fault level"}, wFirstSeen: {"首次发现", "First seen"},
	wRespondBy: {"响应时限", "Respond by"}, wResolveBy: {"解决时限", "Resolve by"},
	wResolvedAt: {"恢复时间", "Resolved at"}, wOpen: {"已持续", "Open for"},
	wLink: {"详情", "Details"}, wDetail: {"查看故障详情", "open the finding"},
	wOverdue: {"（已超时）", " (overdue)"}, wResponded: {"（已响应）", " (responded)"},
	wRows: {"应收 %d 条，实收 %d 条", "expected %d rows, received %d"}, wTo: {" 至 ", " to "},
	wSep:      {"：", ": "},
	wRunTitle: {"审计任务失败", "Audit run failed"}, wRunJob: {"任务", "Job"},
	wRunFirst: {"首次失败", "First failed"}, wRunCount: {"连续失败次数", "Failed runs"},
	wRunError:  {"最近错误", "Last error"},
	wRunNote:   {"该时段窗口判为“无法核验”，非承建方故障，不扣分", "its windows are unverifiable meanwhile; no fault of the contractor's"},
	wRunStatus: {"状态页", "status page"},
}

var kindWords = map[Kind][2]string{
	KindNew: {"新故障", "New fault"}, KindResolved: {"已恢复", "Resolved"},
	KindRespondOverdue: {"响应超时", "Response overdue"}, KindResolveOverdue: {"解决超时", "Resolution overdue"},
	KindProgress: {"进展通报", "Progress"},
}

// labels are the words of a message in one language.
type labels struct {
	en bool
}

func labelsFor(lang string) labels { return labels{en: lang == "en"} }

func (l labels) idx() int {
	if l.en {
		return 1
	}
	return 0
}

func (l labels) w(x word) string { return words[x][l.idx()] }

func (l labels) kind(k Kind) string { return kindWords[k][l.idx()] }

func (l labels) levelName(level int) string {
	if l.en {
		return fmt.Sprintf("level %d (%s)", level, pipelines.LevelZH(level))
	}
	return pipelines.LevelZH(level)
}

func (l labels) status(s pipelines.Status) string {
	if l.en {
		return string(s)
	}
	return s.ZH()
}

func (l labels) duration(d time.Duration) string {
	if l.en {
		return d.Truncate(time.Minute).String()
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h > 0 {
		return fmt.Sprintf("%d 小时 %d 分钟", h, m)
	}
	return fmt.Sprintf("%d 分钟", m)
}

// Render makes the message of e for group, in lang (zh or en), linking to
// baseURL + /findings/{id}, at now.
func Render(e Event, group, lang, baseURL string, now time.Time) Message {
	l := labelsFor(lang)
	f := e.Finding
	if f.Run != "" {
		return renderRun(e, group, l, baseURL, now)
	}
	f.TargetName, f.ResourceName = shorten(f.TargetName, maxName), shorten(f.ResourceName, maxName)
	link := strings.TrimRight(baseURL, "/") + "/findings/" + f.ID
	kind := l.kind(e.Kind)
	if e.Kind == KindProgress {
		kind = fmt.Sprintf("%s #%d", kind, e.Seq)
	}
	title := fmt.Sprintf("【%s·%s】%s %s %s", kind, l.levelName(f.Level), named(f.TargetName, f.Target),
		named(f.ResourceName, f.Resource), l.status(f.Status))
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", title)
	if f.Expected != nil && f.Received != nil {
		fmt.Fprintf(&b, "> "+l.w(wRows)+"\n\n", *f.Expected, *f.Received)
	}
	line := func(k word, v string) { fmt.Fprintf(&b, "- %s%s%s\n", l.w(k), l.w(wSep), v) }
	line(wTarget, both(f.TargetName, f.Target))
	line(wResource, both(f.ResourceName, f.Resource))
	line(wWindow, window(f.WindowStart, f.WindowEnd, l.w(wTo)))
	line(wVerdict, both(l.status(f.Status), string(f.Status)))
	line(wLevel, l.levelName(f.Level))
	line(wFirstSeen, clock(f.FirstSeen))
	deadline := func(t time.Time, done bool) string {
		switch {
		case t.IsZero():
			return "-"
		case done:
			return clock(t) + l.w(wResponded)
		case f.Open() && !now.Before(t):
			return clock(t) + l.w(wOverdue)
		}
		return clock(t)
	}
	line(wRespondBy, deadline(f.RespondBy, !f.RespondedAt.IsZero()))
	line(wResolveBy, deadline(f.ResolveBy, false))
	if f.Open() {
		line(wOpen, l.duration(now.Sub(f.FirstSeen)))
	} else {
		line(wResolvedAt, clock(f.ResolvedAt))
	}
	line(wLink, fmt.Sprintf("[%s](%s)", l.w(wDetail), link))
	return Message{Event: e, Group: group, Title: title, Markdown: truncate(b.String(), maxMarkdown), Link: link, At: now}
}

// renderRun makes the message about a failure of the auditor's own run:
// the job, since when and how often it failed, the last error (already
// redacted), and a link to the status page.
func renderRun(e Event, group string, l labels, baseURL string, now time.Time) Message {
	f := e.Finding
	link := strings.TrimRight(baseURL, "/") + "/"
	title := fmt.Sprintf("【%s】%s %s", l.kind(e.Kind), l.w(wRunTitle), f.Run)
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", title)
	fmt.Fprintf(&b, "> %s\n\n", l.w(wRunNote))
	line := func(k word, v string) { fmt.Fprintf(&b, "- %s%s%s\n", l.w(k), l.w(wSep), v) }
	line(wRunJob, f.Run)
	line(wRunFirst, clock(f.FirstSeen))
	line(wRunCount, fmt.Sprint(f.RunFailures))
	if f.Open() {
		line(wOpen, l.duration(now.Sub(f.FirstSeen)))
	} else {
		line(wResolvedAt, clock(f.ResolvedAt))
	}
	line(wRunError, shorten(strings.ReplaceAll(f.Error, "\n", " "), 600))
	line(wLink, fmt.Sprintf("[%s](%s)", l.w(wRunStatus), link))
	return Message{Event: e, Group: group, Title: title, Markdown: truncate(b.String(), maxMarkdown), Link: link, At: now}
}

func named(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func both(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// clock formats t in Asia/Shanghai to the minute.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(pipelines.Shanghai).Format("2006-01-02 15:04")
}

// window formats [start, end) in Asia/Shanghai, the end's date only when
// it differs.
func window(start, end time.Time, to string) string {
	s, e := start.In(pipelines.Shanghai), end.In(pipelines.Shanghai)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 15:04") + to + e.Format("15:04")
	}
	return s.Format("2006-01-02 15:04") + to + e.Format("2006-01-02 15:04")
}

// shorten cuts s to at most n characters.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

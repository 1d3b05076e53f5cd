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

// labels are the words of a message in one language.
type labels struct {
	kind                                                 map[Kind]string
	target, resource, window, verdict, level, firstSeen  string
	respondBy, resolveBy, resolvedAt, open, link, detail string
	overdue, responded, rows, to                         string
	levelName                                            func(int) string
	status                                               func(pipelines.Status) string
	duration                                             func(time.Duration) string
}

var zh = labels{
	kind: map[Kind]string{
		KindNew: "新故障", KindResolved: "已恢复", KindRespondOverdue: "响应超时",
		KindResolveOverdue: "解决超时", KindProgress: "进展通报",
	},
	target: "目标系统", resource: "数据资源", window: "时间窗口", verdict: "核验结论",
	level: "故障等级", firstSeen: "首次发现", respondBy: "响应时限", resolveBy: "解决时限",
	resolvedAt: "恢复时间", open: "已持续", link: "详情", detail: "查看故障详情",
	overdue: "（已超时）", responded: "（已响应）", rows: "应收 %d 条，实收 %d 条", to: " 至 ",
	levelName: pipelines.LevelZH,
	status:    func(s pipelines.Status) string { return s.ZH() },
	duration: func(d time.Duration) string {
		h, m := int(d.Hours()), int(d.Minutes())%60
		if h > 0 {
			return fmt.Sprintf("%d 小时 %d 分钟", h, m)
		}
		return fmt.Sprintf("%d 分钟", m)
	},
}

var en = labels{
	kind: map[Kind]string{
		KindNew: "New fault", KindResolved: "Resolved", KindRespondOverdue: "Response overdue",
		KindResolveOverdue: "Resolution overdue", KindProgress: "Progress",
	},
	target: "Target", resource: "Resource", window: "Window", verdict: "Verdict",
	level: "Fault level", firstSeen: "First seen", respondBy: "Respond by", resolveBy: "Resolve by",
	resolvedAt: "Resolved at", open: "Open for", link: "Details", detail: "open the finding",
	overdue: " (overdue)", responded: " (responded)", rows: "expected %d rows, received %d", to: " to ",
	levelName: func(l int) string { return fmt.Sprintf("level %d (%s)", l, pipelines.LevelZH(l)) },
	status:    func(s pipelines.Status) string { return string(s) },
	duration: func(d time.Duration) string {
		return d.Truncate(time.Minute).String()
	},
}

func labelsFor(lang string) labels {
	if lang == "en" {
		return en
	}
	return zh
}

// Render makes the message of e for group, in lang (zh or en), linking to
// baseURL + /findings/{id}, at now.
func Render(e Event, group, lang, baseURL string, now time.Time) Message {
	l := labelsFor(lang)
	f := e.Finding
	f.TargetName, f.ResourceName = shorten(f.TargetName, maxName), shorten(f.ResourceName, maxName)
	link := strings.TrimRight(baseURL, "/") + "/findings/" + f.ID
	kind := l.kind[e.Kind]
	if e.Kind == KindProgress {
		kind = fmt.Sprintf("%s #%d", kind, e.Seq)
	}
	title := fmt.Sprintf("【%s·%s】%s %s %s", kind, l.levelName(f.Level), named(f.TargetName, f.Target),
		named(f.ResourceName, f.Resource), l.status(f.Status))
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", title)
	if f.Expected != nil && f.Received != nil {
		fmt.Fprintf(&b, "> "+l.rows+"\n\n", *f.Expected, *f.Received)
	}
	line := func(k, v string) { fmt.Fprintf(&b, "- %s：%s\n", k, v) }
	if lang == "en" {
		line = func(k, v string) { fmt.Fprintf(&b, "- %s: %s\n", k, v) }
	}
	line(l.target, both(f.TargetName, f.Target))
	line(l.resource, both(f.ResourceName, f.Resource))
	line(l.window, window(f.WindowStart, f.WindowEnd, l.to))
	line(l.verdict, both(l.status(f.Status), string(f.Status)))
	line(l.level, l.levelName(f.Level))
	line(l.firstSeen, clock(f.FirstSeen))
	deadline := func(t time.Time, done bool) string {
		switch {
		case t.IsZero():
			return "-"
		case done:
			return clock(t) + l.responded
		case f.Open() && !now.Before(t):
			return clock(t) + l.overdue
		}
		return clock(t)
	}
	line(l.respondBy, deadline(f.RespondBy, !f.RespondedAt.IsZero()))
	line(l.resolveBy, deadline(f.ResolveBy, false))
	if f.Open() {
		line(l.open, l.duration(now.Sub(f.FirstSeen)))
	} else {
		line(l.resolvedAt, clock(f.ResolvedAt))
	}
	line(l.link, fmt.Sprintf("[%s](%s)", l.detail, link))
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

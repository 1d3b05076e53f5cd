package alert_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
)

func TestRender(t *testing.T) {
	open := finding("f1", 1)
	fixed := finding("f1", 1)
	fixed.ResolvedAt = t0.Add(150 * time.Minute)
	acked := finding("f1", 1)
	acked.RespondedAt = t0.Add(3 * time.Minute)
	tests := []struct {
		name string
		e    alert.Event
		lang string
		at   time.Duration
		want []string
	}{
		{"new", alert.Event{Kind: alert.KindNew, Finding: open}, "zh", time.Minute,
			[]string{"【新故障·一级】市网络理政中心 案件信息 漏推", "响应时限：2026-11-21 10:26\n", "已持续：1 分钟", "/findings/f1"}},
		{"respond overdue", alert.Event{Kind: alert.KindRespondOverdue, Finding: open}, "zh", 5 * time.Minute,
			[]string{"【响应超时·一级】", "响应时限：2026-11-21 10:26（已超时）", "解决时限：2026-11-21 12:21\n"}},
		{"acknowledged", alert.Event{Kind: alert.KindProgress, Finding: acked, Seq: 1}, "zh", time.Hour,
			[]string{"【进展通报 #1·一级】", "响应时限：2026-11-21 10:26（已响应）", "已持续：1 小时 0 分钟"}},
		{"resolve overdue", alert.Event{Kind: alert.KindResolveOverdue, Finding: open}, "zh", 2 * time.Hour,
			[]string{"【解决超时·一级】", "解决时限：2026-11-21 12:21（已超时）"}},
		{"resolved", alert.Event{Kind: alert.KindResolved, Finding: fixed}, "zh", 151 * time.Minute,
			[]string{"【已恢复·一级】", "恢复时间：2026-11-21 12:51", "解决时限：2026-11-21 12:21\n"}},
		{"english", alert.Event{Kind: alert.KindNew, Finding: open}, "en", 6 * time.Minute,
			[]string{"【New fault·level 1 (一级)】", "- Window: 2026-11-21 10:00 to 10:10", "- Verdict: missed\n",
				"- Respond by: 2026-11-21 10:26 (overdue)", "- Open for: 6m0s", "[open the finding](https://pa.example.gov.cn/findings/f1)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := alert.Render(tc.e, "oncall", tc.lang, "https://pa.example.gov.cn", t0.Add(tc.at))
			checkContains(t, "message", m.Markdown, tc.want)
			if !strings.HasPrefix(m.Markdown, "### "+m.Title+"\n") {
				t.Errorf("markdown does not start with the title %q:\n%s", m.Title, m.Markdown)
			}
		})
	}
}

func TestRender_DailyWindowAndLongNames(t *testing.T) {
	f := finding("f1", 3)
	f.WindowStart, f.WindowEnd = t0.Add(-35*time.Hour), t0.Add(-11*time.Hour)
	f.ResourceName = strings.Repeat("很长的资源名称", 400)
	m := alert.Render(alert.Event{Kind: alert.KindNew, Finding: f}, "g", "zh", "", t0)
	if !strings.Contains(m.Markdown, "2026-11-19 23:21 至 2026-11-20 23:21") {
		t.Errorf("a window across days lacks its end date:\n%.300s", m.Markdown)
	}
	if len(m.Markdown) > 4096 || !strings.Contains(m.Markdown, "很长的资源名称…") {
		t.Errorf("a message with a long name is %d bytes, its name not cut with …", len(m.Markdown))
	}
	if m.Link != "/findings/f1" {
		t.Errorf("link without a base URL = %q", m.Link)
	}
}

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s := &alert.FileStore{Path: path}
	recs, err := s.Load()
	if err != nil || len(recs) != 0 {
		t.Fatalf("missing file: %v, %v", recs, err)
	}
	want := map[string]alert.Record{"g/r/f1/new": {Group: "g", Receiver: "r", Finding: "f1", Kind: alert.KindNew, SentAt: t0}}
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	if err != nil || len(got) != 1 || !got["g/r/f1/new"].SentAt.Equal(t0) || got["g/r/f1/new"].Kind != alert.KindNew {
		t.Errorf("Load = %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt file: err = %v, want it named", err)
	}
}

func TestRender_RunFailure(t *testing.T) {
	f := runFailure()
	f.RunFailures = 3
	m := alert.Render(alert.Event{Kind: alert.KindNew, Finding: f}, "oncall", "zh", "https://pa.example.gov.cn/", t0.Add(25*time.Minute))
	checkContains(t, "message", m.Markdown, []string{"【新故障】审计任务失败 snapshot", "任务：snapshot", "首次失败：2026-11-21 10:21",
		"连续失败次数：3", "已持续：25 分钟", "最近错误：snapshot: biz: dial tcp", "非承建方故障", "(https://pa.example.gov.cn/)"})
	if strings.Contains(m.Markdown, "故障等级") || strings.Contains(m.Markdown, "/findings/") {
		t.Errorf("a run failure shows a fault level or a finding link:\n%s", m.Markdown)
	}
	f.ResolvedAt = t0.Add(2 * time.Hour)
	m = alert.Render(alert.Event{Kind: alert.KindResolved, Finding: f}, "oncall", "en", "https://pa.example.gov.cn", t0.Add(2*time.Hour))
	checkContains(t, "message", m.Markdown, []string{"【Resolved】Audit run failed snapshot", "- Resolved at: 2026-11-21 12:21", "- Failed runs: 3"})
}

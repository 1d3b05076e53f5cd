package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// IncidentPage is /incidents/{id}: one incident (a fault as the contract
// counts it), its limits judged, and its findings linked to their pages.
type IncidentPage struct {
	Base
	I         ledger.Incident
	IL        map[string]string // the page's own labels
	LevelText string
	Targets   string
	Statuses  string
	Response  string // judged against respond_by (pipelines.JudgeFault)
	Solution  string // judged against resolve_by
	Report    string // the summary report
	Points    float64
	Findings  []IncidentFindingRow
}

// IncidentFindingRow is one finding of the incident.
type IncidentFindingRow struct {
	ID, Resource, Status string
	WindowStart          time.Time
	Resolved             time.Time
}

var incidentPageLabels = map[string]map[string]string{
	"zh": {"incident": "故障", "level": "等级", "targets": "目标系统", "resources": "数据资源", "statuses": "核对结论",
		"windows": "窗口", "detected": "发现（申报）", "respondby": "响应时限", "responded": "响应", "resolveby": "解决时限",
		"resolved": "解决", "report": "总结报告", "points": "扣分", "findings": "问题", "open": "未解决", "note": "原因与处置",
		"rows": "缺失 / 多余 / 重复行", "ackhint": "确认：pushaudit ack --incident "},
	"en": {"incident": "Incident", "level": "Level", "targets": "Targets", "resources": "Resources", "statuses": "Verdicts",
		"windows": "Windows", "detected": "Detected", "respondby": "Respond by", "responded": "Response", "resolveby": "Resolve by",
		"resolved": "Resolution", "report": "Summary report", "points": "Points", "findings": "Findings", "open": "open", "note": "Cause and action",
		"rows": "Rows missing / extra / duplicate", "ackhint": "acknowledge: pushaudit ack --incident "},
}

var timelinessText = map[string]map[pipelines.Timeliness]string{
	"zh": {pipelines.NotDue: "未到期", pipelines.InTime: "按时", pipelines.Late: "超时", pipelines.Overdue: "逾期未办"},
	"en": {pipelines.NotDue: "not due", pipelines.InTime: "in time", pipelines.Late: "late", pipelines.Overdue: "overdue"},
}

// loadIncident reads incident id and judges it as of now.
func loadIncident(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog, id string, now time.Time, b Base) (IncidentPage, error) {
	store := ledger.NewIncidents(wh.DB())
	in, err := store.Get(ctx, id)
	var none *ledger.NoIncidentError
	if errors.As(err, &none) {
		return IncidentPage{}, fmt.Errorf("%w: incident %q", errNotFound, id)
	}
	if err != nil {
		return IncidentPage{}, err
	}
	fs, err := store.Findings(ctx, id)
	if err != nil {
		return IncidentPage{}, err
	}
	lang := b.Lang
	if lang != "en" {
		lang = "zh"
	}
	j := pipelines.JudgeFault(c.IncidentRules(), in.Pipelines(), in.RespondedAt, in.ReportedAt, now)
	p := IncidentPage{Base: b, I: in, IL: incidentPageLabels[lang], LevelText: levelText(b.Lang, in.Level),
		Response: timelinessText[lang][j.Respond], Solution: timelinessText[lang][j.Resolve], Points: j.Points()}
	var names, sts []string
	for _, t := range in.Targets {
		if tg, ok := targetOf(cat, t); ok {
			names = append(names, targetName(b.Lang, tg))
		} else {
			names = append(names, t)
		}
	}
	for _, s := range in.Statuses {
		sts = append(sts, statusText(b.Lang, s))
	}
	p.Targets, p.Statuses = strings.Join(names, ", "), strings.Join(sts, ", ")
	switch {
	case !j.ReportOwed && lang == "zh":
		p.Report = "无需"
	case !j.ReportOwed:
		p.Report = "not owed"
	case j.Report == pipelines.Overdue && lang == "zh":
		p.Report = "缺失"
	case j.Report == pipelines.Overdue:
		p.Report = "missing"
	default:
		p.Report = timelinessText[lang][j.Report]
	}
	if in.ReportPath != "" {
		p.Report += " — " + in.ReportPath
	}
	for _, f := range fs {
		p.Findings = append(p.Findings, IncidentFindingRow{ID: f.ID, Resource: f.Target + "/" + f.Resource,
			Status: statusText(b.Lang, f.Status), WindowStart: f.WindowStart, Resolved: f.ResolvedAt})
	}
	p.Title = p.IL["incident"] + " " + in.ID
	return p, nil
}

func (s *Server) incident(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, "incident", func(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog) (IncidentPage, error) {
		return loadIncident(ctx, wh, c, cat, r.PathValue("id"), s.o.Now(), s.base(r, ""))
	}, nil)
}

package siteinit

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Sheet is one table of the mapping report: a sheet of the workbook and a
// section of the Markdown, with Chinese labels.
type Sheet struct {
	Name   string // sheet name
	Title  string
	Header []string
	Rows   [][]any
}

var kindZH = map[string]string{KindBusiness: "业务库", KindStatistics: "统计库", KindExchange: "数据交换库（推送日志）", KindFrontend: "前置机"}

// sureZH names a score for a reader.
func sureZH(s float64) string {
	switch {
	case s >= Sure:
		return "确定"
	case s >= 0.7:
		return "较确定"
	case s > 0:
		return "待确认"
	}
	return "未找到"
}

var byZH = map[string]string{ByName: "名称", ByComment: "注释", ByPartial: "注释（部分）"}

// Sheets are the tables of the mapping report.
func (m *Mapping) Sheets(cat *pipelines.Catalog) []Sheet {
	roles := Sheet{Name: "数据库角色", Title: "数据库角色：每个数据库在审计中的作用",
		Header: []string{"配置名", "角色", "对接系统", "数据库", "服务器", "匹配表数", "把握", "结论"}}
	for _, s := range m.Sources {
		tgt := ""
		if t, ok := cat.Target(s.Role.Target); ok {
			tgt = t.NameZH
		}
		db, addr, found := "", "", 0
		if s.DB != nil {
			db, addr = s.DB.Name, s.DB.Addr
		}
		for _, t := range s.Tables {
			if t.Site != nil {
				found++
			}
		}
		roles.Rows = append(roles.Rows, []any{s.Role.Source, kindZH[s.Role.Kind], tgt, db, addr,
			fmt.Sprintf("%d/%d", found, len(s.Tables)), round2(s.Score), sureZH(s.Score)})
	}
	for _, d := range m.Unassigned {
		roles.Rows = append(roles.Rows, []any{"", "未用", "", d.Name, d.Addr, fmt.Sprintf("0/%d", len(d.Tables)), 0.0, "与目录无关，或需人工指明"})
	}
	res := Sheet{Name: "资源映射", Title: "资源映射：每个推送资源的证据表",
		Header: []string{"对接系统", "序号", "资源", "资源名称", "推送频率", "证据表", "把握", "结论", "需要人工决定"}}
	cols := Sheet{Name: "字段映射", Title: "字段映射：目录字段与站点列",
		Header: []string{"对接系统", "资源", "目录列", "目录字段", "站点列", "站点注释", "站点类型", "依据", "把握"}}
	for _, r := range m.Resources {
		tgt := r.Resource.Target
		if t, ok := cat.Target(tgt); ok {
			tgt = t.NameZH
		}
		table := ""
		switch {
		case r.Resource.Mode == pipelines.ModeReceipt:
			table = "回执文件 " + r.Resource.Table
		case r.Found():
			table = r.Source + "." + r.Table.Site.Name
		}
		decisions := append([]string(nil), r.Decisions...)
		decisions = append(decisions, r.windowNote()...)
		res.Rows = append(res.Rows, []any{tgt, r.Resource.Seq, r.Resource.Key, r.Resource.NameZH, r.Resource.Cadence.ZH(),
			table, round2(r.Score()), sureZH(r.Score()), strings.Join(decisions, "；")})
		if r.Table == nil {
			continue
		}
		for _, c := range r.Table.Columns {
			var site, comment, typ, by string
			if c.Site != nil {
				site, comment, typ, by = c.Site.Name, c.Site.Comment, c.Site.Type, byZH[c.By]
			}
			cols.Rows = append(cols.Rows, []any{tgt, r.Resource.Key, c.Ref.Name, c.Ref.Comment, site, comment, typ, by, round2(c.Score)})
		}
	}
	out := []Sheet{roles, res, cols}
	if p := m.PushLog; p != nil {
		pl := Sheet{Name: "推送日志", Title: "推送日志：字段与状态写法",
			Header: []string{"项目", "目录名", "站点", "说明"}}
		pl.Rows = append(pl.Rows, []any{"表", "push_log", p.Source + "." + p.Table.Site.Name, sureZH(p.Table.Score)})
		for _, c := range p.Table.Columns {
			site, note := "", "未找到：请在 evidence.push_log.columns 中指明"
			if c.Site != nil {
				site, note = c.Site.Name, byZH[c.By]
			}
			pl.Rows = append(pl.Rows, []any{"字段", c.Ref.Name + "（" + c.Ref.Comment + "）", site, note})
		}
		pl.Rows = append(pl.Rows, []any{"状态：成功", "success", strings.Join(p.StatusOK, ", "), ""})
		pl.Rows = append(pl.Rows, []any{"状态：失败", "failed", strings.Join(p.StatusFailed, ", "), ""})
		if len(p.StatusUnknown) > 0 {
			pl.Rows = append(pl.Rows, []any{"状态：未识别", "", strings.Join(p.StatusUnknown, ", "), "请人工归入 status_ok 或 status_failed"})
		}
		out = append(out, pl)
	}
	return out
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// Markdown is the mapping report in Markdown (Chinese labels).
func (m *Mapping) Markdown() []byte {
	return m.markdown(m.catalog)
}

func (m *Mapping) markdown(cat *pipelines.Catalog) []byte {
	var b bytes.Buffer
	b.WriteString("# 站点映射报告（pushaudit init）\n\n")
	need := 0
	for _, r := range m.Resources {
		if r.Resource.Mode != pipelines.ModeReceipt && (len(r.Decisions) > 0 || len(r.windowNote()) > 0) {
			need++
		}
	}
	fmt.Fprintf(&b, "- 资源：%d 个，找到证据 %d 个，需要人工决定 %d 个\n", len(m.Resources), m.Found(), need)
	fmt.Fprintf(&b, "- 站点目录草稿改写的资源：%d 个（%s）\n", len(m.Draft.Resources), CatalogFile)
	if len(m.Writable) > 0 {
		fmt.Fprintf(&b, "- 可写服务器（主库）：%s —— 请改连只读从库，或设置 snapshot.allow_primary\n", strings.Join(m.Writable, ", "))
	}
	b.WriteString("\n下一步：阅读本报告，决定下表“需要人工决定”一栏，然后运行 `pushaudit --config " + ConfigFile + " check --catalog`。\n")
	for _, s := range m.Sheets(cat) {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Title)
		b.WriteString("| " + strings.Join(s.Header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat("---|", len(s.Header)) + "\n")
		for _, r := range s.Rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = mdCell(v)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
	}
	return b.Bytes()
}

func mdCell(v any) string {
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = fmt.Sprintf("%.2f", f)
	}
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

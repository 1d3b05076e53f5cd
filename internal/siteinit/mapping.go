package siteinit

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Mapping is everything init found: which database plays which role, and
// per resource the evidence table and columns, how sure, and what a
// person must decide.
type Mapping struct {
	Sources    []*SourceMatch
	Unassigned []*Database // databases that play no role
	Resources  []*ResourceMatch
	PushLog    *PushLogMatch // nil: no push log found
	// Draft is the site catalog draft: the resources whose evidence table,
	// columns or source SQL differ from the catalog, renamed.
	Draft *pipelines.Catalog
	// SourceRenames are the business and statistics tables (and columns)
	// the site names otherwise, by source.
	SourceRenames map[string]map[string]*TableMatch
	// Writable lists the sources on a writable server (a primary).
	Writable []string
	// OnceAt is the day of the first one-time push the push log holds
	// (YYYY-MM-DD), "" when none.
	OnceAt  string
	catalog *pipelines.Catalog
}

// ResourceMatch is one catalog resource and what init found for it.
type ResourceMatch struct {
	Resource *pipelines.Resource
	Source   string      // logical source of its evidence (the target's front-end database)
	Table    *TableMatch // nil for a receipt resource
	// Decisions are what a person must decide or confirm, in Chinese (they
	// are report text); empty when the match is sure and complete.
	Decisions []string
	// WindowCandidates are time columns of the evidence table that could
	// assign rows to windows when it has no batch id.
	WindowCandidates []string
}

// Found reports whether an evidence table was found (receipt resources
// count as found: their evidence is files).
func (r *ResourceMatch) Found() bool {
	return r.Resource.Mode == pipelines.ModeReceipt || (r.Table != nil && r.Table.Site != nil)
}

// Score is how sure the resource's match is (1 for a receipt resource).
func (r *ResourceMatch) Score() float64 {
	if r.Resource.Mode == pipelines.ModeReceipt {
		return 1
	}
	if r.Table == nil {
		return 0
	}
	return r.Table.Score
}

// Source returns the match of logical source name.
func (m *Mapping) Source(name string) *SourceMatch {
	for _, s := range m.Sources {
		if s.Role.Source == name {
			return s
		}
	}
	return nil
}

// Found counts the resources whose evidence was found.
func (m *Mapping) Found() int {
	n := 0
	for _, r := range m.Resources {
		if r.Found() {
			n++
		}
	}
	return n
}

// Match decides the role of every inspected database and maps the
// catalog's resources onto the site.
func Match(cat *pipelines.Catalog, dbs []*Database) (*Mapping, error) {
	roles, err := Roles(cat)
	if err != nil {
		return nil, err
	}
	m := &Mapping{SourceRenames: map[string]map[string]*TableMatch{}, catalog: cat}
	m.Sources, m.Unassigned = assignRoles(roles, dbs)
	for _, s := range m.Sources {
		if s.Role.Kind != KindBusiness && s.Role.Kind != KindStatistics {
			continue
		}
		for _, t := range s.Tables {
			if t.Renamed() {
				if m.SourceRenames[s.Role.Source] == nil {
					m.SourceRenames[s.Role.Source] = map[string]*TableMatch{}
				}
				m.SourceRenames[s.Role.Source][t.Ref.Name] = t
			}
		}
	}
	if ex := m.Source("exchange"); ex != nil && ex.DB != nil {
		if t := ex.Table("push_log"); t != nil && t.Site != nil {
			m.PushLog = &PushLogMatch{Source: "exchange", Table: t}
		}
	}
	m.Draft = &pipelines.Catalog{}
	for i := range cat.Resources {
		res := &cat.Resources[i]
		rm := &ResourceMatch{Resource: res}
		m.Resources = append(m.Resources, rm)
		if res.Mode == pipelines.ModeReceipt {
			rm.Decisions = append(rm.Decisions, "介质拷贝：回执文件放在 evidence.receipts_dir（文件名模式 "+res.Table+"）")
			continue
		}
		tgt, _ := cat.Target(res.Target)
		rm.Source = tgt.Database
		sm := m.Source(tgt.Database)
		if sm == nil || sm.DB == nil {
			rm.Decisions = append(rm.Decisions, "未找到"+tgt.NameZH+"的前置机数据库：请在配置中指明 sources."+tgt.Database)
			continue
		}
		rm.Table = sm.Table(res.Table)
		rm.decide()
		if draft, changed := m.draftResource(res, rm.Table); changed {
			m.Draft.Resources = append(m.Draft.Resources, *draft)
		}
	}
	m.draftCounters(cat)
	return m, nil
}

// decide lists what a person must decide about one resource's match.
func (rm *ResourceMatch) decide() {
	t := rm.Table
	if t == nil || t.Site == nil {
		rm.Decisions = append(rm.Decisions, "未找到证据表：请指明前置机中接收该资源的表")
		return
	}
	if t.Score < Sure {
		rm.Decisions = append(rm.Decisions, fmt.Sprintf("请确认证据表 %s（把握 %.2f）", t.Site.Name, t.Score))
	}
	for _, c := range t.Columns {
		switch {
		case c.Site == nil && c.Ref.Name == pipelines.EvidenceBatchID:
			rm.Decisions = append(rm.Decisions, "无批次号字段：需用时间字段把接收行分到窗口（window_column，候选见下）")
		case c.Site == nil && c.Ref.Bookkeeping:
			rm.Decisions = append(rm.Decisions, "无到达时间字段（"+c.Ref.Name+"）：无法据此判断迟到")
		case c.Site == nil:
			rm.Decisions = append(rm.Decisions, fmt.Sprintf("未找到字段 %s（%s）：请指明其列，或从资源中去掉", c.Ref.Name, c.Ref.Comment))
		case c.Ref.Bookkeeping && !strings.EqualFold(c.Site.Name, c.Ref.Name):
			rm.Decisions = append(rm.Decisions, fmt.Sprintf("%s字段在此名为 %s，pushaudit 读取 %s（请建视图，或用 window_column）", c.Ref.Comment, c.Site.Name, c.Ref.Name))
		case c.Score < 0.8:
			rm.Decisions = append(rm.Decisions, fmt.Sprintf("请确认字段 %s（%s）→ %s（%s），把握 %.2f", c.Ref.Name, c.Ref.Comment, c.Site.Name, c.Site.Comment, c.Score))
		case !validIdent(c.Site.Name):
			rm.Decisions = append(rm.Decisions, fmt.Sprintf("列名 %s 不是 pushaudit 可用的简单名称：请在视图中起别名", c.Site.Name))
		}
	}
	if t.SiteColumn(pipelines.EvidenceBatchID) == nil {
		for _, c := range t.Site.Columns {
			if typeClass(c.Type) == "time" {
				rm.WindowCandidates = append(rm.WindowCandidates, c.Name)
			}
		}
	}
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func validIdent(s string) bool { return identRE.MatchString(strings.ToLower(s)) }

// draftResource is res as the site names things: its evidence table and
// columns renamed to the site's, and its source SQL rewritten through the
// business and statistics renames. changed is false when nothing differs.
func (m *Mapping) draftResource(res *pipelines.Resource, t *TableMatch) (*pipelines.Resource, bool) {
	d := *res
	d.Columns = append([]pipelines.Column(nil), res.Columns...)
	d.KeyColumns = append([]string(nil), res.KeyColumns...)
	changed := false
	renamed := map[string]string{}
	if t != nil && t.Site != nil {
		if !strings.EqualFold(t.Site.Name, res.Table) && validIdent(t.Site.Name) {
			d.Table, changed = strings.ToLower(t.Site.Name), true
		}
		for i, c := range d.Columns {
			sc := t.SiteColumn(c.Name)
			if sc == nil || strings.EqualFold(sc.Name, c.Name) || !validIdent(sc.Name) {
				continue
			}
			renamed[c.Name] = strings.ToLower(sc.Name)
			d.Columns[i].Name, changed = renamed[c.Name], true
		}
		for i, k := range d.KeyColumns {
			if n, ok := renamed[k]; ok {
				d.KeyColumns[i] = n
			}
		}
	}
	rw := m.rewriter()
	if rw != nil {
		sqlOf := func(s string) string { return rw(s, res.From+" "+res.Where) }
		if f := sqlOf(d.From); f != d.From {
			d.From, changed = f, true
		}
		if w := sqlOf(d.Where); w != d.Where {
			d.Where, changed = w, true
		}
		for i, c := range d.Columns {
			if e := sqlOf(c.Expr); e != c.Expr {
				d.Columns[i].Expr, changed = e, true
			}
		}
		// when a source row last changed: its values are compared only
		// if that is not after the push.
		if e := sqlOf(d.ChangedAt); e != d.ChangedAt {
			d.ChangedAt, changed = e, true
		}
	}
	return &d, changed
}

// draftCounters rewrites the statistics counters' expressions (over
// biz.cases c) through the business renames.
func (m *Mapping) draftCounters(cat *pipelines.Catalog) {
	rw := m.rewriter()
	if rw == nil {
		return
	}
	changed := false
	out := append([]pipelines.StatsCounter(nil), cat.StatsCounters...)
	for i, s := range out {
		if e := rw(s.Expr, "biz.cases c"); e != s.Expr {
			out[i].Expr, changed = e, true
		}
	}
	if changed {
		m.Draft.StatsCounters = out
	}
}

var tableRefRE = regexp.MustCompile(`\b(biz|stats)\.([a-z_][a-z0-9_]*)(?:\s+(?:AS\s+)?([a-z_][a-z0-9_]*))?`)

// sqlKeywords may follow a table name where an alias would be.
var sqlKeywords = map[string]bool{"on": true, "where": true, "join": true, "left": true, "right": true, "inner": true, "group": true, "order": true, "using": true, "cross": true, "union": true, "limit": true, "having": true, "and": true, "or": true}

// rewriter returns a function that rewrites SQL through the business and
// statistics renames: schema.table to the site's table, alias.column to
// the site's column, the aliases read from context (the FROM and WHERE of
// the resource). nil when nothing is renamed.
func (m *Mapping) rewriter() func(sql, context string) string {
	if len(m.SourceRenames) == 0 {
		return nil
	}
	return func(sqlText, context string) string {
		aliases := map[string]*TableMatch{}
		for _, mm := range tableRefRE.FindAllStringSubmatch(context+" "+sqlText, -1) {
			t := m.SourceRenames[mm[1]][mm[2]]
			if t == nil || mm[3] == "" || sqlKeywords[strings.ToLower(mm[3])] {
				continue
			}
			aliases[mm[3]] = t
		}
		out := tableRefRE.ReplaceAllStringFunc(sqlText, func(s string) string {
			mm := tableRefRE.FindStringSubmatch(s)
			t := m.SourceRenames[mm[1]][mm[2]]
			if t == nil || !validIdent(t.Site.Name) {
				return s
			}
			return mm[1] + "." + strings.ToLower(t.Site.Name) + s[len(mm[1])+1+len(mm[2]):]
		})
		if len(aliases) == 0 {
			return out
		}
		names := make([]string, 0, len(aliases))
		for a := range aliases {
			names = append(names, regexp.QuoteMeta(a))
		}
		sort.Strings(names)
		colRE := regexp.MustCompile(`(^|[^A-Za-z0-9_.])(` + strings.Join(names, "|") + `)\.([a-z_][a-z0-9_]*)\b`)
		return colRE.ReplaceAllStringFunc(out, func(s string) string {
			mm := colRE.FindStringSubmatch(s)
			sc := aliases[mm[2]].SiteColumn(mm[3])
			if sc == nil || !validIdent(sc.Name) {
				return s
			}
			return mm[1] + mm[2] + "." + strings.ToLower(sc.Name)
		})
	}
}

// PushLogMatch is the site's push log: its table and the column carrying
// each field, and how it spells a push's status.
type PushLogMatch struct {
	Source string // logical source, "exchange"
	Table  *TableMatch
	// Statuses are the distinct status values seen (at most 20).
	Statuses []string
	// StatusOK and StatusFailed are the spellings read as success and
	// failure; Unknown the ones init could not place.
	StatusOK, StatusFailed, StatusUnknown []string
}

// RenamedColumns maps the push log's fields to the site's columns where
// they differ.
func (p *PushLogMatch) RenamedColumns() map[string]string {
	out := map[string]string{}
	for _, c := range p.Table.Columns {
		if c.Site != nil && !strings.EqualFold(c.Site.Name, c.Ref.Name) {
			out[c.Ref.Name] = c.Site.Name
		}
	}
	return out
}

// DefaultStatuses reports whether the site spells statuses as pushaudit
// does by default (success, failed).
func (p *PushLogMatch) DefaultStatuses() bool {
	for _, s := range p.Statuses {
		if s != "success" && s != "failed" {
			return false
		}
	}
	return true
}

var (
	okSpellings   = map[string]bool{"success": true, "succeeded": true, "ok": true, "成功": true, "s": true, "y": true, "200": true, "true": true, "完成": true, "推送成功": true}
	failSpellings = map[string]bool{"failed": true, "fail": true, "failure": true, "error": true, "失败": true, "f": true, "n": true, "false": true, "推送失败": true, "异常": true}
)

// ReadStatuses reads the distinct status values of the push log and sorts
// them into success and failure spellings.
func (p *PushLogMatch) ReadStatuses(ctx context.Context, db *sql.DB, database string) error {
	col := p.Table.SiteColumn("status")
	if col == nil {
		return nil
	}
	q := fmt.Sprintf("SELECT DISTINCT CAST(%s AS CHAR) FROM %s.%s LIMIT 20", quoteIdent(col.Name), quoteIdent(database), quoteIdent(p.Table.Site.Name))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("push log statuses: %w", err)
	}
	defer rows.Close()
	var values []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s.Valid {
			values = append(values, s.String)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	p.SetStatuses(values)
	return nil
}

// SetStatuses sorts the status values seen into success and failure
// spellings (success, 成功, S, 2xx; failed, 失败, F, 4xx/5xx); 0 and 1,
// which sites use both ways, stay unknown for a person to place.
func (p *PushLogMatch) SetStatuses(values []string) {
	p.Statuses = append([]string(nil), values...)
	sort.Strings(p.Statuses)
	p.StatusOK, p.StatusFailed, p.StatusUnknown = nil, nil, nil
	for _, s := range p.Statuses {
		v := strings.ToLower(strings.TrimSpace(s))
		switch {
		case okSpellings[v] || (len(v) == 3 && v[0] == '2'):
			p.StatusOK = append(p.StatusOK, s)
		case failSpellings[v] || (len(v) == 3 && (v[0] == '4' || v[0] == '5')):
			p.StatusFailed = append(p.StatusFailed, s)
		default:
			p.StatusUnknown = append(p.StatusUnknown, s)
		}
	}
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

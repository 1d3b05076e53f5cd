package siteinit

import (
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestCommentScore(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		score     float64
	}{
		{"责任网格名称", "责任网格名称", 1},
		{"网格编号（单元、责任）", "网格编号(单元、责任)", 1},     // full-width brackets fold
		{"推送状态: success/failed", "推送状态", 0.9}, // the label before its explanation
		{"推送条数", "本次推送条数", 0.6},               // contained
		{"推送条数", "", 0},
		{"案件坐标", "到达时间", 0},
		{"数", "上报数", 0}, // one character is no clue
	} {
		if got := commentScore(tc.want, tc.got); got != tc.score {
			t.Errorf("commentScore(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.score)
		}
	}
}

func TestColumnScore(t *testing.T) {
	for _, tc := range []struct {
		ref   RefColumn
		site  Column
		score float64
		by    string
	}{
		{RefColumn{Name: "case_id", Comment: "案卷标识", Type: "BIGINT"}, Column{Name: "case_id", Type: "bigint(20)"}, 1, ByName},
		{RefColumn{Name: "case_id", Comment: "案卷标识", Type: "BIGINT"}, Column{Name: "ajbs", Type: "bigint(20)", Comment: "案卷标识"}, 0.9, ByComment},
		{RefColumn{Name: "case_id", Comment: "案卷标识", Type: "BIGINT"}, Column{Name: "ajbs", Type: "decimal(20,0)", Comment: "案卷标识"}, 0.9, ByComment}, // numbers compare
		{RefColumn{Name: "case_id", Comment: "案卷标识", Type: "BIGINT"}, Column{Name: "ajbs", Type: "datetime", Comment: "案卷标识"}, 0.45, ByComment},     // a time cannot carry an id
		{RefColumn{Name: "rows_sent", Comment: "推送条数", Type: "INT"}, Column{Name: "record_count", Type: "int(11)", Comment: "本次推送条数"}, 0.54, ByPartial},
	} {
		got, by := columnScore(tc.ref, &tc.site)
		if round2(got) != tc.score || by != tc.by {
			t.Errorf("columnScore(%s, %s %s %q) = %v by %s, want %v by %s", tc.ref.Name, tc.site.Name, tc.site.Type, tc.site.Comment, got, by, tc.score, tc.by)
		}
	}
}

// exchangeDB is a hand-made exchange database whose push log has other
// names and a row per push: the columns carry the catalog's labels only
// in their COMMENTs.
func exchangeDB() *Database {
	return &Database{Name: "jhk", Addr: "10.0.0.5:3306", User: "audit", Tables: []*Table{
		{Name: "sys_user", Comment: "系统用户", Columns: []*Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "varchar(32)", Comment: "用户名"}}},
		{Name: "t_push_log", Comment: "推送日志", Columns: []*Column{
			{Name: "id", Type: "bigint(20)", Comment: "日志标识", Key: true},
			{Name: "target", Type: "varchar(32)", Comment: "对接系统"},
			{Name: "resource", Type: "varchar(64)", Comment: "数据资源"},
			{Name: "window_start", Type: "datetime", Comment: "数据窗口开始"},
			{Name: "window_end", Type: "datetime", Comment: "数据窗口结束"},
			{Name: "batch_id", Type: "varchar(64)", Comment: "批次号"},
			{Name: "record_count", Type: "int(11)", Comment: "推送条数"},
			{Name: "status", Type: "varchar(8)", Comment: "推送状态"},
			{Name: "error", Type: "varchar(512)", Comment: "错误信息"},
			{Name: "started_at", Type: "datetime(3)", Comment: "开始时间"},
			{Name: "finished_at", Type: "datetime(3)", Comment: "完成时间"},
		}},
	}}
}

// TestMapping_ConfigDraft_PushLogMapping: a push log whose rows_sent is
// named record_count and whose statuses are spelled 成功/失败 is written
// in the mapping form, exactly as the interface spells it.
func TestMapping_ConfigDraft_PushLogMapping(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Match(cat, []*Database{exchangeDB()})
	if err != nil {
		t.Fatal(err)
	}
	if m.PushLog == nil || m.PushLog.Table.Site.Name != "t_push_log" {
		t.Fatalf("push log: %+v", m.PushLog)
	}
	m.PushLog.SetStatuses([]string{"失败", "成功"})
	b, err := m.ConfigDraft()
	if err != nil {
		t.Fatal(err)
	}
	want := `evidence:
  push_log:
    table: exchange.t_push_log
    columns: {rows_sent: record_count}
    status_ok: [成功]
    status_failed: [失败]
`
	if !strings.Contains(string(b), want) {
		t.Errorf("config draft:\n%s\nwant:\n%s", b, want)
	}
	for _, w := range []string{"password_env: " + PasswordEnv, "database: jhk", "# NOT FOUND: source biz (business)"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("config draft does not say %q:\n%s", w, b)
		}
	}
	// the simulator's spellings keep the plain form
	m.PushLog.SetStatuses([]string{"success", "failed"})
	m.PushLog.Table.Columns[6].Site = &Column{Name: "rows_sent", Type: "int"}
	b, _ = m.ConfigDraft()
	if !strings.Contains(string(b), "push_log: exchange.t_push_log\n") {
		t.Errorf("plain push log:\n%s", b)
	}
}

func TestPushLogMatch_SetStatuses(t *testing.T) {
	p := &PushLogMatch{}
	p.SetStatuses([]string{"S", "F", "200", "503", "0", "1", "成功", "失败"})
	if got, want := strings.Join(p.StatusOK, ","), "200,S,成功"; got != want {
		t.Errorf("ok %s, want %s", got, want)
	}
	if got, want := strings.Join(p.StatusFailed, ","), "503,F,失败"; got != want {
		t.Errorf("failed %s, want %s", got, want)
	}
	if got, want := strings.Join(p.StatusUnknown, ","), "0,1"; got != want {
		t.Errorf("unknown %s, want %s", got, want)
	}
}

// TestMatch_FrontendWithoutBatchID: a front-end table that keeps only the
// data and an insert time is found by its COMMENTs, and the mapping says
// a window column must be chosen, naming the candidates.
func TestMatch_FrontendWithoutBatchID(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res, _ := cat.Resource("province", "case_basic")
	tbl := &Table{Name: "sjt_wtxx", Comment: "问题信息"}
	for i, c := range res.Columns {
		tbl.Columns = append(tbl.Columns, &Column{Name: "f" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Type: strings.ToLower(c.Type), Comment: c.ZH})
	}
	tbl.Columns = append(tbl.Columns, &Column{Name: "insert_time", Type: "datetime", Comment: "入库时间"})
	decoy := &Table{Name: "sys_log", Comment: "系统日志", Columns: []*Column{{Name: "id", Type: "bigint"}, {Name: "msg", Type: "text", Comment: "问题描述"}}}
	m, err := Match(cat, []*Database{{Name: "qzj_sheng", Tables: []*Table{decoy, tbl}}})
	if err != nil {
		t.Fatal(err)
	}
	var rm *ResourceMatch
	for _, r := range m.Resources {
		if r.Resource == res {
			rm = r
		}
	}
	if !rm.Found() || rm.Table.Site != tbl {
		t.Fatalf("province/case_basic: %+v", rm.Table)
	}
	if got := rm.Table.SiteColumn("case_id"); got == nil || got.Comment != "问题唯一标识" {
		t.Errorf("case_id matched %+v", got)
	}
	if strings.Join(rm.WindowCandidates, ",") != "fwa,insert_time" {
		t.Errorf("window candidates %v", rm.WindowCandidates)
	}
	joined := strings.Join(rm.Decisions, "\n")
	if !strings.Contains(joined, "无批次号字段") {
		t.Errorf("decisions do not ask for a window column:\n%s", joined)
	}
	if d, ok := findDraft(m, "province", "case_basic"); !ok || d.Table != "sjt_wtxx" || d.KeyColumns[0] != rm.Table.SiteColumn("case_id").Name {
		t.Errorf("draft: %+v", d)
	}
}

func findDraft(m *Mapping, target, key string) (pipelines.Resource, bool) {
	for _, r := range m.Draft.Resources {
		if r.Target == target && r.Key == key {
			return r, true
		}
	}
	return pipelines.Resource{}, false
}

// TestRewriter: business tables and columns named otherwise are followed
// through the aliases of a resource's SQL; other tables are left alone.
func TestRewriter(t *testing.T) {
	media := &TableMatch{Ref: &RefTable{Name: "media"}, Site: &Table{Name: "DMT_XX"}, Columns: []ColumnMatch{
		{Ref: RefColumn{Name: "case_id"}, Site: &Column{Name: "ajbs"}},
		{Ref: RefColumn{Name: "created_at"}, Site: &Column{Name: "cjsj"}},
	}}
	m := &Mapping{SourceRenames: map[string]map[string]*TableMatch{"biz": {"media": media}}}
	rw := m.rewriter()
	ctx := "biz.media md JOIN biz.cases c ON c.id = md.case_id"
	for in, want := range map[string]string{
		ctx: "biz.dmt_xx md JOIN biz.cases c ON c.id = md.ajbs",
		"md.created_at >= :window_start AND c.created_at < :window_end": "md.cjsj >= :window_start AND c.created_at < :window_end",
		"COALESCE(md.case_id, 0)": "COALESCE(md.ajbs, 0)",
	} {
		if got := rw(in, ctx); got != want {
			t.Errorf("rewrite %q = %q, want %q", in, got, want)
		}
	}
}

// TestDraftResource_ChangedAt: the time a source row last changed follows
// the site's renames like the rest of the resource's SQL (a changed_at
// left on the reference names would end every reconcile of it).
func TestDraftResource_ChangedAt(t *testing.T) {
	cases := &TableMatch{Ref: &RefTable{Name: "cases"}, Site: &Table{Name: "AJ_JBXX"}, Columns: []ColumnMatch{
		{Ref: RefColumn{Name: "id"}, Site: &Column{Name: "ajbs"}},
		{Ref: RefColumn{Name: "updated_at"}, Site: &Column{Name: "gxsj"}},
	}}
	m := &Mapping{SourceRenames: map[string]map[string]*TableMatch{"biz": {"cases": cases}}}
	res := &pipelines.Resource{Target: "t", Key: "k", Mode: pipelines.ModeRows, From: "biz.cases c",
		Where: "c.updated_at >= :window_start", ChangedAt: "greatest(c.updated_at, c.id)",
		Columns: []pipelines.Column{{Name: "case_id", Expr: "c.id"}}}
	d, changed := m.draftResource(res, nil)
	if !changed || d.ChangedAt != "greatest(c.gxsj, c.ajbs)" || d.From != "biz.aj_jbxx c" {
		t.Errorf("draft: changed %v, from %q, changed_at %q; want biz.aj_jbxx c and greatest(c.gxsj, c.ajbs)", changed, d.From, d.ChangedAt)
	}
	if res.ChangedAt != "greatest(c.updated_at, c.id)" {
		t.Errorf("the reference resource was changed: %q", res.ChangedAt)
	}
}

// frontendTable is the evidence table of res as the simulator creates it.
func frontendTable(res *pipelines.Resource) *Table {
	t := &Table{Name: res.Table, Comment: res.NameZH}
	for _, c := range res.Columns {
		t.Columns = append(t.Columns, &Column{Name: c.Name, Type: strings.ToLower(c.Type), Comment: c.ZH})
	}
	t.Columns = append(t.Columns, &Column{Name: "batch_id", Type: "varchar(64)", Comment: "批次号"}, &Column{Name: "arrived_at", Type: "datetime(3)", Comment: "到达时间"})
	return t
}

// TestMatch_SharedFrontend: one front-end database holding the evidence
// of two targets plays both roles, and the config draft has each
// snapshot its own tables.
func TestMatch_SharedFrontend(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	prov, _ := cat.Resource("province", "case_basic")
	var tables []*Table
	for _, r := range cat.ResourcesOf("chenghua") {
		tables = append(tables, frontendTable(r))
	}
	tables = append(tables, frontendTable(prov))
	m, err := Match(cat, []*Database{exchangeDB(), {Name: "qzj", Addr: "10.0.0.5:3306", User: "audit", Tables: tables}})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"fe_province", "fe_chenghua", "exchange"} {
		if s := m.Source(src); s.DB == nil {
			t.Errorf("%s: no database", src)
		}
	}
	b, err := m.ConfigDraft()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "  fe_province:\n    database: qzj\n    tables:\n      - case_basic\n") {
		t.Errorf("config draft:\n%s", b)
	}
}

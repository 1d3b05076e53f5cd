package pipelines_test

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func defaultCatalog(t *testing.T) *pipelines.Catalog {
	t.Helper()
	c, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultCatalogCounts(t *testing.T) {
	c := defaultCatalog(t)
	if len(c.Targets) != 7 {
		t.Errorf("targets: got %d, want 7", len(c.Targets))
	}
	if len(c.Resources) != 55 {
		t.Errorf("resources: got %d, want 55", len(c.Resources))
	}
	// seed/README.md, "Counts".
	perTarget := map[string]int{"city_gov": 21, "ministry": 9, "province": 1, "city_cgw": 14, "chenghua": 2, "pengzhou": 7, "qingbaijiang": 1}
	perCadence := map[pipelines.Cadence]int{pipelines.DailyAfter2300: 24, pipelines.Once: 18, pipelines.Every30m: 7, pipelines.Hourly: 3, pipelines.MediaCopy: 2, pipelines.Every10m: 1}
	perBoth := map[string]int{
		"city_gov/once": 6, "city_gov/media_copy": 1, "city_gov/daily_after_2300": 4, "city_gov/hourly": 3, "city_gov/every_30m": 7,
		"ministry/once": 4, "ministry/daily_after_2300": 5,
		"province/every_10m": 1,
		"city_cgw/once":      8, "city_cgw/media_copy": 1, "city_cgw/daily_after_2300": 5,
		"chenghua/daily_after_2300": 2, "pengzhou/daily_after_2300": 7, "qingbaijiang/daily_after_2300": 1,
	}
	gotT, gotC, gotB := map[string]int{}, map[pipelines.Cadence]int{}, map[string]int{}
	for _, r := range c.Resources {
		gotT[r.Target]++
		gotC[r.Cadence]++
		gotB[r.Target+"/"+string(r.Cadence)]++
	}
	for k, want := range perTarget {
		if gotT[k] != want {
			t.Errorf("target %s: %d resources, want %d", k, gotT[k], want)
		}
		if tg, ok := c.Target(k); !ok || tg.Database != "fe_"+k || tg.NameEN == "" || tg.NameZH == "" {
			t.Errorf("target %s: %+v", k, tg)
		}
	}
	for k, want := range perCadence {
		if gotC[k] != want {
			t.Errorf("cadence %s: %d resources, want %d", k, gotC[k], want)
		}
	}
	for k, want := range perBoth {
		if gotB[k] != want {
			t.Errorf("%s: %d resources, want %d", k, gotB[k], want)
		}
	}
	if len(gotB) != len(perBoth) {
		t.Errorf("target × cadence pairs: got %v, want %v", gotB, perBoth)
	}
}

// seedRow is one data row of push-catalog.tsv.
type seedRow struct {
	target, seq, key, nameZH, categoryZH, fields, frequency string
}

func readSeed(t *testing.T) []seedRow {
	t.Helper()
	f, err := os.Open("../testdata/catalog/push-catalog.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []seedRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 9 {
			t.Fatalf("push-catalog.tsv line %d: %d cells, want 9", line+1, len(c))
		}
		rows = append(rows, seedRow{c[0], c[2], c[3], c[4], c[5], c[6], c[7]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// splitFields splits a catalog field list on 、 outside parentheses, so
// 当前状态（处理中、督查、办案） stays one field.
func splitFields(s string) []string {
	var out []string
	depth := 0
	var cur strings.Builder
	for _, r := range s {
		switch r {
		case '（', '(':
			depth++
		case '）', ')':
			depth--
		}
		if r == '、' && depth == 0 {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(out, cur.String())
}

func TestSplitFields(t *testing.T) {
	got := splitFields("案卷标识、网格编号（单元、责任）、监督员级别(区/县/市)、X")
	want := []string{"案卷标识", "网格编号（单元、责任）", "监督员级别(区/县/市)", "X"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCatalogMatchesSeed checks every resource against its row of
// push-catalog.tsv: order, seq, names, cadence, and that its columns carry
// the catalog fields in order (consecutive columns may share a field; extra
// columns are not catalog fields).
func TestCatalogMatchesSeed(t *testing.T) {
	c := defaultCatalog(t)
	rows := readSeed(t)
	if len(rows) != len(c.Resources) {
		t.Fatalf("seed has %d rows, catalog %d resources", len(rows), len(c.Resources))
	}
	for i, row := range rows {
		r := c.Resources[i]
		id := row.target + "/" + row.key
		if r.ID() != id {
			t.Errorf("resources[%d] is %s, seed row is %s", i, r.ID(), id)
			continue
		}
		if got := r.Seq; got == 0 || row.seq != strconv.Itoa(got) {
			t.Errorf("%s: seq %d, seed %s", id, got, row.seq)
		}
		if r.NameZH != row.nameZH || r.CategoryZH != row.categoryZH {
			t.Errorf("%s: name_zh %q category_zh %q, seed %q %q", id, r.NameZH, r.CategoryZH, row.nameZH, row.categoryZH)
		}
		if string(r.Cadence) != row.frequency {
			t.Errorf("%s: cadence %s, seed %s", id, r.Cadence, row.frequency)
		}
		var carried []string
		for _, col := range r.Columns {
			if col.Extra {
				continue
			}
			if n := len(carried); n > 0 && carried[n-1] == col.ZH {
				continue // one field carried by two columns
			}
			carried = append(carried, col.ZH)
		}
		want := splitFields(row.fields)
		if strings.Join(carried, "、") != strings.Join(want, "、") {
			t.Errorf("%s: columns carry\n  %s\nseed fields\n  %s", id, strings.Join(carried, "、"), strings.Join(want, "、"))
		}
	}
}

var (
	unqualifiedRE = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b(\.)?`)
	forbiddenSQL  = []struct {
		re  *regexp.Regexp
		why string
	}{
		{regexp.MustCompile("`"), "backtick"},
		{regexp.MustCompile(`::`), ":: cast"},
		{regexp.MustCompile(`(?i)\bIF\s*\(`), "IF() (use CASE WHEN)"},
		{regexp.MustCompile(`(?i)\bIFNULL\s*\(`), "IFNULL() (use COALESCE)"},
		{regexp.MustCompile(`(?i)\b(DATE_ADD|DATE_SUB|DATEDIFF|TIMESTAMPDIFF|DATE_FORMAT|STR_TO_DATE|NOW|CURDATE|UNIX_TIMESTAMP|GROUP_CONCAT|STRING_AGG)\s*\(`), "dialect-specific function"},
		{regexp.MustCompile(`(?i)\bCAST\s*\([^)]*\bAS\s+(SIGNED|UNSIGNED|INTEGER|INT|BIGINT|VARCHAR|TEXT)\b`), "CAST type not portable"},
	}
)

// TestCatalogConventions checks the rules of the catalog header: modes by
// cadence, table names, schema-qualified tables, portable SQL.
func TestCatalogConventions(t *testing.T) {
	c := defaultCatalog(t)
	for _, r := range c.Resources {
		id := r.ID()
		switch {
		case r.Cadence == pipelines.Once && r.Mode != pipelines.ModeFullSet:
			t.Errorf("%s: once resource in mode %s, want full_set", id, r.Mode)
		case r.Cadence == pipelines.MediaCopy && r.Mode != pipelines.ModeReceipt:
			t.Errorf("%s: media_copy resource in mode %s, want receipt", id, r.Mode)
		case r.Cadence.Periodic() && r.Mode != pipelines.ModeRows && r.Mode != pipelines.ModeMeasures:
			t.Errorf("%s: periodic resource in mode %s", id, r.Mode)
		}
		if r.Mode == pipelines.ModeReceipt {
			if !strings.HasPrefix(r.Table, r.Key+"_") || !strings.HasSuffix(r.Table, ".csv") {
				t.Errorf("%s: receipt table %q, want %s_*.csv", id, r.Table, r.Key)
			}
		} else if r.Table != r.Key && r.ID() != "city_cgw/position" {
			t.Errorf("%s: table %q, want the resource key", id, r.Table)
		}
		if r.Cadence.Periodic() && !strings.Contains(r.From+" "+r.Where, ":") && r.Key != "supervisor_basic" {
			t.Errorf("%s: periodic resource without a window filter", id)
		}
		if !r.Cadence.Periodic() && strings.Contains(r.SourceSQL(), ":") {
			t.Errorf("%s: a %s resource takes no parameters", id, r.Cadence)
		}
		if r.Mode == pipelines.ModeMeasures {
			dims := map[string]bool{}
			for _, d := range r.Dims() {
				dims[d.Name] = true
			}
			for _, k := range r.KeyColumns {
				col := column(r, k)
				if !dims[k] && !col.Extra {
					t.Errorf("%s: measures key %s is neither a dim nor an extra period column", id, k)
				}
			}
			if len(dims) > 0 && len(dims) != len(r.KeyColumns) {
				t.Errorf("%s: key columns %v, want the dims", id, r.KeyColumns)
			}
		}
		for _, col := range r.Columns {
			if col.Compare != nil && r.Mode != pipelines.ModeMeasures {
				t.Errorf("%s.%s: compare is for measures", id, col.Name)
			}
			if col.Dim && r.Mode != pipelines.ModeMeasures {
				t.Errorf("%s.%s: dim is for measures", id, col.Name)
			}
		}
		sql := r.SourceSQL()
		for _, m := range unqualifiedRE.FindAllStringSubmatch(sql, -1) {
			if m[2] != "." {
				t.Errorf("%s: table %q is not schema-qualified", id, m[1])
			}
		}
		for _, f := range forbiddenSQL {
			if f.re.MatchString(sql) {
				t.Errorf("%s: %s in %s", id, f.why, sql)
			}
		}
	}
	for _, s := range c.StatsCounters {
		for _, f := range forbiddenSQL {
			if f.re.MatchString(s.Expr) {
				t.Errorf("stats counter %s: %s", s.Name, f.why)
			}
		}
	}
}

func column(r pipelines.Resource, name string) pipelines.Column {
	for _, c := range r.Columns {
		if c.Name == name {
			return c
		}
	}
	return pipelines.Column{}
}

var statsColumnRE = regexp.MustCompile(`(?m)^\s+(\w+)\s+INT NOT NULL DEFAULT 0 COMMENT '([^']*)'`)

// TestStatsCountersMatchSchema checks that stats_counters names every
// counter column of stats.case_eval, in order, with its COMMENT as zh.
func TestStatsCountersMatchSchema(t *testing.T) {
	c := defaultCatalog(t)
	b, err := os.ReadFile("../schemas/mysql/stats.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = s[strings.Index(s, "CREATE TABLE case_eval"):]
	s = s[:strings.Index(s, ") COMMENT=")]
	cols := statsColumnRE.FindAllStringSubmatch(s, -1)
	if len(cols) != len(c.StatsCounters) {
		t.Fatalf("stats.case_eval has %d counters, catalog %d", len(cols), len(c.StatsCounters))
	}
	for i, m := range cols {
		got := c.StatsCounters[i]
		if got.Name != m[1] || got.ZH != m[2] {
			t.Errorf("stats_counters[%d]: %s %s, want %s %s", i, got.Name, got.ZH, m[1], m[2])
		}
	}
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestMeasuresUseCounters checks that a measure named like a stats counter
// is the SUM of that counter's expression, so the statistics pushed and the
// statistics DB share one definition.
func TestMeasuresUseCounters(t *testing.T) {
	c := defaultCatalog(t)
	counters := map[string]string{}
	for _, s := range c.StatsCounters {
		counters[s.Name] = normSpace(s.Expr)
	}
	n := 0
	for _, r := range c.Resources {
		if r.Mode != pipelines.ModeMeasures {
			continue
		}
		for _, col := range r.Columns {
			expr, ok := counters[col.Name]
			if !ok {
				continue
			}
			n++
			got := normSpace(col.Expr)
			if got != "SUM("+expr+")" && got != "COALESCE(SUM("+expr+"), 0)" {
				t.Errorf("%s.%s = %s\nwant SUM(%s)", r.ID(), col.Name, got, expr)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d measures named like counters", n)
	}
}

const miniCatalog = `
targets:
  - {key: t1, name_zh: 甲, name_en: One, database: fe_t1}
resources:
  - target: t1
    key: r1
    seq: 1
    name_zh: 资源
    category_zh: 类别
    cadence: daily_after_2300
    mode: rows
    key_columns: [case_id]
    table: r1
    from: biz.cases c
    where: c.report_time >= :window_start AND c.report_time < :window_end
    columns:
      - {name: case_id, zh: 案件 ID, type: BIGINT, expr: c.id}
`

func TestValidateErrors(t *testing.T) {
	if _, err := pipelines.ParseCatalog(strings.NewReader(miniCatalog)); err != nil {
		t.Fatalf("mini catalog: %v", err)
	}
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"bad cadence", "cadence: daily_after_2300", "cadence: weekly",
			[]string{`resources[0] (t1/r1).cadence: "weekly" is not a cadence`}},
		{"bad mode", "mode: rows", "mode: sometimes",
			[]string{`resources[0] (t1/r1).mode: "sometimes" is not a mode`}},
		{"unknown key column", "key_columns: [case_id]", "key_columns: [case_no]",
			[]string{`resources[0] (t1/r1).key_columns: "case_no" is not one of its columns`}},
		{"unknown parameter", ":window_end", ":window_stop",
			[]string{`resources[0] (t1/r1).where: :window_stop is not a parameter`}},
		{"unknown target", "  - target: t1", "  - target: t9",
			[]string{`resources[0] (t9/r1).target: "t9" is not a target`}},
		{"bad column name", "name: case_id,", "name: CaseID,",
			[]string{`resources[0] (t1/r1).columns[0].name: "CaseID" is not a snake_case name`,
				`key_columns: "case_id" is not one of its columns`}},
		{"empty expr", "expr: c.id}", "expr: \"\"}",
			[]string{`resources[0] (t1/r1).columns[0] (case_id).expr: empty`}},
		{"unknown field", "    table: r1\n", "    table: r1\n    tabel: r2\n",
			[]string{"field tabel not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(miniCatalog, tc.old, tc.new, 1)
			if src == miniCatalog {
				t.Fatalf("%q not in the mini catalog", tc.old)
			}
			_, err := pipelines.ParseCatalog(strings.NewReader(src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFrontendDDLErrors(t *testing.T) {
	c := defaultCatalog(t)
	if _, err := c.FrontendDDL("nowhere"); err == nil || !strings.Contains(err.Error(), `"nowhere" is not a target`) {
		t.Errorf("unknown target: %v", err)
	}
	mini, err := pipelines.ParseCatalog(strings.NewReader(strings.Replace(miniCatalog, "name: case_id,", "name: batch_id,", 1)))
	if err == nil {
		_, err = mini.FrontendDDL("t1")
	}
	if err == nil {
		t.Error("a column named batch_id: no error")
	}
	mini, err = pipelines.ParseCatalog(strings.NewReader(strings.Replace(miniCatalog, "type: BIGINT", "type: TEXT", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mini.FrontendDDL("t1"); err == nil || !strings.Contains(err.Error(), "cannot be indexed") {
		t.Errorf("TEXT key column: %v", err)
	}
}

func TestFrontendDDL(t *testing.T) {
	c := defaultCatalog(t)
	for _, tg := range c.Targets {
		a, err := c.FrontendDDL(tg.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := c.FrontendDDL(tg.Key)
		if a != b {
			t.Errorf("%s: output not deterministic", tg.Key)
		}
		if strings.Contains(strings.ToUpper(a), "ENGINE") {
			t.Errorf("%s: ENGINE clause", tg.Key)
		}
		tables := strings.Count(a, "CREATE TABLE ")
		want := 0
		for _, r := range c.ResourcesOf(tg.Key) {
			if r.Mode != pipelines.ModeReceipt {
				want++
				if !strings.Contains(a, "CREATE TABLE "+r.Table+" (\n") || !strings.Contains(a, ") COMMENT='"+r.NameZH+"';") {
					t.Errorf("%s: table %s missing or without its comment", tg.Key, r.Table)
				}
			}
		}
		if tables != want {
			t.Errorf("%s: %d tables, want %d", tg.Key, tables, want)
		}
	}
	ddl, _ := c.FrontendDDL("city_gov")
	for _, want := range []string{
		"  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',\n  case_time     DATETIME NULL COMMENT '案件时间',",
		"  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',\n  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',\n  PRIMARY KEY (fe_row_id),\n  KEY idx_batch_id (batch_id),\n  KEY idx_key (case_id)\n) COMMENT='数字化城管案卷信息';",
		"-- component_gis_layer (数字城管部件 GIS 数据图层信息): 介质拷贝, checked against receipt files component_gis_layer_*.csv; no table.",
	} {
		if !strings.Contains(ddl, want) {
			t.Errorf("city_gov DDL lacks\n%s", want)
		}
	}
}

package siteinit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

// Role is what a site database is to pushaudit: a logical source name of
// the config (biz, stats, exchange, or a target's front-end database such
// as fe_city_gov).
type Role struct {
	Source string // logical source name (config sources key)
	Kind   string // "business", "statistics", "exchange", "frontend"
	Target string // the target, for a front-end database
	Tables []*RefTable
}

// RefTable is a table the catalog or the reference schema expects: a
// source table of the business, statistics or exchange database, or a
// resource's evidence table.
type RefTable struct {
	Name     string
	Comment  string // Chinese name: the table COMMENT, or the resource's name_zh
	Columns  []RefColumn
	Resource *pipelines.Resource // set for an evidence table
}

// RefColumn is an expected column: its name, Chinese label and type.
type RefColumn struct {
	Name, Comment, Type string
	// Bookkeeping marks batch_id and arrived_at of an evidence table.
	Bookkeeping bool
}

// Role kinds.
const (
	KindBusiness   = "business"
	KindStatistics = "statistics"
	KindExchange   = "exchange"
	KindFrontend   = "frontend"
)

// Roles returns what the catalog expects of a site: the business,
// statistics and exchange databases (their tables from the reference
// schema, schemas/mysql, whose names the catalog's SQL uses) and one
// front-end database per target holding its resources' evidence tables.
func Roles(cat *pipelines.Catalog) ([]*Role, error) {
	var out []*Role
	for _, s := range []struct{ name, kind string }{{"biz", KindBusiness}, {"stats", KindStatistics}, {"exchange", KindExchange}} {
		ddl, err := schemas.MySQL(s.name)
		if err != nil {
			return nil, fmt.Errorf("reference schema %s: %w", s.name, err)
		}
		tables, err := parseDDL(ddl)
		if err != nil {
			return nil, fmt.Errorf("reference schema %s: %w", s.name, err)
		}
		out = append(out, &Role{Source: s.name, Kind: s.kind, Tables: tables})
	}
	for _, t := range cat.Targets {
		r := &Role{Source: t.Database, Kind: KindFrontend, Target: t.Key}
		for _, res := range cat.ResourcesOf(t.Key) {
			if res.Mode == pipelines.ModeReceipt {
				continue
			}
			rt := &RefTable{Name: res.Table, Comment: res.NameZH, Resource: res}
			for _, c := range res.Columns {
				rt.Columns = append(rt.Columns, RefColumn{Name: c.Name, Comment: c.ZH, Type: c.Type})
			}
			rt.Columns = append(rt.Columns,
				RefColumn{Name: pipelines.EvidenceBatchID, Comment: "批次号", Type: "VARCHAR(64)", Bookkeeping: true},
				RefColumn{Name: pipelines.EvidenceArrivedAt, Comment: "到达时间", Type: "DATETIME(3)", Bookkeeping: true})
			r.Tables = append(r.Tables, rt)
		}
		if len(r.Tables) > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

var (
	createRE   = regexp.MustCompile(`(?i)^CREATE TABLE\s+(\w+)\s*\(`)
	columnRE   = regexp.MustCompile(`^\s*(\w+)\s+([A-Za-z]+(?:\([^)]*\))?(?:\s+UNSIGNED)?)(.*)$`)
	commentRE  = regexp.MustCompile(`(?i)COMMENT\s*=?\s*'((?:[^']|'')*)'`)
	endTableRE = regexp.MustCompile(`^\)`)
)

// parseDDL reads the CREATE TABLE statements of a reference schema: table
// and column names, types and COMMENTs.
func parseDDL(ddl string) ([]*RefTable, error) {
	var out []*RefTable
	var cur *RefTable
	for i, line := range strings.Split(ddl, "\n") {
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "--") {
			continue
		}
		if m := createRE.FindStringSubmatch(trim); m != nil {
			cur = &RefTable{Name: m[1]}
			out = append(out, cur)
			continue
		}
		if cur == nil {
			continue
		}
		if endTableRE.MatchString(trim) {
			if m := commentRE.FindStringSubmatch(trim); m != nil {
				cur.Comment = strings.ReplaceAll(m[1], "''", "'")
			}
			cur = nil
			continue
		}
		up := strings.ToUpper(trim)
		if strings.HasPrefix(up, "PRIMARY ") || strings.HasPrefix(up, "KEY ") || strings.HasPrefix(up, "UNIQUE ") || strings.HasPrefix(up, "INDEX ") || strings.HasPrefix(up, "CONSTRAINT ") {
			continue
		}
		m := columnRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: not a column definition: %q", i+1, trim)
		}
		c := RefColumn{Name: m[1], Type: m[2]}
		if cm := commentRE.FindStringSubmatch(m[3]); cm != nil {
			c.Comment = strings.ReplaceAll(cm[1], "''", "'")
		}
		cur.Columns = append(cur.Columns, c)
	}
	return out, nil
}

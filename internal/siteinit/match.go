package siteinit

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// How a column was matched.
const (
	ByName    = "name"     // same name
	ByComment = "comment"  // COMMENT equals the catalog's Chinese label
	ByPartial = "comment~" // COMMENT contains the label, or the other way
)

// Thresholds of a match.
const (
	// minColumn is the least score of a column match.
	minColumn = 0.4
	// minTable is the least score of a table match.
	minTable = 0.45
	// minRole is the least share of a role's tables a database must match.
	minRole = 0.3
	// Sure is the score from which a match needs no person to confirm it.
	Sure = 0.9
)

// ColumnMatch is one expected column and the site column that carries it.
type ColumnMatch struct {
	Ref   RefColumn
	Site  *Column // nil: not found
	Score float64
	By    string
}

// TableMatch is one expected table and the site table found for it.
type TableMatch struct {
	Ref     *RefTable
	Site    *Table // nil: not found
	Score   float64
	Columns []ColumnMatch // one per Ref.Columns, in order
}

// Renamed reports whether the site table or one of its matched columns
// has another name than the catalog's.
func (m *TableMatch) Renamed() bool {
	if m.Site == nil {
		return false
	}
	if !strings.EqualFold(m.Site.Name, m.Ref.Name) {
		return true
	}
	for _, c := range m.Columns {
		if c.Site != nil && !strings.EqualFold(c.Site.Name, c.Ref.Name) {
			return true
		}
	}
	return false
}

// SiteColumn returns the site column carrying the expected column name,
// or nil.
func (m *TableMatch) SiteColumn(name string) *Column {
	for _, c := range m.Columns {
		if c.Ref.Name == name {
			return c.Site
		}
	}
	return nil
}

// normalize folds what differs between two spellings of one label: case,
// spaces, full-width brackets and colons.
func normalize(s string) string {
	return strings.ToLower(folder.Replace(strings.TrimSpace(s)))
}

var folder = strings.NewReplacer("（", "(", "）", ")", "：", ":", "，", ",", " ", "", "\t", "", "\u3000", "")

// core is a label without its explanation: what precedes ':' or '('.
func core(s string) string {
	if i := strings.IndexAny(s, ":("); i > 0 {
		return s[:i]
	}
	return s
}

// commentScore says how well a site COMMENT carries an expected label:
// 1 equal, 0.9 equal before an explanation, 0.6 one contains the other.
func commentScore(want, got string) float64 {
	a, b := normalize(want), normalize(got)
	if a == "" || b == "" {
		return 0
	}
	switch {
	case a == b:
		return 1
	case core(a) == core(b):
		return 0.9
	case utf8.RuneCountInString(core(a)) >= 2 && utf8.RuneCountInString(core(b)) >= 2 &&
		(strings.Contains(b, core(a)) || strings.Contains(a, core(b))):
		return 0.6
	}
	return 0
}

// typeClass groups MySQL types whose values compare: integer, number,
// text, time.
func typeClass(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexAny(t, "( "); i > 0 {
		t = t[:i]
	}
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "bit":
		return "int"
	case "decimal", "numeric", "float", "double", "real", "dec", "fixed":
		return "number"
	case "date", "datetime", "timestamp", "time":
		return "time"
	case "char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set", "json":
		return "text"
	}
	return t
}

// columnScore says how sure it is that site carries ref: by name 1, by
// COMMENT 0.9 (0.54 when only contained), halved when the types do not
// compare (an integer for a text, say).
func columnScore(ref RefColumn, site *Column) (float64, string) {
	var s float64
	by := ""
	if strings.EqualFold(ref.Name, site.Name) {
		s, by = 1, ByName
	}
	if cs := commentScore(ref.Comment, site.Comment) * 0.9; cs > s {
		s, by = cs, ByComment
		if cs < 0.8 {
			by = ByPartial
		}
	}
	if s > 0 && ref.Type != "" {
		a, b := typeClass(ref.Type), typeClass(site.Type)
		if a != b && !(a == "int" && b == "number") && !(a == "number" && b == "int") {
			s /= 2
		}
	}
	return s, by
}

// matchColumns pairs the expected columns with the site's, one to one,
// best score first; equal scores go in column order, so columns sharing
// one label (x and y of 案件坐标) keep their order.
func matchColumns(ref *RefTable, site *Table) ([]ColumnMatch, float64) {
	type pair struct {
		i, j  int
		score float64
		by    string
	}
	var pairs []pair
	for i, rc := range ref.Columns {
		for j, sc := range site.Columns {
			if s, by := columnScore(rc, sc); s >= minColumn {
				pairs = append(pairs, pair{i, j, s, by})
			}
		}
	}
	// stable: equal scores keep (expected, site) column order.
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].score > pairs[b].score })
	out := make([]ColumnMatch, len(ref.Columns))
	n := 0
	for i, rc := range ref.Columns {
		out[i].Ref = rc
		if !rc.Bookkeeping {
			n++
		}
	}
	used := map[int]bool{}
	var sum float64
	for _, p := range pairs {
		if out[p.i].Site != nil || used[p.j] {
			continue
		}
		used[p.j] = true
		out[p.i] = ColumnMatch{Ref: ref.Columns[p.i], Site: site.Columns[p.j], Score: p.score, By: p.by}
		if !ref.Columns[p.i].Bookkeeping {
			sum += p.score
		}
	}
	if n == 0 {
		return out, 0
	}
	return out, sum / float64(n)
}

// matchTable scores site as the expected table ref: 0.15 for the name,
// 0.15 for the table COMMENT, 0.7 for the fields carried (the bookkeeping
// columns of an evidence table aside: a site may lack them). So a table
// named otherwise whose columns carry the labels only in their COMMENTs
// scores 0.63, 0.78 with its table COMMENT too.
func matchTable(ref *RefTable, site *Table) *TableMatch {
	cols, coverage := matchColumns(ref, site)
	var name float64
	if strings.EqualFold(ref.Name, site.Name) {
		name = 1
	}
	score := 0.15*name + 0.15*commentScore(ref.Comment, site.Comment) + 0.7*coverage
	if coverage < 0.5 {
		score = min(score, coverage)
	}
	return &TableMatch{Ref: ref, Site: site, Score: score, Columns: cols}
}

// matchTables pairs a role's expected tables with a database's tables,
// one to one, best first. The result has one entry per expected table
// (Site nil when none scored minTable) and the share of the role found.
func matchTables(role *Role, db *Database) ([]*TableMatch, float64) {
	var all []*TableMatch
	for _, rt := range role.Tables {
		for _, st := range db.Tables {
			if m := matchTable(rt, st); m.Score >= minTable {
				all = append(all, m)
			}
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Score > all[b].Score })
	got := map[*RefTable]*TableMatch{}
	used := map[*Table]bool{}
	for _, m := range all {
		if got[m.Ref] != nil || used[m.Site] {
			continue
		}
		got[m.Ref], used[m.Site] = m, true
	}
	out := make([]*TableMatch, len(role.Tables))
	var sum float64
	for i, rt := range role.Tables {
		if m := got[rt]; m != nil {
			out[i] = m
			sum += m.Score
		} else {
			out[i] = &TableMatch{Ref: rt, Columns: emptyColumns(rt)}
		}
	}
	return out, sum / float64(len(role.Tables))
}

func emptyColumns(rt *RefTable) []ColumnMatch {
	out := make([]ColumnMatch, len(rt.Columns))
	for i, c := range rt.Columns {
		out[i].Ref = c
	}
	return out
}

// SourceMatch is a role and the site database that plays it.
type SourceMatch struct {
	Role   *Role
	DB     *Database // nil: no database plays it
	Score  float64   // share of the role's tables found, weighted by how sure
	Tables []*TableMatch
}

// Table returns the match of the expected table name.
func (s *SourceMatch) Table(name string) *TableMatch {
	for _, t := range s.Tables {
		if t.Ref.Name == name {
			return t
		}
	}
	return nil
}

// assignRoles gives each role the database that matches it best, each
// database at most one role, best pairs first.
func assignRoles(roles []*Role, dbs []*Database) ([]*SourceMatch, []*Database) {
	type cand struct {
		role   *Role
		db     *Database
		score  float64
		tables []*TableMatch
	}
	var cands []cand
	for _, r := range roles {
		for _, d := range dbs {
			tables, score := matchTables(r, d)
			if score >= minRole {
				cands = append(cands, cand{r, d, score, tables})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].score != cands[b].score {
			return cands[a].score > cands[b].score
		}
		return nameHint(cands[a].role, cands[a].db) && !nameHint(cands[b].role, cands[b].db)
	})
	got := map[*Role]*SourceMatch{}
	used := map[*Database]bool{}
	claimed := map[*Table]bool{}
	claim := func(r *Role, d *Database, score float64, tables []*TableMatch) {
		got[r] = &SourceMatch{Role: r, DB: d, Score: score, Tables: tables}
		used[d] = true
		for _, t := range tables {
			if t.Site != nil {
				claimed[t.Site] = true
			}
		}
	}
	// first one role per database, then the roles left may share a
	// database with another role (two targets' evidence tables in one
	// front-end database), on the tables no role took.
	for _, c := range cands {
		if got[c.role] == nil && !used[c.db] {
			claim(c.role, c.db, c.score, c.tables)
		}
	}
	for _, c := range cands {
		if got[c.role] != nil {
			continue
		}
		rest := &Database{Name: c.db.Name, Addr: c.db.Addr, User: c.db.User}
		for _, t := range c.db.Tables {
			if !claimed[t] {
				rest.Tables = append(rest.Tables, t)
			}
		}
		if tables, score := matchTables(c.role, rest); score >= minRole {
			claim(c.role, c.db, score, tables)
		}
	}
	out := make([]*SourceMatch, len(roles))
	for i, r := range roles {
		if m := got[r]; m != nil {
			out[i] = m
		} else {
			sm := &SourceMatch{Role: r}
			for _, rt := range r.Tables {
				sm.Tables = append(sm.Tables, &TableMatch{Ref: rt, Columns: emptyColumns(rt)})
			}
			out[i] = sm
		}
	}
	var rest []*Database
	for _, d := range dbs {
		if !used[d] {
			rest = append(rest, d)
		}
	}
	return out, rest
}

// nameHint reports whether database d's name says it plays role r (its
// logical name or its target's key in it): a tie-break only.
func nameHint(r *Role, d *Database) bool {
	n := strings.ToLower(d.Name)
	return strings.Contains(n, r.Source) || (r.Target != "" && strings.Contains(n, r.Target))
}

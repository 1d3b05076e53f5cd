package pipelines

import (
	"fmt"
	"sort"
	"strings"
)

// The tables a resource reads: the source tables of its SQL (FROM and
// JOIN clauses at any depth of subquery), and the evidence tables its
// reconciliation reads (the push log, the target's front-end table). A
// run that snapshots only what is due asks for these.

// SQLError is a query SQLTables cannot read: the error names the offset
// (0-based, in bytes) and what was found there.
type SQLError struct {
	Offset int
	Msg    string
}

func (e *SQLError) Error() string { return fmt.Sprintf("sql: offset %d: %s", e.Offset, e.Msg) }

// SQLTables returns the tables query reads, each "source.table" as
// written (source.table; for catalog.source.table the last two parts),
// sorted and without repeats. It reads FROM and JOIN clauses at any depth:
// subqueries in FROM, joins, column expressions and WHERE (EXISTS, IN),
// comma-separated FROM lists, parenthesised joins and common table
// expressions (whose names are not tables). An unqualified table name
// other than a CTE's (the source it belongs to is unknown), a table
// function, an unterminated string, comment or quoted name, and
// unbalanced parentheses are errors: a caller restricting a snapshot to
// these tables must not miss one silently.
func SQLTables(query string) ([]string, error) {
	toks, err := sqlTokens(query)
	if err != nil {
		return nil, err
	}
	p := tableParser{toks: toks, ctes: map[string]bool{}, end: len(query)}
	return p.parse()
}

type tokKind int

const (
	tokIdent  tokKind = iota // a bare word: keyword or name
	tokQuoted                // "name" or `name`
	tokPunct                 // ( ) , . ; and operators
	tokOther                 // numbers, strings, :params
)

type sqlTok struct {
	kind tokKind
	text string // the identifier (unquoted), or the punctuation
	pos  int
}

// word is the token as a lower-case keyword, "" for anything but a bare
// identifier.
func (t sqlTok) word() string {
	if t.kind != tokIdent {
		return ""
	}
	return strings.ToLower(t.text)
}

func (t sqlTok) isName() bool { return t.kind == tokIdent || t.kind == tokQuoted }

func (t sqlTok) is(p string) bool { return t.kind == tokPunct && t.text == p }

// sqlTokens splits query into tokens, dropping comments and whitespace;
// string literals become one tokOther.
func sqlTokens(q string) ([]sqlTok, error) {
	var out []sqlTok
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(q) && q[i+1] == '-', c == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return nil, &SQLError{i, "unterminated /* comment"}
			}
			i += end + 4
		case c == '\'':
			j := i + 1
			for ; ; j++ {
				if j >= len(q) {
					return nil, &SQLError{i, "unterminated string literal"}
				}
				if q[j] == '\\' {
					j++
					continue
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			out = append(out, sqlTok{tokOther, q[i : j+1], i})
			i = j + 1
		case c == '"' || c == '`':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(q) {
					return nil, &SQLError{i, "unterminated quoted name"}
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(q[j])
			}
			out = append(out, sqlTok{tokQuoted, b.String(), i})
			i = j + 1
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			out = append(out, sqlTok{tokIdent, q[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (isIdentPart(q[j]) || q[j] == '.') {
				j++
			}
			out = append(out, sqlTok{tokOther, q[i:j], i})
			i = j
		case c == ':' && i+1 < len(q) && isIdentStart(q[i+1]):
			j := i + 1
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			out = append(out, sqlTok{tokOther, q[i:j], i})
			i = j
		default:
			out = append(out, sqlTok{tokPunct, string(c), i})
			i++
		}
	}
	return out, nil
}

// isIdentStart: ASCII letters, _ and every byte of a multi-byte UTF-8
// character (MySQL allows them in unquoted names).
func isIdentStart(c byte) bool {
	return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

// clauseEnd are the keywords that end a FROM clause at its depth.
var clauseEnd = map[string]bool{
	"where": true, "group": true, "having": true, "order": true, "limit": true, "union": true,
	"except": true, "intersect": true, "window": true, "qualify": true, "select": true, "offset": true,
	"fetch": true, "for": true, "into": true, "returning": true,
}

// fromFunctions take FROM as part of their arguments: EXTRACT(YEAR FROM
// x), TRIM(BOTH ' ' FROM x), SUBSTRING(x FROM 2), POSITION(a IN b) …
var fromFunctions = map[string]bool{"extract": true, "trim": true, "substring": true, "substr": true, "overlay": true, "position": true}

// joinWords may stand between a FROM item and JOIN.
var joinWords = map[string]bool{"natural": true, "left": true, "right": true, "full": true, "outer": true,
	"inner": true, "cross": true, "semi": true, "anti": true, "asof": true, "positional": true}

type tableParser struct {
	toks   []sqlTok
	ctes   map[string]bool
	tables map[string]bool
	end    int // the query's length
}

// level is the state of one parenthesis depth.
type level struct {
	inFrom  bool   // inside a FROM clause: a comma starts another item
	fn      string // the function whose arguments these are ("" if none)
	inWith  bool   // inside a WITH list: NAME AS ( declares a CTE
	openPos int
}

func (p *tableParser) parse() ([]string, error) {
	p.tables = map[string]bool{}
	stack := []level{{}}
	expect := false // the next token starts a FROM item
	for i := 0; i < len(p.toks); i++ {
		t := p.toks[i]
		top := &stack[len(stack)-1]
		if expect {
			switch {
			case t.is("("):
				// a subquery or a parenthesised join: the FROM item is
				// inside; a subquery's own FROM is found by the scan.
				next := p.peek(i + 1)
				sub := next.word() == "select" || next.word() == "with" || next.word() == "values"
				stack = append(stack, level{inFrom: !sub, openPos: t.pos})
				expect = !sub
				continue
			case t.word() == "lateral" || t.word() == "only":
				continue
			case t.isName():
				n, err := p.tableName(&i)
				if err != nil {
					return nil, err
				}
				if n != "" {
					p.tables[n] = true
				}
				expect = false
				continue
			default:
				return nil, &SQLError{t.pos, fmt.Sprintf("expected a table after FROM or JOIN, found %q", t.text)}
			}
		}
		switch w := t.word(); {
		case t.is("("):
			fn := ""
			if prev := p.peek(i - 1); prev.kind == tokIdent {
				fn = prev.word()
			}
			stack = append(stack, level{fn: fn, openPos: t.pos})
		case t.is(")"):
			if len(stack) == 1 {
				return nil, &SQLError{t.pos, "unbalanced parentheses: ) without ("}
			}
			stack = stack[:len(stack)-1]
		case t.is(","):
			if top.inFrom {
				expect = true
			}
		case w == "from":
			if fromFunctions[top.fn] {
				continue // EXTRACT(YEAR FROM x): an argument, not a clause
			}
			top.inFrom, expect = true, true
		case w == "join" || w == "straight_join":
			top.inFrom, expect = true, true
		case w == "with":
			top.inWith = true
		case top.inWith && t.isName() && p.peek(i+1).word() == "as" && p.peek(i+2).is("("):
			p.ctes[strings.ToLower(t.text)] = true
		case w == "recursive":
		case clauseEnd[w]:
			top.inFrom = false
			if w == "select" {
				top.inWith = false
			}
		}
	}
	if expect {
		return nil, &SQLError{p.end, "the query ends where a table should follow FROM or JOIN"}
	}
	if len(stack) > 1 {
		return nil, &SQLError{stack[len(stack)-1].openPos, "unbalanced parentheses: ( without )"}
	}
	out := make([]string, 0, len(p.tables))
	for n := range p.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// tableName reads a (qualified) name at *i, leaving *i at its last token:
// "source.table", or "" for a CTE's name.
func (p *tableParser) tableName(i *int) (string, error) {
	start := p.toks[*i]
	parts := []string{start.text}
	for p.peek(*i+1).is(".") && p.peek(*i+2).isName() {
		parts = append(parts, p.peek(*i+2).text)
		*i += 2
	}
	if p.peek(*i + 1).is("(") {
		return "", &SQLError{start.pos, fmt.Sprintf("table function %s(…): cannot tell which tables it reads", strings.Join(parts, "."))}
	}
	switch len(parts) {
	case 1:
		if p.ctes[strings.ToLower(parts[0])] {
			return "", nil
		}
		return "", &SQLError{start.pos, fmt.Sprintf("table %s is not qualified by its source (write source.%s, e.g. biz.%s)", parts[0], parts[0], parts[0])}
	case 2, 3:
		return parts[len(parts)-2] + "." + parts[len(parts)-1], nil
	}
	return "", &SQLError{start.pos, fmt.Sprintf("%s: too many name parts", strings.Join(parts, "."))}
}

func (p *tableParser) peek(i int) sqlTok {
	if i < 0 || i >= len(p.toks) {
		return sqlTok{kind: tokOther, pos: -1}
	}
	return p.toks[i]
}

// SourceTables are the tables the resource's source query reads
// ("source.table"), for snapshotting only what its reconciliation needs.
func (r *Resource) SourceTables() ([]string, error) {
	ts, err := SQLTables(r.SourceSQL())
	if err != nil {
		return nil, fmt.Errorf("resource %s: from/where/columns: %w", r.ID(), err)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("resource %s: its source query reads no table", r.ID())
	}
	return ts, nil
}

// EvidenceTables are the warehouse tables ("source.table") a
// reconciliation of the resource reads besides its source query: the push
// log (pushLog, DefaultPushLog when empty) and the target's front-end
// table (EvidenceTable), which a receipt resource does not have (its
// evidence is files).
func (r *Resource) EvidenceTables(target *Target, pushLog string) []string {
	if pushLog == "" {
		pushLog = DefaultPushLog
	}
	out := []string{pushLog}
	if r.Mode != ModeReceipt && target != nil {
		out = append(out, EvidenceTable(r, target))
	}
	sort.Strings(out)
	return out
}

// TablesOf are the tables the reconciliation of resources reads (their
// source tables and their evidence tables), grouped by source (the
// warehouse schema, e.g. biz) and sorted. The error names every resource
// whose SQL could not be read.
func (c *Catalog) TablesOf(resources []*Resource, pushLog string) (map[string][]string, error) {
	set := map[string]bool{}
	var errs []string
	for _, r := range resources {
		ts, err := r.SourceTables()
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		tgt, _ := c.Target(r.Target)
		ts = append(ts, r.EvidenceTables(tgt, pushLog)...)
		for _, t := range ts {
			set[t] = true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("catalog: %s", strings.Join(errs, "; "))
	}
	out := map[string][]string{}
	for t := range set {
		src, table := SplitTable(t)
		out[src] = append(out[src], table)
	}
	for _, ts := range out {
		sort.Strings(ts)
	}
	return out, nil
}

// SplitTable splits "source.table" at its first dot.
func SplitTable(qualified string) (source, table string) {
	source, table, _ = strings.Cut(qualified, ".")
	return source, table
}

// StatsTables are the tables the business-vs-statistics check
// (StatsTarget) reads: the cases its counters are recomputed from and the
// statistics database's stored counters.
func StatsTables() []string {
	return []string{"biz.cases", "stats." + StatsResource, "stats." + StatsDailyResource}
}

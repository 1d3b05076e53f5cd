package reconcile

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// A resource whose rows are a state at each window's end (the cases in
// disposal at :window_end, whenever reported) cannot be bucketed: one row
// belongs to many windows. Reconciled one window at a time, each of a
// day's 48 half-hour windows scans every case the warehouse holds, so the
// cost of a day grows with history. joinedSource writes the source query
// of all the windows at once instead: the windows are a relation __win
// whose columns are the parameters of each (pipelines.WindowTimes), joined
// with the resource's FROM, and the WHERE is the catalog's with each
// :param read from __win. Alone that join would test every source row
// against every window; a second, constant filter (relaxedWhere) keeps
// only the rows that can satisfy the WHERE in at least one window, and
// DuckDB applies it to the table scans before the join.

// winAlias names the relation of the windows in a joined source query.
const winAlias = "__win"

var (
	paramNameRE = regexp.MustCompile(`:([a-z_][a-z0-9_]*)\b`)
	// a comparison of a parameter-free expression with one parameter.
	atomRE = regexp.MustCompile(`(?s)^(.+?)\s*(<=|>=|<|>)\s*:([a-z_][a-z0-9_]*)$`)
	// constructs whose AND is not a conjunction, so splitting on AND
	// would cut them apart.
	opaqueRE = regexp.MustCompile(`(?i)\b(BETWEEN|CASE)\b`)
	notRE    = regexp.MustCompile(`(?i)^\s*NOT\b`)
)

// joinable says whether res can be reconciled for several windows in one
// query (joinedSource), and returns its FROM with the constant bounds of
// lateralFrom and the relaxed WHERE. It does not: when it is not a
// periodic rows or measures resource, an aggregate without dimensions, a
// parameter in its FROM stands outside a subquery or in a join's ON
// (lateralFrom), a parameter is not a window's, or its WHERE has a
// parameter in a form relaxedWhere cannot bound. Then each window is
// queried alone.
func joinable(res *pipelines.Resource) (from, relaxed string, ok bool) {
	if !res.Cadence.Periodic() || (res.Mode != pipelines.ModeRows && res.Mode != pipelines.ModeMeasures) {
		return "", "", false
	}
	// an aggregate without dimensions is one row per window, even of no
	// source row; grouped by window, a window without rows would have none.
	if res.Mode == pipelines.ModeMeasures && len(res.Dims()) == 0 {
		return "", "", false
	}
	known := pipelines.WindowTimes(pipelines.Window{}, time.Time{})
	for _, m := range paramNameRE.FindAllStringSubmatch(res.From+" "+res.Where+" "+columnExprs(res), -1) {
		if _, ok := known[m[1]]; !ok {
			return "", "", false
		}
	}
	from = res.From
	if paramNameRE.MatchString(from) {
		if from, ok = lateralFrom(from); !ok {
			return "", "", false
		}
	}
	if relaxed, ok = relaxedWhere(res.Where); !ok {
		return "", "", false
	}
	return from, relaxed, true
}

// joinedSource returns the source query of res over the windows ws in one
// statement, each row (or group) with its window's start as __w, and the
// parameters it binds; ok is false for fewer than two windows or a
// resource joinable refuses.
func joinedSource(res *pipelines.Resource, ws []pipelines.Window) (string, args, bool) {
	from, relaxed, ok := joinable(res)
	if !ok || len(ws) < 2 {
		return "", nil, false
	}
	// each window parameter :p is read from __win; the constant bounds
	// :min_p and :max_p of relaxedWhere and lateralFrom are bound apart.
	known := pipelines.WindowTimes(pipelines.Window{}, time.Time{})
	params := pipelines.Params{}
	for k := range known {
		params[k] = winAlias + "." + k
		params["min_"+k] = "$min_" + k
		params["max_"+k] = "$max_" + k
	}
	render := func(s string) string {
		out, _ := pipelines.Render(s, params) // every name is known (joinable)
		return out
	}
	from = render(from)
	a := args{}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	var rows []string
	for i, w := range ws {
		times := pipelines.WindowTimes(w, w.End) // as window() binds them
		var cells []string
		for _, k := range names {
			p := fmt.Sprintf("w%d_%s", i, k)
			a[p] = times[k]
			cells = append(cells, "CAST($"+p+" AS TIMESTAMP)")
		}
		rows = append(rows, "("+strings.Join(cells, ", ")+")")
	}
	// every parameter grows with the window: the windows are in order, so
	// the first one's are the smallest and the last one's the largest.
	first, last := pipelines.WindowTimes(ws[0], ws[0].End), pipelines.WindowTimes(ws[len(ws)-1], ws[len(ws)-1].End)
	for _, k := range names {
		a["min_"+k], a["max_"+k] = first[k], last[k]
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, c := range res.Columns {
		b.WriteString(render(c.Expr) + " AS " + c.Name + ", ")
	}
	if res.Mode == pipelines.ModeRows && res.ChangedAt != "" {
		b.WriteString("CAST(" + render(res.ChangedAt) + " AS TIMESTAMP) AS " + pipelines.ChangedColumn + ", ")
	}
	fmt.Fprintf(&b, "%s.window_start AS __w FROM (VALUES %s) %s(%s), %s", winAlias, strings.Join(rows, ", "), winAlias, strings.Join(names, ", "), from)
	if strings.TrimSpace(res.Where) != "" {
		b.WriteString(" WHERE (" + render(res.Where) + ")")
		if relaxed != "" && relaxed != strings.TrimSpace(res.Where) { // else no parameter to bound
			b.WriteString(" AND (" + render(relaxed) + ")")
		}
	}
	if res.Mode == pipelines.ModeMeasures {
		b.WriteString(" GROUP BY ")
		for _, c := range res.Dims() {
			b.WriteString(render(c.Expr) + ", ")
		}
		// every parameter of the window, as a column may show one
		for i, k := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(winAlias + "." + k)
		}
	}
	return b.String(), a, true
}

// A parameter in the FROM (the supervisors online in each window: a
// subquery grouping the window's status samples) is read from __win too:
// a subquery of the FROM that names __win is a lateral join, evaluated for
// each window (DuckDB decorrelates it into one join). lateralFrom takes
// such a FROM when every parameter stands inside a subquery (in a join's
// ON it could not see __win), and gives each simple bound on a parameter
// its constant relaxation beside it: "x.t >= :window_start" becomes
// "(x.t >= :window_start AND x.t >= :min_window_start)", the same
// condition in every window (the second follows from the first), which
// lets DuckDB skip at the scan the rows of no window.

// fromAtomRE is a comparison of a column with one parameter.
var fromAtomRE = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>)\s*:([a-z_][a-z0-9_]*)\b`)

// boundBefore and boundAfter are what may stand before and after such a
// comparison for it to be a condition of its own (not an operand of
// arithmetic or of a function).
var (
	boundBefore = regexp.MustCompile(`(?i)(\(|\bWHERE|\bAND|\bOR|\bON|\bHAVING)\s*$`)
	boundAfter  = regexp.MustCompile(`(?i)^\s*($|\)|(AND|OR|GROUP|HAVING|ORDER|LIMIT|QUALIFY|WINDOW)\b)`)
)

// opensSelect reports whether the parenthesis at e[i] opens a subquery.
func opensSelect(e string, i int) bool {
	rest := strings.TrimLeft(e[i+1:], " \t\r\n(")
	return e[i] == '(' && len(rest) >= 6 && strings.EqualFold(rest[:6], "SELECT")
}

// clauseWordRE are the words that begin the clause a condition stands in.
var clauseWordRE = regexp.MustCompile(`(?i)\b(SELECT|WHERE|HAVING|QUALIFY|ON)\b`)

// clauseOf returns the clause word (clauseWordRE) that the condition at
// from[at] stands in: the last one before it at its own depth or around
// it (parentheses of the condition), within its subquery; and whether a
// subquery encloses it at all. depth is each byte's depth of parentheses
// (-1 in quotes).
func clauseOf(from string, depth []int, at int) (string, bool) {
	var same []byte
	cur, inSubquery := depth[at], false
	for i := at - 1; i >= 0; i-- {
		if depth[i] >= 0 && depth[i] < cur {
			if opensSelect(from, i) {
				inSubquery = true
				break
			}
			cur = depth[i]
		}
		if depth[i] == cur {
			same = append(same, from[i])
		} else {
			same = append(same, ' ')
		}
	}
	slices.Reverse(same)
	words := clauseWordRE.FindAllString(string(same), -1)
	if len(words) == 0 {
		return "", inSubquery
	}
	return words[len(words)-1], inSubquery
}

// lateralFrom returns from with the constant bounds of its parameter
// comparisons beside them (:min_p, :max_p), or ok false when a parameter
// stands outside every subquery, or in a join's ON (DuckDB does not
// decorrelate an outer join on a lateral column).
func lateralFrom(from string) (string, bool) {
	depth := make([]int, len(from)) // of parentheses; -1 in quotes
	for i := range depth {
		depth[i] = -1
	}
	scanTop(from, func(i, d int) bool {
		depth[i] = d
		return true
	})
	for _, m := range paramNameRE.FindAllStringIndex(from, -1) {
		if clause, inSubquery := clauseOf(from, depth, m[0]); !inSubquery || strings.EqualFold(clause, "ON") {
			return "", false
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range fromAtomRE.FindAllStringSubmatchIndex(from, -1) {
		if !boundBefore.MatchString(from[:m[0]]) || !boundAfter.MatchString(from[m[1]:]) {
			continue
		}
		col, op, name := from[m[2]:m[3]], from[m[4]:m[5]], from[m[6]:m[7]]
		bound := "max_"
		if strings.HasPrefix(op, ">") {
			bound = "min_"
		}
		b.WriteString(from[last:m[0]])
		fmt.Fprintf(&b, "(%s %s :%s AND %s %s :%s%s)", col, op, name, col, op, bound, name)
		last = m[1]
	}
	b.WriteString(from[last:])
	return b.String(), true
}

// joinedChunk is the most windows one joined query takes: a day of
// half-hour windows. Over a longer range the constant bound loosens (the
// cases open at any of a month's window ends are most of the month's) and
// the join grows with windows × rows, so a long range goes a day's worth
// of windows at a time.
const joinedChunk = 48

// windowsJoined reconciles the windows ws of a resource joinedSource
// takes, joinedChunk windows per query; a last window alone is reconciled
// by itself.
func (r *Reconciler) windowsJoined(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, ws []pipelines.Window, sch pipelines.Schedule, o Options, trusted map[string]time.Time, p sitePlan) ([]*Result, error) {
	var out []*Result
	for i := 0; i < len(ws); i += joinedChunk {
		chunk := ws[i:min(i+joinedChunk, len(ws))]
		if src, a, ok := joinedSource(res, chunk); ok {
			rs, err := r.windowsSet(ctx, wh, res, chunk, sch, o, trusted, p, src, a)
			if err != nil {
				return nil, err
			}
			out = append(out, rs...)
			continue
		}
		for _, w := range chunk {
			x, err := r.window(ctx, wh, res, w, sch, o, trusted, p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", w, err)
			}
			out = append(out, x)
		}
	}
	return out, nil
}

// columnExprs is every expression of res's columns and changed_at, for
// finding the parameters they take.
func columnExprs(res *pipelines.Resource) string {
	var b strings.Builder
	for _, c := range res.Columns {
		b.WriteString(c.Expr + " ")
	}
	return b.String() + res.ChangedAt
}

// relaxedWhere returns a condition implied by where in any window: each
// comparison "E < :p" (or <=) becomes "E < :max_p", and "E > :p" (or >=)
// "E > :min_p", where max_p and min_p are the parameter's largest and
// smallest value over the windows; parameter-free conditions stay as they
// are. AND and OR of such conditions keep their shape: a row that
// satisfies the WHERE in one window satisfies each relaxed part, so the
// relaxed condition only drops rows that belong to no window. ok is false
// when a parameter appears in any other form (NOT, a subquery, a function
// of it), or the WHERE has a BETWEEN or a CASE (whose AND is not a
// conjunction), which could not be bounded so simply.
func relaxedWhere(where string) (string, bool) {
	e := strings.TrimSpace(where)
	if e == "" || !paramNameRE.MatchString(e) {
		return e, true
	}
	if opaqueRE.MatchString(e) {
		return "", false
	}
	e = unwrap(e)
	for _, op := range []string{"OR", "AND"} {
		parts := splitTop(e, op)
		if len(parts) < 2 {
			continue
		}
		out := make([]string, len(parts))
		for i, p := range parts {
			r, ok := relaxedWhere(p)
			if !ok {
				return "", false
			}
			out[i] = "(" + r + ")"
		}
		return strings.Join(out, " "+op+" "), true
	}
	m := atomRE.FindStringSubmatch(e)
	// E is anything without a parameter: a bound on "E < :p" in every
	// window holds whatever E is. Only a NOT before it (NOT binds looser
	// than a comparison) would turn the bound around.
	// (<> and != are no bound: an E ending in < or ! is such an operator.)
	if m == nil || paramNameRE.MatchString(m[1]) || notRE.MatchString(m[1]) || strings.ContainsAny(m[1][len(m[1])-1:], "<>=!") {
		return "", false
	}
	bound := "max_"
	if strings.HasPrefix(m[2], ">") {
		bound = "min_"
	}
	return m[1] + " " + m[2] + " :" + bound + m[3], true
}

// scanTop calls visit for each byte of e outside quotes, with the depth
// of parentheses around it (a parenthesis itself counts outside), until
// visit returns false.
func scanTop(e string, visit func(i, depth int) bool) {
	depth, inQuote := 0, false
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case c == '\'':
			inQuote = !inQuote
			continue
		case inQuote:
			continue
		case c == ')':
			depth--
		}
		if !visit(i, depth) {
			return
		}
		if e[i] == '(' {
			depth++
		}
	}
}

// unwrap strips parentheses that enclose the whole of e.
func unwrap(e string) string {
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		closes := -1 // where the first parenthesis closes
		scanTop(e, func(i, depth int) bool {
			if i > 0 && depth == 0 {
				closes = i
				return false
			}
			return true
		})
		if closes != len(e)-1 {
			return e
		}
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	return e
}

// splitTop splits e on the keyword op (AND or OR, any case, a whole word)
// where it stands outside parentheses and quotes.
func splitTop(e, op string) []string {
	var parts []string
	start, skip := 0, 0
	isWord := func(c byte) bool {
		return c == '_' || c == '.' || c == '$' || c == ':' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
	}
	scanTop(e, func(i, depth int) bool {
		if i < skip || depth != 0 || i+len(op) > len(e) || !strings.EqualFold(e[i:i+len(op)], op) ||
			(i > 0 && isWord(e[i-1])) || (i+len(op) < len(e) && isWord(e[i+len(op)])) {
			return true
		}
		parts = append(parts, strings.TrimSpace(e[start:i]))
		start, skip = i+len(op), i+len(op)
		return true
	})
	return append(parts, strings.TrimSpace(e[start:]))
}

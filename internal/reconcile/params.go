package reconcile

import (
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// args are the values of the named parameters ($name) of a warehouse
// query. Every value a query compares with is one of them: SQL text holds
// names (of the catalog and the config) and never values.
type args map[string]any

var namedParamRE = regexp.MustCompile(`\$([a-z_][a-z0-9_]*)`)

// bind returns the parameters query uses, in the form the driver takes: a
// time.Time as warehouse.Timestamp. A name without a value is left for
// DuckDB to report.
func (a args) bind(query string) []any {
	seen := map[string]bool{}
	var out []any
	for _, m := range namedParamRE.FindAllStringSubmatch(query, -1) {
		name := m[1]
		v, ok := a[name]
		if seen[name] || !ok {
			continue
		}
		seen[name] = true
		if t, isTime := v.(time.Time); isTime {
			v = warehouse.Timestamp(t)
		}
		out = append(out, sql.Named(name, v))
	}
	return out
}

// with returns a copy of a with the values of more added.
func (a args) with(more args) args {
	out := make(args, len(a)+len(more))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// show lists the values as people read them in DuckDB SQL, "$name = value",
// sorted by name (explain prints them beside the queries).
func (a args) show() []string {
	out := make([]string, 0, len(a))
	for k, v := range a {
		var s string
		switch x := v.(type) {
		case time.Time:
			s = pipelines.TimeParam(x)
		case string:
			s = "'" + strings.ReplaceAll(x, "'", "''") + "'"
		default:
			s = fmt.Sprint(x)
		}
		out = append(out, "$"+k+" = "+s)
	}
	sort.Strings(out)
	return out
}

// windowArgs are the standard parameters of a catalog source query for
// window w as of asOf (pipelines.WindowTimes).
func windowArgs(w pipelines.Window, asOf time.Time) args {
	out := args{}
	for k, t := range pipelines.WindowTimes(w, asOf) {
		out[k] = t
	}
	return out
}

// named renders the :name parameters of a catalog query as DuckDB named
// parameters $name, bound with args.
func named(query string) (string, error) {
	p := pipelines.Params{}
	for k := range pipelines.WindowTimes(pipelines.Window{}, time.Time{}) {
		p[k] = "$" + k
	}
	return pipelines.Render(query, p)
}

// resourceArgs are the parameters naming res in the push log.
func resourceArgs(res *pipelines.Resource) args {
	return args{"target": res.Target, "resource": res.Key}
}

package pipelines

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Mode is how a resource is reconciled.
type Mode string

// The reconciliation modes.
const (
	// ModeRows compares row counts and keys of a window.
	ModeRows Mode = "rows"
	// ModeMeasures compares aggregate values per dimension exactly.
	ModeMeasures Mode = "measures"
	// ModeFullSet compares a one-time resource's full set with the source.
	ModeFullSet Mode = "full_set"
	// ModeReceipt checks a media copy against a receipt file.
	ModeReceipt Mode = "receipt"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool {
	switch m {
	case ModeRows, ModeMeasures, ModeFullSet, ModeReceipt:
		return true
	}
	return false
}

// Target is a push receiver.
type Target struct {
	Key    string `yaml:"key"`
	NameZH string `yaml:"name_zh"`
	NameEN string `yaml:"name_en"`
	// Database is the target's front-end database (前置机); the evidence
	// tables of its resources live there. In the warehouse it is the schema
	// of the same name.
	Database string `yaml:"database"`
}

// Column is one field of a resource: the column in the target's evidence
// table, the catalog field it carries, and the source expression that
// produces it.
type Column struct {
	Name string `yaml:"name"`
	// ZH is the catalog field (数据内容) this column carries.
	ZH string `yaml:"zh"`
	// Type is the MySQL column type in the front-end table.
	Type string `yaml:"type"`
	// Expr is the SQL expression over the sources that produces the value.
	Expr string `yaml:"expr"`
	// Dim marks a dimension (GROUP BY) column of a measures resource.
	Dim bool `yaml:"dim,omitempty"`
	// Compare marks a column compared exactly: a measure of a measures
	// resource, a value of a rows resource (default true). Derived values
	// such as rates, and values the target may legitimately rewrite, are
	// carried but not compared (a rows column says why in its note).
	Compare *bool `yaml:"compare,omitempty"`
	// Normalize names what two systems legitimately write differently in
	// this column, folded before values are compared (Normalizations).
	Normalize []string `yaml:"normalize,omitempty"`
	// Extra marks a column the catalog's field list does not name, carried
	// so that rows can be keyed: the source's id where the catalog lists
	// none, or the period of a one-row aggregate.
	Extra bool `yaml:"extra,omitempty"`
	// Note explains a column the sources cannot fill as the catalog means
	// it (a constant, a typed NULL, an approximation).
	Note string `yaml:"note,omitempty"`
}

// Compared reports whether a measure column is compared (default true).
func (c Column) Compared() bool { return c.Compare == nil || *c.Compare }

// Resource is one catalog row: what is pushed to a target, how it is
// derived from the sources, and where its evidence is.
type Resource struct {
	Target     string   `yaml:"target"`
	Key        string   `yaml:"key"`
	Seq        int      `yaml:"seq"`
	NameZH     string   `yaml:"name_zh"`
	CategoryZH string   `yaml:"category_zh"`
	Cadence    Cadence  `yaml:"cadence"`
	Mode       Mode     `yaml:"mode"`
	KeyColumns []string `yaml:"key_columns"`
	// Table is the evidence table in the target's front-end database; for
	// receipt resources, the receipt file name pattern.
	Table   string   `yaml:"table"`
	Columns []Column `yaml:"columns"`
	// From is the FROM clause (with joins) over warehouse names such as
	// biz.cases; Where filters it, with :window_start, :window_end and
	// :as_of as parameters.
	From  string `yaml:"from"`
	Where string `yaml:"where,omitempty"`
	// Note explains the mapping for a reader of the config.
	Note string `yaml:"note,omitempty"`
	// ChangedAt is an expression over the sources of the time a source
	// row last changed (c.updated_at): a row changed after the push that
	// carried it is counted as changed since push, its values not compared.
	// Without it, a rows resource's values are compared as they stand.
	ChangedAt string `yaml:"changed_at,omitempty"`
	// WindowColumn is the evidence table's column whose time assigns
	// received rows to windows when the table has no batch id (a site
	// catalog's window_column).
	WindowColumn string `yaml:"window_column,omitempty"`
}

// ID is "target/resource".
func (r *Resource) ID() string { return r.Target + "/" + r.Key }

// Dims returns the dimension columns of a measures resource.
func (r *Resource) Dims() []Column {
	var out []Column
	for _, c := range r.Columns {
		if c.Dim {
			out = append(out, c)
		}
	}
	return out
}

// SourceSQL is the query over the sources that gives what the resource
// should carry, with its parameters still named (see Render).
func (r *Resource) SourceSQL() string { return r.sourceSQL(false) }

// ChangedColumn is the column of CompareSQL holding ChangedAt.
const ChangedColumn = "__changed_at"

// CompareSQL is SourceSQL with, for a rows resource with ChangedAt, the
// time each row last changed as ChangedColumn.
func (r *Resource) CompareSQL() string { return r.sourceSQL(r.Mode == ModeRows && r.ChangedAt != "") }

func (r *Resource) sourceSQL(changed bool) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range r.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Expr)
		b.WriteString(" AS ")
		b.WriteString(c.Name)
	}
	if changed {
		b.WriteString(", CAST(" + r.ChangedAt + " AS TIMESTAMP) AS " + ChangedColumn)
	}
	b.WriteString(" FROM ")
	b.WriteString(r.From)
	if r.Where != "" {
		b.WriteString(" WHERE ")
		b.WriteString(r.Where)
	}
	if r.Mode == ModeMeasures {
		dims := r.Dims()
		if len(dims) > 0 {
			b.WriteString(" GROUP BY ")
			for i, c := range dims {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(c.Expr)
			}
		}
	}
	return b.String()
}

// StatsCounter is one per-case counter of the statistics database, with
// the expression over biz.cases (alias c) that recomputes it.
type StatsCounter struct {
	Name string `yaml:"name"`
	ZH   string `yaml:"zh"`
	Expr string `yaml:"expr"`
}

// Catalog is the set of targets and resources, and the statistics
// counters.
type Catalog struct {
	Targets       []Target       `yaml:"targets"`
	Resources     []Resource     `yaml:"resources"`
	StatsCounters []StatsCounter `yaml:"stats_counters"`
}

// DefaultCatalog parses the embedded catalog of the 55 resources.
func DefaultCatalog() (*Catalog, error) {
	c, err := ParseCatalog(bytes.NewReader(catalogYAML))
	if err != nil {
		return nil, fmt.Errorf("embedded catalog: %w", err)
	}
	return c, nil
}

// ParseCatalog reads and validates a catalog in YAML.
func ParseCatalog(r io.Reader) (*Catalog, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Target returns the target with key k.
func (c *Catalog) Target(k string) (*Target, bool) {
	for i := range c.Targets {
		if c.Targets[i].Key == k {
			return &c.Targets[i], true
		}
	}
	return nil, false
}

// Resource returns the resource of target t with key k.
func (c *Catalog) Resource(t, k string) (*Resource, bool) {
	for i := range c.Resources {
		if c.Resources[i].Target == t && c.Resources[i].Key == k {
			return &c.Resources[i], true
		}
	}
	return nil, false
}

// ResourcesOf returns the resources of target t in catalog order.
func (c *Catalog) ResourcesOf(t string) []*Resource {
	var out []*Resource
	for i := range c.Resources {
		if c.Resources[i].Target == t {
			out = append(out, &c.Resources[i])
		}
	}
	return out
}

// Merge overlays a site's catalog: resources with the same target and key
// replace the embedded ones, new ones are added, targets likewise.
func (c *Catalog) Merge(site *Catalog) {
	for _, t := range site.Targets {
		if old, ok := c.Target(t.Key); ok {
			*old = t
		} else {
			c.Targets = append(c.Targets, t)
		}
	}
	for _, r := range site.Resources {
		if old, ok := c.Resource(r.Target, r.Key); ok {
			*old = r
		} else {
			c.Resources = append(c.Resources, r)
		}
	}
	if len(site.StatsCounters) > 0 {
		c.StatsCounters = site.StatsCounters
	}
}

// Params are the values of the named parameters of a source query.
type Params map[string]string

// TimeParam formats t as a SQL TIMESTAMP literal that MySQL, MariaDB,
// go-mysql-server and DuckDB all accept, in Shanghai wall-clock time
// whatever t's zone.
func TimeParam(t time.Time) string {
	return "TIMESTAMP '" + t.In(Shanghai).Format(time.DateTime) + "'"
}

var paramRE = regexp.MustCompile(`:([a-z_][a-z0-9_]*)\b`)

var knownParams = map[string]bool{
	"window_start": true, "window_end": true, "as_of": true,
	"day_start": true, "month_start": true, "months6_start": true,
}

// WindowTimes gives the values of the standard parameters of a source
// query for window w evaluated as of asOf: window_start and window_end;
// day_start, the 00:00 of the day the window ends in (its last instant);
// month_start, the first day of that month; months6_start, the first day
// of the month five months before it (so six calendar months); as_of.
func WindowTimes(w Window, asOf time.Time) map[string]time.Time {
	day := DayStart(w.End.Add(-time.Second))
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, Shanghai)
	return map[string]time.Time{
		"window_start":  w.Start,
		"window_end":    w.End,
		"as_of":         asOf,
		"day_start":     day,
		"month_start":   month,
		"months6_start": month.AddDate(0, -5, 0),
	}
}

// WindowParams gives the standard parameters of WindowTimes as SQL
// literals (TimeParam), for a query sent as text (MySQL).
func WindowParams(w Window, asOf time.Time) Params {
	p := Params{}
	for k, t := range WindowTimes(w, asOf) {
		p[k] = TimeParam(t)
	}
	return p
}

// Render replaces the named parameters (:window_start, …) of sql with
// their values. A parameter without a value is an error naming it.
func Render(sql string, p Params) (string, error) {
	var missing []string
	out := paramRE.ReplaceAllStringFunc(sql, func(m string) string {
		name := m[1:]
		v, ok := p[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("query parameter(s) without a value: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

var schemaRE = regexp.MustCompile(`(^|[^A-Za-z0-9_.])(biz|stats|exchange|fe_[a-z_]+)\.`)

// RenameSchemas rewrites schema qualifiers of sql (biz., stats., exchange.,
// fe_*.) through names, for a server whose databases carry other names.
func RenameSchemas(sql string, names map[string]string) string {
	if len(names) == 0 {
		return sql
	}
	return schemaRE.ReplaceAllStringFunc(sql, func(m string) string {
		sub := schemaRE.FindStringSubmatch(m)
		if n, ok := names[sub[2]]; ok {
			return sub[1] + n + "."
		}
		return m
	})
}

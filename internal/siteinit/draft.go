package siteinit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Files written by WriteDrafts, in the output folder.
const (
	ConfigFile   = "pushaudit.yaml"
	CatalogFile  = "catalog.yaml"
	MarkdownFile = "mapping.md"
	WorkbookFile = "mapping.xlsx"
)

// PasswordEnv is the environment variable the config draft names for the
// password of the sources on the main server; a source on another server
// gets PUSHAUDIT_<SOURCE>_PASSWORD.
const PasswordEnv = "PUSHAUDIT_MYSQL_PASSWORD"

// ConfigDraft is the config a site starts from: every source found, with
// its server and user and the environment variable of its password (never
// the password), the push log, and the site catalog draft.
func (m *Mapping) ConfigDraft() ([]byte, error) {
	c := config.Default()
	c.Catalog = CatalogFile
	c.OnceAt = m.OnceAt
	type conn struct{ addr, user string }
	count := map[conn]int{}
	for _, s := range m.Sources {
		if s.DB != nil {
			count[conn{s.DB.Addr, s.DB.User}]++
		}
	}
	var main conn
	for k, n := range count {
		if n > count[main] || (n == count[main] && k.addr+k.user < main.addr+main.user) {
			main = k
		}
	}
	c.MySQL = config.Conn{Addr: main.addr, User: main.user, PasswordEnv: PasswordEnv}
	roles := map[*Database]int{}
	for _, s := range m.Sources {
		if s.DB != nil {
			roles[s.DB]++
		}
	}
	for _, s := range m.Sources {
		if s.DB == nil {
			continue
		}
		src := config.Source{Database: s.DB.Name}
		if roles[s.DB] > 1 {
			// a database shared by roles: each snapshots its own tables.
			for _, t := range s.Tables {
				if t.Site != nil {
					src.Tables = append(src.Tables, t.Site.Name)
				}
			}
		}
		if (conn{s.DB.Addr, s.DB.User}) != main {
			src.Conn = config.Conn{Addr: s.DB.Addr, User: s.DB.User,
				PasswordEnv: "PUSHAUDIT_" + strings.ToUpper(s.Role.Source) + "_PASSWORD"}
		}
		c.Sources[s.Role.Source] = src
	}
	var doc yaml.Node
	if err := doc.Encode(c); err != nil {
		return nil, err
	}
	if m.PushLog != nil {
		setPushLog(&doc, m.PushLog)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# pushaudit config draft, written by 'pushaudit init' on %s.\n", time.Now().In(pipelines.Shanghai).Format(time.DateOnly))
	b.WriteString("# Passwords are never written: export " + PasswordEnv + " (and any other *_PASSWORD named below)\n")
	b.WriteString("# or give password_file. Read mapping.md before the first run.\n")
	for _, s := range m.Sources {
		if s.DB == nil {
			fmt.Fprintf(&b, "# NOT FOUND: source %s (%s) — add it under sources: when you know its database.\n", s.Role.Source, s.Role.Kind)
		}
	}
	if len(m.Writable) > 0 {
		fmt.Fprintf(&b, "# WRITABLE SERVER (a primary) for: %s — point these at a replica, or set snapshot.allow_primary: true.\n", strings.Join(m.Writable, ", "))
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// setPushLog writes evidence.push_log of the encoded config (the field
// is not set through the config type, whatever form it takes there):
// "source.table" when the site's push log names its fields and spells its
// statuses as pushaudit does, else the mapping form: table, the columns
// named otherwise, and the status spellings.
func setPushLog(doc *yaml.Node, p *PushLogMatch) {
	ev := mapValue(doc, "evidence")
	if ev == nil {
		return
	}
	pl := mapValue(ev, "push_log")
	if pl == nil {
		return
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	table := p.Source + "." + p.Table.Site.Name
	if len(p.RenamedColumns()) == 0 && p.DefaultStatuses() {
		*pl = *str(table)
		return
	}
	seq := func(vs []string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range vs {
			n.Content = append(n.Content, str(v))
		}
		return n
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, str("table"), str(table))
	if cols := p.RenamedColumns(); len(cols) > 0 {
		cm := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		keys := make([]string, 0, len(cols))
		for k := range cols {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cm.Content = append(cm.Content, str(k), str(cols[k]))
		}
		m.Content = append(m.Content, str("columns"), cm)
	}
	if !p.DefaultStatuses() {
		ok := str("status_ok")
		if len(p.StatusUnknown) > 0 {
			ok.HeadComment = "TO DECIDE: statuses init could not place: " + strings.Join(p.StatusUnknown, ", ")
		}
		m.Content = append(m.Content, ok, seq(p.StatusOK), str("status_failed"), seq(p.StatusFailed))
	}
	*pl = *m
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// CatalogDraft is the site catalog draft: a comment line per resource
// saying what matched and how sure, then the resources the site names
// otherwise (whole entries: a site entry replaces the catalog's).
func (m *Mapping) CatalogDraft() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Site catalog draft, written by 'pushaudit init'. Every match it made:\n")
	for _, r := range m.Resources {
		switch {
		case r.Resource.Mode == pipelines.ModeReceipt:
			fmt.Fprintf(&b, "#   %-44s receipt files %s\n", r.Resource.ID(), r.Resource.Table)
		case r.Found():
			fmt.Fprintf(&b, "#   %-44s %s.%s  score %.2f\n", r.Resource.ID(), r.Source, r.Table.Site.Name, r.Table.Score)
		default:
			fmt.Fprintf(&b, "#   %-44s NOT FOUND\n", r.Resource.ID())
		}
		for _, w := range r.windowNote() {
			fmt.Fprintf(&b, "#     %s\n", w)
		}
	}
	b.WriteString("# Entries below replace the catalog's resources of the same target and key.\n")
	if len(m.Draft.Resources) == 0 && len(m.Draft.StatsCounters) == 0 {
		b.WriteString("# (none: the site names every table and column as the catalog does)\n")
		return b.Bytes(), nil
	}
	out := struct {
		Resources     []pipelines.Resource     `yaml:"resources,omitempty"`
		StatsCounters []pipelines.StatsCounter `yaml:"stats_counters,omitempty"`
	}{m.Draft.Resources, m.Draft.StatsCounters}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// windowNote says, for a table without a batch id, which column could be
// its window_column: the site catalog type has no such key on this
// branch yet, so a person writes it.
func (r *ResourceMatch) windowNote() []string {
	if r.Table == nil || r.Table.Site == nil || r.Table.SiteColumn(pipelines.EvidenceBatchID) != nil {
		return nil
	}
	if len(r.WindowCandidates) == 0 {
		return []string{"no batch id and no time column: reconcile by key over a rolling period (a person decides)"}
	}
	return []string{"no batch id: window_column: " + r.WindowCandidates[0] + " (candidates: " + strings.Join(r.WindowCandidates, ", ") + ")"}
}

// WriteDrafts writes the config draft, the site catalog draft and the
// Markdown mapping report into dir (the workbook is written by
// reports.WriteMapping).
func (m *Mapping) WriteDrafts(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg, err := m.ConfigDraft()
	if err != nil {
		return nil, fmt.Errorf("config draft: %w", err)
	}
	cat, err := m.CatalogDraft()
	if err != nil {
		return nil, fmt.Errorf("catalog draft: %w", err)
	}
	var out []string
	for _, f := range []struct {
		name string
		b    []byte
	}{{ConfigFile, cfg}, {CatalogFile, cat}, {MarkdownFile, m.Markdown()}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.b, 0o644); err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

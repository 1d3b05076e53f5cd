package pipelines

import (
	"fmt"
	"strings"
)

// Placeholders is a list of n "?" parameters for SQL text: "?, ?, ?".
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Bookkeeping columns of every front-end evidence table.
const (
	feRowID     = "fe_row_id"
	feBatchID   = "batch_id"
	feArrivedAt = "arrived_at"
)

// FrontendDDL returns the MySQL DDL of target t's front-end database (前置机):
// one CREATE TABLE per resource that is not a receipt, named as its table,
// with a surrogate key fe_row_id, the resource's columns (nullable, the
// catalog field as COMMENT), the batch_id and arrived_at of the push, a key
// on batch_id and a key on the resource's key columns. There is no ENGINE
// clause, so go-mysql-server accepts it as well as MySQL and MariaDB. The
// output depends only on the catalog.
func (c *Catalog) FrontendDDL(target string) (string, error) {
	t, ok := c.Target(target)
	if !ok {
		return "", fmt.Errorf("frontend DDL: %q is not a target", target)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- Front-end database (前置机) %s of %s %s (%s).\n", t.Database, t.Key, t.NameZH, t.NameEN)
	b.WriteString("-- One evidence table per pushed resource: the resource's columns, then the\n")
	b.WriteString("-- batch that carried the row and when it arrived.\n")
	b.WriteString("-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.\n")
	b.WriteString("-- Regenerate with: go test ./schemas -run TestFrontendDDL -update\n")
	for _, r := range c.ResourcesOf(target) {
		b.WriteString("\n")
		if r.Mode == ModeReceipt {
			fmt.Fprintf(&b, "-- %s (%s): %s, checked against receipt files %s; no table.\n",
				r.Key, r.NameZH, r.Cadence.ZH(), r.Table)
			continue
		}
		if err := writeTable(&b, r); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// writeTable writes the CREATE TABLE of one resource.
func writeTable(b *strings.Builder, r *Resource) error {
	if !identRE.MatchString(r.Table) {
		return fmt.Errorf("frontend DDL: %s.table: %q is not a snake_case name", r.ID(), r.Table)
	}
	types := map[string]string{}
	width := len(feRowID)
	for _, col := range r.Columns {
		switch col.Name {
		case feRowID, feBatchID, feArrivedAt:
			return fmt.Errorf("frontend DDL: %s.columns: %q is a bookkeeping column of the front-end table", r.ID(), col.Name)
		}
		types[col.Name] = strings.ToUpper(strings.TrimSpace(col.Type))
		width = max(width, len(col.Name))
	}
	for _, k := range r.KeyColumns {
		typ, ok := types[k]
		if !ok {
			return fmt.Errorf("frontend DDL: %s.key_columns: %q is not one of its columns", r.ID(), k)
		}
		if strings.Contains(typ, "TEXT") || strings.Contains(typ, "BLOB") {
			return fmt.Errorf("frontend DDL: %s.key_columns: %q has type %s, which cannot be indexed without a prefix", r.ID(), k, typ)
		}
	}
	line := func(name, def string) {
		fmt.Fprintf(b, "  %-*s %s,\n", width, name, def)
	}
	fmt.Fprintf(b, "CREATE TABLE %s (\n", r.Table)
	line(feRowID, "BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识'")
	for _, col := range r.Columns {
		line(col.Name, types[col.Name]+" NULL COMMENT "+sqlString(col.ZH))
	}
	line(feBatchID, "VARCHAR(64) NOT NULL COMMENT '批次号'")
	line(feArrivedAt, "DATETIME(3) NOT NULL COMMENT '到达时间'")
	fmt.Fprintf(b, "  PRIMARY KEY (%s),\n", feRowID)
	fmt.Fprintf(b, "  KEY idx_%s (%s),\n", feBatchID, feBatchID)
	fmt.Fprintf(b, "  KEY idx_key (%s)\n", strings.Join(r.KeyColumns, ", "))
	fmt.Fprintf(b, ") COMMENT=%s;\n", sqlString(r.NameZH))
	return nil
}

// sqlString quotes s as a MySQL string literal.
func sqlString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

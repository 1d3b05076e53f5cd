package pipelines

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// reportBad reports one problem of the catalog, as fmt.Errorf formats it.
type reportBad func(format string, args ...any)

// Validate checks the catalog; the error names the entry and field.
func (c *Catalog) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("catalog: "+format, args...)) }
	seenT := c.validateTargets(bad)
	seenR := map[string]bool{}
	for i, r := range c.Resources {
		validateResource(fmt.Sprintf("resources[%d] (%s)", i, r.ID()), &r, seenT, seenR, bad)
	}
	for i, s := range c.StatsCounters {
		if !identRE.MatchString(s.Name) || strings.TrimSpace(s.Expr) == "" {
			bad("stats_counters[%d] (%s): needs a snake_case name and an expr", i, s.Name)
		}
	}
	return errors.Join(errs...)
}

// validateTargets checks the key and database of each target, reporting
// problems to bad, and returns the set of target keys the resources may
// name.
func (c *Catalog) validateTargets(bad reportBad) map[string]bool {
	seenT := map[string]bool{}
	for i, t := range c.Targets {
		if !identRE.MatchString(t.Key) {
			bad("targets[%d].key: %q is not a snake_case name", i, t.Key)
		}
		if seenT[t.Key] {
			bad("targets[%d].key: %q appears twice", i, t.Key)
		}
		seenT[t.Key] = true
		if !identRE.MatchString(t.Database) {
			bad("targets[%d].database: %q is not a snake_case name", i, t.Database)
		}
	}
	return seenT
}

// validateResource checks resource r, named at in the errors, reporting
// problems to bad: its target (one of seenT), key (not in seenR yet; it
// is added), cadence, mode and table, then its columns, keys and window,
// and its source SQL.
func validateResource(at string, r *Resource, seenT, seenR map[string]bool, bad reportBad) {
	if !seenT[r.Target] {
		bad("%s.target: %q is not a target", at, r.Target)
	}
	if !identRE.MatchString(r.Key) {
		bad("%s.key: %q is not a snake_case name", at, r.Key)
	}
	if seenR[r.ID()] {
		bad("%s: appears twice", at)
	}
	seenR[r.ID()] = true
	if !r.Cadence.Valid() {
		bad("%s.cadence: %q is not a cadence", at, r.Cadence)
	}
	if !r.Mode.Valid() {
		bad("%s.mode: %q is not a mode", at, r.Mode)
	}
	if !identRE.MatchString(r.Table) && r.Mode != ModeReceipt {
		bad("%s.table: %q is not a snake_case name", at, r.Table)
	}
	if len(r.Columns) == 0 {
		bad("%s.columns: empty", at)
	}
	cols := validateColumns(at, r, bad)
	validateKeysAndWindow(at, r, cols, bad)
	validateSourceSQL(at, r, bad)
}

// validateColumns checks each column of r (name, expr, type,
// normalisations, and the note of a value not compared), reporting
// problems to bad, and returns the set of column names.
func validateColumns(at string, r *Resource, bad reportBad) map[string]bool {
	cols := map[string]bool{}
	for j, col := range r.Columns {
		if !identRE.MatchString(col.Name) {
			bad("%s.columns[%d].name: %q is not a snake_case name", at, j, col.Name)
		}
		if cols[col.Name] {
			bad("%s.columns[%d].name: %q appears twice", at, j, col.Name)
		}
		cols[col.Name] = true
		if strings.TrimSpace(col.Expr) == "" {
			bad("%s.columns[%d] (%s).expr: empty", at, j, col.Name)
		}
		if strings.TrimSpace(col.Type) == "" {
			bad("%s.columns[%d] (%s).type: empty", at, j, col.Name)
		} else if _, known := DuckTypeOf(col.Type); !known {
			bad("%s.columns[%d] (%s).type: %q is not a MySQL column type", at, j, col.Name, col.Type)
		}
		for _, n := range col.Normalize {
			if _, ok := Normalizations[n]; !ok {
				bad("%s.columns[%d] (%s).normalize: %q is not a normalisation (%s)", at, j, col.Name, n, strings.Join(NormalizationNames(), ", "))
			}
		}
		if r.Mode == ModeRows && !col.Compared() && strings.TrimSpace(col.Note) == "" {
			bad("%s.columns[%d] (%s).compare: false needs a note saying why the value is not compared", at, j, col.Name)
		}
	}
	return cols
}

// validateKeysAndWindow checks that r has key columns, among its columns
// cols, and that its window_column can assign rows to windows, reporting
// problems to bad.
func validateKeysAndWindow(at string, r *Resource, cols map[string]bool, bad reportBad) {
	if len(r.KeyColumns) == 0 {
		bad("%s.key_columns: empty", at)
	}
	for _, k := range r.KeyColumns {
		if !cols[k] {
			bad("%s.key_columns: %q is not one of its columns", at, k)
		}
	}
	if r.WindowColumn != "" {
		switch {
		case !identRE.MatchString(r.WindowColumn):
			bad("%s.window_column: %q is not a snake_case name", at, r.WindowColumn)
		case r.Mode == ModeReceipt || !r.Cadence.Periodic():
			bad("%s.window_column: only a periodic resource of a front-end table has windows to assign rows to", at)
		}
	}
}

// validateSourceSQL checks that r has a from clause and that its where
// and from clauses use only known parameters, reporting problems to bad.
func validateSourceSQL(at string, r *Resource, bad reportBad) {
	if strings.TrimSpace(r.From) == "" {
		bad("%s.from: empty", at)
	}
	for _, m := range paramRE.FindAllStringSubmatch(r.Where+" "+r.From, -1) {
		if !knownParams[m[1]] {
			bad("%s.where: :%s is not a parameter (known: window_start, window_end, as_of, day_start, month_start, months6_start)", at, m[1])
		}
	}
}

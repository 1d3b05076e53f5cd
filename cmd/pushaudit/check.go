package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

func (m *Main) runCheck(ctx context.Context, g *globals, args []string) error {
	fs := newFlags("check", "--config FILE check [--schemas SOURCE_A,SOURCE_B] [--catalog]", m.Stdout)
	var schemas string
	var catalog bool
	fs.StringVar(&schemas, "schemas", "", "compare the table structures of two sources, e.g. a primary and its replica; exit 1 on drift")
	fs.BoolVar(&catalog, "catalog", false, "validate the catalog's mapping against the live databases (SQL runs, keys unique, evidence columns, one recent window reconciles); exit 1 on problems")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	if schemas != "" {
		return m.checkSchemas(ctx, c, schemas)
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(m.Stdout, "config %s: ok (%d targets, %d resources)\n", g.configPath, len(cat.Targets), len(cat.Resources))
	if catalog {
		return m.checkCatalog(ctx, c, cat)
	}
	failed := 0
	for _, name := range c.SourceNames() {
		if err := pingSource(ctx, c, name); err != nil {
			failed++
			fmt.Fprintf(m.Stdout, "  %-18s FAIL %s\n", name, err)
			continue
		}
		fmt.Fprintf(m.Stdout, "  %-18s ok\n", name)
	}
	var problems []string
	if failed > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d sources unreachable", failed, len(c.Sources)))
	}
	if _, err := c.MaskKey(); err != nil {
		fmt.Fprintf(m.Stdout, "  %-18s FAIL %s\n", "mask key", err)
		problems = append(problems, "the hash mask key cannot be used")
	}
	if badAlerts := m.checkAlerts(ctx, c); badAlerts > 0 {
		problems = append(problems, fmt.Sprintf("%d alert receivers not reached", badAlerts))
	}
	if len(problems) > 0 {
		return fmt.Errorf("check: %s", strings.Join(problems, ", "))
	}
	return nil
}

// checkAlerts reaches every alert receiver of the config without sending
// a message (a dry run to its host), one line each; it returns how many
// failed. The lines and errors never hold a key or a secret.
func (m *Main) checkAlerts(ctx context.Context, c *config.Config) int {
	if len(c.AlertGroupNames()) == 0 {
		return 0
	}
	eng, err := alert.FromConfig(c, alert.Options{Logger: m.Logger, Store: &alert.MemoryStore{}})
	if err != nil {
		fmt.Fprintf(m.Stdout, "  alerts             FAIL %s\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lines, err := eng.Reach(ctx)
	for _, l := range lines {
		fmt.Fprintf(m.Stdout, "  %s\n", l)
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	for _, e := range errs {
		fmt.Fprintf(m.Stdout, "  FAIL %s\n", e)
	}
	return len(errs)
}

// pingSource connects to one source and reads from it; the error never
// holds the password.
func pingSource(ctx context.Context, c *config.Config, name string) error {
	dsn, err := c.DSN(name)
	if err != nil {
		return err
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("bad DSN: %s", warehouse.ScrubText(err.Error()))
	}
	mc.Timeout = 5 * time.Second
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("%s", warehouse.ScrubText(err.Error()))
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("%s@%s/%s: %s", mc.User, mc.Addr, mc.DBName, warehouse.ScrubText(err.Error()))
	}
	return nil
}

// checkSchemas compares the structure of two sources of the config and
// reports every difference: errFindings (exit 1) on drift.
func (m *Main) checkSchemas(ctx context.Context, c *config.Config, spec string) error {
	a, b, ok := strings.Cut(spec, ",")
	if !ok || a == "" || b == "" || a == b {
		return usagef("check: --schemas %q is not SOURCE_A,SOURCE_B", spec)
	}
	var defs [2]map[string][]snapshot.ColumnDef
	for i, name := range []string{a, b} {
		if _, ok := c.Sources[name]; !ok {
			return usagef("check: --schemas: no source %q in the config", name)
		}
		dsn, err := c.DSN(name)
		if err != nil {
			return usageError{err}
		}
		if defs[i], err = snapshot.SourceSchema(ctx, dsn); err != nil {
			return fmt.Errorf("check: source %s: %s", name, warehouse.ScrubText(err.Error()))
		}
	}
	diff := snapshot.DiffSchemas(defs[0], defs[1])
	if len(diff) == 0 {
		fmt.Fprintf(m.Stdout, "schemas of %s and %s agree (%d tables)\n", a, b, len(defs[0]))
		return nil
	}
	fmt.Fprintf(m.Stdout, "schema drift between %s and %s: %d differences\n", a, b, len(diff))
	for _, d := range diff {
		fmt.Fprintln(m.Stdout, "  "+d)
	}
	return errFindings
}

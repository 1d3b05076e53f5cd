package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

func (m *Main) runCheck(ctx context.Context, g *globals, args []string) error {
	fs := newFlags("check", "--config FILE check", m.Stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	cat, err := c.LoadCatalog()
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(m.Stdout, "config %s: ok (%d targets, %d resources)\n", g.configPath, len(cat.Targets), len(cat.Resources))
	failed := 0
	for _, name := range c.SourceNames() {
		if err := pingSource(ctx, c, name); err != nil {
			failed++
			fmt.Fprintf(m.Stdout, "  %-18s FAIL %s\n", name, err)
			continue
		}
		fmt.Fprintf(m.Stdout, "  %-18s ok\n", name)
	}
	if failed > 0 {
		return fmt.Errorf("check: %d of %d sources unreachable", failed, len(c.Sources))
	}
	return nil
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
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("%s@%s/%s: %s", mc.User, mc.Addr, mc.DBName, warehouse.ScrubText(err.Error()))
	}
	return nil
}

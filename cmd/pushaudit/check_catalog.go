package main

import (
	"context"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/siteinit"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// checkCatalog validates the mapping of the catalog (embedded and site)
// against the live databases: one line per problem, naming the resource
// and the field; errFindings (exit 1) when there is any.
func (m *Main) checkCatalog(ctx context.Context, c *config.Config, cat *pipelines.Catalog) error {
	now := time.Now()
	if clk := c.Clock(); clk != nil {
		now = clk()
	}
	k := &siteinit.Checker{Config: c, Catalog: cat, Now: now}
	problems, err := k.Check(ctx)
	for _, p := range problems {
		fmt.Fprintln(m.Stdout, "  "+warehouse.ScrubText(p.String()))
	}
	if err != nil {
		return fmt.Errorf("check --catalog: %s", warehouse.ScrubText(err.Error()))
	}
	if len(problems) > 0 {
		fmt.Fprintf(m.Stdout, "catalog: %d problems\n", len(problems))
		return errFindings
	}
	fmt.Fprintf(m.Stdout, "catalog: ok (%d resources checked against the live databases)\n", len(cat.Resources))
	return nil
}

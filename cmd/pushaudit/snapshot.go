package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ",") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

var _ flag.Value = (*multiFlag)(nil)

func (m *Main) runSnapshot(ctx context.Context, g *globals, args []string) error {
	var sources, tables multiFlag
	var whPath string
	var allowPrimary bool
	fs := newFlags("snapshot", "[--config FILE] snapshot | snapshot --source NAME=DSN [--table T]... --warehouse FILE", m.Stdout)
	fs.Var(&sources, "source", "NAME=DSN of a source to copy (repeatable; without a config)")
	fs.Var(&tables, "table", "table to copy (repeatable; default every table)")
	fs.StringVar(&whPath, "warehouse", "", "warehouse file (default: the config's)")
	fs.BoolVar(&allowPrimary, "allow-primary", false, "read a server that is not read-only (a primary)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var srcs []snapshot.Source
	if len(sources) > 0 {
		if whPath == "" {
			return usagef("snapshot: --warehouse FILE is required with --source")
		}
		for _, s := range sources {
			name, dsn, ok := strings.Cut(s, "=")
			if !ok || name == "" || dsn == "" {
				return usagef("snapshot: --source %q is not NAME=DSN", warehouse.ScrubText(s))
			}
			srcs = append(srcs, snapshot.Source{Name: name, DSN: dsn, Tables: tables})
		}
	} else {
		c, err := g.loadConfig()
		if err != nil {
			return err
		}
		if whPath == "" {
			whPath = c.Path(c.Warehouse)
		}
		allowPrimary = allowPrimary || c.Snapshot.AllowPrimary
		if srcs, err = configSources(c); err != nil {
			return err
		}
	}
	wh, err := warehouse.Open(ctx, whPath)
	if err != nil {
		return err
	}
	m.onClose(wh.Close)
	return m.snapshot(ctx, wh, srcs, allowPrimary, args)
}

// configSources lists the config's sources with their DSNs.
func configSources(c *config.Config) ([]snapshot.Source, error) {
	var srcs []snapshot.Source
	for _, name := range c.SourceNames() {
		dsn, err := c.DSN(name)
		if err != nil {
			return nil, usageError{err}
		}
		srcs = append(srcs, snapshot.Source{Name: name, DSN: dsn, Tables: c.Sources[name].Tables})
	}
	if len(srcs) == 0 {
		return nil, usagef("snapshot: the config lists no sources")
	}
	return srcs, nil
}

func (m *Main) snapshot(ctx context.Context, wh *warehouse.Warehouse, srcs []snapshot.Source, allowPrimary bool, args []string) error {
	run, err := wh.BeginRun(ctx, "snapshot", args)
	if err != nil {
		return err
	}
	t0 := time.Now()
	rep, err := snapshot.Snapshot(ctx, wh, run, srcs, snapshot.Options{AllowPrimary: allowPrimary, Logger: m.Logger})
	status, msg := "ok", ""
	if err != nil {
		status, msg = "failed", err.Error()
	}
	if ferr := run.Finish(ctx, status, msg); ferr != nil && err == nil {
		err = ferr
	}
	if rep != nil {
		var rows int64
		tables := 0
		for _, s := range rep.Sources {
			for _, t := range s.Tables {
				rows += t.RowsLoaded
				tables++
			}
			state := "published"
			if !s.Published {
				state = "NOT published"
			}
			fmt.Fprintf(m.Stdout, "  %-18s %-8s %3d tables  %s\n", s.Name, state, len(s.Tables), s.ReadMode)
		}
		fmt.Fprintf(m.Stdout, "snapshot %s: %d sources, %d tables, %d rows in %s → %s\n", run.ID, len(rep.Sources), tables, rows, time.Since(t0).Round(time.Millisecond), wh.Path())
	}
	return err
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/siteinit"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
)

// dsnList is a repeatable --mysql flag. Set never fails: a malformed DSN
// is reported by checkDSN, whose message holds no password (the flag
// package's would quote the value).
type dsnList []string

func (d *dsnList) String() string     { return fmt.Sprintf("%d DSNs", len(*d)) }
func (d *dsnList) Set(s string) error { *d = append(*d, s); return nil }

func (m *Main) runInit(ctx context.Context, g *globals, args []string) error {
	fs := newFlags("init", "init --mysql DSN [--mysql DSN]... --out DIR", m.Stdout)
	var dsns dsnList
	var out string
	fs.Var(&dsns, "mysql", "a MySQL DSN, user:password@tcp(host:port)/[database]; no database: every database the user can read (repeatable)")
	fs.StringVar(&out, "out", "", "folder the config draft, the site catalog draft and the mapping report are written to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(dsns) == 0 {
		return usagef("init: --mysql DSN is required (one per server or database)")
	}
	if out == "" {
		return usagef("init: --out DIR is required")
	}
	for i, d := range dsns {
		if err := checkDSN("init", fmt.Sprintf("--mysql #%d", i+1), d); err != nil {
			return err
		}
	}
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		return err
	}
	mp, err := siteinit.Run(ctx, cat, dsns)
	if err != nil {
		return fmt.Errorf("init: %s", warehouse.ScrubText(err.Error()))
	}
	files, err := mp.WriteDrafts(out)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	xlsx := filepath.Join(out, siteinit.WorkbookFile)
	if err := reports.WriteMapping(xlsx, mp.Sheets(cat)); err != nil {
		return fmt.Errorf("init: workbook: %w", err)
	}
	files = append(files, xlsx)
	for _, s := range mp.Sources {
		db := "NOT FOUND"
		if s.DB != nil {
			db = fmt.Sprintf("%s (score %.2f)", s.DB.Name, s.Score)
		}
		fmt.Fprintf(m.Stdout, "  %-18s %s\n", s.Role.Source, db)
	}
	need := 0
	for _, r := range mp.Resources {
		if r.Found() && len(r.Decisions) > 0 && r.Resource.Mode != pipelines.ModeReceipt {
			need++
		}
	}
	fmt.Fprintf(m.Stdout, "init: %d of %d resources found, %d to confirm, %d rewritten in the site catalog; wrote %s\n",
		mp.Found(), len(mp.Resources), need, len(mp.Draft.Resources), strings.Join(files, ", "))
	if mp.Found() < len(mp.Resources) {
		return errFindings
	}
	return nil
}

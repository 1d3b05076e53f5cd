package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/schollz/progressbar/v3"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ",") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

var _ flag.Value = (*multiFlag)(nil)

func (m *Main) runSnapshot(ctx context.Context, g *globals, args []string) error {
	var sources, tables, policies, resources multiFlag
	var whPath string
	var allowPrimary bool
	parallel := 1 // --source: one after the other; a config: snapshot.parallel
	var maxRowsPerSec float64
	var parquetDir string
	var verify, countAll bool
	fs := newFlags("snapshot", "[--config FILE] snapshot [--verify [TABLE...]] [--count] [--resource TARGET[/RESOURCE]]... [--table SOURCE.TABLE]... | snapshot --source NAME=DSN [--table T]... --warehouse FILE", m.Stdout)
	fs.Var(&sources, "source", "NAME=DSN of a source to copy (repeatable; without a config)")
	fs.Var(&tables, "table", "table to copy (repeatable; default every table): T with --source, SOURCE.TABLE with a config")
	fs.Var(&resources, "resource", "with a config: copy only the tables the reconciliation of TARGET/RESOURCE (or every resource of TARGET, or stats) reads, keeping the others as they are (repeatable)")
	fs.StringVar(&whPath, "warehouse", "", "warehouse file (default: the config's)")
	fs.BoolVar(&allowPrimary, "allow-primary", false, "read a server that is not read-only (a primary)")
	fs.Var(&policies, "policy", "TABLE=full|append|incremental:WATERMARK_COLUMN (repeatable; without a config)")
	fs.Float64Var(&maxRowsPerSec, "max-rows-per-sec", 0, "read at most this many rows per second per table (0: no cap)")
	fs.StringVar(&parquetDir, "parquet", "", "also write every published table as Parquet: DIR/source/table/data.parquet")
	fs.BoolVar(&verify, "verify", false, "after publishing, compare checksums of key ranges with the source and re-read the ranges that differ, for the tables named as arguments (TABLE or SOURCE.TABLE or SOURCE) or every table")
	fs.BoolVar(&countAll, "count", false, "read the source's COUNT(*) of every table this run, even one without a commit since its last count or not due by snapshot.count_every (the check that finds rows deleted at the source)")
	if err := parseFlagsArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 && !verify {
		return usagef("snapshot: unexpected arguments %q (table names go with --verify)", fs.Args())
	}
	if maxRowsPerSec < 0 {
		return usagef("snapshot: --max-rows-per-sec %v is negative (0 sets no cap)", maxRowsPerSec)
	}
	var srcs []snapshot.Source
	throttle := snapshot.Throttle{MaxRowsPerSec: maxRowsPerSec}
	wait := config.DefaultWarehouseWait
	if len(sources) > 0 {
		if len(resources) > 0 {
			return usagef("snapshot: --resource needs a config (its sources and catalog); with --source, name tables with --table")
		}
		if whPath == "" {
			return usagef("snapshot: --warehouse FILE is required with --source")
		}
		pols, err := parsePolicies(policies)
		if err != nil {
			return err
		}
		for _, s := range sources {
			name, dsn, ok := strings.Cut(s, "=")
			if !ok || name == "" || dsn == "" {
				return usagef("snapshot: --source %q is not NAME=DSN", warehouse.ScrubText(s))
			}
			if err := checkDSN("snapshot", "--source "+name, dsn); err != nil {
				return err
			}
			if cfg, _ := mysql.ParseDSN(dsn); cfg.DBName == "" {
				return usagef("snapshot: --source %s: the DSN names no database (user@tcp(host:port)/DATABASE)", name)
			}
			srcs = append(srcs, snapshot.Source{Name: name, DSN: dsn, Tables: tables, Policies: pols})
		}
	} else {
		c, err := g.loadConfig()
		if err != nil {
			return err
		}
		if whPath == "" {
			whPath = c.Path(c.Warehouse)
		}
		if len(policies) > 0 {
			return usagef("snapshot: --policy is for --source; with a config, set sources.NAME.policies")
		}
		allowPrimary = allowPrimary || c.Snapshot.AllowPrimary
		parallel = c.Snapshot.ParallelOr()
		wait = c.WarehouseWaitOr()
		if srcs, err = configSources(c); err != nil {
			return err
		}
		if len(resources) > 0 || len(tables) > 0 {
			if srcs, err = configDueSources(c, srcs, resources, tables); err != nil {
				return err
			}
		}
		throttle = configThrottle(c)
		if maxRowsPerSec != 0 {
			throttle.MaxRowsPerSec = maxRowsPerSec // the flag over the config
		}
	}
	wh, err := warehouse.OpenWith(ctx, whPath, m.waitHeld(wait))
	if err != nil {
		return err
	}
	m.onClose(wh.Close)
	opts := snapshot.Options{AllowPrimary: allowPrimary, Throttle: throttle, ParquetDir: parquetDir, Parallel: parallel, CountAll: countAll}
	if verify {
		opts.Verify, opts.VerifyAll = fs.Args(), fs.NArg() == 0
	}
	_, err = m.snapshotWith(ctx, wh, srcs, opts, args)
	return err
}

// configThrottle is the throttle of the config's snapshot section, for
// the CLI's snapshots and the daemon's alike.
func configThrottle(c *config.Config) snapshot.Throttle {
	t := snapshot.Throttle{MaxRowsPerSec: c.Snapshot.MaxRowsPerSec}
	t.MaxReplicaLag, t.MaxThreadsRunning = c.Snapshot.ThrottleLimits()
	return t
}

// parsePolicies reads --policy TABLE=full|append|incremental:COLUMN flags.
func parsePolicies(flags []string) (map[string]snapshot.TablePolicy, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := map[string]snapshot.TablePolicy{}
	for _, f := range flags {
		table, spec, ok := strings.Cut(f, "=")
		policy, col, _ := strings.Cut(spec, ":")
		p := snapshot.TablePolicy{Policy: policy, Watermark: col, KeyCheckEvery: config.DefaultKeyCheckEvery}
		switch {
		case !ok || table == "":
			return nil, usagef("snapshot: --policy %q is not TABLE=POLICY", f)
		case policy == snapshot.PolicyIncremental && col == "":
			return nil, usagef("snapshot: --policy %q: incremental needs a watermark column, TABLE=incremental:COLUMN", f)
		case policy != snapshot.PolicyFull && policy != snapshot.PolicyAppend && policy != snapshot.PolicyIncremental:
			return nil, usagef("snapshot: --policy %q: policy is full, append or incremental:COLUMN", f)
		}
		out[table] = p
	}
	return out, nil
}

// configSources lists the config's sources with their DSNs.
func configSources(c *config.Config) ([]snapshot.Source, error) {
	var srcs []snapshot.Source
	key, err := c.MaskKey()
	if err != nil {
		return nil, usageError{err}
	}
	for _, name := range c.SourceNames() {
		dsn, err := c.DSN(name)
		if err != nil {
			return nil, usageError{err}
		}
		pols := map[string]snapshot.TablePolicy{}
		for table, p := range c.Sources[name].Policies {
			pols[table] = snapshot.TablePolicy{Policy: p.Policy, Watermark: p.Watermark,
				KeyCheckEvery: p.KeyCheckEveryOr(), CountEvery: p.CountEveryOr(c.Snapshot.CountEvery)}
		}
		srcs = append(srcs, snapshot.Source{Name: name, DSN: dsn, Tables: c.Sources[name].Tables, Policies: pols, Masks: c.Masks(name), MaskKey: key})
	}
	if len(srcs) == 0 {
		return nil, usagef("snapshot: the config lists no sources")
	}
	return srcs, nil
}

func (m *Main) snapshot(ctx context.Context, wh *warehouse.Warehouse, srcs []snapshot.Source, allowPrimary bool, args []string) error {
	_, err := m.snapshotWith(ctx, wh, srcs, snapshot.Options{AllowPrimary: allowPrimary}, args)
	return err
}

func (m *Main) snapshotWith(ctx context.Context, wh *warehouse.Warehouse, srcs []snapshot.Source, opts snapshot.Options, args []string) (*snapshot.Report, error) {
	run, err := wh.BeginRun(ctx, "snapshot", args)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	opts.Logger = m.Logger
	prog := newProgress(m.Stderr, m.Logger)
	if also := opts.OnProgress; also != nil {
		opts.OnProgress = func(e snapshot.ProgressEvent) { prog.update(e); also(e) }
	} else {
		opts.OnProgress = prog.update
	}
	rep, err := snapshot.Snapshot(ctx, wh, run, srcs, opts)
	prog.finish()
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
			if what := tablesDone(s.Tables); what != "" {
				fmt.Fprintf(m.Stdout, "  %-18s %s\n", "", what)
			}
		}
		fmt.Fprintf(m.Stdout, "snapshot %s: %d sources, %d tables, %d rows in %s → %s\n", run.ID, len(rep.Sources), tables, rows, time.Since(t0).Round(time.Millisecond), wh.Path())
	}
	return rep, err
}

// tablesDone says what a snapshot did with a source's tables, the kinds
// that occurred in order: how many were copied in full, read as a delta,
// or left as they were (unchanged since the published copy); then those
// whose source COUNT(*) was not read (no commit since the count that
// agreed, or count_every not due: see internal/snapshot/count.go),
// repaired, verified, with schema drift, inexact or failed. "" for no
// tables.
func tablesDone(tables []*snapshot.TableReport) string {
	var copied, delta, unchanged, notCounted, repaired, verified, drift, inexact, failed int
	for _, t := range tables {
		switch {
		case t.Status == snapshot.StatusFailed:
			failed++
			continue
		case t.Unchanged:
			unchanged++
		case t.Delta:
			delta++
		default:
			copied++
		}
		if t.CountSkipped {
			notCounted++
		}
		if t.Repaired > 0 {
			repaired++
		}
		if t.Verified {
			verified++
		}
		if t.SchemaDrift != "" {
			drift++
		}
		if t.Status == snapshot.StatusInexact {
			inexact++
		}
	}
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{copied, "copied in full"}, {delta, "read as a delta"}, {unchanged, "unchanged (not copied)"},
		{notCounted, "not counted at the source (why: audit.snapshots.note)"}, {repaired, "repaired"}, {verified, "verified"},
		{drift, "with schema drift"}, {inexact, "INEXACT"}, {failed, "FAILED"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return strings.Join(parts, ", ")
}

// progress shows per-table progress: a bar with rows, rows/s and ETA on a
// terminal, a structured log line every 10 s otherwise.
type progress struct {
	w       io.Writer
	log     *slog.Logger
	term    bool
	bar     *progressbar.ProgressBar
	table   string
	max     int64 // the bar's total; -1 for a spinner
	lastLog time.Time
}

func newProgress(w io.Writer, log *slog.Logger) *progress {
	p := &progress{w: w, log: log}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		p.term = true
	}
	return p
}

func (p *progress) update(e snapshot.ProgressEvent) {
	name := e.Source + "." + e.Table
	if !p.term {
		// In the log, progress of a table still loading, every 10 s at
		// most: its start says nothing yet, and its end is the
		// snapshot's "table loaded" line.
		if p.log == nil || e.Done || e.Rows == e.Resumed || time.Since(p.lastLog) < 10*time.Second {
			return
		}
		p.lastLog = time.Now()
		rate := float64(e.Rows-e.Resumed) / max(e.Elapsed.Seconds(), 1e-3)
		attrs := []any{"source", e.Source, "table", e.Table, "rows", e.Rows, "rows_per_s", int64(rate)}
		if e.Total > e.Rows && rate > 0 {
			attrs = append(attrs, "total", e.Total, "eta", (time.Duration(float64(e.Total-e.Rows) / rate * float64(time.Second))).Round(time.Second))
		}
		p.log.Info("snapshot progress", attrs...)
		return
	}
	if p.table != name {
		if e.Done {
			// a table whose bar gave way to the next table's (a source's
			// next table begins while the one before commits)
			return
		}
		p.finish()
		p.table = name
		total := e.Total
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		p.max = total
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	if p.max > 0 && e.Rows > p.max {
		// The total is the server's estimate: the table holds more.
		p.max = e.Rows + e.Rows/10
		p.bar.ChangeMax64(p.max)
	}
	_ = p.bar.Set64(e.Rows)
	if e.Done {
		p.finish()
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
		p.table = ""
	}
}

// parseFlagsArgs is parseFlags for a command that takes arguments after
// its flags (snapshot --verify TABLE...).
func parseFlagsArgs(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// globals are the flags before the command.
type globals struct {
	configPath string
	logLevel   string
}

func parseGlobals(args []string) (*globals, []string, error) {
	g := &globals{logLevel: os.Getenv("PUSHAUDIT_LOG_LEVEL")}
	if p := os.Getenv("PUSHAUDIT_CONFIG"); p != "" {
		g.configPath = p
	}
	fs := flag.NewFlagSet("pushaudit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.configPath, "config", g.configPath, "config file (YAML)")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return g, []string{"help"}, nil
		}
		return nil, nil, err
	}
	if _, ok := logLevels[strings.ToLower(g.logLevel)]; !ok {
		return nil, nil, fmt.Errorf("--log-level (or PUSHAUDIT_LOG_LEVEL) %q is not debug, info, warn or error", g.logLevel)
	}
	return g, fs.Args(), nil
}

// logLevels are the names --log-level takes; "" is the default, info.
var logLevels = map[string]slog.Level{
	"": slog.LevelInfo, "debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func newLogger(w io.Writer, level string) *slog.Logger {
	l := logLevels[strings.ToLower(level)]
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// errHelp is returned when a command printed its help.
var errHelp = errors.New("help")

// newFlags returns a flag set for a command that prints its help to out.
func newFlags(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: pushaudit %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns flag errors into usage errors. The flag
// package's own message and usage are silenced, so a bad flag gives the
// one line main prints; --help prints the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return errHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// loadConfig reads the --config file; a bad config is a usage error.
func (g *globals) loadConfig() (*config.Config, error) {
	if g.configPath == "" {
		return nil, usagef("no config: pass --config FILE or set PUSHAUDIT_CONFIG")
	}
	c, err := config.Load(g.configPath)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// openExisting opens the config's warehouse, which must exist: reading a
// mistyped path would create an empty warehouse and report every window
// unverifiable instead of saying what is wrong. While the daemon's run
// holds it, it waits (warehouse_wait), saying who holds it.
func (m *Main) openExisting(ctx context.Context, c *config.Config) (*warehouse.Warehouse, error) {
	p := c.Path(c.Warehouse)
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("warehouse %s: %w (run 'pushaudit snapshot' first)", p, err)
	}
	return warehouse.OpenWith(ctx, p, m.waitHeld(c.WarehouseWaitOr()))
}

// openWarehouse loads the config and opens its existing warehouse
// (openExisting) for the rest of the command: it is closed when the
// command ends. check, when not nil, runs in between, so that a command's
// mistakes in the catalog or its flags are told before it waits for a
// warehouse the daemon holds.
func (m *Main) openWarehouse(ctx context.Context, g *globals, check func(*config.Config) error) (*config.Config, *warehouse.Warehouse, error) {
	c, err := g.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	if check != nil {
		if err := check(c); err != nil {
			return nil, nil, err
		}
	}
	wh, err := m.openExisting(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	m.onClose(wh.Close)
	return c, wh, nil
}

// openCataloged is openWarehouse for a command that reads the site
// catalog: the catalog and --target are checked (catalogFor), then check
// when not nil, all before the wait for the warehouse.
func (m *Main) openCataloged(ctx context.Context, g *globals, cmd, target string, check func(*pipelines.Catalog) error, also ...string) (*config.Config, *pipelines.Catalog, *warehouse.Warehouse, error) {
	var cat *pipelines.Catalog
	c, wh, err := m.openWarehouse(ctx, g, func(c *config.Config) (err error) {
		if cat, err = catalogFor(c, cmd, target, also...); err != nil || check == nil {
			return err
		}
		return check(cat)
	})
	return c, cat, wh, err
}

// catalogFor loads c's site catalog (a bad one is a usage error) and
// checks that target, when given, is one of its targets or one of also:
// the pseudo-targets the command cmd takes.
func catalogFor(c *config.Config, cmd, target string, also ...string) (*pipelines.Catalog, error) {
	cat, err := c.LoadCatalog()
	if err != nil {
		return nil, usageError{err}
	}
	if target != "" && !slices.Contains(also, target) {
		if _, ok := cat.Target(target); !ok {
			return nil, usagef("%s: --target %q is not a target of the catalog", cmd, target)
		}
	}
	return cat, nil
}

// waitHeld are the options of a command's warehouse: wait that long for a
// file another process holds, and say so on stderr.
func (m *Main) waitHeld(wait time.Duration) warehouse.Options {
	return warehouse.Options{Wait: wait, OnWait: func(holder string, wait time.Duration) {
		fmt.Fprintf(m.Stderr, "pushaudit: the warehouse is held by %s; waiting up to %s\n", holder, wait)
	}}
}

// parseDay parses YYYY-MM-DD as a Shanghai date.
func parseDay(flagName, s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, pipelines.Shanghai)
	if err != nil {
		return time.Time{}, usagef("--%s: %q is not a date YYYY-MM-DD", flagName, s)
	}
	return t, nil
}

// clock is the configured fixed clock or the real one.
func clock(c *config.Config) time.Time {
	if f := c.Clock(); f != nil {
		return f().In(pipelines.Shanghai)
	}
	return time.Now().In(pipelines.Shanghai)
}

// asRun runs f as a recorded run of command (audit.runs): finished ok with
// f's summary, or failed with its error.
func asRun(ctx context.Context, wh *warehouse.Warehouse, command string, args []string, f func() (string, error)) error {
	run, err := wh.BeginRun(ctx, command, args)
	if err != nil {
		return err
	}
	msg, err := f()
	status := warehouse.RunOK
	if err != nil {
		status, msg = warehouse.RunFailed, err.Error()
	}
	if ferr := run.Finish(ctx, status, msg); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

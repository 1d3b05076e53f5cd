// Command pushaudit proves, every day, that the Chengdu digital
// urban-management system delivered its data to every system it pushes
// to: it snapshots the MySQL sources into a DuckDB warehouse, reconciles
// every target × resource × window, and writes reports.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// Exit codes, as DESIGN.md fixes them.
const (
	exitOK       = 0
	exitFindings = 1
	exitCannot   = 2
	exitUsage    = 64
)

func main() {
	restrictUmask()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain(os.Stdout, os.Stderr)
	// The MySQL driver's own complaints (a reset, a timeout, a packet
	// out of order) join the structured log instead of raw stderr lines.
	_ = mysql.SetLogger(driverLog{m})
	stopProfile := startCPUProfile(os.Getenv("PUSHAUDIT_CPUPROFILE"), os.Stderr)
	code := m.Run(ctx, os.Args[1:])
	stopProfile()
	m.Close()
	stop()
	os.Exit(code)
}

// driverLog forwards the MySQL driver's log lines to the CLI's logger, at
// warn: they name the socket error the driver then reports only as
// "invalid connection".
type driverLog struct{ m *Main }

func (d driverLog) Print(v ...any) {
	if l := d.m.Logger; l != nil {
		l.Warn("mysql driver", "msg", strings.TrimSpace(fmt.Sprint(v...)))
	}
}

// Main is the whole CLI, runnable in-process by tests.
type Main struct {
	Stdout, Stderr io.Writer
	Logger         *slog.Logger
	closers        []func() error
	hooks          *serveHooks // tests drive serve's clock and signals
}

// NewMain returns a Main writing to stdout and stderr.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdout: stdout, Stderr: stderr}
}

// Close releases what the command opened.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

type command struct {
	name    string
	summary string
	run     func(m *Main, ctx context.Context, g *globals, args []string) error
}

var commands = []command{
	{"demo", "the whole job on an embedded MySQL server: simulate, snapshot, reconcile, report", (*Main).runDemo},
	{"sim", "create and fill a simulated eUrbanMIS on a MySQL server, with faults", (*Main).runSim},
	{"snapshot", "copy the MySQL sources into the DuckDB warehouse", (*Main).runSnapshot},
	{"reconcile", "reconcile every target × resource × window", (*Main).runReconcile},
	{"explain", "one window in depth: numbers, keys, push-log batches, SQL", (*Main).runExplain},
	{"repair", "write what would make a target whole: SQL, CSV or JSON per finding", (*Main).runRepair},
	{"ack", "record the response to findings: when, by whom, a note", (*Main).runAck},
	{"incidents", "list the incidents: faults as the contract counts them, with their limits", (*Main).runIncidents},
	{"report", "write the Excel workbook of a day", (*Main).runReport},
	{"check", "validate the config and reach every source", (*Main).runCheck},
	{"init", "inspect a site's databases and draft its config and site catalog", (*Main).runInit},
	{"serve", "the daemon: every pipeline on its schedule, /healthz, SIGHUP reloads", (*Main).runServe},
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pushaudit [--config FILE] [--log-level LEVEL] COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'pushaudit COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 all ok, 1 findings, 2 could not run, 64 bad usage or config.")
}

// Run runs the command line args (without the program name) and returns
// the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	g, rest, err := parseGlobals(args)
	if err != nil {
		fmt.Fprintln(m.Stderr, "pushaudit:", err)
		return exitUsage
	}
	m.Logger = newLogger(m.Stderr, g.logLevel)
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		m.usage(m.Stdout)
		if len(rest) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == rest[0] {
			err := c.run(m, ctx, g, rest[1:])
			return m.exitCode(err)
		}
	}
	fmt.Fprintf(m.Stderr, "pushaudit: unknown command %q\n", rest[0])
	m.usage(m.Stderr)
	return exitUsage
}

// errFindings is returned by a command that ran and found results that
// are not ok.
var errFindings = errors.New("findings")

// usageError is a bad flag, argument or config: exit 64.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func (m *Main) exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFindings
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(m.Stderr, "pushaudit:", err)
		return exitUsage
	default:
		fmt.Fprintln(m.Stderr, "pushaudit:", err)
		return exitCannot
	}
}

package warehouse

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Run statuses of audit.runs.
const (
	RunRunning  = "running"
	RunOK       = "ok"
	RunFindings = "findings"
	RunFailed   = "failed"
)

// runIDLayout is the time part of a run id: Shanghai wall clock to the
// millisecond, so ids sort by start time.
const runIDLayout = "20060102T150405.000"

var commandRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Run is one row of audit.runs, open until Finish.
type Run struct {
	ID        string    // e.g. 20261127T231500.123-snapshot
	Command   string    // snapshot, reconcile, …
	StartedAt time.Time // Asia/Shanghai

	wh *Warehouse
}

// BeginRun records the start of a run of command with the given command-line
// arguments, secrets removed (see ScrubArgs). The run id is the Shanghai
// start time to the millisecond plus the command; when that id is taken, the
// next free millisecond is used.
func (w *Warehouse) BeginRun(ctx context.Context, command string, args []string) (*Run, error) {
	if !commandRE.MatchString(command) {
		return nil, fmt.Errorf("begin run: command %q is not a lower-case word", command)
	}
	started := w.Now().Truncate(time.Millisecond)
	argLine := JoinArgs(ScrubArgs(args))
	const maxTries = 1000
	for i := 0; i < maxTries; i++ {
		at := started.Add(time.Duration(i) * time.Millisecond)
		id := at.Format(runIDLayout) + "-" + command
		_, err := w.db.ExecContext(ctx, `INSERT INTO audit.runs
			(run_id, command, started_at, status, args, host, version, run_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, command, Timestamp(at), RunRunning, argLine, w.host, w.version, w.user)
		if err == nil {
			return &Run{ID: id, Command: command, StartedAt: at, wh: w}, nil
		}
		if !isConstraintError(err) {
			return nil, fmt.Errorf("begin run %s: %w", id, err)
		}
	}
	return nil, fmt.Errorf("begin run %s: no free run id in %d ms after %s", command, maxTries, started.Format(runIDLayout))
}

// Finish records the end of the run: status is RunOK, RunFindings or
// RunFailed, message a summary or the error. A run finishes once. It
// records even when ctx is already cancelled (an interrupted run is still
// marked failed), waiting at most 10 seconds.
func (r *Run) Finish(ctx context.Context, status, message string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch status {
	case RunOK, RunFindings, RunFailed:
	default:
		return fmt.Errorf("finish run %s: status %q is not ok, findings or failed", r.ID, status)
	}
	res, err := r.wh.db.ExecContext(ctx, `UPDATE audit.runs
		SET finished_at = ?, status = ?, message = ?
		WHERE run_id = ? AND status = ?`,
		Timestamp(r.wh.Now()), status, nullIfEmpty(message), r.ID, RunRunning)
	if err != nil {
		return fmt.Errorf("finish run %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("finish run %s: %w", r.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("finish run %s: not running", r.ID)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isConstraintError(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint
}

// JoinArgs joins arguments into one line, quoting those that need it.
func JoinArgs(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\") {
			parts[i] = strconv.Quote(a)
		} else {
			parts[i] = a
		}
	}
	return strings.Join(parts, " ")
}

// RecordReport notes in audit.reports that the report of period (of the
// given kind and language) was written to path now.
func (w *Warehouse) RecordReport(ctx context.Context, period, kind, lang, path string) error {
	if _, err := w.db.ExecContext(ctx, `INSERT INTO audit.reports (period, kind, lang, path, written_at) VALUES (?, ?, ?, ?, ?)`,
		period, kind, lang, path, Timestamp(w.Now())); err != nil {
		return fmt.Errorf("record report %s: %w", period, err)
	}
	return nil
}

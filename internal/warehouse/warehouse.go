package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

// ErrLocked is wrapped by Open when another process holds the warehouse.
var ErrLocked = errors.New("warehouse is locked by another process")

// StorageVersion is the DuckDB storage format of a new warehouse file (an
// existing file keeps its own). From v1.3.0 DuckDB stores text with
// DICT_FSST, which a snapshot writes 15 % faster than the older formats'
// dictionary and FSST for the same size; the file then needs DuckDB 1.3 or
// later to open.
const StorageVersion = "v1.3.0"

// Options tunes OpenWith. The zero value is what Open uses.
type Options struct {
	// Now is the clock of run bookkeeping; nil means time.Now.
	Now func() time.Time
	// Version is recorded in audit.runs.version; empty means the module
	// version from the build info.
	Version string
	// Wait is how long to wait while another process holds the file (the
	// daemon's run); 0 fails at once with ErrLocked. OnWait, when set, is
	// told once who holds it.
	Wait   time.Duration
	OnWait func(holder string, wait time.Duration)
	// Sleep, when set, waits between two tries to open a held file, and
	// Wait is then measured on Now: a daemon on a simulated clock waits
	// simulated time. Nil: the wall clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Warehouse is an open DuckDB warehouse file.
type Warehouse struct {
	db      *sql.DB
	path    string
	now     func() time.Time
	version string
	host    string
	user    string // the operating-system user, for audit.runs.run_by
}

// Open opens the warehouse at path, creating the file and its parent
// directory when missing, and applies the warehouse DDL.
func Open(ctx context.Context, path string) (*Warehouse, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	return waitOpen(ctx, path, opts, func() (*Warehouse, error) { return open(ctx, path, opts) })
}

func open(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	if path == "" {
		return nil, errors.New("open warehouse: empty path")
	}
	if err := CheckDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), DirMode); err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	connector, err := duckdb.NewConnector(path+"?storage_compatibility_version="+StorageVersion, initConn)
	if err != nil {
		return nil, openError(path, err)
	}
	db := sql.OpenDB(connector) // db.Close closes the connector too
	w := &Warehouse{db: db, path: path, now: opts.Now, version: opts.Version}
	if w.now == nil {
		w.now = time.Now
	}
	if w.version == "" {
		w.version = buildVersion()
	}
	w.user = osUser()
	if w.host, err = os.Hostname(); err != nil {
		w.host = ""
	}
	if err := w.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open warehouse %s: %w", path, err)
	}
	// DuckDB creates its files as the umask allows (main sets 027); a
	// warehouse made by another tool or an older version is tightened.
	for _, p := range []string{path, path + ".wal"} {
		if err := Restrict(p); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open warehouse %s: %w", path, err)
		}
	}
	return w, nil
}

// initConn runs on every new DuckDB connection of the pool.
func initConn(execer driver.ExecerContext) error {
	_, err := execer.ExecContext(context.Background(), "SET TimeZone = 'Asia/Shanghai'", nil)
	if err != nil {
		return fmt.Errorf("set time zone: %w", err)
	}
	return nil
}

func (w *Warehouse) migrate(ctx context.Context) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply schema: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, schemas.Warehouse()); err != nil {
		return fmt.Errorf("apply schema: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("apply schema: %w", err)
	}
	return nil
}

// openError wraps a DuckDB open error, adding ErrLocked when the file is
// held by another process.
func openError(path string, err error) error {
	if IsLockError(err) {
		return fmt.Errorf("open warehouse %s: %w: %w", path, ErrLocked, err)
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
}

// IsLockError reports whether err is DuckDB's refusal to open a database
// file that another process holds, e.g.
//
//	IO Error: Could not set lock on file "/x/warehouse.duckdb": Conflicting
//	lock is held in /usr/local/bin/pushaudit (PID 4242) by user audit.
func IsLockError(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "Could not set lock on file") ||
		strings.Contains(msg, "Conflicting lock is held")
}

// DB returns the database handle. Its connections share one DuckDB
// instance; each runs with TimeZone Asia/Shanghai.
func (w *Warehouse) DB() *sql.DB { return w.db }

// Path returns the file path the warehouse was opened with.
func (w *Warehouse) Path() string { return w.path }

// Close closes the warehouse and releases the file lock.
func (w *Warehouse) Close() error {
	if err := w.db.Close(); err != nil {
		return fmt.Errorf("close warehouse %s: %w", w.path, err)
	}
	return nil
}

// Now returns the current time of the warehouse clock, in Shanghai.
func (w *Warehouse) Now() time.Time { return w.now().In(pipelines.Shanghai) }

// Wall returns t's Asia/Shanghai wall clock as a time in time.UTC, truncated
// to the microsecond DuckDB keeps: the value to bind to a TIMESTAMP
// parameter or append to a TIMESTAMP column. The zero time stays zero.
func Wall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	s := t.In(pipelines.Shanghai)
	return time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(),
		s.Nanosecond(), time.UTC).Truncate(time.Microsecond)
}

// FromWall reads a TIMESTAMP value scanned from DuckDB (wall clock in
// time.UTC) as the Asia/Shanghai time it means. The zero time stays zero.
func FromWall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(),
		t.Nanosecond(), pipelines.Shanghai)
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// Timestamp returns t as a parameter typed TIMESTAMP holding Wall(t), right
// in every position: where DuckDB infers the parameter type and where it
// cannot (a VALUES list, a bare CAST). The zero time binds NULL.
func Timestamp(t time.Time) duckdb.TypedValue {
	if t.IsZero() {
		return duckdb.Typed(nil, duckdb.TYPE_TIMESTAMP)
	}
	return duckdb.Typed(Wall(t), duckdb.TYPE_TIMESTAMP)
}

// NullMicros stands for NULL in a list of WallMicros.
const NullMicros = math.MinInt64

// WallMicros is t for a list parameter (a bulk insert binds one list per
// column): the Asia/Shanghai wall clock of t in microseconds since the
// epoch, NullMicros for the zero time. UnnestTimestamps reads such a list
// back as TIMESTAMP. (A []time.Time parameter would be bound as a list of
// TIMESTAMPTZ and converted with the session TimeZone.)
func WallMicros(t time.Time) int64 {
	if t.IsZero() {
		return NullMicros
	}
	return Wall(t).UnixMicro()
}

// UnnestTimestamps is the SQL that unnests a list parameter of WallMicros
// as TIMESTAMP values.
func UnnestTimestamps() string {
	return "make_timestamp(nullif(unnest(?), " + strconv.FormatInt(NullMicros, 10) + "))"
}

// osUser names the operating-system user running pushaudit: the account's
// name, else the numeric uid (a container without /etc/passwd).
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

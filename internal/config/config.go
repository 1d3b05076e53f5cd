// Package config reads pushaudit's YAML configuration: where the sources
// and the warehouse are, the evidence, the schedules, and an optional site
// catalog overlay. Secrets come only from the environment or a file and
// are never printed.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Conn says how to reach a MySQL server. Fields left empty in a source are
// taken from the config's top-level mysql section.
type Conn struct {
	Addr         string            `yaml:"addr,omitempty"`
	User         string            `yaml:"user,omitempty"`
	PasswordEnv  string            `yaml:"password_env,omitempty"`
	PasswordFile string            `yaml:"password_file,omitempty"`
	Params       map[string]string `yaml:"params,omitempty"`
	// TLS encrypts the connection (and then requires it); nil: the
	// mysql section's, else plain.
	TLS *TLS `yaml:"tls,omitempty"`
}

// Source is one MySQL database pushaudit reads.
type Source struct {
	Conn     `yaml:",inline"`
	Database string `yaml:"database"`
	// Tables to snapshot; empty means every table of the database.
	Tables []string `yaml:"tables,omitempty"`
	// Policies says how tables are loaded, by table name; a table not
	// listed is copied in full every run.
	Policies map[string]TablePolicy `yaml:"policies,omitempty"`
	// Masks hides personal data at snapshot time, by table and column:
	// hash, null, drop or truncate(N) (see Mask).
	Masks map[string]map[string]string `yaml:"masks,omitempty"`
}

// TablePolicy is how the snapshot loads one table.
type TablePolicy struct {
	// Policy is full (the default), incremental (rows whose watermark
	// column is >= the last snapshot's largest value, merged by primary
	// key) or append (rows above the last snapshot's largest key).
	Policy    string `yaml:"policy"`
	Watermark string `yaml:"watermark,omitempty"`
	// KeyCheckEvery: how often an incremental table's key set is compared
	// with the source to remove deleted rows (default 24h; 0 every run;
	// negative never).
	KeyCheckEvery *time.Duration `yaml:"key_check_every,omitempty"`
	// CountEvery overrides snapshot.count_every for this table (0 counts
	// every run).
	CountEvery *time.Duration `yaml:"count_every,omitempty"`
}

// DefaultKeyCheckEvery is the default TablePolicy.KeyCheckEvery.
const DefaultKeyCheckEvery = 24 * time.Hour

// SnapshotConfig tunes the snapshot.
type SnapshotConfig struct {
	AllowPrimary bool `yaml:"allow_primary"`
	// MaxRowsPerSec caps the read rate per table (0: no cap).
	MaxRowsPerSec float64 `yaml:"max_rows_per_sec,omitempty"`
	// MaxReplicaLag pauses reading while a replica lags more (default 5m;
	// 0 in the file keeps the default, negative disables).
	MaxReplicaLag time.Duration `yaml:"max_replica_lag,omitempty"`
	// MaxThreadsRunning pauses reading while the server's Threads_running
	// is above it (default 64; negative disables).
	MaxThreadsRunning int `yaml:"max_threads_running,omitempty"`
	// Parallel is how many sources are snapshotted at once, each in its
	// own consistent snapshot (default 2; 1 one after the other).
	Parallel int `yaml:"parallel,omitempty"`
	// MaskKeyEnv or MaskKeyFile holds the secret key of the hash mask
	// (at least 16 bytes); needed when a source hashes a column.
	MaskKeyEnv  string `yaml:"mask_key_env,omitempty"`
	MaskKeyFile string `yaml:"mask_key_file,omitempty"`
	// CountEvery is how often the source's COUNT(*) of a table not read
	// in full this run (a delta) that changed since its last count is
	// read to find rows deleted at the source (default 0: every run). A
	// table without a commit since its last count is never counted; the
	// full snapshot (serve's snapshot_full) counts every table.
	CountEvery time.Duration `yaml:"count_every,omitempty"`
}

// KeyCheckEveryOr is the table's key-set comparison period: its own
// key_check_every, else DefaultKeyCheckEvery.
func (p TablePolicy) KeyCheckEveryOr() time.Duration {
	if p.KeyCheckEvery != nil {
		return *p.KeyCheckEvery
	}
	return DefaultKeyCheckEvery
}

// CountEveryOr is the table's count period: its own count_every, else
// run (snapshot.count_every).
func (p TablePolicy) CountEveryOr(run time.Duration) time.Duration {
	if p.CountEvery != nil {
		return *p.CountEvery
	}
	return run
}

// DefaultSnapshotParallel is how many sources are snapshotted at once
// when the config does not say.
const DefaultSnapshotParallel = 2

// ParallelOr returns Parallel, or the default when it is not set.
func (s SnapshotConfig) ParallelOr() int {
	if s.Parallel <= 0 {
		return DefaultSnapshotParallel
	}
	return s.Parallel
}

// Throttle defaults.
const (
	DefaultMaxReplicaLag     = 5 * time.Minute
	DefaultMaxThreadsRunning = 64
)

// ThrottleLimits returns the effective replica-lag and Threads_running
// limits (0 = none).
func (s SnapshotConfig) ThrottleLimits() (time.Duration, int) {
	lag, threads := s.MaxReplicaLag, s.MaxThreadsRunning
	switch {
	case lag == 0:
		lag = DefaultMaxReplicaLag
	case lag < 0:
		lag = 0
	}
	switch {
	case threads == 0:
		threads = DefaultMaxThreadsRunning
	case threads < 0:
		threads = 0
	}
	return lag, threads
}

// ScheduleOverride changes the deadline or stale rule of one cadence.
type ScheduleOverride = pipelines.ScheduleOverride

// Config is the whole configuration.
type Config struct {
	// Timezone of every MySQL DATETIME; only Asia/Shanghai (+08:00) now.
	Timezone  string `yaml:"timezone"`
	Warehouse string `yaml:"warehouse"`
	OutputDir string `yaml:"output_dir"`
	// Now fixes the clock (RFC 3339), for simulated sites; empty means the
	// real time.
	Now string `yaml:"now,omitempty"`
	// OnceAt is when the one-time resources were pushed (a date); their
	// window is that day.
	OnceAt   string            `yaml:"once_at,omitempty"`
	MySQL    Conn              `yaml:"mysql"`
	Sources  map[string]Source `yaml:"sources"`
	Snapshot SnapshotConfig    `yaml:"snapshot"`
	// Evidence: the push log, receipts and the site's conventions
	// (evidence.go).
	Evidence EvidenceConfig `yaml:"evidence"`
	// Catalog is an optional site catalog merged over the embedded one.
	Catalog string `yaml:"catalog,omitempty"`
	// FaultLevels override the default fault-level rules (table 3-5).
	FaultLevels *pipelines.LevelRules       `yaml:"fault_levels,omitempty"`
	Schedules   map[string]ScheduleOverride `yaml:"schedules,omitempty"`
	// Alerts: where alert messages go (alerts.go).
	Alerts Alerts `yaml:"alerts,omitempty"`
	// WarehouseWait is how long a command waits for the warehouse while
	// another process (the daemon's run) holds it; see WarehouseWaitOr.
	WarehouseWait time.Duration `yaml:"warehouse_wait,omitempty"`
	// Serve configures the daemon (pushaudit serve).
	Serve ServeConfig `yaml:"serve,omitempty"`
	// InspectionDeadline is when a day's check (日常巡检) is due, hh:mm
	// after the day's end: "09:00" (the default) is 09:00 the next
	// morning. A check that finishes later does not count as the day's
	// inspection (pipelines.ParseInspectionDeadline).
	InspectionDeadline string `yaml:"inspection_deadline,omitempty"`
	// Incidents override the rules grouping findings into incidents
	// (pipelines.DefaultIncidentRules); Assessment the money of the
	// quarterly assessment (incidents.go).
	Incidents  *pipelines.IncidentRules `yaml:"incidents,omitempty"`
	Assessment Assessment               `yaml:"assessment,omitempty"`
	// Anomaly configures the anomaly check of the sources' own volumes
	// (pipelines.AnomalyRules; incidents.go).
	Anomaly *pipelines.AnomalyRules `yaml:"anomaly,omitempty"`

	// dir is the config file's folder; relative paths are resolved there.
	dir string
	// name is the config file's name as given, for error messages.
	name string
	// clock, when set, overrides Now (the daemon's simulated clock).
	clock func() time.Time
}

// Default returns the configuration used when a file says nothing.
func Default() *Config {
	c := &Config{
		Timezone:  "Asia/Shanghai",
		Warehouse: "pushaudit.duckdb",
		OutputDir: "out",
		Sources:   map[string]Source{},
	}
	c.Evidence.PushLog = pipelines.DefaultPushLogSpec()
	return c
}

// Parse reads YAML over the defaults and validates it. dir is the folder
// relative paths are resolved against ("" = the working directory); name
// is used in error messages.
func Parse(r io.Reader, name, dir string) (*Config, error) {
	c := Default()
	doc, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if err := decodeStrict(doc, c); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	c.dir = dir
	c.name = name
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return c, nil
}

// Load reads the config file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	return Parse(f, path, filepath.Dir(path))
}

// Validate checks every field; the error names the field and the value.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch c.Timezone {
	case "Asia/Shanghai", "+08:00", "Asia/Chongqing", "PRC":
	default:
		bad("timezone: %q is not supported (the sources keep Asia/Shanghai wall-clock time)", c.Timezone)
	}
	if c.Warehouse == "" {
		bad("warehouse: empty")
	}
	if c.Now != "" {
		if _, err := time.Parse(time.RFC3339, c.Now); err != nil {
			bad("now: %q is not an RFC 3339 time", c.Now)
		}
	}
	if c.OnceAt != "" {
		if _, err := time.ParseInLocation(time.DateOnly, c.OnceAt, pipelines.Shanghai); err != nil {
			bad("once_at: %q is not a date YYYY-MM-DD", c.OnceAt)
		}
	}
	c.validateSources(bad)
	if c.FaultLevels != nil {
		if err := c.LevelRules().Validate(); err != nil {
			bad("%v", err)
		}
	}
	c.validateMaskKey(bad)
	c.validateEvidence(bad)
	for k, o := range c.Schedules {
		if cad, err := pipelines.ParseCadence(k); err != nil || !cad.Periodic() {
			bad("schedules.%s: not a periodic cadence (every_10m, every_30m, hourly, daily_after_2300)", k)
		}
		if o.Align != nil && (*o.Align < 0 || *o.Align >= 24*time.Hour) {
			bad("schedules.%s.align: %v is not within [0, 24h)", k, *o.Align)
		}
		if o.DeadlineAfter != nil && (*o.DeadlineAfter <= 0 || *o.DeadlineAfter > 7*24*time.Hour) {
			bad("schedules.%s.deadline_after: %v is not within (0, 168h]", k, *o.DeadlineAfter)
		}
		if o.StaleAfter != nil && (*o.StaleAfter < 0 || *o.StaleAfter > 31*24*time.Hour) {
			bad("schedules.%s.stale_after: %v is not within [0, 744h]", k, *o.StaleAfter)
		}
	}
	validateTLS("mysql", c.MySQL.TLS, bad)
	for _, name := range c.SourceNames() {
		validateTLS("sources."+name, c.Sources[name].TLS, bad)
	}
	c.validateIncidents(bad)
	c.validateAlerts(bad)
	c.validateServe(bad)
	if _, err := pipelines.ParseInspectionDeadline(c.InspectionDeadline); err != nil {
		bad("inspection_deadline: %v", err)
	}
	return errors.Join(errs...)
}

// Path resolves p against the config file's folder.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// Clock returns the configured fixed clock, or nil for the real time.
func (c *Config) Clock() func() time.Time {
	if c.clock != nil {
		return c.clock
	}
	if c.Now == "" {
		return nil
	}
	t, _ := time.Parse(time.RFC3339, c.Now)
	return func() time.Time { return t }
}

// WithClock returns a copy of c whose Clock is now: the daemon runs each
// job on its scheduler's clock.
func (c *Config) WithClock(now func() time.Time) *Config {
	d := *c
	d.clock = now
	return &d
}

// OnceDate is the day of the one-time pushes (zero when not set).
func (c *Config) OnceDate() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, c.OnceAt, pipelines.Shanghai)
	return t
}

// errPrefix names the config file (when it came from one) and its
// catalog key, the start of every LoadCatalog error.
func (c *Config) errPrefix() string {
	if c.name == "" {
		return "config: catalog"
	}
	return "config " + c.name + ": catalog"
}

// LoadCatalog returns the embedded catalog with the site catalog merged
// over it.
func (c *Config) LoadCatalog() (*pipelines.Catalog, error) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	if c.Catalog == "" {
		if err := c.CheckEvidenceTargets(cat); err != nil {
			return nil, err
		}
		return cat, nil
	}
	doc, err := os.ReadFile(c.Path(c.Catalog))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.errPrefix(), err)
	}
	// Not pipelines.ParseCatalog: a site file may add or override resources
	// of the embedded targets without restating them, so its entries are
	// checked against the merged targets.
	var site pipelines.Catalog
	if err := decodeStrict(doc, &site); err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.errPrefix(), c.Path(c.Catalog), err)
	}
	cat.Merge(&site)
	entries := pipelines.Catalog{Targets: cat.Targets, Resources: site.Resources, StatsCounters: site.StatsCounters}
	if err := entries.Validate(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.errPrefix(), c.Path(c.Catalog), err)
	}
	if err := cat.Validate(); err != nil {
		return nil, fmt.Errorf("%s %s merged: %w", c.errPrefix(), c.Path(c.Catalog), err)
	}
	if err := c.CheckEvidenceTargets(cat); err != nil {
		return nil, err
	}
	return cat, nil
}

// ScheduleSet returns the default schedules with the config's overrides:
// the one set reconcile, explain and the statistics check take every
// cadence's schedule from.
func (c *Config) ScheduleSet() pipelines.Schedules {
	s := pipelines.DefaultSchedules()
	for k, o := range c.Schedules {
		s.Override(pipelines.Cadence(k), o)
	}
	return s
}

// LevelRules returns the default fault-level rules with the config's
// overrides: by_status entries replace the default ones, the other fields
// replace theirs when set.
func (c *Config) LevelRules() *pipelines.LevelRules {
	l := pipelines.DefaultLevelRules()
	if o := c.FaultLevels; o != nil {
		for s, v := range o.ByStatus {
			l.ByStatus[s] = v
		}
		if o.ShortMinorRatio != 0 {
			l.ShortMinorRatio = o.ShortMinorRatio
		}
		if o.ShortMinorLevel != 0 {
			l.ShortMinorLevel = o.ShortMinorLevel
		}
		if o.Default != 0 {
			l.Default = o.Default
		}
	}
	return &l
}

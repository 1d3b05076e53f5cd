// Package sim simulates the eUrbanMIS that pushaudit audits: it creates the
// business, statistics, exchange and target front-end databases on a MySQL
// server, fills them deterministically from a seed, pushes every resource
// of the catalog as the data-exchange subsystem would, injects faults, and
// writes a manifest of what each fault must be found as.
package sim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

// Options configure one simulation.
type Options struct {
	Seed        uint64
	Start       time.Time // first simulated day (00:00 Asia/Shanghai)
	Days        int
	Faults      int
	CasesPerDay int // default 11,300
	Components  int // default 20,000
	DSN         string
	// DBPrefix is put before every database name (biz, stats, exchange,
	// fe_<target>), so several simulations share one server.
	DBPrefix   string
	Catalog    *pipelines.Catalog
	Schedules  pipelines.Schedules
	ReceiptDir string // where media-copy receipts are written; empty: none
	Logger     *slog.Logger
}

// Result is what a simulation produced.
type Result struct {
	Manifest  Manifest
	AsOf      time.Time         // the simulated "now": data and pushes end here
	Databases map[string]string // logical name (biz, fe_city_gov, …) → database on the server
	Rows      map[string]int64  // rows written per database.table
	Pushes    int
	Timings   map[string]time.Duration
	Receipts  []string
	// Server is "mariadb", "mysql" or "go-mysql-server"; on the last,
	// primary and unique keys are declared as plain indexes (keylessDDL).
	Server string
}

// DefaultCasesPerDay is the volume of DOMAIN.md: about 11,300 cases a day.
const DefaultCasesPerDay = 11300

// AsOfAfter is how long after the last simulated day the simulated clock
// stops: 07:00 the next morning, once every daily push of the last day is
// due.
const AsOfAfter = 7 * time.Hour

func (o *Options) defaults() error {
	if o.Days <= 0 {
		return errors.New("sim: --days must be at least 1")
	}
	if o.Faults < 0 {
		return errors.New("sim: --faults must not be negative")
	}
	if o.CasesPerDay == 0 {
		o.CasesPerDay = DefaultCasesPerDay
	}
	if o.CasesPerDay < 0 {
		return errors.New("sim: --cases-per-day must be positive")
	}
	if o.Components == 0 {
		o.Components = 20000
	}
	if o.Catalog == nil {
		return errors.New("sim: no catalog")
	}
	if o.Schedules == nil {
		o.Schedules = pipelines.DefaultSchedules()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Start = pipelines.DayStart(o.Start)
	return nil
}

// DatabaseNames maps the logical database names to those on the server.
func DatabaseNames(prefix string, cat *pipelines.Catalog) map[string]string {
	m := map[string]string{"biz": prefix + "biz", "stats": prefix + "stats", "exchange": prefix + "exchange"}
	for _, t := range cat.Targets {
		m[t.Database] = prefix + t.Database
	}
	return m
}

// Run performs the simulation.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	log := o.Logger
	db, err := openServer(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	s := &simulation{o: o, db: db, log: log,
		names: DatabaseNames(o.DBPrefix, o.Catalog),
		res:   &Result{Rows: map[string]int64{}, Timings: map[string]time.Duration{}},
	}
	s.asOf = o.Start.AddDate(0, 0, o.Days).Add(AsOfAfter)
	s.res.AsOf = s.asOf
	s.res.Databases = s.names
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	return s.res, nil
}

type simulation struct {
	o     Options
	db    *sql.DB
	log   *slog.Logger
	names map[string]string
	asOf  time.Time
	res   *Result
	world *world
}

func (s *simulation) timed(name string, f func() error) error {
	t0 := time.Now()
	err := f()
	s.res.Timings[name] += time.Since(t0)
	return err
}

func (s *simulation) run(ctx context.Context) error {
	// Check every database before dropping any: a wrong DSN must not
	// destroy half a real system before the refusal.
	logical := make([]string, 0, len(s.names))
	for k := range s.names {
		logical = append(logical, k)
	}
	sort.Strings(logical)
	for _, k := range logical {
		if _, err := checkOwned(ctx, s.db, s.names[k]); err != nil {
			return err
		}
	}
	kind, err := serverKind(ctx, s.db)
	if err != nil {
		return err
	}
	s.res.Server = kind
	s.log.Info("simulating", "server", kind, "databases", len(logical), "as_of", rfc(s.asOf))
	var rewrite func(string) string
	if kind == "go-mysql-server" {
		rewrite = keylessDDL
	}
	err = s.timed("create", func() error {
		for _, k := range logical {
			ddl, err := s.ddl(k)
			if err != nil {
				return err
			}
			if err := prepareDatabase(ctx, s.db, s.names[k], ddl, s.o.Seed, rewrite); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	scale := min(1, max(0.05, float64(s.o.CasesPerDay)/DefaultCasesPerDay))
	s.world = buildWorld(s.o.Seed, s.o.Components, s.o.Start, scale)
	if err := s.timed("business", func() error {
		for _, t := range s.world.tables {
			if err := s.insert(ctx, "biz", t); err != nil {
				return err
			}
		}
		for i, day := 0, s.o.Start; day.Before(s.asOf); i, day = i+1, day.AddDate(0, 0, 1) {
			dd := s.world.genDay(s.o.Seed, i, day, s.asOf, s.o.CasesPerDay)
			for _, t := range []*table{dd.cases, dd.activities, dd.media, dd.tracks, dd.status} {
				if err := s.insert(ctx, "biz", t); err != nil {
					return err
				}
			}
			s.log.Info("simulated day", "day", day.Format(time.DateOnly), "cases", len(dd.cases.rows), "activities", len(dd.activities.rows))
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.timed("statistics", func() error { return s.fillStats(ctx) }); err != nil {
		return err
	}
	plan, err := s.planFaults(ctx)
	if err != nil {
		return err
	}
	if err := s.timed("exchange", func() error { return s.exchange(ctx, plan) }); err != nil {
		return err
	}
	if err := s.timed("drift", func() error { return s.drift(ctx, plan) }); err != nil {
		return err
	}
	if s.o.ReceiptDir != "" {
		if err := s.timed("receipts", func() error { return s.writeReceipts(ctx) }); err != nil {
			return err
		}
	}
	s.res.Manifest = plan.manifest(s)
	return nil
}

func (s *simulation) ddl(logical string) (string, error) {
	switch logical {
	case "biz", "stats", "exchange":
		return schemas.MySQL(logical)
	}
	for _, t := range s.o.Catalog.Targets {
		if t.Database == logical {
			return s.o.Catalog.FrontendDDL(t.Key)
		}
	}
	return "", fmt.Errorf("sim: no DDL for database %s", logical)
}

func (s *simulation) insert(ctx context.Context, logical string, t *table) error {
	if err := insertTable(ctx, s.db, s.names[logical], t); err != nil {
		return err
	}
	s.res.Rows[logical+"."+t.name] += int64(len(t.rows))
	return nil
}

// sql renames the logical schemas of q to the server's databases.
func (s *simulation) sql(q string) string {
	if s.o.DBPrefix == "" {
		return q
	}
	return pipelines.RenameSchemas(q, s.names)
}

func (s *simulation) exec(ctx context.Context, q string) (int64, error) {
	q = s.sql(q)
	r, err := s.db.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("%w: %v\nSQL: %s", ErrServer, err, clip(q))
	}
	return r.RowsAffected()
}

func clip(q string) string {
	if len(q) > 600 {
		return q[:600] + "…"
	}
	return q
}

// fillStats computes the statistics DB from the business DB as of the
// simulated clock, with the counter definitions of the catalog, then the
// daily per-district aggregates.
func (s *simulation) fillStats(ctx context.Context) error {
	cat := s.o.Catalog
	if len(cat.StatsCounters) == 0 {
		return errors.New("sim: the catalog defines no stats_counters")
	}
	asOf := pipelines.TimeParam(s.asOf)
	cols := []string{"case_id", "case_no", "report_time", "stat_date", "district_id", "street_id", "community_id", "unit_grid_id", "resp_grid_id", "source_id", "kind", "type_id", "main_id", "sub_id", "detail_id", "stage_id", "dept_id", "supervisor_id"}
	exprs := []string{"c.id", "c.case_no", "c.report_time", "CAST(c.report_time AS DATE)", "c.district_id", "c.street_id", "c.community_id", "c.unit_grid_id", "c.resp_grid_id", "c.source_id", "c.kind", "c.type_id", "c.main_id", "c.sub_id", "c.detail_id", "c.stage_id", "c.dept_id", "c.supervisor_id"}
	for _, c := range cat.StatsCounters {
		cols = append(cols, c.Name)
		e, err := pipelines.Render(c.Expr, pipelines.Params{"as_of": asOf})
		if err != nil {
			return fmt.Errorf("sim: stats counter %s: %w", c.Name, err)
		}
		exprs = append(exprs, e)
	}
	cols = append(cols, "computed_at")
	exprs = append(exprs, asOf)
	q := fmt.Sprintf("INSERT INTO stats.case_eval (%s) SELECT %s FROM biz.cases c ORDER BY c.id", strings.Join(cols, ", "), strings.Join(exprs, ", "))
	n, err := s.exec(ctx, q)
	if err != nil {
		return fmt.Errorf("sim: fill stats.case_eval: %w", err)
	}
	s.res.Rows["stats.case_eval"] = n
	daily := []string{"report_cnt", "valid_report_cnt", "accept_cnt", "file_cnt", "dispatch_cnt", "need_handle_cnt", "handle_cnt", "ontime_handle_cnt", "verify_cnt", "need_close_cnt", "close_cnt", "ontime_close_cnt", "rework_cnt", "suspend_cnt", "void_cnt"}
	sums := make([]string, len(daily))
	for i, c := range daily {
		sums[i] = "SUM(e." + c + ")"
	}
	q = fmt.Sprintf("INSERT INTO stats.daily_district_stats (stat_date, district_id, %s, computed_at) SELECT e.stat_date, e.district_id, %s, %s FROM stats.case_eval e GROUP BY e.stat_date, e.district_id ORDER BY e.stat_date, e.district_id",
		strings.Join(daily, ", "), strings.Join(sums, ", "), asOf)
	n, err = s.exec(ctx, q)
	if err != nil {
		return fmt.Errorf("sim: fill stats.daily_district_stats: %w", err)
	}
	s.res.Rows["stats.daily_district_stats"] = n
	return nil
}

// rng returns a generator for one purpose, independent of the others.
func (s *simulation) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.o.Seed, 0xFA17<<16|stream))
}

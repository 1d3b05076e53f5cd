package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

type simFlags struct {
	seed        uint64
	start       string
	days        int
	faults      int
	casesPerDay int
	components  int
	dsn         string
	dbPrefix    string
	manifest    string
	writeConfig string
	warehouse   string
}

func (m *Main) runSim(ctx context.Context, g *globals, args []string) error {
	var f simFlags
	fs := newFlags("sim", "sim --mysql DSN [--seed S] [--start YYYY-MM-DD] [--days N] [--faults K] [--manifest FILE] [--write-config FILE]", m.Stdout)
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same flags give the same data")
	fs.StringVar(&f.start, "start", "2026-11-20", "first simulated day (Asia/Shanghai)")
	fs.IntVar(&f.days, "days", 3, "simulated days")
	fs.IntVar(&f.faults, "faults", 0, "faults to inject (every kind is covered from 9 on)")
	fs.IntVar(&f.casesPerDay, "cases-per-day", sim.DefaultCasesPerDay, "average cases reported a day")
	fs.IntVar(&f.components, "components", 20000, "components (部件) in the city")
	fs.StringVar(&f.dsn, "mysql", os.Getenv("PUSHAUDIT_MYSQL_DSN"), "MySQL server DSN, user:password@tcp(host:port)/ (env PUSHAUDIT_MYSQL_DSN)")
	fs.StringVar(&f.dbPrefix, "db-prefix", "", "prefix of the databases created (biz, stats, exchange, fe_*)")
	fs.StringVar(&f.manifest, "manifest", "", "write the fault manifest (JSON) here")
	fs.StringVar(&f.writeConfig, "write-config", "", "write a pushaudit config pointing at the simulated system here")
	fs.StringVar(&f.warehouse, "warehouse", "", "warehouse path put in the written config (default: pushaudit.duckdb beside it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.dsn == "" {
		return usagef("sim: --mysql DSN is required")
	}
	if err := checkDSN("sim", "--mysql", f.dsn); err != nil {
		return err
	}
	start, err := parseDay("start", f.start)
	if err != nil {
		return err
	}
	if f.days < 1 || f.faults < 0 || f.casesPerDay < 1 {
		return usagef("sim: --days and --cases-per-day must be positive, --faults not negative")
	}
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		return err
	}
	_, err = m.simulate(ctx, f, start, cat)
	return err
}

// simulate runs the simulator and writes the manifest and config asked for.
func (m *Main) simulate(ctx context.Context, f simFlags, start time.Time, cat *pipelines.Catalog) (*sim.Result, error) {
	receipts := ""
	if f.writeConfig != "" {
		receipts = filepath.Join(filepath.Dir(f.writeConfig), "receipts")
	}
	t0 := time.Now()
	res, err := sim.Run(ctx, sim.Options{
		Seed: f.seed, Start: start, Days: f.days, Faults: f.faults, CasesPerDay: f.casesPerDay,
		Components: f.components, DSN: f.dsn, DBPrefix: f.dbPrefix, Catalog: cat, ReceiptDir: receipts, Logger: m.Logger,
	})
	if err != nil {
		return nil, err
	}
	var cases int64 = res.Rows["biz.cases"]
	fmt.Fprintf(m.Stdout, "simulated %d days from %s: %d cases, %d pushes, %d faults (%d manifest entries) in %s\n",
		f.days, start.Format(time.DateOnly), cases, res.Pushes, f.faults, len(res.Manifest.Entries), time.Since(t0).Round(time.Millisecond))
	m.Logger.Info("simulation timings", "server", res.Server, "create", res.Timings["create"].Round(time.Millisecond).String(),
		"business", res.Timings["business"].Round(time.Millisecond).String(), "statistics", res.Timings["statistics"].Round(time.Millisecond).String(),
		"exchange", res.Timings["exchange"].Round(time.Millisecond).String(), "drift", res.Timings["drift"].Round(time.Millisecond).String())
	if f.manifest != "" {
		b, err := json.MarshalIndent(res.Manifest, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := writeFile(f.manifest, append(b, '\n'), 0o640); err != nil {
			return nil, err
		}
		fmt.Fprintf(m.Stdout, "manifest: %s\n", f.manifest)
	}
	if f.writeConfig != "" {
		if err := writeSimConfig(ctx, f, res, cat, start); err != nil {
			return nil, err
		}
		fmt.Fprintf(m.Stdout, "config: %s\n", f.writeConfig)
	}
	return res, nil
}

// checkDSN rejects a malformed DSN given with flag before anything
// starts (no warehouse, no server): bad usage (exit 64), with a message
// naming the command and the flag and never the password.
func checkDSN(cmd, flag, dsn string) error {
	if _, err := mysql.ParseDSN(dsn); err != nil {
		return usagef("%s: %s: %s", cmd, flag, warehouse.ScrubText(err.Error()))
	}
	return nil
}

func writeFile(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, b, mode)
}

// inferredPolicies are the snapshot policies of database db inferred from
// its structure (snapshot.InferPolicies), for a config: the tables read
// incrementally or appended; the others are full (copied when changed).
func inferredPolicies(ctx context.Context, server *mysql.Config, db string) (map[string]config.TablePolicy, error) {
	d := server.Clone()
	d.DBName = db
	inferred, err := snapshot.InferPolicies(ctx, d.FormatDSN())
	if err != nil {
		return nil, err
	}
	pols := map[string]config.TablePolicy{}
	for _, p := range inferred {
		if p.Policy.Policy != snapshot.PolicyFull {
			pols[p.Table] = config.TablePolicy{Policy: p.Policy.Policy, Watermark: p.Policy.Watermark}
		}
	}
	if len(pols) == 0 {
		return nil, nil
	}
	return pols, nil
}

// writeSimConfig writes a config that points pushaudit at the simulated
// databases; the password goes to a file beside it (mode 0600), never into
// the config.
func writeSimConfig(ctx context.Context, f simFlags, res *sim.Result, cat *pipelines.Catalog, start time.Time) error {
	dsn, err := mysql.ParseDSN(f.dsn)
	if err != nil {
		return usagef("sim: --mysql: %v", err)
	}
	dir := filepath.Dir(f.writeConfig)
	base := strings.TrimSuffix(filepath.Base(f.writeConfig), filepath.Ext(f.writeConfig))
	c := config.Default()
	c.Warehouse = f.warehouse
	if c.Warehouse == "" {
		c.Warehouse = base + ".duckdb"
	} else if rel, err := filepath.Rel(dir, f.warehouse); err == nil && !strings.HasPrefix(rel, "..") {
		c.Warehouse = rel
	}
	c.OutputDir = "."
	c.Now = res.AsOf.In(pipelines.Shanghai).Format(time.RFC3339)
	c.OnceAt = start.Format(time.DateOnly)
	c.MySQL = config.Conn{Addr: dsn.Addr, User: dsn.User}
	if dsn.Passwd != "" {
		pw := base + ".password"
		if err := writeFile(filepath.Join(dir, pw), []byte(dsn.Passwd+"\n"), 0o600); err != nil {
			return err
		}
		c.MySQL.PasswordFile = pw
	}
	c.Snapshot.AllowPrimary = true // a simulated system has no replicas
	c.Evidence.ReceiptsDir = "receipts"
	for logical, actual := range res.Databases {
		pols, err := inferredPolicies(ctx, dsn, actual)
		if err != nil {
			return fmt.Errorf("sim: infer snapshot policies of %s: %w", actual, err)
		}
		c.Sources[logical] = config.Source{Database: actual, Policies: pols}
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# pushaudit config for a simulated eUrbanMIS (seed %d, %d days from %s, %d faults).\n# Written by 'pushaudit sim'; the password is in the file password_file names.\n", f.seed, f.days, start.Format(time.DateOnly), f.faults)
	return writeFile(f.writeConfig, append([]byte(head), b...), 0o640)
}

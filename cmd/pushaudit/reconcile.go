package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/evidence"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

type reconcileFlags struct {
	from, to, target, resource, format string
}

func (m *Main) runReconcile(ctx context.Context, g *globals, args []string) error {
	var f reconcileFlags
	fs := newFlags("reconcile", "[--config FILE] reconcile --from YYYY-MM-DD --to YYYY-MM-DD [--target T] [--resource R] [--format table|json]", m.Stdout)
	fs.StringVar(&f.from, "from", "", "first day (Asia/Shanghai); windows ending on it or later")
	fs.StringVar(&f.to, "to", "", "last day (default: --from)")
	fs.StringVar(&f.target, "target", "", "only this target (or stats)")
	fs.StringVar(&f.resource, "resource", "", "only this resource")
	fs.StringVar(&f.format, "format", "table", "table or json (one object per line per result)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.format != "table" && f.format != "json" {
		return usagef("reconcile: --format %q is not table or json", f.format)
	}
	if f.from == "" {
		return usagef("reconcile: --from is required")
	}
	if f.to == "" {
		f.to = f.from
	}
	from, err := parseDay("from", f.from)
	if err != nil {
		return err
	}
	to, err := parseDay("to", f.to)
	if err != nil {
		return err
	}
	if to.Before(from) {
		return usagef("reconcile: --to %s is before --from %s", f.to, f.from)
	}
	c, cat, wh, err := m.openCataloged(ctx, g, "reconcile", f.target, nil, pipelines.StatsTarget, pipelines.SourceTarget)
	if err != nil {
		return err
	}
	rs, err := m.reconcile(ctx, c, cat, wh, from, to, f.target, f.resource, args)
	if err != nil {
		return err
	}
	if f.format == "json" {
		err = writeJSONResults(m.Stdout, rs)
	} else {
		err = writeTableResults(m.Stdout, rs)
	}
	if err != nil {
		return err
	}
	for _, x := range rs {
		if x.Status.Finding() {
			return errFindings
		}
	}
	return nil
}

// reconcile runs one reconciliation as a recorded run.
func (m *Main) reconcile(ctx context.Context, c *config.Config, cat *pipelines.Catalog, wh *warehouse.Warehouse, from, to time.Time, target, resource string, args []string) ([]*reconcile.Result, error) {
	return m.reconcileIn(ctx, c, cat, wh, reconcileScope{from: from, to: to, target: target, resource: resource}, args)
}

// reconcileScope is what one reconciliation covers: days, and optionally
// one target, one resource or the resources of one cadence.
type reconcileScope struct {
	from, to         time.Time
	target, resource string
	cadence          pipelines.Cadence
}

// reconcileIn runs the reconciliation of sc as a recorded run.
func (m *Main) reconcileIn(ctx context.Context, c *config.Config, cat *pipelines.Catalog, wh *warehouse.Warehouse, sc reconcileScope, args []string) ([]*reconcile.Result, error) {
	target, resource := sc.target, sc.resource
	run, err := wh.BeginRun(ctx, "reconcile", args)
	if err != nil {
		return nil, err
	}
	receipts := m.loadReceipts(ctx, c, cat, wh, target, resource)
	o := reconcile.OptionsOf(c, clock(c), m.Logger)
	o.Receipts, o.EvidenceErrors, o.Cadence = receipts, m.checkEvidence(ctx, cat, wh, target, resource), sc.cadence
	o.From, o.To, o.Target, o.Resource, o.RunID = sc.from, sc.to, target, resource, run.ID
	rs, err := reconcile.New(wh.DB(), cat).Run(ctx, o)
	status, msg := "ok", ""
	if err != nil {
		status, msg = "failed", err.Error()
	} else {
		n := 0
		for _, x := range rs {
			if x.Status.Finding() {
				n++
			}
		}
		msg = fmt.Sprintf("%d results, %d findings", len(rs), n)
		if n > 0 {
			status = "findings"
		}
	}
	if ferr := run.Finish(ctx, status, msg); ferr != nil && err == nil {
		err = ferr
	}
	return rs, err
}

// jsonResult is the line format of `reconcile --format json`; scripts
// depend on these names.
type jsonResult struct {
	Target        string `json:"target"`
	Resource      string `json:"resource"`
	WindowStart   string `json:"window_start"`
	WindowEnd     string `json:"window_end"`
	Status        string `json:"status"`
	Expected      *int64 `json:"expected"`
	Claimed       *int64 `json:"claimed"`
	Received      *int64 `json:"received"`
	MissingKeys   int64  `json:"missing_keys"`
	ExtraKeys     int64  `json:"extra_keys"`
	DuplicateKeys int64  `json:"duplicate_keys"`
	// MismatchedKeys have values that differ; ChangedSincePush keys were
	// not compared, their source having changed after their push.
	MismatchedKeys   int64   `json:"mismatched_keys"`
	ChangedSincePush int64   `json:"changed_since_push"`
	FaultLevel       *int    `json:"fault_level"`
	Deadline         string  `json:"deadline"`
	Detail           *string `json:"detail,omitempty"`
}

func toJSON(x *reconcile.Result) jsonResult {
	f := x.Facts
	j := jsonResult{Target: x.Target, Resource: x.Resource,
		WindowStart: x.Window.Start.In(pipelines.Shanghai).Format(time.RFC3339),
		WindowEnd:   x.Window.End.In(pipelines.Shanghai).Format(time.RFC3339),
		Deadline:    x.Deadline.In(pipelines.Shanghai).Format(time.RFC3339),
		Status:      string(x.Status), MissingKeys: f.Missing, ExtraKeys: f.Extra, DuplicateKeys: f.Duplicate,
		MismatchedKeys: f.Mismatched, ChangedSincePush: f.Changed}
	if !f.Unverifiable {
		j.Expected, j.Claimed, j.Received = &f.Expected, &f.Claimed, &f.Received
		if f.NoClaim {
			j.Claimed = nil // the target has no push log: the claim is unknown
		}
	}
	if x.FaultLevel > 0 {
		l := x.FaultLevel
		j.FaultLevel = &l
	}
	if x.Detail != "" {
		d := x.Detail
		j.Detail = &d
	}
	return j
}

func writeJSONResults(w io.Writer, rs []*reconcile.Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, x := range rs {
		if err := enc.Encode(toJSON(x)); err != nil {
			return err
		}
	}
	return nil
}

// writeTableResults prints the findings one per line and a count per
// verdict; ok windows are only counted.
func writeTableResults(w io.Writer, rs []*reconcile.Result) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tRESOURCE\tWINDOW START\tSTATUS\tEXPECTED\tCLAIMED\tRECEIVED\tLEVEL\tDETAIL")
	counts := map[pipelines.Status]int{}
	for _, x := range rs {
		counts[x.Status]++
		if x.Status == pipelines.StatusOK {
			continue
		}
		f := x.Facts
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", x.Target, x.Resource,
			x.Window.Start.In(pipelines.Shanghai).Format("2006-01-02 15:04"), x.Status, f.Expected, f.Claimed, f.Received,
			pipelines.LevelZH(x.FaultLevel), x.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d results:", len(rs))
	for _, s := range pipelines.Statuses {
		if counts[s] > 0 {
			fmt.Fprintf(w, " %s %d", s, counts[s])
		}
	}
	fmt.Fprintln(w)
	return nil
}

// loadReceipts reads the receipt files of the media-copy resources in
// scope into the warehouse. A resource whose receipts cannot be read is
// left out of the map, which makes its window unverifiable; every rejected
// row is logged with its file, line and column.
func (m *Main) loadReceipts(ctx context.Context, c *config.Config, cat *pipelines.Catalog, wh *warehouse.Warehouse, target, resource string) map[string]*pipelines.EvidenceReport {
	out := map[string]*pipelines.EvidenceReport{}
	if c.Evidence.ReceiptsDir == "" {
		return out
	}
	ev := &evidence.ReceiptFiles{Dir: c.Path(c.Evidence.ReceiptsDir)}
	for i := range cat.Resources {
		res := &cat.Resources[i]
		if res.Mode != pipelines.ModeReceipt || !inScope(res, target, resource) {
			continue
		}
		tgt, ok := cat.Target(res.Target)
		if !ok {
			continue
		}
		rep, err := ev.Load(ctx, wh.DB(), res, tgt)
		if err != nil {
			m.Logger.Warn("receipts not loaded", "resource", res.ID(), "dir", ev.Dir, "err", err)
			continue
		}
		for _, e := range rep.Errors {
			m.Logger.Warn("receipt row rejected", "resource", res.ID(), "file", e.File, "line", e.Line, "column", e.Column, "err", e.Msg)
		}
		out[res.ID()] = &rep
	}
	return out
}

// checkEvidence verifies that the warehouse holds every front-end table in
// scope with the resource's columns; a resource whose table is missing or
// malformed is returned with the reason, so its windows are unverifiable
// while the other resources are reconciled.
func (m *Main) checkEvidence(ctx context.Context, cat *pipelines.Catalog, wh *warehouse.Warehouse, target, resource string) map[string]string {
	out := map[string]string{}
	fe := &evidence.FrontendTables{}
	for i := range cat.Resources {
		res := &cat.Resources[i]
		if res.Mode == pipelines.ModeReceipt || !inScope(res, target, resource) {
			continue
		}
		tgt, ok := cat.Target(res.Target)
		if !ok {
			continue
		}
		if _, err := fe.Load(ctx, wh.DB(), res, tgt); err != nil {
			m.Logger.Warn("evidence not usable", "resource", res.ID(), "err", err)
			out[res.ID()] = "目标前置机数据不可用: " + err.Error()
		}
	}
	return out
}

// inScope says whether res is selected by --target and --resource (empty:
// all).
func inScope(res *pipelines.Resource, target, resource string) bool {
	return (target == "" || target == res.Target) && (resource == "" || resource == res.Key)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func (m *Main) runExplain(ctx context.Context, g *globals, args []string) error {
	var target, resource, window, format string
	fs := newFlags("explain", "[--config FILE] explain --target T --resource R --window START [--format text|json]", m.Stdout)
	fs.StringVar(&target, "target", "", "target (or stats)")
	fs.StringVar(&resource, "resource", "", "resource of the target")
	fs.StringVar(&window, "window", "", "window start: RFC 3339, or 'YYYY-MM-DD HH:MM' in Asia/Shanghai")
	fs.StringVar(&format, "format", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if target == "" || resource == "" || window == "" {
		return usagef("explain: --target, --resource and --window are required")
	}
	if format != "text" && format != "json" {
		return usagef("explain: --format %q is not text or json", format)
	}
	start, err := parseWindowStart(window)
	if err != nil {
		return err
	}
	c, cat, wh, err := m.openCataloged(ctx, g, "explain", "", func(cat *pipelines.Catalog) error {
		if target != pipelines.StatsTarget && target != pipelines.SourceTarget {
			if _, ok := cat.Resource(target, resource); !ok {
				return usagef("explain: %s/%s is not a resource of the catalog", target, resource)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e, err := reconcile.New(wh.DB(), cat).Explain(ctx, reconcile.OptionsOf(c, clock(c), m.Logger), target, resource, start)
	if errors.Is(err, reconcile.ErrNoWindow) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if format == "json" {
		if err := writeExplainJSON(m.Stdout, e); err != nil {
			return err
		}
	} else {
		writeExplainText(m.Stdout, e, cat)
	}
	if e.Result.Status.Finding() {
		return errFindings
	}
	return nil
}

// parseWindowStart reads a window start as RFC 3339 or as Shanghai local
// time with minutes.
func parseWindowStart(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(pipelines.Shanghai), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, pipelines.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("explain: --window %q is not RFC 3339 or 'YYYY-MM-DD HH:MM'", s)
}

var keyKinds = []struct{ kind, label string }{
	{"missing", "missing (in the source, not at the target)"},
	{"extra", "extra (at the target, not in the source)"},
	{"duplicate", "duplicate (received more than once)"},
	{"mismatch", "mismatch (values differ)"},
}

func writeExplainText(w io.Writer, e *reconcile.Explanation, cat *pipelines.Catalog) {
	x := e.Result
	f := x.Facts
	name := ""
	if r, ok := cat.Resource(x.Target, x.Resource); ok {
		name = " " + r.NameZH + " (" + string(r.Cadence) + ", " + string(r.Mode) + ")"
	}
	t := func(v time.Time) string {
		if v.IsZero() {
			return "-"
		}
		return v.In(pipelines.Shanghai).Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "%s/%s%s\n", x.Target, x.Resource, name)
	fmt.Fprintf(w, "window    [%s, %s)  deadline %s\n", t(x.Window.Start), t(x.Window.End), t(x.Deadline))
	level := ""
	if x.FaultLevel > 0 {
		level = "  level " + pipelines.LevelZH(x.FaultLevel)
	}
	fmt.Fprintf(w, "verdict   %s (%s)%s  %s\n", x.Status, x.Status.ZH(), level, x.Detail)
	if f.Unverifiable {
		fmt.Fprintln(w, "\nThe source or evidence snapshot cannot be trusted for this window (failed, or older than the window end): nothing was compared.")
		return
	}
	if x.Target == pipelines.SourceTarget {
		// an anomaly result: the source's count against its own history.
		fmt.Fprintf(w, "\ncounted   %d\nmedian    %d  of the same %s in earlier weeks:\n", f.Received, f.Expected, map[bool]string{true: "hour", false: "day"}[x.Window.End.Sub(x.Window.Start) == time.Hour])
		for _, h := range e.History {
			fmt.Fprintf(w, "  %s\n", h)
		}
	} else {
		fmt.Fprintf(w, "\nexpected  %d\nclaimed   %d  (%d batches, %d succeeded, last finished %s)\nreceived  %d\n",
			f.Expected, f.Claimed, f.Batches, f.Succeeded, t(f.LastFinish), f.Received)
	}
	for _, k := range keyKinds {
		n := e.KeyCounts[k.kind]
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d", k.label, n)
		if n > int64(len(e.Keys[k.kind])) {
			fmt.Fprintf(w, " (first %d)", len(e.Keys[k.kind]))
		}
		fmt.Fprintf(w, "\n  %s\n", strings.Join(e.Keys[k.kind], " "))
	}
	if len(e.Diffs) > 0 {
		fmt.Fprintf(w, "\nvalues that differ (first %d mismatched keys):\n", reconcile.ExplainDiffKeys)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  key\tcolumn\tsource\ttarget")
		for _, d := range e.Diffs {
			fmt.Fprintf(tw, "  %s\t%s\t%q\t%q\n", d.Key, d.Column, d.Source, d.Target)
		}
		tw.Flush()
	}
	if len(e.Batches) > 0 {
		fmt.Fprintln(w, "\npush-log batches near the window:")
		for _, b := range e.Batches {
			mark := "  "
			if b.WindowStart.Equal(x.Window.Start) {
				mark = "→ "
			}
			fmt.Fprintf(w, "%s%s  %-32s %-8s %7d rows  %s → %s  %s\n", mark, t(b.WindowStart), b.BatchID, b.Status, b.Rows, t(b.StartedAt), t(b.FinishedAt), b.Error)
		}
	} else if x.Target != pipelines.StatsTarget && x.Target != pipelines.SourceTarget {
		fmt.Fprintln(w, "\nno push-log batch near the window")
	}
	if len(e.Stored) > 0 {
		var s []string
		for _, r := range e.Stored {
			s = append(s, r.RunID+" "+string(r.Status))
		}
		fmt.Fprintf(w, "\nearlier runs: %s\n", strings.Join(s, ", "))
	}
	fmt.Fprintln(w, "\nSQL (DuckDB, over the warehouse):")
	if len(e.Params) > 0 {
		fmt.Fprintf(w, "-- parameters:\n--   %s\n\n", strings.Join(e.Params, "\n--   "))
	}
	names := make([]string, 0, len(e.Queries))
	for k := range e.Queries {
		names = append(names, k)
	}
	sort.Slice(names, func(a, b int) bool { return queryOrder(names[a]) < queryOrder(names[b]) })
	for _, k := range names {
		fmt.Fprintf(w, "-- %s\n%s;\n\n", k, strings.TrimSpace(e.Queries[k]))
	}
}

func queryOrder(k string) int {
	switch k {
	case "expected":
		return 0
	case "claimed":
		return 1
	case "received":
		return 2
	}
	return 3
}

func writeExplainJSON(w io.Writer, e *reconcile.Explanation) error {
	type diff struct {
		Key    string `json:"key"`
		Column string `json:"column"`
		Source string `json:"source"`
		Target string `json:"target"`
	}
	type batch struct {
		WindowStart string `json:"window_start"`
		BatchID     string `json:"batch_id"`
		Status      string `json:"status"`
		Rows        int64  `json:"rows"`
		StartedAt   string `json:"started_at"`
		FinishedAt  string `json:"finished_at,omitempty"`
		Error       string `json:"error,omitempty"`
	}
	out := struct {
		jsonResult
		Keys      map[string][]string `json:"keys"`
		KeyCounts map[string]int64    `json:"key_counts"`
		Batches   []batch             `json:"batches"`
		Queries   map[string]string   `json:"queries"`
		Params    []string            `json:"params,omitempty"`
		History   []string            `json:"history,omitempty"`
		Diffs     []diff              `json:"diffs,omitempty"`
	}{jsonResult: toJSON(e.Result), Keys: e.Keys, KeyCounts: e.KeyCounts, Queries: e.Queries, Params: e.Params, History: e.History}
	for _, d := range e.Diffs {
		out.Diffs = append(out.Diffs, diff(d))
	}
	for _, b := range e.Batches {
		jb := batch{WindowStart: b.WindowStart.Format(time.RFC3339), BatchID: b.BatchID, Status: b.Status, Rows: b.Rows,
			StartedAt: b.StartedAt.Format(time.RFC3339), Error: b.Error}
		if !b.FinishedAt.IsZero() {
			jb.FinishedAt = b.FinishedAt.Format(time.RFC3339)
		}
		out.Batches = append(out.Batches, jb)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

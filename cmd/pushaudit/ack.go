package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// findingIDs is a repeatable --finding flag.
type findingIDs []string

func (f *findingIDs) String() string { return strings.Join(*f, ",") }

func (f *findingIDs) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return fmt.Errorf("empty finding id")
	}
	*f = append(*f, s)
	return nil
}

// runAck records a response to findings of the ledger: responded_at is
// the config's clock (Asia/Shanghai wall clock), with who and a note.
// A finding already responded to keeps its first response.
func (m *Main) runAck(ctx context.Context, g *globals, args []string) error {
	var ids findingIDs
	var by, note, incident, report string
	fs := newFlags("ack", "[--config FILE] ack (--finding ID [--finding ID]... | --incident ID [--report FILE]) [--by NAME] [--note TEXT]", m.Stdout)
	fs.Var(&ids, "finding", "finding id of audit.findings (repeatable)")
	fs.StringVar(&incident, "incident", "", "incident id of audit.incidents: acknowledges the incident and every finding of it")
	fs.StringVar(&report, "report", "", "with --incident: the summary report (故障处置总结报告) handed in, recorded now")
	fs.StringVar(&by, "by", "", "who responded")
	fs.StringVar(&note, "note", "", "what was done or found")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case len(ids) == 0 && incident == "":
		return usagef("ack: --finding or --incident is required")
	case len(ids) > 0 && incident != "":
		return usagef("ack: --finding and --incident exclude each other")
	case report != "" && incident == "":
		return usagef("ack: --report needs --incident")
	}
	if report != "" {
		if st, err := os.Stat(report); err != nil || st.IsDir() {
			return usagef("ack: --report %s: not a readable file", report)
		}
		if abs, err := filepath.Abs(report); err == nil {
			report = abs
		}
	}
	c, wh, err := m.openWarehouse(ctx, g, nil)
	if err != nil {
		return err
	}
	if incident != "" {
		return asRun(ctx, wh, "ack", args, func() (string, error) { return m.ackIncident(ctx, c, wh, incident, by, note, report) })
	}
	return asRun(ctx, wh, "ack", args, func() (string, error) { return m.ack(ctx, c, wh, ids, by, note) })
}

// ackIncident records the response to incident id (and every finding of
// it), and the summary report when report is set; it returns a summary.
func (m *Main) ackIncident(ctx context.Context, c *config.Config, wh *warehouse.Warehouse, id, by, note, report string) (string, error) {
	now := clock(c).Truncate(time.Second)
	in, already, err := ledger.NewIncidents(wh.DB()).Ack(ctx, id, now, by, note, report)
	var unknown *ledger.NoIncidentError
	if errors.As(err, &unknown) {
		return "", usagef("ack: %v in the warehouse %s", err, c.Path(c.Warehouse))
	}
	if err != nil {
		return "", err
	}
	v := incidentView(c.IncidentRules(), in, now)
	resp := "responded " + in.RespondedAt.Format("2006-01-02 15:04:05")
	if in.RespondedBy != "" {
		resp += " by " + in.RespondedBy
	}
	if already {
		resp = "already " + resp + " (kept)"
	}
	fmt.Fprintf(m.Stdout, "%s\t%s\t%s\t%d windows\t%s\tresponse %s\treport %s\n", in.ID, pipelines.LevelZH(in.Level),
		strings.Join(in.Targets, ","), in.Windows, resp, v.Response, v.Report)
	return fmt.Sprintf("incident %s acknowledged (%d windows)", in.ID, in.Windows), nil
}

// ack records the response to the findings ids; it returns a summary.
func (m *Main) ack(ctx context.Context, c *config.Config, wh *warehouse.Warehouse, ids []string, by, note string) (string, error) {
	now := clock(c).Truncate(time.Second)

	// Distinct ids, in the order given.
	seen := map[string]bool{}
	var list []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			list = append(list, id)
		}
	}
	fs, already, err := ledger.NewFindings(wh.DB()).Ack(ctx, list, now, by, note)
	var unknown *ledger.UnknownError
	if errors.As(err, &unknown) {
		return "", usagef("ack: %v in the warehouse %s", err, c.Path(c.Warehouse))
	}
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		writeAckLine(m.Stdout, f, already[f.ID])
	}
	return fmt.Sprintf("%d findings acknowledged, %d already", len(list)-len(already), len(already)), nil
}

// writeAckLine prints one finding: id, target/resource, window, level,
// when it was responded to and whether within respond_by.
func writeAckLine(w io.Writer, r ledger.Finding, already bool) {
	const tf = "2006-01-02 15:04:05"
	level := "no level"
	if r.FaultLevel > 0 {
		level = fmt.Sprintf("level %d", r.FaultLevel)
	}
	at := r.RespondedAt
	resp := "responded " + at.Format(tf)
	if r.RespondedBy != "" {
		resp += " by " + r.RespondedBy
	}
	if already {
		resp = "already " + resp + " (kept)"
	}
	verdict := "no respond limit"
	if !r.RespondBy.IsZero() {
		limit := r.RespondBy
		if at.After(limit) {
			verdict = fmt.Sprintf("LATE: respond_by %s, overdue by %s", limit.Format(tf), at.Sub(limit))
		} else {
			verdict = fmt.Sprintf("in time: respond_by %s", limit.Format(tf))
		}
	}
	fmt.Fprintf(w, "%s\t%s/%s\t%s – %s\t%s\t%s\t%s\n", r.ID, r.Target, r.Resource,
		r.WindowStart.Format("2006-01-02 15:04"), r.WindowEnd.Format("2006-01-02 15:04"), level, resp, verdict)
}

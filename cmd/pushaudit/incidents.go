package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// runIncidents lists the incidents of the ledger (audit.incidents): the
// faults as the contract counts them. It only reads the warehouse; it
// exits 0 whatever it lists.
func (m *Main) runIncidents(ctx context.Context, g *globals, args []string) error {
	var from, to, format string
	var open bool
	fs := newFlags("incidents", "[--config FILE] incidents [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--open] [--format table|json]", m.Stdout)
	fs.StringVar(&from, "from", "", "first day (Asia/Shanghai): incidents with windows ending after its start")
	fs.StringVar(&to, "to", "", "last day: incidents with windows starting before its end (default: --from, or no bound)")
	fs.BoolVar(&open, "open", false, "only incidents not resolved")
	fs.StringVar(&format, "format", "table", "table or json (one object per line per incident)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "table" && format != "json" {
		return usagef("incidents: --format %q is not table or json", format)
	}
	var lo, hi time.Time
	var err error
	if from != "" {
		if lo, err = parseDay("from", from); err != nil {
			return err
		}
		if to == "" {
			to = from
		}
	}
	if to != "" {
		if hi, err = parseDay("to", to); err != nil {
			return err
		}
		if !lo.IsZero() && hi.Before(lo) {
			return usagef("incidents: --to %s is before --from %s", to, from)
		}
		hi = hi.AddDate(0, 0, 1)
	}
	c, wh, err := m.openWarehouse(ctx, g, nil)
	if err != nil {
		return err
	}
	list, err := ledger.NewIncidents(wh.DB()).List(ctx, lo, hi, open)
	if err != nil {
		return err
	}
	rules, now := c.IncidentRules(), clock(c)
	views := make([]incidentJSON, len(list))
	for i, in := range list {
		views[i] = incidentView(rules, in, now)
	}
	if format == "json" {
		return writeJSONIncidents(m.Stdout, views)
	}
	return writeTableIncidents(m.Stdout, views)
}

// incidentJSON is one line of `incidents --format json`. Scripts outside
// the project read these names: keep them.
type incidentJSON struct {
	ID               string   `json:"id"`
	Targets          []string `json:"targets"`
	Resources        []string `json:"resources"`
	FirstWindowStart string   `json:"first_window_start"`
	LastWindowEnd    string   `json:"last_window_end"`
	Windows          int      `json:"windows"`
	Statuses         []string `json:"statuses"`
	Level            int      `json:"level"`
	LevelZH          string   `json:"level_zh"`
	WholeTarget      bool     `json:"whole_target"`
	DetectedAt       string   `json:"detected_at"`
	RespondBy        *string  `json:"respond_by"`
	ResolveBy        *string  `json:"resolve_by"`
	RespondedAt      *string  `json:"responded_at"`
	RespondedBy      string   `json:"responded_by,omitempty"`
	ResolvedAt       *string  `json:"resolved_at"`
	MissingRows      int64    `json:"missing_rows"`
	ExtraRows        int64    `json:"extra_rows"`
	DuplicateRows    int64    `json:"duplicate_rows"`
	Note             string   `json:"note,omitempty"`
	// Response and Resolution: in_time, late, overdue or not_due
	// (pipelines.Judge); HoursLate the whole hours resolution is late.
	Response   string `json:"response"`
	Resolution string `json:"resolution"`
	HoursLate  int    `json:"hours_late"`
	// Report: the summary report (故障处置总结报告): not_owed, not_due,
	// in_time, late or missing (owed and past due).
	Report     string  `json:"report"`
	ReportDue  *string `json:"report_due"`
	ReportPath string  `json:"report_path,omitempty"`
	ReportedAt *string `json:"reported_at"`
	// Deduction: the assessment's points for it (pipelines.JudgeFault).
	Deduction float64 `json:"deduction"`
}

func rfc3339(t time.Time) string { return t.In(pipelines.Shanghai).Format(time.RFC3339) }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func timeliness(t pipelines.Timeliness) string {
	switch t {
	case pipelines.InTime:
		return "in_time"
	case pipelines.Late:
		return "late"
	case pipelines.Overdue:
		return "overdue"
	}
	return "not_due"
}

// incidentView is the incident with its deadlines judged as of now.
func incidentView(rules pipelines.IncidentRules, in ledger.Incident, now time.Time) incidentJSON {
	j := pipelines.JudgeFault(rules, in.Pipelines(), in.RespondedAt, in.ReportedAt, now)
	v := incidentJSON{
		ID: in.ID, Targets: in.Targets, Resources: in.Resources,
		FirstWindowStart: rfc3339(in.FirstWindowStart), LastWindowEnd: rfc3339(in.LastWindowEnd), Windows: in.Windows,
		Level: in.Level, LevelZH: pipelines.LevelZH(in.Level), WholeTarget: in.WholeTarget,
		DetectedAt: rfc3339(in.DetectedAt), RespondBy: optTime(in.RespondBy), ResolveBy: optTime(in.ResolveBy),
		RespondedAt: optTime(in.RespondedAt), RespondedBy: in.RespondedBy, ResolvedAt: optTime(in.ResolvedAt),
		MissingRows: in.Missing, ExtraRows: in.Extra, DuplicateRows: in.Duplicate, Note: in.Note,
		Response: timeliness(j.Respond), Resolution: timeliness(j.Resolve), HoursLate: j.HoursLate,
		ReportPath: in.ReportPath, ReportedAt: optTime(in.ReportedAt), Deduction: j.Points(),
	}
	for _, s := range in.Statuses {
		v.Statuses = append(v.Statuses, string(s))
	}
	v.Report = "not_owed"
	if j.ReportOwed {
		v.ReportDue = optTime(j.ReportDue)
		v.Report = timeliness(j.Report)
		if j.Report == pipelines.Overdue {
			v.Report = "missing"
		}
	}
	return v
}

func writeJSONIncidents(w io.Writer, vs []incidentJSON) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

// writeTableIncidents prints one incident per line and a count.
func writeTableIncidents(w io.Writer, vs []incidentJSON) error {
	const tf = "2006-01-02 15:04"
	short := func(s *string) string {
		if s == nil {
			return "-"
		}
		t, _ := time.Parse(time.RFC3339, *s)
		return t.In(pipelines.Shanghai).Format(tf)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tTARGETS\tRESOURCES\tWINDOWS\tFIRST WINDOW\tLAST END\tSTATUSES\tDETECTED\tRESPONSE\tRESOLVED\tRESOLUTION\tREPORT\tDEDUCTION")
	open := 0
	for _, v := range vs {
		if v.ResolvedAt == nil {
			open++
		}
		res := strings.Join(v.Resources, ",")
		if len(v.Resources) > 3 {
			res = fmt.Sprintf("%s,… (%d)", strings.Join(v.Resources[:3], ","), len(v.Resources))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%g\n", v.ID, v.LevelZH, strings.Join(v.Targets, ","), res, v.Windows,
			short(&v.FirstWindowStart), short(&v.LastWindowEnd), strings.Join(v.Statuses, ","), short(&v.DetectedAt),
			v.Response, short(v.ResolvedAt), v.Resolution, v.Report, v.Deduction)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d incidents, %d open\n", len(vs), open)
	return err
}

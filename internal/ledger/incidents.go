package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Incident is one row of audit.incidents: a fault as the contract counts
// it, the findings of one outage (pipelines.GroupIncidents). Zero times
// are NULL.
type Incident struct {
	ID                              string
	Targets, Resources              []string
	Statuses                        []pipelines.Status
	WholeTarget                     bool
	FirstWindowStart, LastWindowEnd time.Time
	Windows                         int
	Missing, Extra, Duplicate       int64
	Level                           int
	DetectedAt                      time.Time
	RespondBy, ResolveBy            time.Time
	ResolvedAt                      time.Time
	RespondedAt                     time.Time
	RespondedBy, Note               string
	ReportPath                      string
	ReportedAt                      time.Time
	UpdatedRunID                    string
}

// Open reports whether some finding of the incident is not resolved.
func (in Incident) Open() bool { return in.ResolvedAt.IsZero() }

// Pipelines is the incident as the assessment rules take it (its findings
// left out).
func (in Incident) Pipelines() pipelines.Incident {
	return pipelines.Incident{
		ID: in.ID, WholeTarget: in.WholeTarget, Targets: in.Targets, Resources: in.Resources, Statuses: in.Statuses,
		FirstWindowStart: in.FirstWindowStart, LastWindowEnd: in.LastWindowEnd, Windows: in.Windows,
		Missing: in.Missing, Extra: in.Extra, Duplicate: in.Duplicate, Level: in.Level,
		DetectedAt: in.DetectedAt, ResolvedAt: in.ResolvedAt, RespondBy: in.RespondBy, ResolveBy: in.ResolveBy,
	}
}

// Incidents is the store of audit.incidents (and of the incident of each
// finding of audit.findings).
type Incidents struct{ q warehouse.Querier }

// NewIncidents returns the incidents store over q.
func NewIncidents(q warehouse.Querier) Incidents { return Incidents{q: q} }

// ErrNoIncident is returned when an incident id is not in the ledger.
type NoIncidentError struct{ ID string }

func (e *NoIncidentError) Error() string { return "no incident " + e.ID }

// Group brings the incidents up to date after run runID: the findings
// without an incident, and every finding of the incidents still open (or
// with a finding open again), are grouped by rules; a new finding joins
// the open incident it continues, two incidents a finding bridges become
// one (the absorbed one's response and report carry over when the
// survivor has none), and each incident touched is rewritten with its
// facts. It returns how many incidents it wrote.
func (s Incidents) Group(ctx context.Context, runID string, rules pipelines.IncidentRules) (int, error) {
	fs, err := NewFindings(s.q).query(ctx, `(incident_id IS NULL AND status NOT IN ('unverifiable', 'pending', 'ok'))
   OR incident_id IN (SELECT incident_id FROM audit.incidents WHERE resolved_at IS NULL)
   OR incident_id IN (SELECT incident_id FROM audit.findings WHERE resolved_at IS NULL AND incident_id IS NOT NULL)`)
	if err != nil {
		return 0, fmt.Errorf("incidents ledger: %w", err)
	}
	if len(fs) == 0 {
		return 0, nil
	}
	in := make([]pipelines.IncidentFinding, len(fs))
	for i, f := range fs {
		in[i] = pipelines.IncidentFinding{
			ID: f.ID, Target: f.Target, Resource: f.Resource, WindowStart: f.WindowStart, WindowEnd: f.WindowEnd,
			Status: f.Status, Level: f.FaultLevel, FirstSeen: f.FirstSeen, ResolvedAt: f.ResolvedAt,
			Expected: nullOr(f.Expected, -1), Received: nullOr(f.Received, -1),
			Missing: f.Missing, Extra: f.Extra, Duplicate: f.Duplicate, Incident: f.Incident,
		}
	}
	responded := map[string]Finding{}
	for _, f := range fs {
		if !f.RespondedAt.IsZero() {
			responded[f.ID] = f
		}
	}
	groups := pipelines.GroupIncidents(rules, in)
	var ids []string
	for _, g := range groups {
		ids = append(ids, g.ID)
		ids = append(ids, g.Absorbed...)
	}
	old, err := s.get(ctx, `incident_id IN (SELECT unnest(?))`, ids)
	if err != nil {
		return 0, err
	}
	prev := map[string]Incident{}
	for _, o := range old {
		prev[o.ID] = o
	}
	var rows []Incident
	var drop, memberIDs, memberInc []string
	for _, g := range groups {
		row := Incident{
			ID: g.ID, Targets: g.Targets, Resources: g.Resources, Statuses: g.Statuses, WholeTarget: g.WholeTarget,
			FirstWindowStart: g.FirstWindowStart, LastWindowEnd: g.LastWindowEnd, Windows: g.Windows,
			Missing: g.Missing, Extra: g.Extra, Duplicate: g.Duplicate, Level: g.Level,
			DetectedAt: g.DetectedAt, RespondBy: g.RespondBy, ResolveBy: g.ResolveBy, ResolvedAt: g.ResolvedAt,
			UpdatedRunID: runID,
		}
		// The response and report: the survivor's, else the earliest of
		// the absorbed ones'.
		for _, id := range append([]string{g.ID}, g.Absorbed...) {
			o, ok := prev[id]
			if !ok {
				continue
			}
			if row.RespondedAt.IsZero() || (!o.RespondedAt.IsZero() && o.RespondedAt.Before(row.RespondedAt)) {
				row.RespondedAt, row.RespondedBy = o.RespondedAt, o.RespondedBy
			}
			if row.Note == "" {
				row.Note = o.Note
			}
			if row.ReportPath == "" {
				row.ReportPath, row.ReportedAt = o.ReportPath, o.ReportedAt
			}
		}
		// No response recorded for the incident: the earliest response to
		// one of its findings (ack --finding) answers it.
		if row.RespondedAt.IsZero() {
			for _, f := range g.Findings {
				if r := responded[f.ID]; !r.RespondedAt.IsZero() && (row.RespondedAt.IsZero() || r.RespondedAt.Before(row.RespondedAt)) {
					row.RespondedAt, row.RespondedBy = r.RespondedAt, r.RespondedBy
				}
			}
		}
		rows = append(rows, row)
		drop = append(append(drop, g.ID), g.Absorbed...)
		for _, f := range g.Findings {
			if f.Incident != g.ID {
				memberIDs, memberInc = append(memberIDs, f.ID), append(memberInc, g.ID)
			}
		}
	}
	if err := s.put(ctx, rows, drop); err != nil {
		return 0, err
	}
	if len(memberIDs) > 0 {
		if _, err := s.q.ExecContext(ctx, `UPDATE audit.findings SET incident_id = m.inc
FROM (SELECT unnest(?) AS fid, unnest(?) AS inc) m WHERE finding_id = m.fid`, memberIDs, memberInc); err != nil {
			return 0, fmt.Errorf("incidents ledger: %w", err)
		}
	}
	return len(groups), nil
}

func nullOr(n sql.NullInt64, def int64) int64 {
	if n.Valid {
		return n.Int64
	}
	return def
}

// put replaces the rows of ins, and removes the rows of drop (their ids
// and the ids of the incidents they absorbed), in three statements
// whatever their number.
func (s Incidents) put(ctx context.Context, ins []Incident, drop []string) error {
	if len(drop) > 0 {
		if _, err := s.q.ExecContext(ctx, `DELETE FROM audit.incidents WHERE incident_id IN (SELECT unnest(?))`, drop); err != nil {
			return fmt.Errorf("incidents ledger: %w", err)
		}
	}
	in := func(i int) *Incident { return &ins[i] }
	b := bulk{n: len(ins)}
	b.text("incident_id", func(i int) string { return in(i).ID })
	list := func(name string, v func(i int) []string) {
		l := make([]string, b.n)
		for i := range l {
			l[i] = strings.Join(v(i), ",")
		}
		b.add(name, "string_split(unnest(?), ',')", l)
	}
	list("targets", func(i int) []string { return in(i).Targets })
	list("resources", func(i int) []string { return in(i).Resources })
	list("statuses", func(i int) []string {
		var out []string
		for _, st := range in(i).Statuses {
			out = append(out, string(st))
		}
		return out
	})
	whole := make([]bool, b.n)
	for i := range whole {
		whole[i] = in(i).WholeTarget
	}
	b.add("whole_target", "unnest(?)", whole)
	b.times("first_window_start", func(i int) time.Time { return in(i).FirstWindowStart })
	b.times("last_window_end", func(i int) time.Time { return in(i).LastWindowEnd })
	b.ints("windows", func(i int) sql.NullInt64 { return known(int64(in(i).Windows)) })
	b.ints("missing_rows", func(i int) sql.NullInt64 { return known(in(i).Missing) })
	b.ints("extra_rows", func(i int) sql.NullInt64 { return known(in(i).Extra) })
	b.ints("duplicate_rows", func(i int) sql.NullInt64 { return known(in(i).Duplicate) })
	b.ints("fault_level", func(i int) sql.NullInt64 { return known(int64(in(i).Level)) })
	b.times("detected_at", func(i int) time.Time { return in(i).DetectedAt })
	b.times("respond_by", func(i int) time.Time { return in(i).RespondBy })
	b.times("resolve_by", func(i int) time.Time { return in(i).ResolveBy })
	b.times("resolved_at", func(i int) time.Time { return in(i).ResolvedAt })
	b.times("responded_at", func(i int) time.Time { return in(i).RespondedAt })
	nullText := func(name string, v func(i int) string) {
		l := make([]string, b.n)
		for i := range l {
			l[i] = v(i)
		}
		b.add(name, "nullif(unnest(?), '')", l)
	}
	nullText("responded_by", func(i int) string { return in(i).RespondedBy })
	nullText("note", func(i int) string { return in(i).Note })
	nullText("report_path", func(i int) string { return in(i).ReportPath })
	b.times("reported_at", func(i int) time.Time { return in(i).ReportedAt })
	b.text("updated_run_id", func(i int) string { return in(i).UpdatedRunID })
	if err := b.insert(ctx, s.q, "audit.incidents", ""); err != nil {
		return fmt.Errorf("incidents ledger: %w", err)
	}
	return nil
}

// List returns the incidents whose windows overlap [from, to) (zero: no
// bound), only the open ones when open, by first window, then id.
func (s Incidents) List(ctx context.Context, from, to time.Time, open bool) ([]Incident, error) {
	var conds []string
	var args []any
	if !from.IsZero() {
		conds = append(conds, "last_window_end > ?")
		args = append(args, warehouse.Timestamp(from))
	}
	if !to.IsZero() {
		conds = append(conds, "first_window_start < ?")
		args = append(args, warehouse.Timestamp(to))
	}
	if open {
		conds = append(conds, "resolved_at IS NULL")
	}
	where := "true"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	return s.get(ctx, where, args...)
}

// Get returns the incident id.
func (s Incidents) Get(ctx context.Context, id string) (Incident, error) {
	l, err := s.get(ctx, `incident_id = ?`, id)
	if err != nil {
		return Incident{}, err
	}
	if len(l) == 0 {
		return Incident{}, &NoIncidentError{ID: id}
	}
	return l[0], nil
}

// Findings returns the findings of incident id, by window.
func (s Incidents) Findings(ctx context.Context, id string) ([]Finding, error) {
	return NewFindings(s.q).query(ctx, `incident_id = ?`, id)
}

// Ack records a response to incident id at at, by who with a note (a
// first response is kept: already), and acknowledges every finding of it
// (Findings.Ack). report, when not empty, records the summary report
// (故障处置总结报告) at at. It returns the incident after.
func (s Incidents) Ack(ctx context.Context, id string, at time.Time, by, note, report string) (out Incident, already bool, err error) {
	in, err := s.Get(ctx, id)
	if err != nil {
		return Incident{}, false, err
	}
	already = !in.RespondedAt.IsZero()
	if !already {
		if _, err := s.q.ExecContext(ctx, `UPDATE audit.incidents SET responded_at = ?, responded_by = ?, note = coalesce(?, note)
WHERE incident_id = ? AND responded_at IS NULL`, warehouse.Timestamp(at), nullIfEmpty(by), nullIfEmpty(note), id); err != nil {
			return Incident{}, false, fmt.Errorf("ack incident: %w", err)
		}
	} else if note != "" {
		if _, err := s.q.ExecContext(ctx, `UPDATE audit.incidents SET note = ? WHERE incident_id = ?`, note, id); err != nil {
			return Incident{}, false, fmt.Errorf("ack incident: %w", err)
		}
	}
	if report != "" {
		if _, err := s.q.ExecContext(ctx, `UPDATE audit.incidents SET report_path = ?, reported_at = ? WHERE incident_id = ?`,
			report, warehouse.Timestamp(at), id); err != nil {
			return Incident{}, false, fmt.Errorf("ack incident: %w", err)
		}
	}
	fs, err := s.Findings(ctx, id)
	if err != nil {
		return Incident{}, false, err
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	if len(ids) > 0 {
		if _, _, err := NewFindings(s.q).Ack(ctx, ids, at, by, note); err != nil {
			return Incident{}, false, err
		}
	}
	out, err = s.Get(ctx, id)
	return out, already, err
}

// get returns the incidents matching the SQL condition where.
func (s Incidents) get(ctx context.Context, where string, args ...any) ([]Incident, error) {
	rows, err := s.q.QueryContext(ctx, `
SELECT incident_id, array_to_string(targets, ','), array_to_string(resources, ','), array_to_string(statuses, ','), whole_target,
       first_window_start, last_window_end, windows, missing_rows, extra_rows, duplicate_rows, fault_level,
       detected_at, respond_by, resolve_by, resolved_at, responded_at, coalesce(responded_by, ''), coalesce(note, ''),
       coalesce(report_path, ''), reported_at, updated_run_id
FROM audit.incidents
WHERE `+where+`
ORDER BY first_window_start, incident_id`, args...)
	out, err := collect(rows, err, func(rows *sql.Rows, in *Incident) error {
		var targets, resources, statuses string
		var first, last, detected time.Time
		var respondBy, resolveBy, resolved, responded, reported sql.NullTime
		if err := rows.Scan(&in.ID, &targets, &resources, &statuses, &in.WholeTarget, &first, &last, &in.Windows,
			&in.Missing, &in.Extra, &in.Duplicate, &in.Level, &detected, &respondBy, &resolveBy, &resolved, &responded,
			&in.RespondedBy, &in.Note, &in.ReportPath, &reported, &in.UpdatedRunID); err != nil {
			return err
		}
		in.Targets, in.Resources = splitList(targets), splitList(resources)
		for _, st := range splitList(statuses) {
			in.Statuses = append(in.Statuses, pipelines.Status(st))
		}
		in.FirstWindowStart, in.LastWindowEnd, in.DetectedAt = warehouse.FromWall(first), warehouse.FromWall(last), warehouse.FromWall(detected)
		in.RespondBy, in.ResolveBy, in.ResolvedAt = warehouse.NullTime(respondBy), warehouse.NullTime(resolveBy), warehouse.NullTime(resolved)
		in.RespondedAt, in.ReportedAt = warehouse.NullTime(responded), warehouse.NullTime(reported)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	l := strings.Split(s, ",")
	sort.Strings(l)
	return l
}

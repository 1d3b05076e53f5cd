package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
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

// ackRow is one finding of the ledger as ack shows it.
type ackRow struct {
	id, target, resource string
	start, end           time.Time
	level                sql.NullInt64
	respondBy            sql.NullTime
	respondedAt          sql.NullTime
	respondedBy          sql.NullString
}

// runAck records a response to findings of the ledger: responded_at is
// the config's clock (Asia/Shanghai wall clock), with who and a note.
// A finding already responded to keeps its first response.
func (m *Main) runAck(ctx context.Context, g *globals, args []string) error {
	var ids findingIDs
	var by, note string
	fs := newFlags("ack", "[--config FILE] ack --finding ID [--finding ID]... [--by NAME] [--note TEXT]", m.Stdout)
	fs.Var(&ids, "finding", "finding id of audit.findings (repeatable)")
	fs.StringVar(&by, "by", "", "who responded")
	fs.StringVar(&note, "note", "", "what was done or found")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("ack: --finding is required")
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	wh, err := m.openExisting(ctx, c)
	if err != nil {
		return err
	}
	m.onClose(wh.Close)
	return asRun(ctx, wh, "ack", args, func() (string, error) { return m.ack(ctx, c, wh, ids, by, note) })
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
	tx, err := wh.DB().BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("ack: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := loadAckRows(ctx, tx, list)
	if err != nil {
		return "", err
	}
	var unknown []string
	for _, id := range list {
		if _, ok := rows[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return "", usagef("ack: no finding %s in the warehouse %s", strings.Join(unknown, ", "), c.Path(c.Warehouse))
	}
	already := map[string]bool{}
	for _, id := range list {
		if rows[id].respondedAt.Valid {
			already[id] = true
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit.findings SET responded_at = `+pipelines.TimeParam(now)+`,
  responded_by = ?, response_note = ? WHERE finding_id = ? AND responded_at IS NULL`,
			nullString(by), nullString(note), id); err != nil {
			return "", fmt.Errorf("ack %s: %w", id, err)
		}
	}
	if rows, err = loadAckRows(ctx, tx, list); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("ack: %w", err)
	}
	for _, id := range list {
		writeAckLine(m.Stdout, rows[id], already[id])
	}
	return fmt.Sprintf("%d findings acknowledged, %d already", len(list)-len(already), len(already)), nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// loadAckRows reads the findings of ids, by id.
func loadAckRows(ctx context.Context, tx *sql.Tx, ids []string) (map[string]ackRow, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q, err := tx.QueryContext(ctx, `SELECT finding_id, target, resource, window_start, window_end, fault_level,
  respond_by, responded_at, responded_by
FROM audit.findings WHERE finding_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("ack: findings: %w", err)
	}
	defer q.Close()
	out := map[string]ackRow{}
	for q.Next() {
		var r ackRow
		if err := q.Scan(&r.id, &r.target, &r.resource, &r.start, &r.end, &r.level,
			&r.respondBy, &r.respondedAt, &r.respondedBy); err != nil {
			return nil, fmt.Errorf("ack: findings: %w", err)
		}
		out[r.id] = r
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("ack: findings: %w", err)
	}
	return out, nil
}

// writeAckLine prints one finding: id, target/resource, window, level,
// when it was responded to and whether within respond_by.
func writeAckLine(w io.Writer, r ackRow, already bool) {
	const tf = "2006-01-02 15:04:05"
	level := "no level"
	if r.level.Valid {
		level = fmt.Sprintf("level %d", r.level.Int64)
	}
	at := warehouse.FromWall(r.respondedAt.Time)
	resp := "responded " + at.Format(tf)
	if r.respondedBy.Valid {
		resp += " by " + r.respondedBy.String
	}
	if already {
		resp = "already " + resp + " (kept)"
	}
	verdict := "no respond limit"
	if r.respondBy.Valid {
		limit := warehouse.FromWall(r.respondBy.Time)
		if at.After(limit) {
			verdict = fmt.Sprintf("LATE: respond_by %s, overdue by %s", limit.Format(tf), at.Sub(limit))
		} else {
			verdict = fmt.Sprintf("in time: respond_by %s", limit.Format(tf))
		}
	}
	fmt.Fprintf(w, "%s\t%s/%s\t%s – %s\t%s\t%s\t%s\n", r.id, r.target, r.resource,
		warehouse.FromWall(r.start).Format("2006-01-02 15:04"), warehouse.FromWall(r.end).Format("2006-01-02 15:04"), level, resp, verdict)
}

package alert

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// LoadFindings reads from the warehouse's audit.findings what Evaluate
// needs: every open finding with a fault level, and those resolved at or
// after resolvedSince; target and resource names come from cat (nil: ids
// only).
func LoadFindings(ctx context.Context, db *sql.DB, resolvedSince time.Time, cat *pipelines.Catalog) ([]Finding, error) {
	rows, err := db.QueryContext(ctx, `
SELECT finding_id, target, resource, window_start, window_end, status, fault_level,
       first_seen, respond_by, resolve_by, responded_at, resolved_at, expected, received
FROM audit.findings
WHERE fault_level IS NOT NULL AND (resolved_at IS NULL OR resolved_at >= ?)
ORDER BY first_seen, finding_id`, warehouse.Wall(resolvedSince))
	if err != nil {
		return nil, fmt.Errorf("alert findings: %w", err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var status string
		var respondBy, resolveBy, respondedAt, resolvedAt sql.NullTime
		var expected, received sql.NullInt64
		if err := rows.Scan(&f.ID, &f.Target, &f.Resource, &f.WindowStart, &f.WindowEnd, &status, &f.Level,
			&f.FirstSeen, &respondBy, &resolveBy, &respondedAt, &resolvedAt, &expected, &received); err != nil {
			return nil, fmt.Errorf("alert findings: %w", err)
		}
		f.Status = pipelines.Status(status)
		for _, t := range []*time.Time{&f.WindowStart, &f.WindowEnd, &f.FirstSeen} {
			*t = warehouse.FromWall(*t)
		}
		f.RespondBy, f.ResolveBy = fromNull(respondBy), fromNull(resolveBy)
		f.RespondedAt, f.ResolvedAt = fromNull(respondedAt), fromNull(resolvedAt)
		if expected.Valid {
			f.Expected = &expected.Int64
		}
		if received.Valid {
			f.Received = &received.Int64
		}
		f.TargetName, f.ResourceName = names(cat, f.Target, f.Resource)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert findings: %w", err)
	}
	return out, nil
}

func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return warehouse.FromWall(t.Time)
}

// names returns the Chinese names of a target and a resource from cat.
func names(cat *pipelines.Catalog, target, resource string) (string, string) {
	if cat == nil {
		return "", ""
	}
	var tn, rn string
	if t, ok := cat.Target(target); ok {
		tn = t.NameZH
	}
	if r, ok := cat.Resource(target, resource); ok {
		rn = r.NameZH
	}
	return tn, rn
}

package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// UnknownError is returned by Ack when some ids are not in the ledger.
type UnknownError struct{ IDs []string }

func (e *UnknownError) Error() string {
	return "no finding " + strings.Join(e.IDs, ", ")
}

// Ack records a response to each finding of ids at at (Asia/Shanghai), by
// who with a note (either may be empty: NULL). A finding already
// responded to keeps its first response: it is listed in already. It
// returns the findings after the response, in the order of ids; when an id
// is not in the ledger nothing is recorded and the error is an
// *UnknownError.
func (s Findings) Ack(ctx context.Context, ids []string, at time.Time, by, note string) (out []Finding, already map[string]bool, err error) {
	before, err := s.Get(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var unknown []string
	already = map[string]bool{}
	var todo []string
	for _, id := range ids {
		f, ok := before[id]
		switch {
		case !ok:
			unknown = append(unknown, id)
		case !f.RespondedAt.IsZero():
			already[id] = true
		default:
			todo = append(todo, id)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, &UnknownError{IDs: unknown}
	}
	if len(todo) > 0 {
		if _, err := s.q.ExecContext(ctx, `UPDATE audit.findings SET responded_at = ?, responded_by = ?, response_note = ?
WHERE finding_id IN (SELECT unnest(?)) AND responded_at IS NULL`,
			warehouse.Timestamp(at), nullIfEmpty(by), nullIfEmpty(note), todo); err != nil {
			return nil, nil, fmt.Errorf("ack: %w", err)
		}
	}
	after, err := s.Get(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		out = append(out, after[id])
	}
	return out, already, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

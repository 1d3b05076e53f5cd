package alert

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// LoadFindings reads from the warehouse's findings ledger what Evaluate
// needs: every open finding with a fault level, and those resolved at or
// after resolvedSince, in the order they were first seen; target and
// resource names come from cat (nil: ids only).
func LoadFindings(ctx context.Context, q warehouse.Querier, resolvedSince time.Time, cat *pipelines.Catalog) ([]Finding, error) {
	fs, err := ledger.NewFindings(q).Alertable(ctx, resolvedSince)
	if err != nil {
		return nil, fmt.Errorf("alert findings: %w", err)
	}
	out := make([]Finding, len(fs))
	for i, lf := range fs {
		f := Finding{ID: lf.ID, Target: lf.Target, Resource: lf.Resource, WindowStart: lf.WindowStart, WindowEnd: lf.WindowEnd,
			Status: lf.Status, Level: lf.FaultLevel, FirstSeen: lf.FirstSeen, RespondBy: lf.RespondBy, ResolveBy: lf.ResolveBy,
			RespondedAt: lf.RespondedAt, ResolvedAt: lf.ResolvedAt}
		if lf.Expected.Valid {
			f.Expected = &lf.Expected.Int64
		}
		if lf.Received.Valid {
			f.Received = &lf.Received.Int64
		}
		f.TargetName, f.ResourceName = names(cat, f.Target, f.Resource)
		out[i] = f
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].FirstSeen.Equal(out[j].FirstSeen) {
			return out[i].FirstSeen.Before(out[j].FirstSeen)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
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

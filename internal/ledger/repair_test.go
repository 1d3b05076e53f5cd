package ledger_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestResults_Latest(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	rs := ledger.NewResults(wh.DB())
	start, end := sh(21, 10, 0), sh(21, 10, 10)
	if _, ok, err := rs.Latest(ctx, "t", "r", start, end); ok || err != nil {
		t.Errorf("Latest of an empty ledger: ok %v, %v", ok, err)
	}
	var runs []string
	for _, st := range []pipelines.Status{pipelines.StatusShort, pipelines.StatusDuplicate} {
		run, err := wh.BeginRun(ctx, "reconcile", nil)
		if err != nil {
			t.Fatal(err)
		}
		keys := []ledger.Key{{Kind: "missing", Key: "7", Occurrences: 1}}
		if st == pipelines.StatusDuplicate {
			keys = []ledger.Key{{Kind: "duplicate", Key: "8", Occurrences: 3}, {Kind: "extra", Key: "9", Occurrences: 1}}
		}
		w := ledger.Result{Target: "t", Resource: "r", WindowStart: start, WindowEnd: end, Status: st, Expected: n(2), Claimed: n(4), Received: n(4),
			DuplicateKeys: 1, ExtraKeys: 1, Keys: keys}
		other := w
		other.WindowStart, other.WindowEnd = end, end.Add(end.Sub(start))
		if err := rs.Save(ctx, run.ID, []ledger.Result{w, other}); err != nil {
			t.Fatal(err)
		}
		if err := run.Finish(ctx, warehouse.RunFindings, ""); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run.ID)
	}
	got, ok, err := rs.Latest(ctx, "t", "r", start, end)
	if err != nil || !ok {
		t.Fatalf("Latest: ok %v, %v", ok, err)
	}
	if got.RunID != runs[1] || got.Status != pipelines.StatusDuplicate || got.Expected != n(2) || !got.WindowStart.Equal(start) {
		t.Errorf("Latest = %+v; want run %s, duplicate, expected 2", got, runs[1])
	}
	if want := []ledger.Key{{Kind: "duplicate", Key: "8", Occurrences: 3}, {Kind: "extra", Key: "9", Occurrences: 1}}; !reflect.DeepEqual(got.Keys, want) {
		t.Errorf("keys %+v, want %+v (the latest run's, of this window only)", got.Keys, want)
	}
}

package ledger_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// EachKeyOf lists the pairs in the order given (not by name), each by
// window and rank, capped per window; keys of other pairs, runs and days
// are left out.
func TestResults_EachKeyOf(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(22, 1, 0))
	rs := ledger.NewResults(wh.DB())
	keys := func(ks ...string) []ledger.Key {
		var out []ledger.Key
		for _, k := range ks {
			out = append(out, ledger.Key{Kind: k[:len(k)-2], Key: k[len(k)-1:], Occurrences: 1})
		}
		return out
	}
	res := func(target, resource string, h int, ks ...string) ledger.Result {
		return ledger.Result{Target: target, Resource: resource, WindowStart: sh(21, h, 0), WindowEnd: sh(21, h+1, 0),
			Status: pipelines.StatusShort, Keys: keys(ks...)}
	}
	if err := rs.Save(ctx, "run1", []ledger.Result{
		res("a", "x", 2, "extra e", "missing c", "missing b"),
		res("a", "x", 1, "duplicate d"),
		res("b", "y", 1, "missing z"),
		res("a", "z", 1, "missing q"), // not asked for
		{Target: "b", Resource: "y", WindowStart: sh(22, 1, 0), WindowEnd: sh(22, 2, 0), Status: pipelines.StatusShort,
			Keys: keys("missing n")}, // the 22nd's
	}); err != nil {
		t.Fatal(err)
	}
	if err := rs.Save(ctx, "run2", []ledger.Result{res("b", "y", 3, "missing o")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := rs.EachKeyOf(ctx, "run1", []ledger.Pair{{"b", "y"}, {"c", "none"}, {"a", "x"}}, ledger.Day(sh(21, 0, 0)), 2, func(k ledger.WindowKey) error {
		got = append(got, fmt.Sprintf("%s/%s %s %s %s %d/%d", k.Target, k.Resource, k.WindowStart.Format("15:04"), k.Kind, k.Key.Key, k.Rank, k.Total))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"b/y 01:00 missing z 1/1",
		"a/x 01:00 duplicate d 1/1",
		"a/x 02:00 missing b 1/3",
		"a/x 02:00 missing c 2/3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EachKeyOf =\n%v\nwant\n%v", got, want)
	}
	if err := rs.EachKeyOf(ctx, "run1", nil, ledger.Day(sh(21, 0, 0)), 2, func(ledger.WindowKey) error {
		t.Error("a key for no pair")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

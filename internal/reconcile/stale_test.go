package reconcile

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestPushesAround holds the run's one reading of the push log around its
// range to what the query of one resource reads: the same counts for any
// range it covers (its own rows only, windows at both ends of the range
// included or not as the range says), and a range it does not cover is
// read by the query.
func TestPushesAround(t *testing.T) {
	ctx := context.Background()
	db := mustOpenWarehouse(t, exchangeDDL()...)
	cat := caseIDsCatalog("r", pipelines.Hourly)
	cat.Resources = append(cat.Resources, cat.Resources[0])
	cat.Resources[1].Key = "other"
	mustExec(t, db, `INSERT INTO exchange.push_log (target, resource, window_start, batch_id, rows_sent, status) VALUES
		('t', 'r', '2026-11-19 20:00', 'a', 1, 'success'),
		('t', 'r', '2026-11-20 00:00', 'b', 1, 'success'),
		('t', 'r', '2026-11-20 00:00', 'c', 0, 'failed'),
		('t', 'r', '2026-11-20 05:00', 'd', 2, 'success'),
		('t', 'other', '2026-11-20 05:00', 'e', 2, 'success'),
		('t', 'r', '2026-11-21 06:00', 'f', 2, 'success'),
		('t', 'r', '2026-12-20 06:00', 'g', 2, 'success'),
		('x', 'r', '2026-11-20 05:00', 'h', 2, 'success'),
		('t', 'r', NULL, 'i', 2, 'success')`)
	r := New(db, cat)
	o := Options{Now: sh(2026, 11, 21, 9, 0)}
	o.defaults()
	lo, hi := sh(2026, 11, 20, 0, 0), sh(2026, 11, 21, 0, 0)
	around, err := r.pushesAround(ctx, db, o, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := o.Schedules.Of(pipelines.Hourly)
	if err != nil {
		t.Fatal(err)
	}
	if !around.from.Equal(lo.Add(-time.Hour-sch.StaleAfter)) || !around.to.Equal(hi.Add(sch.StaleAfter)) {
		t.Fatalf("read [%s, %s), want the range widened by the hour and %s", around.from, around.to, sch.StaleAfter)
	}
	res := &cat.Resources[0]
	for _, rg := range [][2]time.Time{{lo, hi}, {sh(2026, 11, 20, 0, 0), sh(2026, 11, 20, 5, 0)}, {sh(2026, 11, 20, 0, 0), sh(2026, 11, 20, 5, 0).Add(time.Microsecond)}, {around.from, around.to}} {
		got, ok := around.of(res, rg[0], rg[1])
		if !ok {
			t.Fatalf("[%s, %s): not covered", rg[0], rg[1])
		}
		want, err := r.pushedWindows(ctx, db, o, res, rg[0], rg[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("[%s, %s): read once %v, by the resource's query %v", rg[0], rg[1], got, want)
		}
	}
	if got, _ := around.of(res, lo, hi); !maps.Equal(got, map[int64]int{sh(2026, 11, 20, 0, 0).Unix(): 2, sh(2026, 11, 20, 5, 0).Unix(): 1}) {
		t.Errorf("the day's counts %v, want 2 batches at 00:00 and 1 at 05:00", got)
	}
	// beyond the range read: the plan's counts are not used.
	if _, ok := around.of(res, lo, sh(2026, 12, 21, 0, 0)); ok {
		t.Fatal("a range past the one read is covered")
	}
	got, err := r.pushedWindows(ctx, db, o, res, lo, sh(2026, 12, 21, 0, 0), around)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[sh(2026, 12, 20, 6, 0).Unix()] != 1 {
		t.Errorf("a month read past the run's range: %v, want its 4 windows with a batch", got)
	}
}

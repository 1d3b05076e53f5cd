package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestPages_Incident(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var id string
	if err := f.hold(ctx, func(wh *warehouse.Warehouse) error {
		is := ledger.NewIncidents(wh.DB())
		if _, err := is.Group(ctx, "run-1", pipelines.IncidentRules{}); err != nil {
			return err
		}
		list, err := is.List(ctx, time.Time{}, time.Time{}, false)
		for _, in := range list {
			if in.Statuses[0] == pipelines.StatusMissed {
				id = in.ID
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no incident of the missed finding")
	}
	mux := f.mux(t, "127.0.0.1:9470", "")
	for path, wants := range map[string][]string{
		// 二级 by its finding; detected 11:40, respond by +10 min: overdue at 12:00.
		"/incidents/" + id:              {id, "二级", f.missedID, "逾期未办", "2026-11-20 11:50"},
		"/incidents/" + id + "?lang=en": {"Incident " + id, "overdue"},
		"/findings/" + f.missedID:       {`href="/incidents/` + id + `"`},
	} {
		w := do(mux, httptest.NewRequest("GET", path, nil))
		for _, want := range wants {
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
				t.Errorf("GET %s: %d, want 200 with %q:\n%.600s", path, w.Code, want, w.Body.String())
			}
		}
	}
	if w := do(mux, httptest.NewRequest("GET", "/incidents/INC-nosuch", nil)); w.Code != http.StatusNotFound {
		t.Errorf("GET /incidents/INC-nosuch: %d, want 404", w.Code)
	}
}

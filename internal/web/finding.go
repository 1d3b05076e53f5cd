package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// KeyList is the first keys of one kind.
type KeyList struct {
	Label string
	Count int64
	Keys  []string
}

// Query is one SQL query explain shows.
type Query struct{ Name, SQL string }

// FindingPage is /findings/{id}.
type FindingPage struct {
	Base
	F            ledger.Finding
	TargetName   string
	ResourceName string
	StatusText   string
	LevelText    string
	// Explanation: nil when the window could not be recomputed
	// (ExplainError says why).
	Explain      *reconcile.Explanation
	ExplainError string
	Keys         []KeyList
	Queries      []Query
	History      []HistoryRow
	// CSRF is the token the acknowledge form carries; AckBy tells the form
	// whether to ask for a name (no token file on loopback).
	CSRF    string
	AskName bool
	Acked   bool // just acknowledged (after the form's redirect)
}

// HistoryRow is what a run stored for the finding's window.
type HistoryRow struct {
	RunID string
	Text  string
	Light string
}

// loadFinding reads a finding with what explain shows of its window (a
// window that cannot be recomputed is shown with its error, the rest of
// the page still) and what earlier runs stored.
func loadFinding(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog, id string, now time.Time, log *slog.Logger, b Base) (FindingPage, error) {
	fs, err := ledger.NewFindings(wh.DB()).Get(ctx, []string{id})
	if err != nil {
		return FindingPage{}, err
	}
	f, ok := fs[id]
	if !ok {
		return FindingPage{}, fmt.Errorf("%w: finding %q", errNotFound, id)
	}
	p := FindingPage{Base: b, F: f, TargetName: f.Target, ResourceName: f.Resource,
		StatusText: statusText(b.Lang, f.Status), LevelText: levelText(b.Lang, f.FaultLevel)}
	if t, ok := targetOf(cat, f.Target); ok {
		p.TargetName = targetName(b.Lang, t)
	}
	if r, ok := cat.Resource(f.Target, f.Resource); ok && b.Lang != "en" && r.NameZH != "" {
		p.ResourceName = r.NameZH
	}
	p.Title = p.TargetName + " / " + p.ResourceName
	e, err := reconcile.New(wh.DB(), cat).Explain(ctx, reconcile.OptionsOf(c, now, log), f.Target, f.Resource, f.WindowStart)
	var stored []ledger.Stored
	switch {
	case err == nil:
		p.Explain = e
		p.Keys, p.Queries = explainLists(e, b.L)
		for _, s := range e.Stored {
			stored = append(stored, ledger.Stored(s))
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return p, err
	default:
		p.ExplainError = warehouse.ScrubText(err.Error())
		if stored, err = ledger.NewResults(wh.DB()).History(ctx, f.Target, f.Resource, f.WindowStart, 10); err != nil {
			return p, fmt.Errorf("results: %w", err)
		}
	}
	for _, s := range stored {
		p.History = append(p.History, HistoryRow{RunID: s.RunID, Text: statusText(b.Lang, s.Status),
			Light: lightClass(pipelines.RAGOf(map[pipelines.Status]int{s.Status: 1}))})
	}
	return p, nil
}

// explainLists are the key lists and the queries of e, in explain's order.
func explainLists(e *reconcile.Explanation, l map[string]string) ([]KeyList, []Query) {
	var keys []KeyList
	for _, k := range []string{"missing", "extra", "duplicate", "mismatch"} {
		if n := e.KeyCounts[k]; n > 0 {
			keys = append(keys, KeyList{Label: l[k], Count: n, Keys: e.Keys[k]})
		}
	}
	var qs []Query
	for name, sql := range e.Queries {
		qs = append(qs, Query{Name: name, SQL: strings.TrimSpace(sql)})
	}
	order := map[string]int{"expected": 0, "claimed": 1, "received": 2}
	rank := func(n string) int {
		if r, ok := order[n]; ok {
			return r
		}
		return 3
	}
	sort.Slice(qs, func(i, j int) bool {
		if rank(qs[i].Name) != rank(qs[j].Name) {
			return rank(qs[i].Name) < rank(qs[j].Name)
		}
		return qs[i].Name < qs[j].Name
	})
	if len(e.Params) > 0 {
		qs = append([]Query{{Name: "parameters", SQL: strings.Join(e.Params, "\n")}}, qs...)
	}
	return keys, qs
}

// ack records the response of the form: by the token's name, or with no
// token file (loopback only) by the name typed in the form.
func (s *Server) ack(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	by := userOf(r)
	if by == "" {
		by = strings.TrimSpace(r.PostFormValue("by"))
	}
	if by == "" || len(by) > 100 {
		http.Error(w, "acknowledge: a name (1-100 characters) is required", http.StatusBadRequest)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if len(note) > 2000 {
		http.Error(w, "acknowledge: the note is over 2000 characters", http.StatusBadRequest)
		return
	}
	err := s.read(r.Context(), func(wh *warehouse.Warehouse) error {
		_, _, err := ledger.NewFindings(wh.DB()).Ack(r.Context(), []string{id}, s.o.Now(), by, note)
		return err
	})
	var unknown *ledger.UnknownError
	if errors.As(err, &unknown) {
		err = fmt.Errorf("%w: finding %q", errNotFound, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.o.Logger.Info("finding acknowledged on the status page", "finding", id, "by", by, "remote", r.RemoteAddr)
	q := "?acked=1"
	if r.URL.Query().Get("lang") == "en" {
		q += "&lang=en"
	}
	http.Redirect(w, r, "/findings/"+id+q, http.StatusSeeOther)
}

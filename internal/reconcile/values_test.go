package reconcile

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// valuesCatalog is an hourly rows resource of target t whose values are
// compared: a district (trailing spaces folded), an amount (a DECIMAL at
// the front end), a time (to the second), a remark (NULL and ” alike),
// and a stage that changes after the push (never compared). A row's
// source changed at c.updated_at.
func valuesCatalog() *pipelines.Catalog {
	no := false
	return &pipelines.Catalog{
		Targets: []pipelines.Target{{Key: "t", Database: "fe_t"}},
		Resources: []pipelines.Resource{{
			Target: "t", Key: "r", Cadence: pipelines.Hourly, Mode: pipelines.ModeRows,
			KeyColumns: []string{"id"}, Table: "r", ChangedAt: "c.updated_at",
			Columns: []pipelines.Column{
				{Name: "id", Type: "BIGINT", Expr: "c.id"},
				{Name: "district", Type: "VARCHAR(20)", Expr: "c.district", Normalize: []string{"rtrim"}},
				{Name: "amount", Type: "DECIMAL(10,2)", Expr: "c.amount"},
				{Name: "seen_at", Type: "DATETIME", Expr: "c.seen_at", Normalize: []string{"seconds"}},
				{Name: "remark", Type: "VARCHAR(50)", Expr: "c.remark", Normalize: []string{"null_is_empty"}},
				{Name: "stage", Type: "INT", Expr: "c.stage", Compare: &no, Note: "the case moves on after its push"},
			},
			From:  "biz.cases c",
			Where: "c.report_time >= :window_start AND c.report_time < :window_end",
		}},
	}
}

// valuesFixture is the warehouse of TestReconciler_Run_Values.
func valuesFixture(t *testing.T) *sql.DB {
	t.Helper()
	db := mustOpenWarehouse(t, "CREATE SCHEMA biz", "CREATE SCHEMA exchange", "CREATE SCHEMA fe_t",
		`CREATE TABLE biz.cases (id BIGINT, report_time TIMESTAMP, district VARCHAR, amount DECIMAL(12,3), seen_at TIMESTAMP, remark VARCHAR, stage INT, updated_at TIMESTAMP)`,
		`CREATE TABLE exchange.push_log (id BIGINT, target VARCHAR, resource VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP,
		   batch_id VARCHAR, rows_sent INTEGER, status VARCHAR, error VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP)`,
		`CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, district VARCHAR(20), amount DECIMAL(10,2), seen_at TIMESTAMP, remark VARCHAR(50), stage INT, batch_id VARCHAR, arrived_at TIMESTAMP)`,
		`INSERT INTO biz.cases VALUES
		  (1, '2026-11-20 10:01', '锦江区', 1.500, '2026-11-20 10:01:00', 'x', 3, '2026-11-20 10:01'),
		  (2, '2026-11-20 10:02', '青羊区', 2.000, '2026-11-20 10:02:00', 'x', 3, '2026-11-20 10:30'),
		  (3, '2026-11-20 10:03', '金牛区', 3.000, '2026-11-20 10:03:00', 'x', 4, '2026-11-20 12:00'),
		  (4, '2026-11-20 10:04', '武侯区', 4.000, '2026-11-20 10:04:00', 'x', 3, '2026-11-20 10:04'),
		  (5, '2026-11-20 10:05', '成华区', 5.000, '2026-11-20 10:05:07.123', 'x', 3, '2026-11-20 10:05'),
		  (6, '2026-11-20 10:06', '龙泉驿区', 6.000, '2026-11-20 10:06:00', NULL, 3, '2026-11-20 10:06')`,
		`INSERT INTO fe_t.r VALUES
		  (1, 1, '锦江区', 1.50, '2026-11-20 10:01:00', 'x', 1, 'b1', '2026-11-20 11:05'),
		  (2, 2, '郫都区', 2.00, '2026-11-20 10:02:00', 'x', 1, 'b1', '2026-11-20 11:05'),
		  (3, 3, '新都区', 3.00, '2026-11-20 10:03:00', 'x', 1, 'b1', '2026-11-20 11:05'),
		  (4, 4, '武侯区   ', 4.00, '2026-11-20 10:04:00', 'x', 1, 'b1', '2026-11-20 11:05'),
		  (5, 5, '成华区', 5.00, '2026-11-20 10:05:07', 'x', 1, 'b1', '2026-11-20 11:05'),
		  (6, 6, '龙泉驿区', 6.00, '2026-11-20 10:06:00', '', 1, 'b1', '2026-11-20 11:05')`,
		`INSERT INTO exchange.push_log VALUES
		  (1, 't', 'r', '2026-11-20 10:00', '2026-11-20 11:00', 'b1', 6, 'success', NULL, '2026-11-20 11:04', '2026-11-20 11:05'),
		  (2, 't', 'r', '2026-11-20 11:00', '2026-11-20 12:00', 'b2', 0, 'success', NULL, '2026-11-20 12:04', '2026-11-20 12:05')`)
	mustSnapshotted(t, db, "2026-11-21 01:00:00", "biz", "exchange", "fe_t")
	return db
}

// TestReconciler_Run_Values: the values of a rows resource, on both
// reconcile paths (one query per window, one for the range). Of six cases
// pushed at 11:05: one arrived as it is; one with another district,
// unchanged at the source since 10:30: a mismatch, its key kept; one with
// another district whose source changed at 12:00, after the push: changed
// since push, not compared, no fault; three that differ only as the
// catalog's normalisations allow (trailing spaces, a time's milliseconds,
// NULL for ”), and a stage never compared.
func TestReconciler_Run_Values(t *testing.T) {
	for _, perWindow := range []bool{false, true} {
		name := map[bool]string{false: "range", true: "per window"}[perWindow]
		t.Run(name, func(t *testing.T) {
			db := valuesFixture(t)
			rec := New(db, valuesCatalog())
			o := Options{From: sh(2026, 11, 20, 0, 0), To: sh(2026, 11, 20, 0, 0), Now: sh(2026, 11, 21, 2, 0), RunID: "r1", PerWindow: perWindow}
			o.defaults()
			lo, hi := o.dayBounds()
			rs, err := rec.compute(context.Background(), db, o, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			var x *Result
			for _, y := range rs {
				if y.Window.Start.Equal(sh(2026, 11, 20, 10, 0)) {
					x = y
				}
				if y.Window.Start.Equal(sh(2026, 11, 20, 11, 0)) && y.Status != pipelines.StatusOK {
					t.Errorf("window %s: %s (%s)", y.Window, y.Status, y.Detail)
				}
			}
			if x == nil {
				t.Fatal("no 10:00 window")
			}
			var mismatched []string
			for _, k := range x.keys {
				if k.kind == "mismatch" {
					mismatched = append(mismatched, k.key)
				}
			}
			if x.Status != pipelines.StatusMismatch || x.Facts.Mismatched != 1 || x.Facts.Changed != 1 || !slices.Equal(mismatched, []string{"2"}) {
				t.Errorf("10:00: %s, %d mismatched %v, %d changed since push; want mismatch, key 2 only, 1 changed (%s)",
					x.Status, x.Facts.Mismatched, mismatched, x.Facts.Changed, x.Detail)
			}
			if x.Facts.Missing+x.Facts.Extra+x.Facts.Duplicate != 0 || x.Facts.Expected != 6 || x.Facts.Received != 6 {
				t.Errorf("10:00 facts %+v", x.Facts)
			}
		})
	}
}

// TestReconciler_Explain_Values: explain drills down into a mismatched
// key: the one column that differs, with both values as written; the
// columns that differ only as the normalisations allow, or are never
// compared, are not listed.
func TestReconciler_Explain_Values(t *testing.T) {
	db := valuesFixture(t)
	e, err := New(db, valuesCatalog()).Explain(context.Background(), Options{Now: sh(2026, 11, 21, 2, 0)}, "t", "r", sh(2026, 11, 20, 10, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []ColumnDiff{{Key: "2", Column: "district", Source: "青羊区", Target: "郫都区"}}
	if !slices.Equal(e.Diffs, want) {
		t.Errorf("diffs %+v, want %+v", e.Diffs, want)
	}
}

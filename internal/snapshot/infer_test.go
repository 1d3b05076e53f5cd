package snapshot

import (
	"context"
	"testing"
)

// TestInferPolicies: policies from structure, on hand-made tables.
func TestInferPolicies(t *testing.T) {
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE tracks (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, at DATETIME, updated_at DATETIME, KEY (updated_at))`,
		`CREATE TABLE cases (id BIGINT PRIMARY KEY, changed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, KEY (changed))`,
		`CREATE TABLE orders (shop INT, no INT, gmt_modified DATETIME, PRIMARY KEY (shop, no), KEY (gmt_modified, shop))`,
		`CREATE TABLE unindexed (id INT PRIMARY KEY, updated_at DATETIME)`,
		`CREATE TABLE second_in_index (id INT PRIMARY KEY, kind INT, updated_at DATETIME, KEY (kind, updated_at))`,
		`CREATE TABLE nokey (a INT, updated_at DATETIME, KEY (updated_at))`,
		`CREATE TABLE named_only (id INT PRIMARY KEY, report_time DATETIME, KEY (report_time))`,
		`CREATE TABLE uuid_key (id CHAR(36) PRIMARY KEY, v INT)`)
	got, err := InferPolicies(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]TablePolicy{
		"tracks":          {Policy: PolicyAppend},
		"cases":           {Policy: PolicyIncremental, Watermark: "changed"},
		"orders":          {Policy: PolicyIncremental, Watermark: "gmt_modified"},
		"unindexed":       {Policy: PolicyFull},
		"second_in_index": {Policy: PolicyFull},
		"nokey":           {Policy: PolicyFull},
		"named_only":      {Policy: PolicyFull},
		"uuid_key":        {Policy: PolicyFull},
	}
	if len(got) != len(want) {
		t.Fatalf("%d tables inferred, want %d: %+v", len(got), len(want), got)
	}
	for _, p := range got {
		if w, ok := want[p.Table]; !ok || p.Policy != w {
			t.Errorf("%s: %+v (%s), want %+v", p.Table, p.Policy, p.Reason, w)
		}
		if p.Reason == "" {
			t.Errorf("%s: no reason", p.Table)
		}
	}
}

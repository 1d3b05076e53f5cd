package snapshot

import (
	"context"
	"testing"
	"time"
)

// TestSnapshot_UnchangedNotCopied: a full table is copied again only when
// its change token moved; a change of any kind (an update keeping the row
// count) is copied.
func TestSnapshot_UnchangedNotCopied(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE dict (id INT PRIMARY KEY, name VARCHAR(10))`, `INSERT INTO dict VALUES (1, 'a'), (2, 'b')`)
	wh := MustOpenWarehouse(t)
	snap := func(o Options) *TableReport {
		t.Helper()
		o.AllowPrimary = true
		rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), []Source{{Name: "biz", DSN: db.DSN}}, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Sources[0].Tables[0]
	}
	// The first copy may be within UPDATE_TIME's second: not trusted yet.
	snap(Options{})
	time.Sleep(1100 * time.Millisecond)
	snap(Options{})
	// Not copied, nor counted: no commit since the copy, whose count agreed.
	if tr := snap(Options{}); !tr.Unchanged || tr.Status != StatusOK || tr.RowsLoaded != 2 || tr.RowsSource != -1 || !tr.CountSkipped {
		t.Errorf("third run: unchanged %v status %s rows %d/%d count skipped %v", tr.Unchanged, tr.Status, tr.RowsLoaded, tr.RowsSource, tr.CountSkipped)
	}
	if tr := snap(Options{CopyUnchanged: true}); tr.Unchanged {
		t.Error("CopyUnchanged: not copied")
	}
	db.Exec(t, `UPDATE dict SET name = 'z' WHERE id = 2`)
	if tr := snap(Options{}); tr.Unchanged {
		t.Error("changed table not copied")
	}
	if got := queryStrings(t, wh, `SELECT name FROM biz.dict WHERE id = 2`); got[0][0] != "z" {
		t.Errorf("name %q after the change", got[0][0])
	}
	rows := queryStrings(t, wh, `SELECT unchanged FROM audit.snapshots WHERE table_name = 'dict' ORDER BY run_id`)
	if len(rows) != 5 || rows[2][0] != "true" || rows[4][0] != "false" {
		t.Errorf("audit.snapshots.unchanged: %v", rows)
	}
}

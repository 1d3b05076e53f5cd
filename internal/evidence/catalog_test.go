package evidence

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestReceiptFiles_Catalog loads, for every receipt resource of the
// embedded catalog, a receipt as the simulator writes it (sim's
// writeReceipts: CSV in UTF-8, the column names as header, DATE values
// scanned as DATETIME, NULL as an empty field).
func TestReceiptFiles_Catalog(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := mustOpenDB(t)
	n := 0
	for i := range cat.Resources {
		res := &cat.Resources[i]
		if res.Mode != pipelines.ModeReceipt {
			continue
		}
		n++
		tgt, ok := cat.Target(res.Target)
		if !ok {
			t.Fatalf("%s: no target", res.ID())
		}
		var head, row, empty []string
		for _, c := range res.Columns {
			head = append(head, c.Name)
			switch pipelines.DuckType(c.Type) {
			case "BIGINT":
				row = append(row, "7")
			case "DATE":
				row = append(row, "2026-11-20 00:00:00")
			case "TIMESTAMP":
				row = append(row, "2026-11-20 10:00:00")
			case "VARCHAR":
				row = append(row, "部件 "+c.Name)
			default:
				row = append(row, "104.06312345")
			}
			if c.Name == res.KeyColumns[0] {
				empty = append(empty, "K-2")
			} else {
				empty = append(empty, "")
			}
		}
		name := strings.ReplaceAll(res.Table, "*", "20261120")
		body := strings.Join(head, ",") + "\n" + strings.Join(row, ",") + "\n" + strings.Join(empty, ",") + "\n"
		writeFile(t, filepath.Join(dir, tgt.Key, name), []byte(body), t1)
		rep, err := (&ReceiptFiles{Dir: dir}).Load(context.Background(), db, res, tgt)
		if err != nil {
			t.Fatalf("%s: %v", res.ID(), err)
		}
		if want := tgt.Database + "." + res.Key; rep.Table != want || rep.Rows != 2 || len(rep.Errors) != 0 || len(rep.Files) != 1 || rep.Files[0].Name != name {
			t.Errorf("%s: %+v, want 2 rows in %s from %s", res.ID(), rep, want, name)
		}
		var keys int
		q := fmt.Sprintf("SELECT count(DISTINCT %s) FROM %s WHERE batch_id = '%s' AND arrived_at = TIMESTAMP '%s'",
			res.KeyColumns[0], warehouse.QuoteTable(rep.Table), name, t1.Format("2006-01-02 15:04:05"))
		if err := db.QueryRow(q).Scan(&keys); err != nil || keys != 2 {
			t.Errorf("%s: %d keys, %v\nSQL: %s", res.ID(), keys, err, q)
		}
	}
	if n != 2 {
		t.Errorf("%d receipt resources, want 2", n)
	}
}

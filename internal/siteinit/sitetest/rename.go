// Package sitetest builds, by SQL, simulated sites that do not look like
// the simulator's, for the tests of init, check and reconcile.
package sitetest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Renamed is what RenameSite did: the new name of every renamed
// table (database.table → table) and column (database.table.column →
// column, under the table's old name).
type Renamed struct {
	Tables  map[string]string
	Columns map[string]string
}

// RenameSite makes a simulated site look like one whose engineers named
// things otherwise, by SQL only: every front-end table becomes jk_NN and
// every column of the resource's own becomes zd_NN (batch_id, arrived_at
// and the row id stay), the push log becomes jh_tsrz, and two business
// tables (media, supervisor_tracks) and all their columns get opaque
// names. Types and COMMENTs stay: the Chinese comments are the only clue.
func RenameSite(tb testing.TB, db *sql.DB, res *sim.Result, cat *pipelines.Catalog) Renamed {
	tb.Helper()
	rs := Renamed{Tables: map[string]string{}, Columns: map[string]string{}}
	exec := func(q string) {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	renameColumns := func(database, table, newTable string, keep map[string]bool, prefix string) {
		rows, err := db.Query(`SELECT column_name, column_type, is_nullable, column_comment FROM information_schema.columns
			WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, database, newTable)
		if err != nil {
			tb.Fatal(err)
		}
		var changes []string
		n := 0
		for rows.Next() {
			var name, typ, nullable, comment string
			if err := rows.Scan(&name, &typ, &nullable, &comment); err != nil {
				tb.Fatal(err)
			}
			if keep[name] {
				continue
			}
			n++
			nn := fmt.Sprintf("%s%02d", prefix, n)
			null := "NULL"
			if nullable == "NO" {
				null = "NOT NULL"
			}
			changes = append(changes, fmt.Sprintf("CHANGE `%s` `%s` %s %s COMMENT '%s'", name, nn, typ, null, strings.ReplaceAll(comment, "'", "''")))
			rs.Columns[database+"."+table+"."+name] = nn
		}
		rows.Close()
		if len(changes) > 0 {
			exec(fmt.Sprintf("ALTER TABLE `%s`.`%s` %s", database, newTable, strings.Join(changes, ", ")))
		}
	}
	keepFE := map[string]bool{"fe_row_id": true, pipelines.EvidenceBatchID: true, pipelines.EvidenceArrivedAt: true}
	for _, t := range cat.Targets {
		database := res.Databases[t.Database]
		for i, r := range cat.ResourcesOf(t.Key) {
			if r.Mode == pipelines.ModeReceipt {
				continue
			}
			nt := fmt.Sprintf("jk_%02d", i+1)
			exec(fmt.Sprintf("RENAME TABLE `%s`.`%s` TO `%s`.`%s`", database, r.Table, database, nt))
			rs.Tables[database+"."+r.Table] = nt
			renameColumns(database, r.Table, nt, keepFE, "zd_")
		}
	}
	ex := res.Databases["exchange"]
	exec(fmt.Sprintf("RENAME TABLE `%s`.push_log TO `%s`.jh_tsrz", ex, ex))
	rs.Tables[ex+".push_log"] = "jh_tsrz"
	biz := res.Databases["biz"]
	for table, nt := range map[string]string{"media": "dmt_xx", "supervisor_tracks": "jdy_gj"} {
		exec(fmt.Sprintf("RENAME TABLE `%s`.`%s` TO `%s`.`%s`", biz, table, biz, nt))
		rs.Tables[biz+"."+table] = nt
		renameColumns(biz, table, nt, nil, "f_")
	}
	return rs
}

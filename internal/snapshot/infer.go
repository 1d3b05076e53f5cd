package snapshot

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Policy inference (issue 15: incremental by default where it is safe).

// InferredPolicy is the policy InferPolicies proposes for one table, and
// why.
type InferredPolicy struct {
	Table  string
	Policy TablePolicy
	Rows   int64 // the server's estimate (information_schema TABLE_ROWS)
	Reason string
}

// SmallTableRows is the size up to which a table without an append key or
// an indexed update time is called a dictionary: copied in full, and only
// when it changed (unchanged.go).
const SmallTableRows = 100_000

// updateTimeNames are column names that hold a row's last update time.
var updateTimeNames = map[string]bool{
	"updated_at": true, "update_time": true, "updatetime": true, "updated_time": true, "modified_at": true,
	"modify_time": true, "modified_time": true, "last_modified": true, "gmt_modified": true, "mtime": true,
	"last_update": true, "last_updated": true, "update_date": true,
}

// InferPolicies proposes a load policy for every base table of the
// database dsn names, from its structure in information_schema:
//   - a single integer primary key with AUTO_INCREMENT: append (rows above
//     the largest key read);
//   - else a DATETIME or TIMESTAMP column maintained on update (ON UPDATE
//     CURRENT_TIMESTAMP, or named like updated_at / update_time /
//     gmt_modified), first column of an index, with a primary key:
//     incremental on it;
//   - else full: a dictionary (up to SmallTableRows rows) copied only when
//     it changed; a bigger table copied in full every run unless its
//     change token says it did not change.
//
// Rows changed without moving the watermark (an update that keeps the
// update time, an update in an append table) and deletions are found by
// the key-set repair and by verification (snapshot --verify). It reads
// information_schema only.
func InferPolicies(ctx context.Context, dsn string) ([]InferredPolicy, error) {
	ms, names, err := openListed(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer ms.close()
	rows, err := ms.conn.QueryContext(ctx, `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_KEY, c.EXTRA,
			EXISTS (SELECT 1 FROM information_schema.statistics s WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA
				AND s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND s.SEQ_IN_INDEX = 1)
		FROM information_schema.columns c WHERE c.TABLE_SCHEMA = ? ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`, ms.dbName)
	if err != nil {
		return nil, fmt.Errorf("infer policies of %s: %w", ms.dbName, err)
	}
	type col struct {
		name, typ, key, extra string
		indexed               bool
	}
	cols := map[string][]col{}
	for rows.Next() {
		var tbl string
		var c col
		if err := rows.Scan(&tbl, &c.name, &c.typ, &c.key, &c.extra, &c.indexed); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("infer policies of %s: %w", ms.dbName, err)
		}
		c.typ, c.key, c.extra = strings.ToLower(c.typ), strings.ToLower(c.key), strings.ToLower(c.extra)
		cols[tbl] = append(cols[tbl], c)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("infer policies of %s: %w", ms.dbName, err)
	}
	estimates := map[string]int64{}
	if rs, err := ms.conn.QueryContext(ctx, `SELECT TABLE_NAME, COALESCE(TABLE_ROWS, -1) FROM information_schema.tables WHERE TABLE_SCHEMA = ?`, ms.dbName); err == nil {
		for rs.Next() {
			var n string
			var r int64
			if rs.Scan(&n, &r) == nil {
				estimates[n] = r
			}
		}
		_ = rs.Close()
	}
	integer := map[string]bool{"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true}
	var out []InferredPolicy
	for _, n := range names {
		ip := InferredPolicy{Table: n, Policy: TablePolicy{Policy: PolicyFull}, Rows: estimates[n]}
		var pk []col
		var upd *col
		for i, c := range cols[n] {
			if c.key == "pri" {
				pk = append(pk, c)
			}
			if (c.typ == "datetime" || c.typ == "timestamp") && c.indexed &&
				(strings.Contains(c.extra, "on update") || updateTimeNames[strings.ToLower(c.name)]) && upd == nil {
				upd = &cols[n][i]
			}
		}
		switch {
		case len(pk) == 1 && integer[pk[0].typ] && strings.Contains(pk[0].extra, "auto_increment"):
			ip.Policy = TablePolicy{Policy: PolicyAppend}
			ip.Reason = "auto-increment key " + pk[0].name
		case len(pk) > 0 && upd != nil:
			ip.Policy = TablePolicy{Policy: PolicyIncremental, Watermark: upd.name}
			ip.Reason = "indexed update time " + upd.name
		case ip.Rows >= 0 && ip.Rows <= SmallTableRows:
			ip.Reason = "dictionary: copied when it changed"
		default:
			ip.Reason = "no append key or indexed update time: copied when it changed"
		}
		out = append(out, ip)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out, nil
}

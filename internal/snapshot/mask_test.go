package snapshot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var testMaskKey = []byte("a site key of 25 bytes!!!")

// hmacHex is the hash mask as its definition says, computed here with
// the standard library: HMAC-SHA256 under the key, first 32 hex digits.
func hmacHex(v string) string {
	h := hmac.New(sha256.New, testMaskKey)
	h.Write([]byte(v))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// TestSnapshot_Masks: personal columns are hashed, nulled, truncated or
// dropped before the warehouse, on both read paths and for an incremental
// table; no clear value is in the warehouse file; the masks are recorded;
// verification agrees with the source; a table kept because it did not
// change is copied again when a mask is added.
func TestSnapshot_Masks(t *testing.T) {
	for path, change := range readPaths(t) {
		t.Run(path, func(t *testing.T) { testMasks(t, change) })
	}
}

func testMasks(t *testing.T, change func(*mysql.Config)) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE people (id INT NOT NULL PRIMARY KEY, name VARCHAR(40), phone VARCHAR(20), note TEXT, addr VARCHAR(60),
			age INT NOT NULL, updated_at DATETIME NOT NULL)`,
		`INSERT INTO people SELECT seq, CONCAT('visible-name-', seq), IF(seq % 10 = 0, NULL, CONCAT('1398', LPAD(seq, 7, '0'))),
			CONCAT('市民反映井盖缺失第', seq, '号'), CONCAT('成都市武侯区', seq, '号院'), 30 + seq % 40,
			'2026-11-20 10:00:00' + INTERVAL seq SECOND FROM seq_1_to_3000`,
		`CREATE TABLE staff (id INT NOT NULL PRIMARY KEY, phone VARCHAR(20))`,
		`INSERT INTO staff SELECT seq, CONCAT('1357', LPAD(seq, 7, '0')) FROM seq_1_to_50`,
	)
	masks := map[string]map[string]pipelines.Mask{
		"people": {
			"phone": {Kind: pipelines.MaskHash},
			"note":  {Kind: pipelines.MaskDrop},
			"addr":  {Kind: pipelines.MaskTruncate, Chars: 6},
			"age":   {Kind: pipelines.MaskNull},
		},
	}
	time.Sleep(1100 * time.Millisecond) // the change token's resolution: staff can be kept as unchanged
	wh := MustOpenWarehouse(t)
	src := Source{Name: "biz", DSN: db.DSNWith(change), MaskKey: testMaskKey, Masks: masks,
		Policies: map[string]TablePolicy{"people": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1}}}
	snap := func(o Options) *Report {
		t.Helper()
		o.AllowPrimary, o.Logger = true, discardLogger()
		rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), []Source{src}, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	snap(Options{})
	// A second, incremental run: changed rows arrive masked too.
	db.Exec(t, `UPDATE people SET phone = '13900000007', addr = '成都市青羊区某街', updated_at = '2026-12-01 00:00:00' WHERE id = 7`)
	snap(Options{})

	got := queryStrings(t, wh, `SELECT id, phone, addr, age FROM biz.people WHERE id IN (7, 10, 11) ORDER BY id`)
	want := [][]string{
		{"7", hmacHex("13900000007"), "成都市青羊区", "NULL"},
		{"10", "NULL", "成都市武侯区", "NULL"},
		{"11", hmacHex("13980000011"), "成都市武侯区", "NULL"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("masked rows:\n got %v\nwant %v", got, want)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.people WHERE phone IS NOT NULL AND length(phone) = 32`); n != 2700 {
		t.Errorf("%d hashed phones, want 2700", n)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM information_schema.columns WHERE table_schema = 'biz' AND table_name = 'people' AND column_name = 'note'`); n != 0 {
		t.Error("the dropped column note is in the warehouse")
	}
	if got := queryStrings(t, wh, `SELECT column_name, coalesce(mask, '-') FROM audit.snapshot_columns
		WHERE source = 'biz' AND table_name = 'people' AND run_id = (SELECT max(run_id) FROM audit.snapshot_columns) ORDER BY ordinal`); fmt.Sprint(got) !=
		"[[id -] [name -] [phone hash] [note drop] [addr truncate(6)] [age null] [updated_at -]]" {
		t.Errorf("audit.snapshot_columns masks: %v", got)
	}

	// Verification compares what the source can say of masked values.
	rep := snap(Options{VerifyAll: true, VerifyChunkRows: 500})
	for _, tr := range rep.Sources[0].Tables {
		if !tr.Verified || tr.VerifyDiffChunks != 0 || tr.Repaired != 0 || tr.Status != StatusOK {
			t.Errorf("verify %s: verified %v, %d chunks differ, %d repaired, %s", tr.Name, tr.Verified, tr.VerifyDiffChunks, tr.Repaired, tr.Status)
		}
	}

	// staff, unchanged since it was copied in clear, is copied again once
	// its phone is masked, and not kept as it was.
	for _, tr := range snap(Options{}).Sources[0].Tables {
		if tr.Name == "staff" && !tr.Unchanged {
			t.Fatal("staff was copied again without a change: the test cannot show a mask forces a copy")
		}
	}
	src.Masks["staff"] = map[string]pipelines.Mask{"phone": {Kind: pipelines.MaskHash}}
	for _, tr := range snap(Options{}).Sources[0].Tables {
		if tr.Name == "staff" && tr.Unchanged {
			t.Error("staff kept its clear copy after a mask was added")
		}
	}
	if got := queryStrings(t, wh, `SELECT phone FROM biz.staff WHERE id = 3`); fmt.Sprint(got) != fmt.Sprint([][]string{{hmacHex("13570000003")}}) {
		t.Errorf("staff phone after the mask was added: %v", got)
	}

	// No clear value is anywhere in the warehouse file: a checkpoint
	// writes every table to it.
	if _, err := wh.DB().ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(wh.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"13980000011", "13900000007", "13570000003", "井盖缺失", "号院"} {
		if bytes.Contains(file, []byte(clear)) {
			t.Errorf("the warehouse file holds %q", clear)
		}
	}
	if !bytes.Contains(file, []byte(hmacHex("13980000011"))) && !bytes.Contains(file, []byte("visible-name-")) {
		t.Error("neither a hashed nor an unmasked value is found in the file: the search finds nothing at all")
	}
}

// TestSnapshot_MaskErrors: a mask that cannot be applied fails the
// source with a message naming the table and column, and copies nothing
// of it.
func TestSnapshot_MaskErrors(t *testing.T) {
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE people (id INT NOT NULL PRIMARY KEY, phone VARCHAR(20), age INT, updated_at DATETIME NOT NULL)`,
		`INSERT INTO people VALUES (1, '13800000001', 40, '2026-11-20 10:00:00')`)
	for _, c := range []struct {
		name  string
		masks map[string]map[string]pipelines.Mask
		key   []byte
		pol   map[string]TablePolicy
		want  string
	}{
		{"key column", map[string]map[string]pipelines.Mask{"people": {"id": {Kind: pipelines.MaskHash}}}, testMaskKey, nil, "biz.people: mask hash on column id: it is part of the primary key"},
		{"hash on a number", map[string]map[string]pipelines.Mask{"people": {"age": {Kind: pipelines.MaskHash}}}, testMaskKey, nil, "mask hash on column age: int(11) is not a text column (use null or drop)"},
		{"no such column", map[string]map[string]pipelines.Mask{"people": {"phon": {Kind: pipelines.MaskNull}}}, nil, nil, "mask null on column phon: no such column"},
		{"no such table", map[string]map[string]pipelines.Mask{"peple": {"phone": {Kind: pipelines.MaskDrop}}}, nil, nil, "masks name table peple, which is not in database"},
		{"no key", map[string]map[string]pipelines.Mask{"people": {"phone": {Kind: pipelines.MaskHash}}}, nil, nil, "mask hash on column phone: no hash key given"},
		{"watermark", map[string]map[string]pipelines.Mask{"people": {"updated_at": {Kind: pipelines.MaskNull}}}, nil,
			map[string]TablePolicy{"people": {Policy: PolicyIncremental, Watermark: "updated_at"}}, "it is the incremental watermark"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wh := MustOpenWarehouse(t)
			_, err := Snapshot(context.Background(), wh, MustBeginRun(t, wh),
				[]Source{{Name: "biz", DSN: db.DSN, Masks: c.masks, MaskKey: c.key, Policies: c.pol}}, Options{AllowPrimary: true, Logger: discardLogger()})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if n := queryInt(t, wh, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'biz' AND table_name = 'people'`); n != 0 {
				t.Error("the table was copied despite its mask error")
			}
		})
	}
}

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestSnapshot_MasksFromConfig: the masks and the key file of a config
// reach the snapshot: the phone is hashed (the value openssl gives for the
// same key), the note dropped, and the key is nowhere in the output or the
// warehouse's run records. A key file too short is bad usage.
func TestSnapshot_MasksFromConfig(t *testing.T) {
	db, _, admin, cfg := mustTwoDatabases(t)
	isolateEnv(t)
	mustExec(t, admin,
		"CREATE TABLE "+db+".supervisors (id INT PRIMARY KEY, name VARCHAR(20), phone VARCHAR(20), note TEXT)",
		"INSERT INTO "+db+".supervisors VALUES (1, 'w1', '13800000001', '身份证号 510104199001011234'), (2, 'w2', NULL, NULL)")
	dir := t.TempDir()
	t.Setenv("PUSHAUDIT_TEST_MASK_PW", cfg.Passwd)
	key := "a site key of 25 bytes!!!"
	MustWriteFile(t, dir, "mask.key", key+"\n")
	conf := func(keyFile string) string {
		return MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
snapshot: {allow_primary: true, mask_key_file: %s}
mysql: {addr: "%s", user: %s, password_env: PUSHAUDIT_TEST_MASK_PW}
sources:
  biz:
    database: %s
    masks:
      supervisors: {phone: hash, note: drop}
`, keyFile, cfg.Addr, cfg.User, db))
	}
	r := MustRunMain(t, exitOK, "--config", conf("mask.key"), "snapshot")
	wh, err := warehouse.Open(t.Context(), filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var phones, cols, records string
	if err := wh.DB().QueryRow(`SELECT string_agg(coalesce(phone, '∅'), ',' ORDER BY id) FROM biz.supervisors`).Scan(&phones); err != nil {
		t.Fatal(err)
	}
	// printf 13800000001 | openssl dgst -sha256 -hmac 'a site key of 25 bytes!!!'
	if phones != "48d251ac27745c73af2043238f49ad20,∅" {
		t.Errorf("phones in the warehouse: %s", phones)
	}
	if err := wh.DB().QueryRow(`SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns() WHERE schema_name = 'biz' AND table_name = 'supervisors'`).Scan(&cols); err != nil || cols != "id,name,phone" {
		t.Errorf("warehouse columns %q, %v; want id,name,phone", cols, err)
	}
	if err := wh.DB().QueryRow(`SELECT string_agg(concat_ws(' ', args, message), ' ') FROM audit.runs`).Scan(&records); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.stdout+r.stderr+records, key) {
		t.Error("the mask key is printed or recorded")
	}
	wh.Close()

	MustWriteFile(t, dir, "short.key", "short")
	r = MustRunMain(t, exitUsage, "--config", conf("short.key"), "snapshot")
	if !strings.Contains(r.stderr, "has 5 bytes, fewer than 16") {
		t.Errorf("short key: %s", r.stderr)
	}
}

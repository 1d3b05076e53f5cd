package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// selfSignedPEM is a CA certificate that signed nothing of the server's.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "not the server's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestSnapshot_TLS: a user the server lets in only over TLS (REQUIRE SSL)
// snapshots through `tls: {ca_file}` with the server verified against the
// CA that scripts/mariadb.sh made; without tls it is refused, and a wrong
// CA or a wrong server name fails the verification: each a clear error,
// exit 2, never a fall back to plain text, never the password shown.
func TestSnapshot_TLS(t *testing.T) {
	ca := os.Getenv("PUSHAUDIT_MYSQL_TLS_CA")
	if os.Getenv("PUSHAUDIT_MYSQL_DSN") != "" && ca == "" {
		t.Fatal("PUSHAUDIT_MYSQL_TLS_CA not set beside PUSHAUDIT_MYSQL_DSN: run via make test (scripts/mariadb.sh tls-ca)")
	}
	db, _, admin, srv := mustTwoDatabases(t)
	isolateEnv(t)
	const password = "Tls-Only-pw-42"
	user := fmt.Sprintf("pa_tls_%d", time.Now().UnixNano()%1e9)
	mustExec(t, admin,
		"CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO "+db+".t VALUES (1, 'a'), (2, '成都'), (3, NULL)",
		"CREATE USER '"+user+"'@'%' IDENTIFIED BY '"+password+"' REQUIRE SSL",
		"GRANT SELECT ON "+db+".* TO '"+user+"'@'%'")
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'%'") })
	t.Setenv("PUSHAUDIT_TEST_TLS_PW", password)
	dir := t.TempDir()
	wrongCA := MustWriteFile(t, dir, "wrong-ca.pem", string(selfSignedPEM(t)))
	config := func(name, tls string) string {
		return MustWriteFile(t, dir, name+".yaml", fmt.Sprintf(`
warehouse: %s.duckdb
snapshot: {allow_primary: true}
mysql: {addr: "%s", user: %s, password_env: PUSHAUDIT_TEST_TLS_PW%s}
sources:
  src: {database: %s}
`, name, srv.Addr, user, tls, db))
	}
	check := func(r runResult) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, password) {
			t.Errorf("the password is in the output:\n%s\n%s", r.stdout, r.stderr)
		}
	}

	r := MustRunMain(t, exitOK, "--config", config("verified", `, tls: {ca_file: "`+ca+`"}`), "snapshot")
	check(r)
	wh, err := warehouse.Open(t.Context(), filepath.Join(dir, "verified.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var v string
	if err := wh.DB().QueryRow(`SELECT count(*), string_agg(coalesce(v, '∅'), ',' ORDER BY id) FROM src.t`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	wh.Close()
	if n != 3 || v != "a,成都,∅" {
		t.Errorf("over TLS the warehouse holds %d rows %q, want 3 rows a,成都,∅", n, v)
	}

	for _, tc := range []struct{ name, tls, want string }{
		{"plain", "", "Access denied"},
		{"wrong-ca", `, tls: {ca_file: "` + wrongCA + `"}`, "certificate"},
		{"wrong-name", `, tls: {ca_file: "` + ca + `", server_name: db.example.gov.cn}`, "certificate"},
	} {
		r := MustRunMain(t, exitCannot, "--config", config(tc.name, tc.tls), "snapshot")
		check(r)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: stderr lacks %q:\n%s", tc.name, tc.want, tail(r.stderr, 10))
		}
	}
}

package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/go-sql-driver/mysql"
)

// TLS is how a source's connection is encrypted. Given at all, TLS is
// required: a server that does not offer it is an error, never a silent
// fall back to plain text.
type TLS struct {
	// CAFile is the PEM file of the CA(s) that signed the server's
	// certificate; the server is verified against it and ServerName.
	CAFile string `yaml:"ca_file,omitempty"`
	// ServerName is the name the certificate must carry (default: the
	// host of addr).
	ServerName string `yaml:"server_name,omitempty"`
	// CertFile and KeyFile are a client certificate, for a server that
	// asks for one (REQUIRE X509).
	CertFile string `yaml:"cert_file,omitempty"`
	KeyFile  string `yaml:"key_file,omitempty"`
	// SkipVerify encrypts without checking the server's certificate (a
	// test server only: anyone in the path can read the traffic).
	SkipVerify bool `yaml:"skip_verify,omitempty"`
}

// validateTLS checks what can be checked without reading the files.
func validateTLS(field string, t *TLS, bad func(string, ...any)) {
	if t == nil {
		return
	}
	if t.CAFile == "" && !t.SkipVerify {
		bad("%s.tls.ca_file: empty (give the CA that signed the server's certificate, or skip_verify: true for a test server)", field)
	}
	if t.CAFile != "" && t.SkipVerify {
		bad("%s.tls: ca_file and skip_verify: true together (skip_verify would ignore the CA)", field)
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad("%s.tls: cert_file and key_file go together", field)
	}
}

// tlsConfig builds the crypto/tls configuration of source name and
// registers it with the MySQL driver under a name of its own, which the
// DSN then carries (tls=NAME).
func (c *Config) tlsConfig(name string, conn sourceConn) (string, error) {
	t := conn.TLS
	field := conn.tlsAt + ".tls"
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.SkipVerify} //nolint:gosec // the config says so, for test servers
	cfg.ServerName = t.ServerName
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(conn.Addr)
		if err != nil {
			return "", fmt.Errorf("config: %s: addr %q is not host:port", field, conn.Addr)
		}
		cfg.ServerName = host
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(c.Path(t.CAFile))
		if err != nil {
			return "", fmt.Errorf("config: %s.ca_file: %w", field, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return "", fmt.Errorf("config: %s.ca_file: %s holds no PEM certificate", field, c.Path(t.CAFile))
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.Path(t.CertFile), c.Path(t.KeyFile))
		if err != nil {
			return "", fmt.Errorf("config: %s.cert_file/key_file: %w", field, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	key := "pushaudit-" + name
	if err := mysql.RegisterTLSConfig(key, cfg); err != nil {
		return "", fmt.Errorf("config: %s: %w", field, err)
	}
	return key, nil
}

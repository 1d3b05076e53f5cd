package snapshot

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
)

func TestRedact(t *testing.T) {
	err := redact(fmt.Errorf("connect: user:s3cret@x failed: %w", ErrSource), "s3cret", "")
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, ErrSource) {
		t.Errorf("redact = %v", err)
	}
	if got := guessPassword("u:p@ss@tcp(h:1/db"); got != "p@ss" {
		t.Errorf("guessPassword = %q", got)
	}
	if got := guessPassword("tcp(h:1)/db"); got != "" {
		t.Errorf("guessPassword without user info = %q", got)
	}
}

func TestSourceConfig(t *testing.T) {
	cfg, err := sourceConfig("audit:pw@tcp(db:3306)/biz?time_zone=%27UTC%27")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ParseTime || cfg.Loc.String() != "Asia/Shanghai" || cfg.InterpolateParams || cfg.Params["time_zone"] != "'+08:00'" {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := sourceConfig("audit:pw@tcp(db:3306)/"); err == nil {
		t.Error("DSN without database: want an error")
	}
	// A DSN without timeouts gets bounded ones (a stalled link must fail
	// the run); a DSN's own are kept.
	if cfg.Timeout != defaultDialTimeout || cfg.ReadTimeout != defaultReadTimeout || cfg.WriteTimeout != defaultWriteTimeout {
		t.Errorf("default timeouts: dial %v, read %v, write %v", cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout)
	}
	own, err := sourceConfig("audit:pw@tcp(db:3306)/biz?timeout=3s&readTimeout=2s&writeTimeout=4s")
	if err != nil {
		t.Fatal(err)
	}
	if own.Timeout != 3*time.Second || own.ReadTimeout != 2*time.Second || own.WriteTimeout != 4*time.Second {
		t.Errorf("the DSN's timeouts: dial %v, read %v, write %v; want 3s, 2s, 4s", own.Timeout, own.ReadTimeout, own.WriteTimeout)
	}
}

// TestParseReplicaStatus: a replica's lag is trusted only while both its
// threads run; stopped, its lag is unknown whatever the column says.
func TestParseReplicaStatus(t *testing.T) {
	cols := []string{"Slave_IO_State", "Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master"}
	for _, tc := range []struct {
		row     []string
		lag     string // "" for nil
		stopped bool
	}{
		{[]string{"Waiting for master", "Yes", "Yes", "0"}, "0", false},
		{[]string{"Waiting for master", "Yes", "Yes", "7200"}, "7200", false},
		{[]string{"", "Yes", "No", ""}, "", true},
		{[]string{"", "No", "Yes", "12"}, "", true},
		{[]string{"Connecting", "Connecting", "Yes", ""}, "", true},
		{[]string{"", "No", "No", ""}, "", true},
	} {
		lag, stopped, err := parseReplicaStatus(cols, tc.row)
		got := ""
		if lag != nil {
			got = strconv.FormatFloat(*lag, 'f', -1, 64)
		}
		if got != tc.lag || stopped != tc.stopped || (err != nil) != tc.stopped {
			t.Errorf("%v: lag %q, stopped %v, err %v; want %q, %v", tc.row, got, stopped, err, tc.lag, tc.stopped)
		}
	}
	// MySQL 8.0.22+ names.
	lag, stopped, err := parseReplicaStatus([]string{"Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source"}, []string{"Yes", "Yes", "3"})
	if lag == nil || *lag != 3 || stopped || err != nil {
		t.Errorf("Replica_* columns: %v, %v, %v", lag, stopped, err)
	}
}

// TestWithCause: a lost connection's error says what the socket met, once,
// and which server (an EOF names none), and keeps both errors for
// errors.Is; other errors are left alone.
func TestWithCause(t *testing.T) {
	client, server := net.Pipe()
	wire := &mysqlwire.Conn{Conn: client}
	s := &mysqlSource{wire: wire, cfg: &mysql.Config{Addr: "db.example:3306"}}
	if got := s.withCause(mysql.ErrInvalidConn); got != mysql.ErrInvalidConn {
		t.Errorf("before any socket error: %v", got)
	}
	_ = server.Close()
	if _, err := wire.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read from a closed pipe: %v", err)
	}
	for _, lost := range []error{
		fmt.Errorf("read largest keys: %w", mysql.ErrInvalidConn),
		fmt.Errorf("list tables: %w", sql.ErrConnDone),
		driver.ErrBadConn,
	} {
		got := s.withCause(lost)
		if !strings.Contains(got.Error(), "the server at db.example:3306 closed the connection (EOF)") || !errors.Is(got, io.EOF) || !errors.Is(got, lost) {
			t.Errorf("withCause(%v) = %v", lost, got)
		}
		if again := s.withCause(got); again.Error() != got.Error() {
			t.Errorf("cause added twice: %v", again)
		}
	}
	other := errors.New("Table 'x.y' doesn't exist")
	if got := s.withCause(other); got != other {
		t.Errorf("an error from the server got a socket cause: %v", got)
	}
	if got := (&mysqlSource{}).withCause(mysql.ErrInvalidConn); got != mysql.ErrInvalidConn {
		t.Errorf("no socket: %v", got)
	}
}

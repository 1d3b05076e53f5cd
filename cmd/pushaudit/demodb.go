package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// demoDBName is the embedded MySQL server's binary (cmd/pushaudit-demodb),
// built beside pushaudit by make build. PUSHAUDIT_DEMODB names another one.
const demoDBName = "pushaudit-demodb"

// demoDB is a running pushaudit-demodb child process.
type demoDB struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	dsn   string
	addr  string
}

// findDemoDB returns the path of the embedded server binary: the
// PUSHAUDIT_DEMODB environment variable, else the file beside this
// executable, else the one on PATH.
func findDemoDB() (string, error) {
	if p := os.Getenv("PUSHAUDIT_DEMODB"); p != "" {
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), demoDBName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(demoDBName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the embedded MySQL server %s is neither beside pushaudit nor on PATH (make build builds both); or give --mysql DSN", demoDBName)
}

// startDemoDB starts the embedded MySQL server and waits for its DSN. The
// server ends when close is called or this process ends (its standard
// input is this end of a pipe).
func startDemoDB(ctx context.Context, stderr io.Writer) (*demoDB, error) {
	path, err := findDemoDB()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	d := &demoDB{cmd: cmd, stdin: stdin}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case d.dsn = <-line:
	case <-ctx.Done():
		_ = d.close()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		_ = d.close()
		return nil, fmt.Errorf("%s did not start within 30 s", path)
	}
	cfg, err := mysql.ParseDSN(d.dsn)
	if d.dsn == "" || err != nil {
		_ = d.close()
		return nil, fmt.Errorf("%s did not start (see its messages above)", path)
	}
	d.addr = cfg.Addr
	return d, nil
}

// close stops the server: its standard input closes, and it is killed
// when it has not ended 10 s later.
func (d *demoDB) close() error {
	_ = d.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s: %w", demoDBName, err)
		}
		return err
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not stop within 10 s: killed", demoDBName)
	}
}

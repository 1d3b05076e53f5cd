package warehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestOpen_FileModes: a new warehouse is no more than 0640 whatever the
// umask, an existing looser one is tightened, and a folder every user may
// write into (not sticky) is refused before anything is created.
func TestOpen_FileModes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "w.duckdb")
	wh, err := warehouse.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	wh.Close()
	for p, want := range map[string]os.FileMode{path: 0o640, filepath.Dir(path): 0o750} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s: mode %04o, want %04o or stricter", p, got, want)
		}
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	wh, err = warehouse.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	wh.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("an existing 0666 warehouse is %04o after Open, want 0640", st.Mode().Perm())
	}

	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	_, err = warehouse.Open(ctx, filepath.Join(open, "w.duckdb"))
	if err == nil || !strings.Contains(err.Error(), "writable by every user") || !strings.Contains(err.Error(), open) {
		t.Errorf("a world-writable folder: err = %v, want it refused by name", err)
	}
	if _, serr := os.Stat(filepath.Join(open, "w.duckdb")); serr == nil {
		t.Error("a warehouse was created in the refused folder")
	}
	if err := os.Chmod(open, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if err := warehouse.CheckDir(open); err != nil {
		t.Errorf("a sticky folder like /tmp is refused: %v", err)
	}
}

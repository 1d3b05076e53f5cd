package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The modes of what pushaudit writes: the warehouse holds a full copy of
// the audited system's data (personal data among it) and the workbooks
// its findings, so neither is readable by every user of the host.
const (
	FileMode fs.FileMode = 0o640
	DirMode  fs.FileMode = 0o750
)

// CheckDir refuses a folder pushaudit is about to write into when every
// user of the host may write there (and it is not a sticky folder such as
// /tmp, where only a file's owner may replace it): anyone could swap the
// warehouse or a workbook. A folder that does not exist yet is fine (it
// is created DirMode).
func CheckDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if m := st.Mode(); m.Perm()&0o002 != 0 && m&fs.ModeSticky == 0 {
		return fmt.Errorf("folder %s is writable by every user (mode %04o): make it %04o or stricter", dir, m.Perm(), DirMode)
	}
	return nil
}

// Restrict takes from path (when it exists) every permission beyond
// FileMode; it never adds one.
func Restrict(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if m := st.Mode().Perm(); m&^FileMode != 0 {
		return os.Chmod(path, m&FileMode)
	}
	return nil
}

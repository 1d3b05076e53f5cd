package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileState keeps the last tick of every job in a small JSON file, written
// whole to a temporary file and renamed, so a crash leaves the old or the
// new file, never half of one.
type FileState struct {
	Path string
	mu   sync.Mutex // one write at a time
	mem  MemState
}

// Load reads the file; a missing file is an empty state.
func (f *FileState) Load() (map[string]time.Time, error) {
	last := map[string]time.Time{}
	b, err := os.ReadFile(f.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("schedule state: %w", err)
	default:
		if err := json.Unmarshal(b, &last); err != nil {
			return nil, fmt.Errorf("schedule state %s: %w", f.Path, err)
		}
	}
	f.mem.mu.Lock()
	f.mem.Last = last
	f.mem.mu.Unlock()
	return f.mem.Load()
}

// Save records job's last successful tick.
func (f *FileState) Save(job string, tick time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.mem.Save(job, tick); err != nil {
		return err
	}
	last, err := f.mem.Load()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(last, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), filepath.Base(f.Path)+".*")
	if err != nil {
		return fmt.Errorf("schedule state: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("schedule state: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("schedule state: %w", err)
	}
	return nil
}

// MemState keeps the last ticks in memory (tests, and a daemon with no
// state file).
type MemState struct {
	mu   sync.Mutex
	Last map[string]time.Time
}

// Load returns a copy of the ticks.
func (m *MemState) Load() (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyState(m.Last), nil
}

// Save records a tick.
func (m *MemState) Save(job string, tick time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Last == nil {
		m.Last = map[string]time.Time{}
	}
	m.Last[job] = tick
	return nil
}

func copyState(m map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Record is what the engine remembers of one message to one receiver:
// when it was delivered, or how often delivering it failed.
type Record struct {
	Group    string `json:"group"`
	Receiver string `json:"receiver"`
	Finding  string `json:"finding"`
	Kind     Kind   `json:"kind"`
	// SentAt is when it was delivered (zero: not yet).
	SentAt time.Time `json:"sent_at,omitzero"`
	// Failures counts deliveries given up on after every retry; LastError
	// is the last one's error, redacted.
	Failures    int       `json:"failures,omitempty"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Store keeps the engine's records across restarts, so a restarted
// daemon does not send again what it sent (de-duplication by finding id
// and kind).
type Store interface {
	Load() (map[string]Record, error)
	Save(map[string]Record) error
}

// MemoryStore keeps the records in memory: a restart forgets them.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]Record
}

var (
	_ Store = (*MemoryStore)(nil)
	_ Store = (*FileStore)(nil)
)

// Load implements Store.
func (s *MemoryStore) Load() (map[string]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.m), nil
}

// Save implements Store.
func (s *MemoryStore) Save(m map[string]Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = clone(m)
	return nil
}

func clone(m map[string]Record) map[string]Record {
	out := make(map[string]Record, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// FileStore keeps the records in a JSON file, replaced atomically on
// each save (a crash leaves the previous file whole).
type FileStore struct {
	Path string
}

type stateFile struct {
	Version int               `json:"version"`
	Records map[string]Record `json:"records"`
}

// Load implements Store; a missing file is an empty state.
func (s *FileStore) Load() (map[string]Record, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("alert state %s: %w", s.Path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("alert state %s: version %d, want 1", s.Path, f.Version)
	}
	if f.Records == nil {
		f.Records = map[string]Record{}
	}
	return f.Records, nil
}

// Save implements Store.
func (s *FileStore) Save(m map[string]Record) error {
	b, err := json.MarshalIndent(stateFile{Version: 1, Records: m}, "", " ")
	if err != nil {
		return fmt.Errorf("alert state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), filepath.Base(s.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("alert state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("alert state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("alert state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("alert state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("alert state: %w", err)
	}
	return nil
}

// limiter allows at most limit messages in any span of per (a sliding
// window over the injected clock).
type limiter struct {
	limit int
	per   time.Duration
	sent  []time.Time
}

// allow reports whether one more message may go at now.
func (l *limiter) allow(now time.Time) bool {
	if l.limit <= 0 || l.per <= 0 {
		return true
	}
	keep := l.sent[:0]
	for _, t := range l.sent {
		if now.Sub(t) < l.per {
			keep = append(keep, t)
		}
	}
	l.sent = keep
	return len(l.sent) < l.limit
}

// record counts a message sent at now.
func (l *limiter) record(now time.Time) { l.sent = append(l.sent, now) }

package config

import (
	"fmt"
	"maps"
	"slices"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Masks returns the parsed mask rules of source name, by table and
// column; Validate has checked them.
func (c *Config) Masks(name string) map[string]map[string]pipelines.Mask {
	out := map[string]map[string]pipelines.Mask{}
	for table, cols := range c.Sources[name].Masks {
		for col, rule := range cols {
			m, err := pipelines.ParseMask(rule)
			if err != nil {
				continue // reported by Validate
			}
			if out[table] == nil {
				out[table] = map[string]pipelines.Mask{}
			}
			out[table][col] = m
		}
	}
	return out
}

// usesHash reports whether any source hashes a column.
func (c *Config) usesHash() bool {
	for name := range c.Sources {
		for _, cols := range c.Masks(name) {
			for _, m := range cols {
				if m.Kind == pipelines.MaskHash {
					return true
				}
			}
		}
	}
	return false
}

// minMaskKey is the shortest hash key accepted: a short key lets anyone
// who guesses it hash every phone number and read the column back.
const minMaskKey = 16

// MaskKey reads the key of the hash mask from snapshot.mask_key_env or
// snapshot.mask_key_file; nil when no source hashes a column.
func (c *Config) MaskKey() ([]byte, error) {
	if !c.usesHash() {
		return nil, nil
	}
	s := c.Snapshot
	key, err := c.readSecret("snapshot", "mask_key", s.MaskKeyEnv, s.MaskKeyFile)
	if err != nil {
		return nil, err
	}
	if len(key) < minMaskKey {
		return nil, fmt.Errorf("config: snapshot: the hash mask key (mask_key_env or mask_key_file) has %d bytes, fewer than %d", len(key), minMaskKey)
	}
	return []byte(key), nil
}

// validateMasks checks the masks of source name; bad is Validate's
// collector.
func (c *Config) validateMasks(name string, s Source, bad func(string, ...any)) {
	for _, table := range slices.Sorted(maps.Keys(s.Masks)) {
		cols := s.Masks[table]
		if len(cols) == 0 {
			bad("sources.%s.masks.%s: no columns", name, table)
		}
		for _, col := range slices.Sorted(maps.Keys(cols)) {
			rule := cols[col]
			if rule == "" {
				bad("sources.%s.masks.%s.%s: empty (write \"null\" in quotes: unquoted, null is YAML's nothing)", name, table, col)
			} else if _, err := pipelines.ParseMask(rule); err != nil {
				bad("sources.%s.masks.%s.%s: %v", name, table, col, err)
			}
			if p, ok := s.Policies[table]; ok && p.Watermark != "" && p.Watermark == col {
				bad("sources.%s.masks.%s.%s: the column is the table's watermark; masking it would break the incremental load", name, table, col)
			}
		}
	}
}

// validateMaskKey checks that a config hashing a column says where its key
// is.
func (c *Config) validateMaskKey(bad func(string, ...any)) {
	s := c.Snapshot
	if s.MaskKeyEnv != "" && s.MaskKeyFile != "" {
		bad("snapshot: give mask_key_env or mask_key_file, not both")
	}
	if c.usesHash() && s.MaskKeyEnv == "" && s.MaskKeyFile == "" {
		bad("snapshot.mask_key_env or snapshot.mask_key_file: a source hashes a column, and the hash needs a secret key")
	}
}

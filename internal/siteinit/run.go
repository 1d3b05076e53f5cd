package siteinit

import (
	"context"
	"fmt"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Run inspects the databases of dsns and maps the catalog onto them: the
// roles, the resources, the push log's status spellings and which sources
// sit on a writable server.
func Run(ctx context.Context, cat *pipelines.Catalog, dsns []string) (*Mapping, error) {
	dbs, err := Inspect(ctx, dsns)
	if err != nil {
		return nil, err
	}
	if len(dbs) == 0 {
		return nil, fmt.Errorf("no readable database with tables behind the DSNs given")
	}
	m, err := Match(cat, dbs)
	if err != nil {
		return nil, err
	}
	for _, s := range m.Sources {
		if s.DB == nil {
			continue
		}
		db, _, err := Open(ctx, s.DB.dsn)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Role.Source, err)
		}
		var ro int
		if err := db.QueryRowContext(ctx, "SELECT @@read_only").Scan(&ro); err == nil && ro == 0 {
			m.Writable = append(m.Writable, s.Role.Source)
		}
		if m.PushLog != nil && s.Role.Source == m.PushLog.Source {
			if err := m.PushLog.ReadStatuses(ctx, db, s.DB.Name); err != nil {
				db.Close()
				return nil, fmt.Errorf("source %s: %w", s.Role.Source, err)
			}
		}
		db.Close()
	}
	return m, nil
}

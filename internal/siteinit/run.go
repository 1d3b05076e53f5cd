package siteinit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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
			err := m.PushLog.ReadStatuses(ctx, db, s.DB.Name)
			if err == nil {
				m.OnceAt, err = m.PushLog.onceDay(ctx, db, s.DB.Name, cat)
			}
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("source %s: %w", s.Role.Source, err)
			}
		}
		db.Close()
	}
	return m, nil
}

// onceDay is the day the one-time resources were first pushed, by the
// push log ("" when it logs none).
func (p *PushLogMatch) onceDay(ctx context.Context, db *sql.DB, database string, cat *pipelines.Catalog) (string, error) {
	res, start := p.Table.SiteColumn("resource"), p.Table.SiteColumn("window_start")
	if res == nil || start == nil {
		return "", nil
	}
	var keys []any
	for _, r := range cat.Resources {
		if r.Cadence == pipelines.Once {
			keys = append(keys, r.Key)
		}
	}
	if len(keys) == 0 {
		return "", nil
	}
	q := fmt.Sprintf("SELECT MIN(%s) FROM %s.%s WHERE %s IN (%s)", quoteIdent(start.Name), quoteIdent(database), quoteIdent(p.Table.Site.Name),
		quoteIdent(res.Name), pipelines.Placeholders(len(keys)))
	var t sql.NullTime
	if err := db.QueryRowContext(ctx, q, keys...).Scan(&t); err != nil {
		return "", fmt.Errorf("push log: first one-time push: %w", err)
	}
	if !t.Valid {
		return "", nil
	}
	return t.Time.In(pipelines.Shanghai).Format(time.DateOnly), nil
}

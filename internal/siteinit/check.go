package siteinit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Problem is one thing wrong with the mapping: the resource (target/key,
// or "push_log") and the field of its catalog entry or config.
type Problem struct {
	Resource string
	Field    string
	Msg      string
}

func (p Problem) String() string { return p.Resource + ": " + p.Field + ": " + p.Msg }

// pushLogTable is the one place the checks read where the push log is:
// its source and table (evidence.push_log).
func pushLogTable(c *config.Config) (source, table string) {
	pl := c.Evidence.PushLog.Table()
	if pl == "" {
		pl = pipelines.DefaultPushLog
	}
	source, table, _ = strings.Cut(pl, ".")
	return source, table
}

// pushLogColumn is the site's column of a push-log field (rows_sent,
// status, …), as evidence.push_log.columns maps it.
func pushLogColumn(c *config.Config, field string) string { return c.Evidence.PushLog.Column(field) }

// pushLogSuccess is the spelling of a successful push
// (evidence.push_log.status_ok, default success).
func pushLogSuccess(c *config.Config) []string {
	if ok := c.Evidence.PushLog.StatusOK; len(ok) > 0 {
		return ok
	}
	return []string{"success"}
}

// Checker validates a site catalog against the live databases.
type Checker struct {
	Config  *config.Config
	Catalog *pipelines.Catalog
	Now     time.Time

	conns map[string]*sql.DB  // by source
	addrs map[string]string   // source → server address
	names map[string]string   // source → database
	cols  map[string][]string // source.table → columns (lower case)
}

// Check runs every check and returns the problems found, in catalog
// order. The error is for a check that could not run at all (a source
// down).
func (k *Checker) Check(ctx context.Context) ([]Problem, error) {
	k.conns, k.addrs, k.names, k.cols = map[string]*sql.DB{}, map[string]string{}, map[string]string{}, map[string][]string{}
	defer func() {
		for _, db := range k.conns {
			db.Close()
		}
	}()
	for _, name := range k.Config.SourceNames() {
		dsn, err := k.Config.DSN(name)
		if err != nil {
			return nil, err
		}
		db, cfg, err := Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
		k.conns[name], k.addrs[name], k.names[name] = db, cfg.Addr, cfg.DBName
	}
	var out []Problem
	out = append(out, k.checkPushLog(ctx)...)
	for i := range k.Catalog.Resources {
		res := &k.Catalog.Resources[i]
		if res.Mode == pipelines.ModeReceipt {
			continue
		}
		ps, err := k.checkResource(ctx, res)
		if err != nil {
			return out, fmt.Errorf("%s: %w", res.ID(), err)
		}
		out = append(out, ps...)
	}
	return append(out, k.checkCounters(ctx)...), nil
}

// checkCounters runs every statistics counter's expression over the
// business cases (biz.cases c, as the statistics check does), LIMIT 0.
func (k *Checker) checkCounters(ctx context.Context) []Problem {
	if len(k.Catalog.StatsCounters) == 0 || k.conns["biz"] == nil {
		return nil
	}
	var out []Problem
	p := pipelines.Params{"as_of": pipelines.TimeParam(k.Now)}
	for i, c := range k.Catalog.StatsCounters {
		field := fmt.Sprintf("stats_counters[%d] (%s).expr", i, c.Name)
		q, err := pipelines.Render("SELECT "+c.Expr+" FROM biz.cases c LIMIT 0", p)
		if err == nil {
			_, err = k.conns["biz"].ExecContext(ctx, pipelines.RenameSchemas(q, k.names))
		}
		if err != nil {
			out = append(out, Problem{pipelines.StatsTarget + "/" + pipelines.StatsResource, field, err.Error()})
		}
	}
	return out
}

// columns returns the columns of source.table (lower case), nil when the
// table is missing.
func (k *Checker) columns(ctx context.Context, source, table string) ([]string, error) {
	id := source + "." + table
	if c, ok := k.cols[id]; ok {
		return c, nil
	}
	db := k.conns[source]
	rows, err := db.QueryContext(ctx, "SELECT LOWER(column_name) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", k.names[source], table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	k.cols[id] = out
	return out, rows.Err()
}

func has(cols []string, c string) bool {
	for _, x := range cols {
		if x == strings.ToLower(c) {
			return true
		}
	}
	return false
}

// pushLogFields are the push-log fields the reconciliation reads.
var pushLogFields = []string{"target", "resource", "window_start", "window_end", "batch_id", "rows_sent", "status", "started_at", "finished_at"}

func (k *Checker) checkPushLog(ctx context.Context) []Problem {
	src, table := pushLogTable(k.Config)
	if k.conns[src] == nil {
		return []Problem{{"push_log", "evidence.push_log", fmt.Sprintf("source %q is not in the config", src)}}
	}
	cols, err := k.columns(ctx, src, table)
	if err != nil {
		return []Problem{{"push_log", "evidence.push_log", err.Error()}}
	}
	if len(cols) == 0 {
		return []Problem{{"push_log", "evidence.push_log", fmt.Sprintf("table %s not found in %s", table, k.names[src])}}
	}
	var out []Problem
	for _, f := range pushLogFields {
		if c := pushLogColumn(k.Config, f); !has(cols, c) {
			out = append(out, Problem{"push_log", "evidence.push_log.columns." + f, fmt.Sprintf("%s.%s has no column %s", src, table, c)})
		}
	}
	return out
}

var schemaRefRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.])([a-z][a-z0-9_]*)\.[a-z_]`)

// sourceOf is the source whose server runs res's SQL: the sources it
// names must share one server.
func (k *Checker) sourceOf(sqlText string) (string, error) {
	var srcs []string
	seen := map[string]bool{}
	for _, m := range schemaRefRE.FindAllStringSubmatch(sqlText, -1) {
		if _, ok := k.conns[m[1]]; ok && !seen[m[1]] {
			seen[m[1]] = true
			srcs = append(srcs, m[1])
		}
	}
	if len(srcs) == 0 {
		return "", errors.New("names no configured source")
	}
	for _, s := range srcs[1:] {
		if k.addrs[s] != k.addrs[srcs[0]] {
			return "", fmt.Errorf("joins sources on different servers (%s, %s): cannot run on one", srcs[0], s)
		}
	}
	return srcs[0], nil
}

// render gives the MySQL text of a catalog SQL for window w.
func (k *Checker) render(q string, w pipelines.Window) (string, error) {
	q, err := pipelines.Render(q, pipelines.WindowParams(w, w.End))
	if err != nil {
		return "", err
	}
	return pipelines.RenameSchemas(q, k.names), nil
}

// recentWindow is the window of res to check: its last logged successful
// push that carried rows (else its last successful push), else the last complete window of its cadence (the one-time day
// for a once resource). The batches are that push's.
func (k *Checker) recentWindow(ctx context.Context, res *pipelines.Resource) (pipelines.Window, []string, int64, error) {
	src, table := pushLogTable(k.Config)
	if db := k.conns[src]; db != nil {
		col := func(f string) string { return quoteIdent(pushLogColumn(k.Config, f)) }
		ok := pushLogSuccess(k.Config)
		marks := pipelines.Placeholders(len(ok))
		q := fmt.Sprintf("SELECT %s, %s FROM %s.%s WHERE %s = ? AND %s = ? AND %s IN (%s) AND %s <= ? ORDER BY CASE WHEN %s > 0 THEN 1 ELSE 0 END DESC, %s DESC LIMIT 1",
			col("window_start"), col("window_end"), quoteIdent(k.names[src]), quoteIdent(table), col("target"), col("resource"), col("status"), marks, col("window_end"), col("rows_sent"), col("window_start"))
		args := []any{res.Target, res.Key}
		for _, s := range ok {
			args = append(args, s)
		}
		args = append(args, k.Now.In(pipelines.Shanghai).Format(time.DateTime))
		var w pipelines.Window
		err := db.QueryRowContext(ctx, q, args...).Scan(&w.Start, &w.End)
		switch {
		case err == nil:
			w.Start, w.End = w.Start.In(pipelines.Shanghai), w.End.In(pipelines.Shanghai)
			ids, claimed, err := k.batches(ctx, res, w)
			return w, ids, claimed, err
		case !errors.Is(err, sql.ErrNoRows):
			return pipelines.Window{}, nil, 0, fmt.Errorf("push log: %w", err)
		}
	}
	if res.Cadence == pipelines.Once {
		return pipelines.OneTimeWindow(k.Config.OnceDate()), nil, 0, nil
	}
	sch, err := k.Config.ScheduleSet().Of(res.Cadence)
	if err != nil {
		return pipelines.Window{}, nil, 0, err
	}
	w, err := sch.WindowAt(k.Now)
	if err != nil {
		return pipelines.Window{}, nil, 0, err
	}
	cur := w
	w.End, w.Start = cur.Start, cur.Start.Add(-cur.End.Sub(cur.Start))
	return w, nil, 0, nil
}

// batches are the successful batches the push log holds for res's window
// w, and the rows they claim.
func (k *Checker) batches(ctx context.Context, res *pipelines.Resource, w pipelines.Window) ([]string, int64, error) {
	src, table := pushLogTable(k.Config)
	col := func(f string) string { return quoteIdent(pushLogColumn(k.Config, f)) }
	ok := pushLogSuccess(k.Config)
	marks := pipelines.Placeholders(len(ok))
	q := fmt.Sprintf("SELECT CAST(%s AS CHAR), %s FROM %s.%s WHERE %s = ? AND %s = ? AND %s = ? AND %s IN (%s)",
		col("batch_id"), col("rows_sent"), quoteIdent(k.names[src]), quoteIdent(table), col("target"), col("resource"), col("window_start"), col("status"), marks)
	args := []any{res.Target, res.Key, w.Start.Format(time.DateTime)}
	for _, s := range ok {
		args = append(args, s)
	}
	rows, err := k.conns[src].QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("push log: %w", err)
	}
	defer rows.Close()
	var ids []string
	var claimed int64
	for rows.Next() {
		var id string
		var n sql.NullInt64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, 0, err
		}
		ids, claimed = append(ids, id), claimed+n.Int64
	}
	return ids, claimed, rows.Err()
}

// addProblem records a problem of the resource being checked: the field
// of its catalog entry or config, and a message as fmt.Sprintf formats it.
type addProblem func(field, format string, args ...any)

// checkResource checks res against the live databases, in order: its
// front-end table, that its source SQL runs, when a source row last
// changed, that its key is unique at the source, and that one recent
// window reconciles. The error is for a check that could not run at all.
func (k *Checker) checkResource(ctx context.Context, res *pipelines.Resource) ([]Problem, error) {
	id := res.ID()
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{id, field, fmt.Sprintf(format, args...)})
	}
	tgt, ok := k.Catalog.Target(res.Target)
	if !ok {
		add("target", "%q is not a target", res.Target)
		return out, nil
	}
	// the evidence table and its columns
	fe := tgt.Database
	evidenceOK, err := k.checkEvidenceTable(ctx, res, fe, add)
	if err != nil {
		return nil, err
	}
	// the source SQL runs
	sq, ok := k.sourceQuery(ctx, res, add)
	if !ok {
		return out, nil
	}
	// when a source row last changed (rows resources whose values are
	// compared): a wrong expression would end every reconcile of it.
	if res.Mode == pipelines.ModeRows && res.ChangedAt != "" {
		k.checkChangedAt(ctx, res, sq, add)
	}
	// the key is unique at the source
	if !k.checkUniqueKey(ctx, res, sq, add) {
		return out, nil
	}
	// one recent window reconciles
	if len(sq.batches) == 0 {
		add("push_log", "no successful push of this resource logged up to %s: the window %s cannot be reconciled", k.Now.In(pipelines.Shanghai).Format(time.DateTime), sq.w)
		return out, nil
	}
	if !evidenceOK {
		return out, nil
	}
	k.checkWindowCounts(ctx, res, fe, sq, add)
	return out, nil
}

// checkEvidenceTable checks that the front-end source fe is configured
// and holds res's table with its columns, batch_id and arrived_at. It
// reports whether the table can be counted for a window (every column
// and batch_id there); the error is for a query that failed.
func (k *Checker) checkEvidenceTable(ctx context.Context, res *pipelines.Resource, fe string, add addProblem) (bool, error) {
	evidenceOK := false
	if k.conns[fe] == nil {
		add("target", "front-end source %s is not in the config", fe)
	} else if cols, err := k.columns(ctx, fe, res.Table); err != nil {
		return false, err
	} else if len(cols) == 0 {
		add("table", "%s has no table %s", k.names[fe], res.Table)
	} else {
		evidenceOK = true
		for i, c := range res.Columns {
			if !has(cols, c.Name) {
				add(fmt.Sprintf("columns[%d] (%s)", i, c.Name), "%s.%s has no column %s", fe, res.Table, c.Name)
				evidenceOK = false
			}
		}
		if !has(cols, pipelines.EvidenceBatchID) {
			add("table", "%s.%s has no %s column and the catalog names no window column", fe, res.Table, pipelines.EvidenceBatchID)
			evidenceOK = false
		}
		if !has(cols, pipelines.EvidenceArrivedAt) {
			add("table", "%s.%s has no %s column", fe, res.Table, pipelines.EvidenceArrivedAt)
		}
	}
	return evidenceOK, nil
}

// windowQuery is res's source SQL rendered for the window checked, with
// the source it runs at and the push log's batches of that window and
// the rows they claim.
type windowQuery struct {
	db      *sql.DB
	w       pipelines.Window
	q       string
	batches []string
	claimed int64
}

// sourceQuery finds res's source and recent window and renders its
// source SQL, which must run there (LIMIT 0). It reports false after
// adding the problem that stops the checks of res.
func (k *Checker) sourceQuery(ctx context.Context, res *pipelines.Resource, add addProblem) (windowQuery, bool) {
	src, err := k.sourceOf(res.SourceSQL())
	if err != nil {
		add("from", "%v", err)
		return windowQuery{}, false
	}
	w, batches, claimed, err := k.recentWindow(ctx, res)
	if err != nil {
		add("cadence", "%v", err)
		return windowQuery{}, false
	}
	q, err := k.render(res.SourceSQL(), w)
	if err != nil {
		add("where", "%v", err)
		return windowQuery{}, false
	}
	db := k.conns[src]
	if _, err := db.ExecContext(ctx, q+" LIMIT 0"); err != nil {
		field, msg := k.locate(ctx, db, res, w, err)
		add(field, "%s", msg)
		return windowQuery{}, false
	}
	return windowQuery{db: db, w: w, q: q, batches: batches, claimed: claimed}, true
}

// checkChangedAt checks that res's changed_at expression renders and
// runs at the source (LIMIT 0).
func (k *Checker) checkChangedAt(ctx context.Context, res *pipelines.Resource, sq windowQuery, add addProblem) {
	probe := *res
	probe.Columns = []pipelines.Column{{Name: "changed_at", Expr: res.ChangedAt}}
	if pq, err := k.render(probe.SourceSQL(), sq.w); err != nil {
		add("changed_at", "%v", err)
	} else if _, err := sq.db.ExecContext(ctx, pq+" LIMIT 0"); err != nil {
		add("changed_at", "%s does not run at the source: %v", res.ChangedAt, err)
	}
}

// checkUniqueKey counts the keys of res that appear more than once at
// the source in the window. It reports false when the count failed (the
// problem is added), which stops the checks of res.
func (k *Checker) checkUniqueKey(ctx context.Context, res *pipelines.Resource, sq windowQuery, add addProblem) bool {
	keys := strings.Join(res.KeyColumns, ", ")
	var dups int64
	dq := fmt.Sprintf("SELECT COUNT(*) FROM (SELECT %s FROM (%s) q GROUP BY %s HAVING COUNT(*) > 1) d", keys, sq.q, keys)
	if err := sq.db.QueryRowContext(ctx, dq).Scan(&dups); err != nil {
		add("key_columns", "%v", err)
		return false
	}
	if dups > 0 {
		add("key_columns", "%d keys (%s) appear more than once at the source in window %s", dups, keys, sq.w)
	}
	return true
}

// checkWindowCounts reconciles the window: the rows expected at the
// source, claimed by the push log and received in the front-end table
// fe (under the window's batches) must agree.
func (k *Checker) checkWindowCounts(ctx context.Context, res *pipelines.Resource, fe string, sq windowQuery, add addProblem) {
	var expected, received int64
	if err := sq.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+sq.q+") q").Scan(&expected); err != nil {
		add("from", "%v", err)
		return
	}
	marks := pipelines.Placeholders(len(sq.batches))
	rq := fmt.Sprintf("SELECT COUNT(*) FROM %s.%s WHERE %s IN (%s)", quoteIdent(k.names[fe]), quoteIdent(res.Table), pipelines.EvidenceBatchID, marks)
	args := make([]any, len(sq.batches))
	for i, b := range sq.batches {
		args[i] = b
	}
	if err := k.conns[fe].QueryRowContext(ctx, rq, args...).Scan(&received); err != nil {
		add("table", "%v", err)
		return
	}
	if expected != received || sq.claimed != received {
		add("window", "%s does not reconcile: expected %d, claimed %d, received %d", sq.w, expected, sq.claimed, received)
	}
}

// locate finds which part of res's SQL fails: a column's expr, the from
// clause or the where clause.
func (k *Checker) locate(ctx context.Context, db *sql.DB, res *pipelines.Resource, w pipelines.Window, whole error) (string, string) {
	from, err := k.render(res.From, w)
	if err != nil {
		return "from", err.Error()
	}
	if _, err := db.ExecContext(ctx, "SELECT 1 FROM "+from+" LIMIT 0"); err != nil {
		return "from", err.Error()
	}
	for i, c := range res.Columns {
		e, err := k.render(c.Expr, w)
		if err != nil {
			return fmt.Sprintf("columns[%d] (%s).expr", i, c.Name), err.Error()
		}
		if _, err := db.ExecContext(ctx, "SELECT "+e+" FROM "+from+" LIMIT 0"); err != nil {
			return fmt.Sprintf("columns[%d] (%s).expr", i, c.Name), err.Error()
		}
	}
	if res.Where != "" {
		wh, err := k.render(res.Where, w)
		if err != nil {
			return "where", err.Error()
		}
		if _, err := db.ExecContext(ctx, "SELECT 1 FROM "+from+" WHERE "+wh+" LIMIT 0"); err != nil {
			return "where", err.Error()
		}
	}
	return "from", whole.Error()
}

package snapshot

import (
	"github.com/chengdu-cgw/pushaudit/pipelines"

	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// The public types of Snapshot: sources and their policies, options, and
// the report.

// Table statuses of audit.snapshots.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
	// StatusInexact: published, but its rows are known to differ from the
	// source (the count disagreed and a key-set repair did not fix it):
	// the source is not trusted, its windows are unverifiable.
	StatusInexact = "inexact"
)

// How rows were read (TableReport.ReadPath).
const (
	// ReadPathWire: binary rows decoded off the connection's socket
	// straight into Arrow (internal/mysqlwire, internal/mysqlarrow).
	ReadPathWire = "wire"
	// ReadPathDriver: through go-sql-driver's rows, on a connection with
	// TLS or compression.
	ReadPathDriver = "driver"
)

// Load policies of a table.
const (
	// PolicyFull copies the whole table every run.
	PolicyFull = "full"
	// PolicyIncremental reads the rows whose watermark column is >= the
	// last snapshot's largest value and merges them by primary key;
	// deleted rows are found by a periodic key-set comparison.
	PolicyIncremental = "incremental"
	// PolicyAppend reads the rows whose primary key is above the last
	// snapshot's largest: for insert-only tables such as GPS tracks.
	PolicyAppend = "append"
)

// TablePolicy says how one table is loaded.
type TablePolicy struct {
	Policy string // PolicyFull (the default), PolicyIncremental or PolicyAppend
	// Watermark is the column of PolicyIncremental, e.g. updated_at.
	Watermark string
	// KeyCheckEvery is how often PolicyIncremental compares the key sets
	// of the source and the warehouse to remove deleted rows: when the
	// last comparison is at least this old. 0 compares every run; a
	// negative value never.
	KeyCheckEvery time.Duration
	// CountEvery is how often the source's COUNT(*) of this table (a
	// delta one) is read when the table changed since its last count that
	// agreed (the check that finds rows deleted at the source): 0 every
	// run; d > 0 when that count is older than d less the table's own
	// offset (up to d/2, from its name), so that the counts of a site
	// spread over the runs instead of falling due together. Whatever it
	// is, a table without a commit since the count that agreed (its
	// change token unmoved) or an unchanged full table is not counted; a
	// table read in full, a key-set comparison and a verification always
	// count (count.go).
	CountEvery time.Duration
}

// Source is one MySQL database to snapshot.
type Source struct {
	// Name is the warehouse schema the tables land in: biz, stats,
	// exchange, fe_city_gov, …
	Name string
	// DSN is a go-sql-driver DSN including the database name. ParseTime,
	// Loc, interpolateParams and time_zone are set by Snapshot.
	DSN string
	// Tables to copy; empty means every base table of the database.
	Tables []string
	// Policies by table name; a table not listed is loaded in full.
	Policies map[string]TablePolicy
	// Masks hide personal data: by table, then column (see mask.go).
	Masks map[string]map[string]pipelines.Mask
	// MaskKey is the key of the hash mask; it never leaves the process.
	MaskKey []byte
}

// Options tunes Snapshot.
type Options struct {
	// AllowPrimary permits reading a server with @@read_only = 0. Without
	// it such a source is refused: heavy reads go to replicas.
	AllowPrimary bool
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called every 50,000 rows of a table and when
	// the table is loaded (before its count is checked), with the rows
	// loaded so far. Calls are never concurrent; a table's come in order,
	// but a source's next table may begin before the one before is
	// loaded, and other sources' calls come in between.
	Progress func(source, table string, rows int64)
	// OnProgress, when set, receives the same events with the table's
	// COUNT(*) and the time spent, for rates and ETAs.
	OnProgress func(ProgressEvent)
	// ChunkRows is the first chunk size of a chunked read (default
	// 491,520 rows, four DuckDB row groups: see firstChunkRows);
	// ChunkTime the time per chunk the size adapts toward (default 2 s;
	// negative keeps the size fixed at ChunkRows).
	ChunkRows int
	ChunkTime time.Duration
	// Throttle limits the load on the source; the zero value does not.
	Throttle Throttle
	// Parallel is how many sources are snapshotted at once, each on its
	// own source and warehouse connection, in its own consistent
	// snapshot as always (default 1: one after the other). The tables of
	// one source are still read in one transaction, one after another.
	Parallel int
	// WarehouseThreads and WarehouseMemory are DuckDB's threads and
	// memory_limit while loading (default 1 and 160 MB per source loading at once: the inserts
	// stream, and the other core is left to reading the source); the
	// previous settings are restored afterwards.
	WarehouseThreads int
	WarehouseMemory  string
	// ParquetDir, when set, also receives every published table as
	// Parquet: ParquetDir/source/table/data.parquet.
	ParquetDir string
	// CopyUnchanged copies full tables even when their change token says
	// they did not change (unchanged.go).
	CopyUnchanged bool
	// Verify compares checksums of key ranges of tables with the source
	// after publishing, in the same snapshot, and re-reads the ranges that
	// differ (verify.go): the tables named by source ("biz" or
	// "biz.cases"), or every table when VerifyAll.
	Verify    []string
	VerifyAll bool
	// VerifyChunkRows is the rows per checksum chunk (default 1,000).
	VerifyChunkRows int
	// CountAll counts every table this run, whatever the tables'
	// CountEvery and change tokens say.
	CountAll bool

	hooks hooks
}

// ProgressEvent is the progress of one table.
type ProgressEvent struct {
	Source, Table string
	Rows          int64 // loaded so far, resumed rows included
	Total         int64 // the server's estimate of the rows (InnoDB's TABLE_ROWS); -1 when unknown
	Resumed       int64 // rows kept from an interrupted run
	Elapsed       time.Duration
	Done          bool
}

// hooks let tests reach into a load.
type hooks struct {
	// afterLoad runs when a table is in its staging table, before the
	// count check.
	afterLoad func(ctx context.Context, conn *sql.Conn, schema, stage string) error
	// afterChunk runs when a chunk is committed.
	afterChunk func(schema, table string, chunks, rows int64)
}

// progressEvery is how many rows pass between Progress calls.
const progressEvery = 50_000

// Report says what Snapshot did, source by source.
type Report struct {
	RunID   string
	Sources []*SourceReport
}

// SourceReport is the outcome of one source.
type SourceReport struct {
	Name          string
	Database      string // MySQL database name
	Addr          string // server address, never the DSN
	ReadMode      string // ReadModeSnapshotReadOnly or ReadModeSnapshotSessionReadOnly
	ServerVersion string
	BinlogPos     string   // GTID set or file:pos; "" when unknown
	ReplicaLag    *float64 // seconds; nil when not a replica or unknown
	// ReplicaStopped: a replica that was not replicating (serverInfo).
	ReplicaStopped bool
	SnapshotAt     time.Time // server NOW() at the snapshot, Asia/Shanghai
	Tables         []*TableReport
	Published      bool  // the new snapshot replaced the previous one
	Err            error // why not, when not
}

// TableReport is the outcome of one table.
type TableReport struct {
	Name       string // "*" stands for every table when a source failed before listing them
	Status     string // StatusOK or StatusFailed
	RowsLoaded int64
	RowsSource int64 // COUNT(*) in the snapshot; -1 when not read
	StartedAt  time.Time
	FinishedAt time.Time
	Anomalies  []Anomaly
	Err        error

	ReadWhole   bool   // no single integer primary key: read in one query, not resumable
	ReadPath    string // ReadPathWire or ReadPathDriver
	ChunkKey    string // the primary-key column chunks were cut on
	Chunks      int64  // chunks committed, resumed ones included
	ResumedRows int64  // rows kept from an interrupted run

	Policy                         string // the table's policy
	Delta                          bool   // only changed rows were read (incremental, append)
	DeltaRows                      int64  // rows read by a delta run
	DeletedRows                    int64  // rows removed by a key-set comparison
	KeyCheck                       bool   // the key sets were compared this run
	CountSkipped                   bool   // the source's COUNT(*) was not due this run (TablePolicy.CountEvery): RowsSource is -1
	Note                           string // e.g. rows deleted at the source not yet removed
	Unchanged                      bool   // full table not copied: unchanged since the published copy (unchanged.go)
	Repaired                       int64  // rows repaired: re-read, or removed, by a key-set repair or a verification
	Verified                       bool   // checksums of key ranges compared with the source (Options.Verify)
	VerifyChunks, VerifyDiffChunks int64  // chunks compared, and found different

	SchemaDrift string // how the structure changed since the previous snapshot; "" when not

	defs         []ColumnDef
	delta        *deltaLoad    // how to publish a delta run; nil for a full load
	pendingCount *countFuture  // COUNT(*) read while the publish merges; nil when read already
	needsRepair  bool          // the count disagreed after publishing: repair the key set (repair.go)
	countEvery   time.Duration // the table's TablePolicy.CountEvery
	countToken   string        // the change token this run's count stands for; "" when none can be trusted (count.go)
	state        *tableState
	progressRow  bool // audit.snapshot_progress has the table's row (load.go, copy.go)
}

// Anomaly counts values of one column that could not be carried as they
// were (kinds mysqlarrow.AnomalyZeroDate, …).
type Anomaly = mysqlarrow.Anomaly

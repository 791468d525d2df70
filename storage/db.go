// Package storage owns every SQL statement of artbridge: SQLite in WAL mode with
// foreign keys on and embedded, versioned migrations applied at start. It
// implements the store interfaces declared by the ap and bridge packages.
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/artbridge/artbridge/bridge"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the artbridge database. Reads use a pool of connections; writes go
// through a single connection, so writers in this process queue in Go instead
// of spinning in SQLite's busy handler (other processes, like the CLI, still
// wait on the busy timeout).
type DB struct {
	sql  *sql.DB // reads
	wr   *sql.DB // writes and transactions
	path string
	file os.FileInfo // the database file as opened (Ready notices a replaced file)

	// Prepared statements of the hot paths, by query text (a rebuildable cache).
	readStmts  sync.Map
	writeStmts sync.Map

	// Group commit of small writes (batch.go).
	jobs        chan batchJob
	jobsMu      sync.RWMutex
	closed      bool
	closeOnce   sync.Once
	batcherDone chan struct{}

	// Checkpoints off the write path (checkpoint.go).
	ckpt *checkpointer

	// In-memory copies of the tables every inbound request reads
	// (tablecache.go): blocked domains, and restricted actors by IRI.
	blocks       *tableCache[map[string]bool]
	restrictions *tableCache[map[string]bridge.ActorRestriction]
}

// stmt returns a prepared statement for q on db, preparing it once.
func stmt(ctx context.Context, cache *sync.Map, db *sql.DB, q string) (*sql.Stmt, error) {
	if st, ok := cache.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// short detaches a short statement of the hot paths from the caller's
// cancellation. Given a context that can be cancelled, go-sqlite3 runs every
// step of a statement on a goroutine of its own (so that it can interrupt it)
// and database/sql starts another to watch the context: together they cost
// more than an indexed one-row statement, which is bounded by the busy
// timeout anyway. Long statements (listings, imports, backups) keep the
// caller's context.
func short(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// exec runs a write statement through the writer connection, prepared once.
func (d *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := stmt(ctx, &d.writeStmts, d.wr, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(short(ctx), args...)
}

// queryRow runs a one-row read, prepared once.
func (d *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := stmt(ctx, &d.readStmts, d.sql, q)
	if err != nil {
		return d.sql.QueryRowContext(ctx, q, args...) // reports the same error through Scan
	}
	return st.QueryRowContext(short(ctx), args...)
}

// connPragmas are the per-connection settings that the DSN cannot carry.
// Durability is the DSN's (WAL, synchronous=NORMAL). Checkpoints run in the
// background after every checkpointEvery commits (checkpoint.go); a
// connection's own checkpoint, which would stall the writer, is only a
// backstop for a log past 8,000 pages (32 MB at 4 KiB).
const connPragmas = `PRAGMA wal_autocheckpoint = 8000;`

// connector opens SQLite connections with connPragmas applied, for sql.OpenDB
// (no driver registered under a name of its own: no process-wide state).
type connector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func newConnector(dsn string) connector {
	return connector{dsn: dsn, drv: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if _, err := c.Exec(connPragmas, nil); err != nil {
			return fmt.Errorf("storage: connection settings: %w", err)
		}
		return nil
	}}}
}

// Connect implements driver.Connector.
func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }

// Driver implements driver.Connector.
func (c connector) Driver() driver.Driver { return c.drv }

// Open opens (creating if needed) the SQLite database at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage: resolve %s: %w", path, err)
	}
	if err := secureDatabaseFiles(abs); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	dsn := "file:" + abs + "?" + q.Encode()
	db := sql.OpenDB(newConnector(dsn))
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	wr := sql.OpenDB(newConnector(dsn))
	wr.SetMaxOpenConns(1)
	wr.SetMaxIdleConns(1)
	wr.SetConnMaxIdleTime(0)
	d := &DB{sql: db, wr: wr, path: abs}
	d.blocks = newTableCache("domain_blocks", d.loadDomainBlocks)
	d.restrictions = newTableCache("moderated_actors", d.loadRestrictions)
	d.startCheckpointer()
	d.startBatcher()
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	d.file, _ = os.Stat(abs)
	if err := d.prepareHot(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.stopBatcher()
	d.stopCheckpointer()
	for _, cache := range []*sync.Map{&d.readStmts, &d.writeStmts} {
		cache.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	}
	return errors.Join(d.wr.Close(), d.sql.Close())
}

// Path is the database file's absolute path.
func (d *DB) Path() string { return d.path }

// SchemaVersion returns the highest applied migration.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Backup writes a consistent copy of the live database to dest (which must not
// exist) with SQLite's VACUUM INTO, safe while the server is writing.
func (d *DB) Backup(ctx context.Context, dest string) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("storage: backup destination: %w", err)
	}
	if err := createPrivateEmpty(abs); err != nil {
		return err
	}
	if _, err := d.wr.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("storage: backup to %s: %w", abs, err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("storage: read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("storage: migration %s: name must be NNNN_what.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("storage: migration %s: %w", name, err)
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("storage: migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("storage: migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.wr.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	applied, err := d.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("storage: read applied migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("storage: apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// appliedMigrations returns the versions already applied: a migration is
// applied when missing, whatever the highest version is, so migrations written
// on parallel branches all land.
func (d *DB) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	rows, err := d.wr.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// inTx runs fn in a transaction, committing when it returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.wr.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

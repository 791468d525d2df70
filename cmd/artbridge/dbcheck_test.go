package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// countRows opens a data directory's database read-only and counts a table's rows.
func countRows(t testing.TB, dataDir, table string) int {
	t.Helper()
	return queryInt(t, dataDir, "SELECT COUNT(*) FROM "+table)
}

func queryInt(t testing.TB, dataDir, q string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "artbridge.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// deliveryDump lists every delivery of a data directory, for a failing test's
// log.
func deliveryDump(t testing.TB, dataDir string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "artbridge.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.Query(`SELECT d.id, a.type, d.inbox, d.state, d.attempts, d.next_attempt, d.last_status, d.last_error
		FROM deliveries d JOIN activities a ON a.iri = d.activity_iri ORDER BY d.id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, attempts, next, status int64
		var typ, inbox, state, lastErr string
		if err := rows.Scan(&id, &typ, &inbox, &state, &attempts, &next, &status, &lastErr); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "%d %s %s %s attempts=%d next=%d status=%d err=%q\n", id, typ, inbox, state, attempts, next, status, lastErr)
	}
	return b.String()
}

package main

import (
	"database/sql"
	"path/filepath"
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

package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files of the data directory are for the service user only: directories
// 0700, files 0600 (the database, its WAL and shared-memory files, backups,
// media). SQLite gives the WAL and SHM files the mode of the database file,
// so creating that one 0600 covers the others.
const (
	privateDir  fs.FileMode = 0o700
	privateFile fs.FileMode = 0o600
)

// SecureDataDir makes dir and its subdirectories (the names given) 0700 and
// every regular file directly in them 0600: a data directory that existed
// before, or that another tool made group- or world-readable, is locked down at
// start. Missing subdirectories are skipped.
func SecureDataDir(dir string, subdirs []string) error {
	for _, d := range append([]string{dir}, subdirs...) {
		if d != dir {
			d = filepath.Join(dir, d)
		}
		if err := secureDir(d); err != nil {
			return err
		}
	}
	return nil
}

func secureDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm() != privateDir {
		if err := os.Chmod(dir, privateDir); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if info.Mode().Perm() != privateFile {
			if err := os.Chmod(filepath.Join(dir, e.Name()), privateFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// secureDatabaseFiles creates the database file 0600 when it is missing (so
// SQLite's WAL and SHM files inherit that mode) and brings an existing
// database, WAL and SHM to 0600.
func secureDatabaseFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, privateFile)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, privateFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("storage: %w", err)
		}
	}
	return nil
}

// createPrivateEmpty creates dest, which must not exist, empty and 0600: VACUUM
// INTO then writes into it and the backup is never readable by others.
func createPrivateEmpty(dest string) error {
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateFile)
	if err != nil {
		return fmt.Errorf("storage: backup destination: %w", err)
	}
	return f.Close()
}

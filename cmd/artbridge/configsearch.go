package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// configSearch is where a config file is looked for when --config is absent,
// after $ARTBRIDGE_CONFIG, in order.
var configSearch = [...]string{"./artbridge.toml", "/etc/artbridge/artbridge.toml"}

// findConfig returns the config file a command uses: --config, else
// $ARTBRIDGE_CONFIG, else the first of configSearch that exists; "" means the
// built-in defaults. It says on stderr which one it chose.
func findConfig(flagPath string, env Env) (string, error) {
	path, from := flagPath, "--config"
	if path == "" {
		if v := env.Getenv("ARTBRIDGE_CONFIG"); v != "" {
			path, from = v, "$ARTBRIDGE_CONFIG"
		}
	}
	if path == "" {
		for _, p := range configSearch {
			if _, err := os.Stat(p); err == nil {
				path, from = p, "found"
				break
			}
		}
	}
	if path == "" {
		fmt.Fprintln(env.Stderr, "artbridge: no config file ($ARTBRIDGE_CONFIG, ./artbridge.toml, /etc/artbridge/artbridge.toml): using the built-in defaults")
		return "", nil
	}
	if _, err := os.Stat(path); err != nil {
		return "", usageError{fmt.Errorf("config %s (%s): %w", path, from, err)}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fmt.Fprintf(env.Stderr, "artbridge: using config %s\n", abs)
	return path, nil
}

// resolveConfig finds and loads the config of a command.
func resolveConfig(flagPath string, env Env) (Config, error) {
	path, err := findConfig(flagPath, env)
	if err != nil {
		return Config{}, err
	}
	cfg, err := loadConfig(path, env.Getenv)
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// checkDataDirOwner refuses to work on a data directory that belongs to
// another user: files created now (the database's WAL, media) would belong to
// the wrong user and the server could no longer change or remove them.
func checkDataDirOwner(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if me := os.Geteuid(); int(st.Uid) != me {
		return fmt.Errorf("data directory %s belongs to uid %d, but this command runs as uid %d: run it as the "+
			"server's user (for example `sudo -u artbridge artbridge …`), or while the server runs, so the command goes "+
			"through its admin socket", dir, st.Uid, me)
	}
	return nil
}

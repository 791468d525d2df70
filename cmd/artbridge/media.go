package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// mediaHandler serves stored media files: content-addressed names, so they are
// cached for a year; the type comes from the name the bridge gave them (after
// content sniffing); http.ServeContent answers range requests.
func mediaHandler(dir string) http.Handler {
	types := map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
			http.NotFound(w, r)
			return
		}
		ct, ok := types[strings.ToLower(filepath.Ext(name))]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}

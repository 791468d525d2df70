package discordtest

import (
	"crypto/hmac"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// serveCDN serves /attachments/{channel}/{id}/{name} when the ex/is/hm query
// is a valid, unexpired signature; anything else is 404, as on Discord.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	idx := s.record(r, r.URL.Path, "", nil, 0)
	status := s.cdn(w, r)
	s.mu.Lock()
	s.requests[idx].Status = status
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Server) cdn(w http.ResponseWriter, r *http.Request) int {
	notFound := func() int {
		http.Error(w, "This content is no longer available.", http.StatusNotFound)
		return http.StatusNotFound
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/attachments/"), "/")
	if len(parts) != 3 {
		return notFound()
	}
	q := r.URL.Query()
	ex, is, hm := q.Get("ex"), q.Get("is"), q.Get("hm")
	path := "/attachments/" + parts[0] + "/" + parts[1] + "/" + url.PathEscape(parts[2])
	if !hmac.Equal([]byte(hm), []byte(s.cdnMAC(path, ex, is))) {
		return notFound()
	}
	exp, err := strconv.ParseInt(ex, 16, 64)
	if err != nil || time.Now().Unix() > exp {
		return notFound()
	}
	s.mu.Lock()
	a, ok := s.attachments[parts[1]]
	var data []byte
	var ct, name string
	if ok {
		data, ct, name = a.Data, a.ContentType, a.Name
	}
	s.mu.Unlock()
	if !ok || name != parts[2] {
		return notFound()
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
	return http.StatusOK
}

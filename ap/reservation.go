package ap

import (
	"net/http"
	"strings"
)

// The AI-training reservation: on by default for every page and media file
// (Instance.AITrainingAllowed turns it off). It is said four ways, because
// crawlers read different ones: the X-Robots-Tag header and the robots meta tag
// ("noai, noimageai"), the W3C TDMRep header and /.well-known/tdmrep.json
// (tdm-reservation: 1, with tdm-policy when configured), and /robots.txt
// disallowing the crawlers of AICrawlers.

// reserving reports whether the AI-training reservation is on.
func (s *Service) reserving() bool { return !s.cfg.Instance.AITrainingAllowed }

// setReservationHeaders adds the reservation headers to a page or media answer.
func (s *Service) setReservationHeaders(h http.Header) {
	if !s.reserving() {
		return
	}
	h.Set("X-Robots-Tag", "noai, noimageai")
	h.Set("tdm-reservation", "1")
	if p := s.cfg.Instance.TDMPolicy; p != "" {
		h.Set("tdm-policy", p)
	}
}

// WithAIReservation wraps the handler of the artists' media files so that
// every answer carries the reservation headers.
func (s *Service) WithAIReservation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setReservationHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// reservedLocations are the paths tdmrep.json covers: the pages and the media.
func (s *Service) reservedLocations() []string {
	return []string{
		"/", "/about", "/@" + s.cfg.Username, "/users/*", "/notes/*", "/tags/*", "/media/*",
	}
}

// handleTDMRep serves /.well-known/tdmrep.json (W3C TDMRep): one rule per
// location. With the reservation off, every location says tdm-reservation 0.
func (s *Service) handleTDMRep(w http.ResponseWriter, _ *http.Request) {
	reservation := 0
	if s.reserving() {
		reservation = 1
	}
	rules := make([]map[string]any, 0, len(s.reservedLocations()))
	for _, loc := range s.reservedLocations() {
		rule := map[string]any{"location": loc, "tdm-reservation": reservation}
		if reservation == 1 && s.cfg.Instance.TDMPolicy != "" {
			rule["tdm-policy"] = s.cfg.Instance.TDMPolicy
		}
		rules = append(rules, rule)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, "application/json", rules)
}

// robotsTxt is /robots.txt: the AI crawlers are disallowed everywhere (while
// the reservation is on); every other robot, search engines included, may
// read the pages but not the inboxes.
func (s *Service) robotsTxt() string {
	var b strings.Builder
	if s.reserving() {
		b.WriteString("# The artists of this account reserve their work against AI training.\n")
		for _, ua := range AICrawlers {
			b.WriteString("User-agent: " + ua + "\n")
		}
		b.WriteString("Disallow: /\n\n")
	}
	b.WriteString("User-agent: *\n")
	b.WriteString("Disallow: /inbox\n")
	b.WriteString("Disallow: /users/" + s.cfg.Username + "/inbox\n")
	b.WriteString("Allow: /\n")
	return b.String()
}

func (s *Service) handleRobots(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(s.robotsTxt()))
}

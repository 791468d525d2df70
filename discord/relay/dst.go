package relay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/artbridge/artbridge/netguard"
)

// errDst marks a destination refused at registration.
var errDst = errors.New("dst")

// checkDst validates a destination URL: wss:// (or ws:// when allowed), a
// host, no credentials or fragment, and — unless private addresses are
// allowed — a host whose every address is public. The same guard runs again
// on the resolved address at every dial.
func (s *Service) checkDst(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: not a URL", errDst)
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !s.cfg.AllowInsecureWS {
			return fmt.Errorf("%w: ws:// is not allowed here; use wss://", errDst)
		}
	default:
		return fmt.Errorf("%w: scheme must be wss (or ws when allowed)", errDst)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: no host", errDst)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL are not allowed (the relay sends Basic credentials)", errDst)
	}
	if u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%w: fragments and opaque URLs are not allowed", errDst)
	}
	if s.guard.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if addr, perr := netip.ParseAddr(host); perr == nil {
		if err := s.guard.Check(addr); err != nil {
			return fmt.Errorf("%w: %s is not a public address", errDst, host)
		}
		return nil
	}
	if name := strings.TrimSuffix(strings.ToLower(host), "."); name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("%w: %s is not a public address", errDst, host)
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := s.cfg.LookupNetIP(lctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("%w: host %s does not resolve", errDst, host)
	}
	for _, a := range addrs {
		if err := s.guard.Check(a); err != nil {
			return fmt.Errorf("%w: %s resolves to a non-public address", errDst, host)
		}
	}
	return nil
}

// dstClient is the HTTP client for websocket handshakes: every connection
// passes the SSRF guard on its resolved address, HTTP/1.1 only (the upgrade
// needs it), no proxy, no redirects.
func dstClient(guard netguard.Policy, connect time.Duration) *http.Client {
	d := guard.Dialer(connect)
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   connect,
			ResponseHeaderTimeout: connect,
			MaxIdleConnsPerHost:   -1,
			DisableKeepAlives:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// redactDst is the destination without query, as shown in status.
func redactDst(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

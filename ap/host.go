package ap

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// NormalizeHost returns the one form of a host name that blocks, inbound
// checks and deliveries compare: the port dropped, lower case, IDNA labels in
// punycode (ASCII), the trailing dot of a fully qualified name removed, and
// the brackets of an IPv6 literal removed. It returns "" for what is not a
// host name or address, so an unreadable host never matches a block by
// accident and is refused by callers instead.
func NormalizeHost(host string) string {
	h := strings.TrimSpace(host)
	if h == "" || len(h) > 300 {
		return ""
	}
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return ""
		}
		h = h[1:end]
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().WithZone("").String()
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || strings.HasSuffix(h, ".") {
		return ""
	}
	ascii, err := idna.Lookup.ToASCII(h)
	if err != nil || ascii == "" {
		// Lookup refuses some names real servers use (underscores); fall back
		// to the plain lower-case form when it is already ASCII.
		if !isASCIIHost(h) {
			return ""
		}
		ascii = strings.ToLower(h)
	}
	return ascii
}

// isASCIIHost reports whether h holds only letters, digits, '-', '_' and '.'.
func isASCIIHost(h string) bool {
	for _, c := range []byte(h) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return h != ""
}

// origin is the normalised host and the effective port of an http(s) URL:
// what "on the same host" means for authority (a key, an actor, its inboxes,
// its activities and objects). Unlike blocks, origins keep the port, so two
// servers on one address are two origins. It returns "" for anything else.
func origin(iri string) string {
	u, err := url.Parse(iri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	h := NormalizeHost(u.Host)
	if h == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(h, port)
}

// hostOrigin is origin for a bare host[:port] under scheme.
func hostOrigin(scheme, host string) string {
	return origin(scheme + "://" + host + "/")
}

// sameOrigin reports whether a and b are http(s) IRIs on one origin.
func sameOrigin(a, b string) bool {
	oa := origin(a)
	return oa != "" && oa == origin(b)
}

// hostOf returns the normalised host (no port) of an IRI, or "".
func hostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil || u.Host == "" {
		return ""
	}
	return NormalizeHost(u.Host)
}

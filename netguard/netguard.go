// Package netguard keeps outgoing connections away from addresses a remote party
// should never be able to make the server reach (server-side request forgery).
//
// The check runs on the resolved IP at dial time, through net.Dialer.Control, so a
// hostname that resolves to a private address — or re-resolves to one after a first
// lookup (DNS rebinding) — is refused just the same as a literal private IP.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a connection would reach a
// loopback, private, link-local, multicast or otherwise non-public address.
var ErrForbiddenAddress = errors.New("netguard: destination address is not public")

// Policy decides which destination addresses are allowed.
type Policy struct {
	// AllowPrivate allows loopback, private, link-local and other non-public
	// addresses. For tests and private networks only.
	AllowPrivate bool
}

// Check reports whether addr may be dialled under the policy.
func (p Policy) Check(addr netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	addr = addr.Unmap()
	if !IsPublic(addr) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, addr)
	}
	return nil
}

// IsPublic reports whether addr is a globally routable unicast address.
func IsPublic(addr netip.Addr) bool {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid(),
		addr.IsUnspecified(),
		addr.IsLoopback(),
		addr.IsPrivate(),
		addr.IsLinkLocalUnicast(),
		addr.IsLinkLocalMulticast(),
		addr.IsInterfaceLocalMulticast(),
		addr.IsMulticast():
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes lists special-purpose ranges the netip predicates do not cover.
var nonPublicPrefixes = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fc00::/7"),        // unique local
}

// Dialer returns a net.Dialer that enforces the policy on every resolved address
// it connects to. connectTimeout bounds the TCP connect (0 means 5 s).
func (p Policy) Dialer(connectTimeout time.Duration) *net.Dialer {
	if connectTimeout <= 0 {
		connectTimeout = 5 * time.Second
	}
	return &net.Dialer{
		Timeout:   connectTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("netguard: unexpected dial address %q: %w", address, err)
			}
			return p.Check(ap.Addr())
		},
	}
}

// Transport returns an HTTP transport whose every connection passes the policy.
// Proxies from the environment are ignored on purpose: a proxy would hide the
// final address from the check.
func (p Policy) Transport(connectTimeout time.Duration) *http.Transport {
	d := p.Dialer(connectTimeout)
	return &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns an HTTP client using Transport with the given total timeout per
// request (0 means no client-level timeout; callers then bound requests by context).
func (p Policy) Client(connectTimeout, total time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(connectTimeout), Timeout: total}
}

package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientBehindTrustedProxy: the client's address for the rate limits and the
// audit log comes from X-Forwarded-For only when the peer is a trusted proxy, and
// then from the right, so that a client cannot pick its own address.
func TestClientBehindTrustedProxy(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name    string
		proxies []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: the header is ignored", nil, "10.1.2.3:5000", []string{"203.0.113.5"}, "10.1.2.3"},
		{"peer is not a trusted proxy", proxy, "198.51.100.7:5000", []string{"203.0.113.5"}, "198.51.100.7"},
		{"trusted proxy forwards a client", proxy, "10.1.2.3:5000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"a client's own header does not count", proxy, "10.1.2.3:5000", []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"two trusted proxies in a row", proxy, "10.1.2.3:5000", []string{"203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"the header sent twice", proxy, "10.1.2.3:5000", []string{"1.1.1.1", "203.0.113.5"}, "203.0.113.5"},
		{"garbage in the header", proxy, "10.1.2.3:5000", []string{"203.0.113.5, <script>"}, "10.1.2.3"},
		{"only proxies", proxy, "10.1.2.3:5000", []string{"10.0.0.1"}, "10.1.2.3"},
		{"no header", proxy, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 client", proxy, "10.1.2.3:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped proxy peer", proxy, "[::ffff:10.1.2.3]:5000", []string{"203.0.113.5"}, "203.0.113.5"},
	}
	for _, c := range cases {
		s := &Server{opts: Options{TrustedProxies: c.proxies}}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

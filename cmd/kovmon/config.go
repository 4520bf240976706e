package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"ee/kovmon/ingest"
)

// Config is the configuration of `kovmon serve`: defaults, then the file
// (--config or KOVMON_CONFIG), then the environment (KOVMON_USERS), then the command
// line, then validate.
type Config struct {
	Addr      string            `yaml:"addr"`
	Inbox     string            `yaml:"inbox"`
	Schedules []ingest.Schedule `yaml:"schedules"`
	MaxUpload int64             `yaml:"max_upload_bytes"`

	// UsersFile lists who may sign in (auth.LoadUsers); without it kovmon serves
	// everyone as admin, and so only on a loopback address.
	UsersFile           string `yaml:"users_file"`
	PublicRequiresLogin bool   `yaml:"public_requires_login"`
	TLSCert             string `yaml:"tls_cert"`
	TLSKey              string `yaml:"tls_key"`
	// SecureCookies: cookies only over HTTPS although kovmon itself speaks HTTP (a
	// proxy ends TLS).
	SecureCookies   bool          `yaml:"secure_cookies"`
	SessionTTL      time.Duration `yaml:"session_ttl"`
	LoginPerMinute  int           `yaml:"login_per_minute"`
	UploadPerMinute int           `yaml:"uploads_per_minute"`
	UploadTimeout   time.Duration `yaml:"upload_timeout"`
	Timeouts        Timeouts      `yaml:"timeouts"`
	// TrustedProxies are addresses or CIDR ranges of reverse proxies in front of
	// kovmon, whose X-Forwarded-For names the client for the rate limits and the audit
	// log; without them every client behind a proxy shares the proxy's address.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// PublicHosts are the host names people reach kovmon by (kovmon.example.ee), the
	// Host headers it answers besides loopback names and its own addresses: a request
	// naming any other host is refused, as a DNS-rebinding page's would be.
	PublicHosts []string `yaml:"public_hosts"`
}

// trustedProxies parses TrustedProxies: "10.0.0.0/8", or one address.
func (c Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("config: trusted_proxies: %q is neither an address nor a CIDR range", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, prefix.Masked())
	}
	return out, nil
}

// Timeouts bound every phase of a request, so that a slow or silent client cannot
// hold a connection (uploads and the PDF report get longer ones, per route).
type Timeouts struct {
	ReadHeader time.Duration `yaml:"read_header"`
	Read       time.Duration `yaml:"read"`
	Write      time.Duration `yaml:"write"`
	Idle       time.Duration `yaml:"idle"`
}

func defaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Inbox:           "./inbox",
		Schedules:       []ingest.Schedule{{Cron: "@every 1m"}},
		MaxUpload:       4 << 30,
		SessionTTL:      8 * time.Hour,
		LoginPerMinute:  10,
		UploadPerMinute: 60,
		UploadTimeout:   time.Hour,
		Timeouts:        Timeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: 2 * time.Minute, Idle: 2 * time.Minute},
	}
}

// validate checks the settings once the file, environment and flags have spoken.
func (c Config) validate() error {
	if c.Addr == "" || c.Inbox == "" {
		return fmt.Errorf("config: addr and inbox must not be empty")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("config: tls_cert and tls_key go together; give both or neither")
	}
	if c.UsersFile == "" && !loopback(c.Addr) {
		return fmt.Errorf("serving %s without a users file would let anyone on the network load files and read raw data; "+
			"name one with users_file: in the configuration or KOVMON_USERS (see README, Access), or listen on 127.0.0.1", c.Addr)
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	for _, h := range c.PublicHosts {
		if h == "" || strings.ContainsAny(h, "/ \t@") || strings.Contains(h, "://") {
			return fmt.Errorf("config: public_hosts: %q is not a host name (kovmon.example.ee, without scheme or path)", h)
		}
	}
	if c.PublicRequiresLogin && c.UsersFile == "" {
		return fmt.Errorf("config: public_requires_login needs a users_file to sign in with")
	}
	t := c.Timeouts
	if c.SessionTTL <= 0 || c.LoginPerMinute <= 0 || c.UploadPerMinute <= 0 || c.UploadTimeout <= 0 ||
		t.ReadHeader <= 0 || t.Read <= 0 || t.Write <= 0 || t.Idle <= 0 {
		return fmt.Errorf("config: session_ttl, login_per_minute, uploads_per_minute, upload_timeout and every timeout must be above zero")
	}
	return nil
}

// loopback reports whether an address listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadConfig reads the file over the defaults; unknown keys are refused, so that a
// misspelt setting is not silently ignored.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		if err := readConfigFile(path, &cfg); err != nil {
			return cfg, err
		}
	}
	if users := os.Getenv("KOVMON_USERS"); users != "" {
		cfg.UsersFile = users
	}
	return cfg, nil
}

func readConfigFile(path string, cfg *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

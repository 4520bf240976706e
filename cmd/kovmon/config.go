package main

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"ee/kovmon/ingest"
)

// Config is the configuration of `kovmon serve`: defaults, then the file
// (--config or KOVMON_CONFIG), then the command line.
type Config struct {
	Addr      string            `yaml:"addr"`
	Inbox     string            `yaml:"inbox"`
	Schedules []ingest.Schedule `yaml:"schedules"`
	MaxUpload int64             `yaml:"max_upload_bytes"`
}

func defaultConfig() Config {
	return Config{
		Addr:      "127.0.0.1:8080",
		Inbox:     "./inbox",
		Schedules: []ingest.Schedule{{Cron: "@every 1m"}},
		MaxUpload: 4 << 30,
	}
}

// loadConfig reads the file over the defaults; unknown keys are refused, so that a
// misspelt setting is not silently ignored.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Addr == "" || cfg.Inbox == "" {
		return cfg, fmt.Errorf("config %s: addr and inbox must not be empty", path)
	}
	return cfg, nil
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"ee/kovmon/auth"
)

// cmdPasswd prints a users-file entry: the bcrypt hash of a password read from
// standard input (one line, so that it stays out of the shell history and the process
// list), and with --token a new random API token, whose SHA-256 goes in the file and
// which is shown once, here.
func cmdPasswd(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("passwd")
	name := fs.String("name", "", "user name")
	role := fs.String("role", "public", "public, analyst or admin")
	token := fs.Bool("token", false, "also make an API token for scripts")
	noPassword := fs.Bool("no-password", false, "token only: read no password")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := auth.ParseRole(*role); err != nil {
		return usageError{err.Error()}
	}
	if *name == "" {
		return usageError{"--name is required"}
	}
	if *noPassword && !*token {
		return usageError{"--no-password needs --token: a user needs one way to sign in"}
	}
	entry := fmt.Sprintf("  - name: %s\n    role: %s\n", *name, *role)
	if !*noPassword {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return usageError{"give the password on standard input, e.g. `read -rs P; echo \"$P\" | kovmon passwd --name NAME`"}
		}
		hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
		if err != nil {
			return usageError{err.Error()}
		}
		entry += fmt.Sprintf("    password: '%s'\n", hash)
	}
	if *token {
		t := auth.RandomToken()
		fmt.Fprintf(m.Stderr, "API token for %s (shown once; the users file keeps only its hash): %s\n", *name, t)
		entry += fmt.Sprintf("    tokens: ['%s']\n", auth.HashToken(t))
	}
	fmt.Fprint(m.Stdout, entry)
	return nil
}

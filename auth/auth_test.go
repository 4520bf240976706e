package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestUsersFileIsChecked(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("a long password"), bcrypt.MinCost)
	token := HashToken("t")
	for name, c := range map[string]struct{ text, want string }{
		"good":           {"users:\n  - {name: a, role: admin, password: '" + string(hash) + "'}\n  - {name: b, role: public, tokens: [" + token + "]}\n", ""},
		"plain password": {"users:\n  - {name: a, role: admin, password: secret}\n", "bcrypt"},
		"unknown role":   {"users:\n  - {name: a, role: root, tokens: [" + token + "]}\n", "role must be"},
		"raw token":      {"users:\n  - {name: a, role: admin, tokens: [my-secret-token]}\n", "SHA-256"},
		"twice":          {"users:\n  - {name: a, role: admin, tokens: [" + token + "]}\n  - {name: a, role: public, tokens: [" + HashToken("u") + "]}\n", "twice"},
		"shared token":   {"users:\n  - {name: a, role: admin, tokens: [" + token + "]}\n  - {name: b, role: public, tokens: [" + token + "]}\n", "twice"},
		"no secret":      {"users:\n  - {name: a, role: admin}\n", "neither"},
		"bad name":       {"users:\n  - {name: 'a b', role: admin, tokens: [" + token + "]}\n", "name"},
		"misspelt key":   {"users:\n  - {name: a, role: admin, pasword: x}\n", "pasword"},
		"empty":          {"users: []\n", "no users"},
	} {
		path := filepath.Join(t.TempDir(), "users.yaml")
		os.WriteFile(path, []byte(c.text), 0o600)
		us, err := LoadUsers(path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		case c.want == "":
			if u := us.Login("a", "a long password"); u == nil || u.Level() != Admin {
				t.Errorf("login a: %v", u)
			}
			if us.Login("a", "wrong") != nil || us.Login("b", "") != nil || us.Login("nobody", "a long password") != nil {
				t.Errorf("a wrong password, a token-only user or an unknown name signed in")
			}
			if u := us.ByToken("t"); u == nil || u.Name != "b" || us.ByToken(token) != nil || us.ByToken("") != nil {
				t.Errorf("tokens: the hash itself or nothing must not sign in")
			}
		}
	}
}

func TestLimiterRefillsAndSeparatesClients(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(60, 3) // one a second, three at once
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.Allow("a") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.Allow("a") || !l.Allow("b") {
		t.Fatal("the fourth at once passed, or another client shared the bucket")
	}
	now = now.Add(time.Second)
	if !l.Allow("a") || l.Allow("a") {
		t.Fatal("after a second exactly one more may pass")
	}
}

func TestSessionsExpireAndAreBounded(t *testing.T) {
	now := time.Unix(0, 0)
	ss := NewSessions(time.Hour)
	ss.now = func() time.Time { return now }
	ss.Max = 2
	u := &User{Name: "a", role: Analyst}
	first := ss.Start(context.Background(), u)
	now = now.Add(time.Second)
	second := ss.Start(context.Background(), u)
	if first.ID == second.ID || first.CSRF == first.ID || ss.Get(first.ID) == nil {
		t.Fatal("sessions must have distinct ids and tokens")
	}
	now = now.Add(time.Minute)
	third := ss.Start(context.Background(), u)
	if ss.Get(first.ID) != nil || ss.Get(third.ID) == nil {
		t.Fatal("a full table must drop the oldest session")
	}
	now = now.Add(2 * time.Hour)
	if ss.Get(third.ID) != nil {
		t.Fatal("an expired session still signs in")
	}
}

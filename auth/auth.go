// Package auth says who is asking and what they may do: the three roles of kovmon
// (public < analyst < admin), the users file with bcrypt password hashes and SHA-256
// hashes of API tokens, login sessions, a per-client rate limit, and the audit log of
// who loaded, logged in and changed what. It knows nothing of routes: the web package
// holds the one table that maps each route to the least role it needs.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a caller may do; a higher role may do everything a lower one may.
type Role int

const (
	// Anyone is no login at all: the login form, the health check, static assets.
	Anyone Role = iota
	// Public reads the published statistics: overview, indicator and municipality
	// pages, the report and the indicator extract.
	Public
	// Analyst adds the raw extracts, the data page, quarantine lines and provenance.
	Analyst
	// Admin adds uploads, scheduled-job control and the audit log.
	Admin
)

var roleNames = []string{"anyone", "public", "analyst", "admin"}

func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads a role a users file may give: public, analyst or admin.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames[1:] {
		if n == s {
			return Role(i + 1), nil
		}
	}
	return Anyone, fmt.Errorf("role must be public, analyst or admin, not %q", s)
}

// User is one entry of the users file.
type User struct {
	Name string `yaml:"name"`
	Role string `yaml:"role"`
	// Password is a bcrypt hash (`kovmon passwd` makes one); empty: no login form.
	Password string `yaml:"password"`
	// Tokens are hex SHA-256 hashes of API tokens (`kovmon passwd --token` makes a
	// token and its hash): the token itself is never stored.
	Tokens []string `yaml:"tokens"`

	role Role
}

// Level is the user's role.
func (u *User) Level() Role { return u.role }

// Users is the users file, read once at start.
type Users struct {
	byName  map[string]*User
	byToken map[string]*User // hex SHA-256 of the token → user
}

var validName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// LoadUsers reads and checks a users file:
//
//	users:
//	  - name: mari
//	    role: admin
//	    password: $2a$12$…          # bcrypt
//	    tokens: [3f1c…]             # sha256 hex of a token
func LoadUsers(path string) (*Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	defer f.Close()
	var doc struct {
		Users []User `yaml:"users"`
	}
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	us, err := NewUsers(doc.Users)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return us, nil
}

// NewUsers checks users and indexes them by name and token hash.
func NewUsers(list []User) (*Users, error) {
	us := &Users{byName: map[string]*User{}, byToken: map[string]*User{}}
	for i := range list {
		u := list[i]
		if !validName.MatchString(u.Name) {
			return nil, fmt.Errorf("user %d: name %q must be 1-64 letters, digits or ._@-", i+1, u.Name)
		}
		if us.byName[u.Name] != nil {
			return nil, fmt.Errorf("user %s is listed twice", u.Name)
		}
		role, err := ParseRole(u.Role)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Name, err)
		}
		u.role = role
		if u.Password == "" && len(u.Tokens) == 0 {
			return nil, fmt.Errorf("user %s has neither a password hash nor a token hash", u.Name)
		}
		if u.Password != "" {
			if _, err := bcrypt.Cost([]byte(u.Password)); err != nil || !strings.HasPrefix(u.Password, "$2") {
				return nil, fmt.Errorf("user %s: password must be a bcrypt hash ($2a$…; make one with `kovmon passwd`)", u.Name)
			}
		}
		for _, t := range u.Tokens {
			t = strings.ToLower(t)
			if b, err := hex.DecodeString(t); err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("user %s: a token must be given as its SHA-256 in hex (64 characters; `kovmon passwd --token`)", u.Name)
			}
			if us.byToken[t] != nil {
				return nil, fmt.Errorf("user %s: a token hash is listed twice", u.Name)
			}
			us.byToken[t] = &u
		}
		us.byName[u.Name] = &u
	}
	if len(us.byName) == 0 {
		return nil, errors.New("no users")
	}
	return us, nil
}

// Len is the number of users.
func (us *Users) Len() int { return len(us.byName) }

// passwordCost is the bcrypt cost of new hashes: about a quarter of a second here.
const passwordCost = 12

// dummyHash is compared against when the user does not exist, so that a wrong name
// costs as much time as a wrong password and does not reveal which names exist. It is
// made on first use: every kovmon command links this package.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), passwordCost)
	return h
})

// Login checks a name and password; nil when they do not match.
func (us *Users) Login(name, password string) *User {
	u := us.byName[name]
	hash := dummyHash()
	if u != nil && u.Password != "" {
		hash = []byte(u.Password)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil || u.Password == "" {
		return nil
	}
	return u
}

// ByToken finds the user of an API token; nil when none. The lookup is by the
// token's hash, so the secret itself is never compared byte by byte.
func (us *Users) ByToken(token string) *User {
	if token == "" {
		return nil
	}
	return us.byToken[HashToken(token)]
}

// HashToken is the form in which a token is kept in the users file.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashPassword makes the bcrypt hash a users file keeps.
func HashPassword(password string) (string, error) {
	if len(password) < 10 {
		return "", errors.New("a password needs at least 10 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	return string(h), err
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

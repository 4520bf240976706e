package auth

import (
	"sync"
	"time"
)

// Limiter is a token bucket per client (an IP address): Burst requests at once, then
// Rate per second. golang.org/x/time/rate is not among our modules, and a bucket is a
// few lines.
type Limiter struct {
	Rate  float64 // tokens added per second
	Burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows burst requests at once and perMinute on average per client.
func NewLimiter(perMinute, burst int) *Limiter {
	return &Limiter{Rate: float64(perMinute) / 60, Burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes a token from the client's bucket; false when it is empty.
func (l *Limiter) Allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b := l.buckets[client]
	if b == nil {
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets full buckets once a minute, so that many clients do not pile up.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.Rate >= l.Burst {
			delete(l.buckets, k)
		}
	}
}

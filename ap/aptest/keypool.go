package aptest

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
)

// keyBits is the RSA modulus size of every generated key, as real servers use.
const keyBits = 2048

// KeyPool hands out RSA-2048 keys by index, generating each one lazily the
// first time it is asked for and keeping it. Generating a 2048-bit key costs
// 50–300 ms, so a test that creates several servers should create one KeyPool
// and pass it to each with WithKeyPool; keys are then generated once per pool.
//
// The pool is owned by the test that creates it (there is no process-wide
// cache). Key(i) always returns the same key for the same i; two actors on one
// Server never share a key unless WithKey says so. A KeyPool is safe for
// concurrent use.
type KeyPool struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

// NewKeyPool returns a pool that starts with the given keys (which may be none).
func NewKeyPool(keys ...*rsa.PrivateKey) *KeyPool {
	return &KeyPool{keys: append([]*rsa.PrivateKey(nil), keys...)}
}

// Key returns the i-th key of the pool, generating it (and any before it) on first use.
func (p *KeyPool) Key(i int) (*rsa.PrivateKey, error) {
	if i < 0 {
		return nil, fmt.Errorf("aptest: negative key index %d", i)
	}
	if err := p.Warm(i + 1); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[i], nil
}

// Warm makes sure the pool holds at least n keys, generating the missing ones
// in parallel (one goroutine per missing key, all waited for).
func (p *KeyPool) Warm(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	missing := n - len(p.keys)
	if missing <= 0 {
		return nil
	}
	fresh := make([]*rsa.PrivateKey, missing)
	errs := make([]error, missing)
	var wg sync.WaitGroup
	for j := range missing {
		wg.Go(func() {
			fresh[j], errs[j] = rsa.GenerateKey(rand.Reader, keyBits)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("aptest: generate RSA key: %w", err)
		}
	}
	p.keys = append(p.keys, fresh...)
	return nil
}

// Len returns how many keys the pool holds now.
func (p *KeyPool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.keys)
}

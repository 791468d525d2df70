package ap

import (
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/artbridge/artbridge/rsasig"
)

// newCachedKey loads pub into the signature backend (rsasig: OpenSSL's
// libcrypto, or Go's crypto/rsa with the purego build tag) once, so every
// verification with a cached key skips the conversion.
func newCachedKey(pub *rsa.PublicKey, owner string, fetchedAt time.Time) (cachedKey, error) {
	v, err := rsasig.NewVerifier(pub)
	if err != nil {
		return cachedKey{}, sigErrDetail("key is not usable", fmt.Errorf("load key: %w", err))
	}
	return cachedKey{pub: pub, verifier: v, owner: owner, fetchedAt: fetchedAt}, nil
}

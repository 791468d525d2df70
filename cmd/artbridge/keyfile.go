package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// loadOrCreateKey reads the actor's RSA key from path, generating an RSA-2048
// key (mode 0600) when the file does not exist. An unreadable or corrupt key is
// an error: the key is never replaced silently, since remote servers pin it.
func loadOrCreateKey(path string) (*rsa.PrivateKey, bool, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, false, fmt.Errorf("key %s: not PEM; restore it from a backup (a new key would break federation)", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			if k1, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
				return k1, false, nil
			}
			return nil, false, fmt.Errorf("key %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, false, fmt.Errorf("key %s: not an RSA key", path)
		}
		return rk, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("key %s: %w", path, err)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, false, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, false, fmt.Errorf("encode key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("write key %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write key %s: %w", path, err)
	}
	return k, true, f.Close()
}

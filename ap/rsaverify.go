package ap

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
)

// verifyPKCS1v15SHA256 checks an RSASSA-PKCS1-v1_5 signature over the SHA-256
// of signingString. It is the one place the RSA primitive of verification
// lives, so another implementation can replace it.
func verifyPKCS1v15SHA256(pub *rsa.PublicKey, signingString, sig []byte) error {
	sum := sha256.Sum256(signingString)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// verifyPKCS1v15SHA512 is the SHA-512 variant, tried for hs2019.
func verifyPKCS1v15SHA512(pub *rsa.PublicKey, signingString, sig []byte) error {
	sum := sha512.Sum512(signingString)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA512, sum[:], sig)
}

//go:build cgo && !purego && !nolibcrypto

package rsasig

/*
#cgo LDFLAGS: -lcrypto
#include <stdlib.h>
#include <string.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/param_build.h>
#include <openssl/core_names.h>

#if OPENSSL_VERSION_MAJOR < 3
#error "rsasig needs OpenSSL 3 (libssl-dev); build with -tags nolibcrypto to use Go crypto/rsa"
#endif

// ab_err copies the first queued OpenSSL error into buf and clears this
// thread's queue (the Go caller may run on another thread next time).
static void ab_err(char *buf, size_t n) {
	unsigned long e = ERR_get_error();
	if (buf != NULL && n > 0) {
		if (e != 0) {
			ERR_error_string_n(e, buf, n);
		} else {
			strncpy(buf, "unknown OpenSSL error", n - 1);
			buf[n - 1] = 0;
		}
	}
	ERR_clear_error();
}

static int ab_push(OSSL_PARAM_BLD *bld, const char *name, const unsigned char *b, int n, BIGNUM **out) {
	if (b == NULL) {
		return 1;
	}
	*out = BN_bin2bn(b, n, NULL);
	if (*out == NULL) {
		return 0;
	}
	return OSSL_PARAM_BLD_push_BN(bld, name, *out);
}

// ab_rsa_key builds a provider-native RSA EVP_PKEY from big-endian integers.
// d == NULL makes a public key; otherwise every private part must be given.
// A provider-native key is never converted lazily, so sharing it read-only
// between threads mutates nothing.
static EVP_PKEY *ab_rsa_key(
	const unsigned char *n, int nlen, const unsigned char *e, int elen,
	const unsigned char *d, int dlen, const unsigned char *p, int plen,
	const unsigned char *q, int qlen, const unsigned char *dp, int dplen,
	const unsigned char *dq, int dqlen, const unsigned char *qi, int qilen,
	char *errbuf, size_t errlen) {
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn[8] = {0};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld == NULL) goto done;
	if (!ab_push(bld, OSSL_PKEY_PARAM_RSA_N, n, nlen, &bn[0]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_E, e, elen, &bn[1]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_D, d, dlen, &bn[2]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p, plen, &bn[3]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q, qlen, &bn[4]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp, dplen, &bn[5]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq, dqlen, &bn[6]) ||
	    !ab_push(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi, qilen, &bn[7])) goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL) goto done;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0) goto done;
	if (EVP_PKEY_fromdata(ctx, &pkey, d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		pkey = NULL;
	}
done:
	if (pkey == NULL) ab_err(errbuf, errlen);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < 8; i++) BN_clear_free(bn[i]);
	return pkey;
}

static EVP_MD *ab_md(const char *name, char *errbuf, size_t errlen) {
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	if (md == NULL) ab_err(errbuf, errlen);
	return md;
}

// ab_sign_tmpl and ab_verify_tmpl make a template context, initialised once
// with the key and digest: OpenSSL 3's init fetches the algorithm through the
// provider (locks and lookups), so each call copies the template instead.
static EVP_MD_CTX *ab_sign_tmpl(EVP_PKEY *pkey, const EVP_MD *md, char *errbuf, size_t errlen) {
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, md, NULL, pkey) != 1) {
		ab_err(errbuf, errlen);
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_MD_CTX *ab_verify_tmpl(EVP_PKEY *pkey, const EVP_MD *md, char *errbuf, size_t errlen) {
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1) {
		ab_err(errbuf, errlen);
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

// ab_sign signs msg with PKCS#1 v1.5 (RSA's default padding) on a copy of
// the template; the template (and the key in it) is only read.
static int ab_sign(const EVP_MD_CTX *tmpl, const unsigned char *msg, size_t msglen,
	unsigned char *sig, size_t *siglen, char *errbuf, size_t errlen) {
	int ok = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_MD_CTX_copy_ex(ctx, tmpl) == 1 &&
	    EVP_DigestSignUpdate(ctx, msg, msglen) == 1 &&
	    EVP_DigestSignFinal(ctx, sig, siglen) == 1) {
		ok = 1;
	}
	if (!ok) ab_err(errbuf, errlen);
	EVP_MD_CTX_free(ctx);
	return ok;
}

// ab_verify returns 1 when sig verifies, 0 when it does not (whatever the
// reason) and -1 when OpenSSL could not run the check.
static int ab_verify(const EVP_MD_CTX *tmpl, const unsigned char *msg, size_t msglen,
	const unsigned char *sig, size_t siglen, char *errbuf, size_t errlen) {
	int rc = -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_MD_CTX_copy_ex(ctx, tmpl) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, msg, msglen) == 1) {
		rc = EVP_DigestVerifyFinal(ctx, sig, siglen) == 1 ? 1 : 0;
	}
	if (rc == -1) {
		ab_err(errbuf, errlen);
	} else {
		ERR_clear_error();
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int ab_size(const EVP_PKEY *pkey) { return EVP_PKEY_get_size(pkey); }
static const char *ab_version(void) { return OpenSSL_version(OPENSSL_VERSION); }
*/
import "C"

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"unsafe"
)

// Backend names the implementation compiled in, with the libcrypto version
// loaded at run time.
func Backend() string { return C.GoString(C.ab_version()) + " libcrypto" }

// errBuf receives OpenSSL's error text.
type errBuf [256]C.char

func (b *errBuf) ptr() *C.char   { return &b[0] }
func (b *errBuf) size() C.size_t { return C.size_t(len(b)) }
func (b *errBuf) err(what string) error {
	return fmt.Errorf("rsasig: %s: %s", what, C.GoString(&b[0]))
}

// handle owns one EVP_PKEY, the digests used with it and one template
// context per digest (sign contexts for a Signer, verify contexts for a
// Verifier).
type handle struct {
	pkey   *C.EVP_PKEY
	sha256 *C.EVP_MD
	sha512 *C.EVP_MD
	tmpl   [2]*C.EVP_MD_CTX // SHA-256, SHA-512
}

func (h handle) free() {
	for _, t := range h.tmpl {
		C.EVP_MD_CTX_free(t)
	}
	C.EVP_PKEY_free(h.pkey)
	C.EVP_MD_free(h.sha256)
	C.EVP_MD_free(h.sha512)
}

// keyPtr is a C view of a big-endian integer.
type keyPtr struct {
	p *C.uchar
	n C.int
}

// newHandle converts the integers to an EVP_PKEY once and makes the
// templates. The integers are copied into C memory for OpenSSL (BN_bin2bn)
// and that memory is cleansed afterwards.
func newHandle(ints []*big.Int, sign bool) (handle, error) {
	var eb errBuf
	ptrs := make([]keyPtr, 8)
	for i, x := range ints {
		b := x.Bytes()
		if len(b) == 0 {
			b = []byte{0}
		}
		ptrs[i] = keyPtr{(*C.uchar)(C.CBytes(b)), C.int(len(b))}
		clear(b)
	}
	defer func() {
		for _, p := range ptrs {
			if p.p != nil {
				C.OPENSSL_cleanse(unsafe.Pointer(p.p), C.size_t(p.n))
				C.free(unsafe.Pointer(p.p))
			}
		}
	}()
	pkey := C.ab_rsa_key(ptrs[0].p, ptrs[0].n, ptrs[1].p, ptrs[1].n, ptrs[2].p, ptrs[2].n,
		ptrs[3].p, ptrs[3].n, ptrs[4].p, ptrs[4].n, ptrs[5].p, ptrs[5].n, ptrs[6].p, ptrs[6].n,
		ptrs[7].p, ptrs[7].n, eb.ptr(), eb.size())
	if pkey == nil {
		return handle{}, eb.err("load RSA key")
	}
	h := handle{pkey: pkey}
	fail := func(what string) (handle, error) {
		h.free()
		return handle{}, eb.err(what)
	}
	name256 := C.CString("SHA2-256")
	defer C.free(unsafe.Pointer(name256))
	if h.sha256 = C.ab_md(name256, eb.ptr(), eb.size()); h.sha256 == nil {
		return fail("fetch SHA-256")
	}
	if sign {
		if h.tmpl[0] = C.ab_sign_tmpl(h.pkey, h.sha256, eb.ptr(), eb.size()); h.tmpl[0] == nil {
			return fail("init signing")
		}
		return h, nil
	}
	name512 := C.CString("SHA2-512")
	defer C.free(unsafe.Pointer(name512))
	if h.sha512 = C.ab_md(name512, eb.ptr(), eb.size()); h.sha512 == nil {
		return fail("fetch SHA-512")
	}
	if h.tmpl[0] = C.ab_verify_tmpl(h.pkey, h.sha256, eb.ptr(), eb.size()); h.tmpl[0] == nil {
		return fail("init verification")
	}
	if h.tmpl[1] = C.ab_verify_tmpl(h.pkey, h.sha512, eb.ptr(), eb.size()); h.tmpl[1] == nil {
		return fail("init verification")
	}
	return h, nil
}

// bytesPtr points C at b's data; an empty slice gets a one-byte stand-in so
// OpenSSL never sees a NULL buffer.
func bytesPtr(b []byte) (*C.uchar, C.size_t) {
	if len(b) == 0 {
		var z [1]byte
		return (*C.uchar)(unsafe.Pointer(&z[0])), 0
	}
	return (*C.uchar)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// Signer makes RSA PKCS#1 v1.5 SHA-256 signatures with one private key. It
// is safe for concurrent use; Close must not race with Sign.
type Signer struct {
	h       handle
	size    int
	cleanup runtime.Cleanup
	closed  bool
}

// NewSigner validates key and converts it to an EVP_PKEY once. The EVP_PKEY
// is freed by Close or, failing that, when the Signer is collected.
func NewSigner(key *rsa.PrivateKey) (*Signer, error) {
	if err := checkPrivate(key); err != nil {
		return nil, err
	}
	k := *key
	k.Precompute()
	dp, dq, qinv := k.Precomputed.Dp, k.Precomputed.Dq, k.Precomputed.Qinv
	if dp == nil || dq == nil || qinv == nil {
		return nil, errors.New("rsasig: RSA key has no CRT values")
	}
	h, err := newHandle([]*big.Int{k.N, big.NewInt(int64(k.E)), k.D, k.Primes[0], k.Primes[1], dp, dq, qinv}, true)
	if err != nil {
		return nil, err
	}
	s := &Signer{h: h, size: int(C.ab_size(h.pkey))}
	s.cleanup = runtime.AddCleanup(s, handle.free, h)
	return s, nil
}

// Sign hashes msg with SHA-256 and signs the digest.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	if s.closed {
		return nil, errors.New("rsasig: signer is closed")
	}
	sig := make([]byte, s.size)
	siglen := C.size_t(len(sig))
	var eb errBuf
	mp, ml := bytesPtr(msg)
	ok := C.ab_sign(s.h.tmpl[0], mp, ml, (*C.uchar)(unsafe.Pointer(&sig[0])), &siglen, eb.ptr(), eb.size())
	runtime.KeepAlive(s)
	runtime.KeepAlive(msg)
	if ok != 1 {
		return nil, eb.err("sign")
	}
	return sig[:siglen], nil
}

// Size is the length of every signature in bytes.
func (s *Signer) Size() int { return s.size }

// Close frees the key now. The Signer must not be used afterwards.
func (s *Signer) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.cleanup.Stop()
	s.h.free()
}

// Verifier checks RSA PKCS#1 v1.5 signatures with one public key. It is safe
// for concurrent use; Close must not race with Verify.
type Verifier struct {
	h       handle
	cleanup runtime.Cleanup
	closed  bool
}

// NewVerifier validates pub and converts it to an EVP_PKEY once.
func NewVerifier(pub *rsa.PublicKey) (*Verifier, error) {
	if err := checkPublic(pub); err != nil {
		return nil, err
	}
	h, err := newHandle([]*big.Int{pub.N, big.NewInt(int64(pub.E))}, false)
	if err != nil {
		return nil, err
	}
	v := &Verifier{h: h}
	v.cleanup = runtime.AddCleanup(v, handle.free, h)
	return v, nil
}

// Verify checks sig over SHA-256 of msg.
func (v *Verifier) Verify(msg, sig []byte) error { return v.VerifyHash(SHA256, msg, sig) }

// VerifyHash checks sig over the digest h of msg.
func (v *Verifier) VerifyHash(h Hash, msg, sig []byte) error {
	if v.closed {
		return errors.New("rsasig: verifier is closed")
	}
	var tmpl *C.EVP_MD_CTX
	switch h {
	case SHA256:
		tmpl = v.h.tmpl[0]
	case SHA512:
		tmpl = v.h.tmpl[1]
	default:
		return fmt.Errorf("rsasig: unsupported hash %v", h)
	}
	var eb errBuf
	mp, ml := bytesPtr(msg)
	sp, sl := bytesPtr(sig)
	rc := C.ab_verify(tmpl, mp, ml, sp, sl, eb.ptr(), eb.size())
	runtime.KeepAlive(v)
	runtime.KeepAlive(msg)
	runtime.KeepAlive(sig)
	switch rc {
	case 1:
		return nil
	case 0:
		return ErrVerification
	}
	return eb.err("verify")
}

// Close frees the key now. The Verifier must not be used afterwards.
func (v *Verifier) Close() {
	if v.closed {
		return
	}
	v.closed = true
	v.cleanup.Stop()
	v.h.free()
}

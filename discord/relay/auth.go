package relay

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// unauthorisedMessage is the one body of every 401 of the API: an unknown
// alias, a wrong secret and a missing registration key read the same, so the
// answer does not tell which aliases exist.
const unauthorisedMessage = "credentials do not match (a relay answers to its clientSecret as Basic credentials; " +
	"a new alias needs the operator's registration key)"

// access is what an authenticated request may do with one alias.
type access struct {
	reg      Registration
	exists   bool
	operator bool
}

// authenticate loads alias and checks r's credentials against it. It costs
// the same for an unknown alias as for a known one with a wrong secret (a
// store read and one HMAC), and it counts failures per alias and per remote
// address: beyond the limits it answers 429 without checking anything. On
// refusal it has written the answer and returns ok false.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request, alias string) (access, bool) {
	addr := remoteKey(r)
	operator := isOperator(r, s.cfg.RegistrationKey)
	if s.refuseThrottled(w, addr, alias, operator) {
		return access{}, false
	}
	reg, err := s.store.RelayRegistration(r.Context(), alias)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Error("relay: read registration", "relay", alias, "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return access{}, false
	}
	salt, hash := dummySalt, dummyHash
	if exists {
		salt, hash = reg.SecretSalt, reg.SecretHash
	}
	cred, hasCred := basicCredentials(r)
	match := secretMatches(salt, hash, cred) && hasCred && exists
	if !operator && !match {
		s.failedAddr.fail(addr)
		s.failedAlias.fail(alias)
		s.log.Info("relay: authentication failed", "relay", alias, "remote", addr)
		writeError(w, http.StatusUnauthorized, unauthorisedMessage)
		return access{}, false
	}
	return access{reg: reg, exists: exists, operator: operator}, true
}

// authenticateOperator admits only the registration key (GET /relays).
func (s *Service) authenticateOperator(w http.ResponseWriter, r *http.Request) bool {
	addr := remoteKey(r)
	if s.refuseThrottled(w, addr, "", false) {
		return false
	}
	if !isOperator(r, s.cfg.RegistrationKey) {
		s.failedAddr.fail(addr)
		writeError(w, http.StatusUnauthorized, unauthorisedMessage)
		return false
	}
	return true
}

// refuseThrottled answers 429 when addr or alias used up its failed
// attempts. The operator's key is not held back by an alias's limit (a
// stranger hammering an alias cannot lock its operator out), only by its
// address's.
func (s *Service) refuseThrottled(w http.ResponseWriter, addr, alias string, operator bool) bool {
	blocked, retry := s.failedAddr.blocked(addr)
	if !blocked && alias != "" && !operator {
		blocked, retry = s.failedAlias.blocked(alias)
	}
	if !blocked {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(retry, time.Second).Seconds()))))
	writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many failed attempts; retry in %s", retry.Round(time.Second)))
	return true
}

package wiztest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
)

type issuedToken struct {
	expires time.Time
	scopes  []string
	dc      string
}

// handleToken plays a Cognito tenant's client-credentials endpoint.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unsupported content type"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if f.Get("audience") != "wiz-api" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "invalid audience"})
		return
	}
	idOK := subtle.ConstantTimeCompare([]byte(f.Get("client_id")), []byte(s.opts.ClientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.opts.ClientSecret)) == 1
	if !idOK || !secretOK {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	now := time.Now()
	ttl := s.opts.TokenTTL
	tok := s.mintJWT(now, ttl)
	s.mu.Lock()
	s.tokens[tok] = &issuedToken{expires: now.Add(ttl), scopes: append([]string(nil), s.opts.Scopes...), dc: s.opts.DC}
	s.tokensIssued++
	s.mu.Unlock()
	secs := int(ttl / time.Second)
	if secs < 1 {
		secs = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": secs, "token_type": "Bearer"})
}

// mintJWT builds a JWT-shaped token: real header and payload, fake signature.
func (s *Server) mintJWT(now time.Time, ttl time.Duration) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "wiztest"})
	payload, _ := json.Marshal(map[string]any{
		"sub":    s.opts.ClientID,
		"dc":     s.opts.DC,
		"iss":    "wiztest",
		"aud":    "wiz-api",
		"iat":    now.Unix(),
		"exp":    now.Add(ttl).Unix(),
		"scopes": s.opts.Scopes,
		"jti":    randomHex(8),
	})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return enc.EncodeToString(header) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
}

// bearer returns the token's grant when the request carries a valid one.
func (s *Server) bearer(r *http.Request) (*issuedToken, string, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return nil, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.tokens[tok]
	if it == nil || !time.Now().Before(it.expires) {
		return nil, "", false
	}
	return it, tok, true
}

// TokensIssued counts successful token requests.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// ExpireTokens makes every token issued so far invalid, as if expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expires = time.Time{}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

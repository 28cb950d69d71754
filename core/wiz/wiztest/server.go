// Package wiztest is a local stand-in for the parts of Wiz that
// semgrep-wiz talks to: the OAuth token endpoint, the GraphQL API
// (requestSecurityScanUpload, systemActivity, systemActivities,
// versionControlResources), the presigned S3 PUT, and the processing of
// uploaded files into system activities and per-data-source state.
//
// It is shaped like net/http/httptest and is strict where the real service
// is (content types, audience, presigned query byte for byte, one PUT per
// slot), so a client that passes against it is tolerant enough for Wiz.
// Tests use it, and so does demo mode.
package wiztest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/internal/faultkit"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// CustomerIntegrationID is the integration id Wiz documents for customers.
const CustomerIntegrationID = "55c176cc-d155-43a2-98ed-aa56873a1ca1"

// Default credentials when Options leaves them empty.
const (
	DefaultClientID     = "wiztest-client-id"
	DefaultClientSecret = "wiztest-client-secret"
)

// The three permissions semgrep-wiz needs.
var AllScopes = []string{"create:external_data_ingestion", "read:system_activities", "read:resources"}

// Options configures the stand-in. Zero values take the defaults noted.
type Options struct {
	ClientID, ClientSecret string   // default DefaultClientID / DefaultClientSecret
	Scopes                 []string // nil → AllScopes; an empty non-nil slice grants none
	DC                     string   // data center in the token's "dc" claim; default "us17"
	// APIDC is the data center whose API endpoint the stand-in plays;
	// default DC. When it differs, every GraphQL call answers HTTP 401
	// UNAUTHENTICATED, as another data center's endpoint does with a
	// tenant's token (a wrong API endpoint URL).
	APIDC    string
	TokenTTL time.Duration
	// PollsInProgress is how many IN_PROGRESS answers come before the
	// terminal one; default 1, negative for none.
	PollsInProgress int
	// NotFoundPolls is how many NOT_FOUND answers come after the PUT before
	// the activity exists; default 1, negative for none.
	NotFoundPolls int
	UploadURLTTL  time.Duration // default 24h
	// RateLimit, when > 0, is the GraphQL requests per second allowed per
	// token; more get HTTP 429 RATE_LIMIT_EXCEEDED.
	RateLimit           float64
	KnownIntegrationIDs []string // default [CustomerIntegrationID]
	// UnresolvedRepoURLs lists repositories Wiz cannot resolve: their
	// assets' findings are not handled and the activity ends SKIPPED.
	UnresolvedRepoURLs []string
	// VCSBranches is what versionControlResources returns.
	VCSBranches []VCSBranch
	// FaultRate, when > 0, fails that share of token, GraphQL and PUT
	// requests at random with a transient fault: HTTP 500, 503, 429 with
	// Retry-After: 0, or a reset connection. A request is never failed
	// twice in a row (the same op, path and GraphQL variables), so a client
	// that retries at least once always gets through. FaultSeed seeds the
	// draws; with concurrent clients which request gets which draw varies.
	FaultRate float64
	FaultSeed int64
}

// VCSBranch is one REPOSITORY_BRANCH resource the stand-in knows.
type VCSBranch struct {
	RepoName      string // owner/repo
	RepoURL       string
	Branch        string
	CloudPlatform string // default GitHub
}

func (o *Options) setDefaults() {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.Scopes == nil {
		o.Scopes = append([]string(nil), AllScopes...)
	}
	if o.DC == "" {
		o.DC = "us17"
	}
	if o.APIDC == "" {
		o.APIDC = o.DC
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	o.PollsInProgress = countDefault(o.PollsInProgress)
	o.NotFoundPolls = countDefault(o.NotFoundPolls)
	if o.UploadURLTTL <= 0 {
		o.UploadURLTTL = 24 * time.Hour
	}
	if len(o.KnownIntegrationIDs) == 0 {
		o.KnownIntegrationIDs = []string{CustomerIntegrationID}
	}
}

func countDefault(n int) int {
	switch {
	case n == 0:
		return 1
	case n < 0:
		return 0
	}
	return n
}

// Server is a running (or, from New, not yet listening) Wiz stand-in.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:53124 ("" until listening)

	opts Options
	hs   *httptest.Server

	mu             sync.Mutex
	tokens         map[string]*issuedToken
	tokensIssued   int
	requests       []Request
	slots          map[string]*slot // by URL path
	activities     map[string]*slot // by system activity id
	put            []*slot          // in PUT order
	slotsRequested int
	nextUploadID   int
	faults         []*Fault
	dataSources    map[string]*dsState
	limiters       map[string]*rate.Limiter
	flaky          *faultkit.Flaky // Options.FaultRate
}

// New returns a stand-in that is not listening; serve Handler() yourself.
func New(o Options) *Server {
	o.setDefaults()
	return &Server{
		opts:         o,
		tokens:       map[string]*issuedToken{},
		slots:        map[string]*slot{},
		activities:   map[string]*slot{},
		dataSources:  map[string]*dsState{},
		limiters:     map[string]*rate.Limiter{},
		nextUploadID: 48213,
		flaky:        faultkit.NewFlaky(o.FaultRate, newRand(o.FaultSeed)),
	}
}

// NewServer starts a stand-in on 127.0.0.1 with a random port.
func NewServer(o Options) *Server {
	s := New(o)
	s.hs = httptest.NewServer(s.Handler())
	s.URL = s.hs.URL
	return s
}

// Close stops the listener started by NewServer.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// AuthURL is the token endpoint URL.
func (s *Server) AuthURL() string { return s.URL + "/oauth/token" }

// APIEndpoint is the GraphQL endpoint URL.
func (s *Server) APIEndpoint() string { return s.URL + "/graphql" }

// Options returns the options in effect (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Handler serves the whole stand-in: /oauth/token, /graphql and /s3/….
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	var op string
	var gq *gqlRequest
	key := r.URL.Path
	switch {
	case r.URL.Path == "/oauth/token":
		op = "token"
	case r.URL.Path == "/graphql":
		gq = readGraphQL(r)
		op = gq.op
		vars, _ := json.Marshal(gq.Variables)
		key += " " + op + " " + string(vars)
	case strings.HasPrefix(r.URL.Path, "/s3/"):
		op = "put"
	default:
		op = "other"
	}
	defer func() { s.record(r, op, rec.status, at) }()

	real := func(w http.ResponseWriter) {
		switch op {
		case "token":
			s.handleToken(w, r)
		case "put":
			s.handlePut(w, r)
		case "other":
			http.NotFound(w, r)
		default:
			s.handleGraphQL(w, r, gq)
		}
	}
	f := s.takeFault(op)
	if f == nil {
		f = s.randomFault(op, key)
	}
	if f != nil && s.applyFault(rec, w, r, op, f, real) {
		return
	}
	real(rec)
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

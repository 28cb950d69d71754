package pipeline

// The fault matrix (issue 5): every remote call a sync makes × every fault
// the stand-ins inject, each row stating its outcome, checked on the wire.
// Each row runs against fresh stand-ins and a fresh ledger: a clean
// baseline sync first, then Semgrep's data changes (findings fixed), then
// the sync under the fault. So "ledger unchanged" and "ledger updated" are
// told apart, and a clean run's request counts are known.
//
// SEMGREP_WIZ_PRINT_MATRIX=1 go test ./core/pipeline -run FaultMatrixTable -v
// logs the matrix as a markdown table, generated from the rows below.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

const (
	// Both clients' per-attempt timeout in the rig: generous, so a loaded
	// machine (or -race) does not time out requests the row did not
	// fault. The rig with the big repository has no stall rows, and its
	// 3,000-finding page may take long under -race.
	mxTimeout    = 2 * time.Second
	mxTimeoutBig = 30 * time.Second
	mxGrace      = time.Second            // Wiz NotFoundGrace
	mxParallel   = 6                      // rows at a time: they mostly wait
	mxRAGap      = 950 * time.Millisecond // "Retry-After: 1" honoured (timer slack)
	mxSecret     = "mx-wiz-client-S3cret-7Hq2VbN9xL4p"
	mxBig        = "scale-org/service-0000" // two findings pages (3000 + 100)
	mxSmall      = "scale-org/service-0001" // has findings fixed between the two runs
	mxForever    = 1 << 20                  // wiztest Times for "every request"
)

// Where a failure stops the pipeline; later calls must not happen. A
// sync signs in to Wiz before it reads Semgrep.
type mxStage int

const (
	stageToken   mxStage = iota
	stageCollect         // Semgrep
	stageSlot
	stagePut
	stagePoll
)

type mxCall struct {
	name  string
	wiz   string // wiztest op
	sg    string // semgreptest op
	query url.Values
	stage mxStage
	// matching is how many requests of a clean run a fault on every
	// request of this call hits.
	matching int
	big      bool // needs the rig with the two-page repository
}

var (
	callToken    = mxCall{name: "Wiz token", wiz: "token", stage: stageToken, matching: 1}
	callSlot     = mxCall{name: "Wiz GraphQL upload request", wiz: "upload-request", stage: stageSlot, matching: 1}
	callPut      = mxCall{name: "presigned PUT", wiz: "put", stage: stagePut, matching: 1}
	callActivity = mxCall{name: "Wiz activity poll", wiz: "activity", stage: stagePoll, matching: 1}
	callDeploy   = mxCall{name: "Semgrep deployments", sg: semgreptest.OpDeployments, stage: stageCollect, matching: 1}
	callProjects = mxCall{name: "Semgrep projects", sg: semgreptest.OpProjects, stage: stageCollect, matching: 1}
	callScans    = mxCall{name: "Semgrep scans search", sg: semgreptest.OpScans, stage: stageCollect, matching: 1} // one across the deployment
	callFindings = mxCall{name: "Semgrep findings page", sg: semgreptest.OpFindings, stage: stageCollect, matching: 1,
		query: url.Values{"repos": {mxBig}, "page": {"0"}}}
	// The second page of a repository with two: the first page was read.
	callFindings2 = mxCall{name: "Semgrep findings, page 2 of 2", sg: semgreptest.OpFindings, stage: stageCollect, matching: 1,
		query: url.Values{"repos": {mxBig}, "page": {"1"}}, big: true}
)

// What the ledger holds after the row's run.
type mxLedger int

const (
	ledgerUpdated   mxLedger = iota // = Wiz = the new data
	ledgerUnchanged                 // = Wiz = the baseline
	ledgerPartial                   // the unread repository unchanged, the others updated; = Wiz
	ledgerPending                   // the baseline; Wiz has the new data; upload pending until refresh
)

func (l mxLedger) String() string {
	return [...]string{
		"held sets updated (= Wiz)",
		"held sets unchanged (= Wiz)",
		"unread repo unchanged, others updated (= Wiz)",
		"held sets unchanged, upload pending; `history refresh` records it",
	}[l]
}

// A fault as both stand-ins understand it; times 0 means every request.
type mxFault struct {
	name       string
	status     int
	retryAfter string
	gqlCode    string
	body       string
	times      int
	stall      bool // a Delay (or with slowBody a trickled body) longer than the timeout
	slowBody   bool
	reset      bool
	truncate   bool
	lost       bool // Wiz only: the server acts, then drops the answer
}

func (f mxFault) injected() string {
	if f.times == 0 {
		return "every request"
	}
	return fmt.Sprintf("×%d", f.times)
}

type mxWant struct {
	status Status
	err    string // fragment of the run's error (or of the unread repository's reason); "" on success
	// extra is how many more requests of the faulted call than a clean
	// run (for a fault on every request: retries per request it hits; a
	// failed poll ends polling, so there the first poll is the base);
	// atLeast makes it a lower bound (polling until a grace ends).
	extra   int
	atLeast bool
	noRetry bool          // a transient fault the client rightly did not retry
	tokens  int           // extra token requests (a re-minted token)
	minGap  time.Duration // wait between the faulted request and its retry
	ledger  mxLedger
	uploads int // files Wiz received in the run
	slots   int // upload slots Wiz issued in the run
	note    string
}

type mxRow struct {
	call  mxCall
	fault mxFault
	want  mxWant
}

// Faults by name, in the matrix's order.
var (
	fTimeout   = mxFault{name: "timeout (no answer within the per-request timeout)", stall: true, times: 1}
	fReset     = mxFault{name: "connection reset", reset: true, times: 2}
	fSlow      = mxFault{name: "slow body (trickles past the timeout)", stall: true, slowBody: true, times: 1}
	fTruncated = mxFault{name: "truncated body", truncate: true, times: 1}
	fLost      = mxFault{name: "answer lost (server acted, then reset)", lost: true, times: 1}
	fMalformed = mxFault{name: "malformed JSON (HTTP 200)", body: `{"data": [1,}`}
	fHTML200   = mxFault{name: "HTML page (HTTP 200: portal, wrong URL)", body: "<html><body><h1>Sign in</h1></body></html>"}
	fHTML502   = mxFault{name: "HTML error page (HTTP 502 from a gateway)", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", times: 1}
	f401once   = mxFault{name: "401", status: 401, times: 1}
	f401       = mxFault{name: "401", status: 401}
	f403       = mxFault{name: "403", status: 403}
	f404       = mxFault{name: "404", status: 404}
	f429RA     = mxFault{name: "429 with Retry-After: 1", status: 429, retryAfter: "1", times: 1}
	f429       = mxFault{name: "429 without Retry-After", status: 429, times: 2}
	f500       = mxFault{name: "500", status: 500, times: 1}
	f502       = mxFault{name: "502", status: 502, times: 1}
	f503       = mxFault{name: "503", status: 503, times: 2}
	f504       = mxFault{name: "504", status: 504, times: 1}
	f503ever   = mxFault{name: "503 on every attempt", status: 503}
)

func gql(code string, times int) mxFault {
	return mxFault{name: "GraphQL errors: " + code, gqlCode: code, times: times}
}

// mxRows is the matrix.
func mxRows() []mxRow {
	var rows []mxRow
	add := func(c mxCall, f mxFault, w mxWant) { rows = append(rows, mxRow{c, f, w}) }
	ok := func(extra int) mxWant { return mxWant{status: StatusSuccess, extra: extra, uploads: 1, slots: 1} }
	okGap := func(extra int) mxWant { w := ok(extra); w.minGap = mxRAGap; return w }

	// A failure's effect on the run, Wiz and the ledger depends on where it
	// stops the pipeline.
	fail := func(c mxCall, msg string, extra int) mxWant {
		w := mxWant{status: StatusFailure, err: msg, extra: extra, ledger: ledgerUnchanged}
		switch c.stage {
		case stageCollect:
			if c.sg == semgreptest.OpFindings {
				// Only that repository is unreadable: left out, the rest sent.
				w.status, w.ledger, w.uploads, w.slots = StatusPartial, ledgerPartial, 1, 1
			}
		case stagePut:
			w.slots = 1
		case stagePoll:
			w.ledger, w.uploads, w.slots = ledgerPending, 1, 1
		}
		return w
	}

	// Semgrep: every call fails the same way; only the consequences differ.
	for _, c := range []mxCall{callDeploy, callProjects, callScans, callFindings} {
		add(c, fTimeout, ok(1))
		add(c, fReset, ok(2))
		add(c, fSlow, ok(1))
		add(c, fTruncated, ok(1))
		add(c, fMalformed, fail(c, "malformed JSON at byte", 0))
		add(c, fHTML200, fail(c, "got an HTML or XML page", 0))
		add(c, fHTML502, ok(1))
		add(c, f401, fail(c, "the Semgrep token was rejected", 0))
		add(c, f403, fail(c, "the Semgrep token is not allowed to do this", 0))
		add(c, f404, fail(c, "not found: the token lacks the Web API scope", 0))
		add(c, f429RA, okGap(1))
		add(c, f429, ok(2))
		add(c, f500, ok(1))
		add(c, f502, ok(1))
		add(c, f503, ok(2))
		add(c, f504, ok(1))
		add(c, f503ever, fail(c, "gave up after 5 attempts", 4))
	}
	// Mid-pagination: a repository whose first page was read is still
	// retried, or left out whole, never sent in part.
	c := callFindings2
	add(c, fTruncated, ok(1))
	add(c, f500, ok(1))
	add(c, fMalformed, fail(c, "malformed JSON at byte", 0))
	add(c, f503ever, fail(c, "gave up after 5 attempts", 4))

	c = callToken
	add(c, fTimeout, ok(1))
	add(c, fReset, ok(2))
	add(c, fSlow, ok(1))
	add(c, fTruncated, ok(1))
	add(c, fLost, ok(1))
	add(c, fMalformed, fail(c, "token: the token response carried no access_token", 0))
	add(c, fHTML200, fail(c, "token: the token response carried no access_token", 0))
	add(c, fHTML502, ok(1))
	w := fail(c, "Wiz rejected the client id/secret (HTTP 401)", 0)
	w.note = "bad credentials: not retried"
	add(c, f401once, w)
	add(c, f403, fail(c, "Wiz rejected the client id/secret (HTTP 403)", 0))
	add(c, f404, fail(c, "the authentication URL answered HTTP 404", 0))
	add(c, f429RA, okGap(1))
	add(c, f429, ok(2))
	add(c, f500, ok(1))
	add(c, f502, ok(1))
	add(c, f503, ok(2))
	add(c, f504, ok(1))
	add(c, f503ever, fail(c, "the token endpoint failed (HTTP 503)", 4))

	for _, c := range []mxCall{callSlot, callActivity} {
		scope := wiz.ScopeIngestion
		if c.wiz == callActivity.wiz {
			scope = wiz.ScopeActivities
		}
		w := ok(1)
		add(c, fTimeout, w)
		add(c, fReset, ok(2))
		w = ok(1)
		if c.wiz == callSlot.wiz {
			w.slots, w.note = 2, "the cut-off answer's slot stays unused"
		} else {
			w.extra, w.note = 0, "the stand-in counted the cut-off poll as one, so no extra request shows"
		}
		add(c, fSlow, w)
		add(c, fTruncated, w)
		add(c, fLost, w)
		add(c, fMalformed, fail(c, "did not answer with GraphQL JSON", 0))
		add(c, fHTML200, fail(c, "did not answer with GraphQL JSON", 0))
		add(c, fHTML502, ok(1))
		w = ok(1)
		w.tokens, w.note = 1, "token re-minted once"
		add(c, f401once, w)
		w = fail(c, "Wiz rejected the access token (HTTP 401)", 1)
		w.tokens, w.note = 1, "token re-minted once, then given up"
		add(c, f401, w)
		add(c, f403, fail(c, "Wiz refused the request from this IP address", 0))
		add(c, f404, fail(c, "the API endpoint answered HTTP 404", 0))
		add(c, f429RA, okGap(1))
		add(c, f429, ok(2))
		add(c, f500, ok(1))
		add(c, f502, ok(1))
		add(c, f503, ok(2))
		add(c, f504, ok(1))
		add(c, f503ever, fail(c, "the Wiz API failed", 4))
		w = ok(1)
		w.tokens, w.note = 1, "token re-minted once"
		add(c, gql("UNAUTHENTICATED", 1), w)
		w = fail(c, "Wiz rejected the access token", 1)
		w.tokens, w.note = 1, "token re-minted once, then given up"
		add(c, gql("UNAUTHENTICATED", 0), w)
		add(c, gql("UNAUTHORIZED", 0), fail(c, "the service account lacks the "+scope+" permission", 0))
		add(c, gql("RATE_LIMIT_EXCEEDED", 2), ok(2))
		add(c, gql("INTERNAL", 1), ok(1))
		add(c, gql("BAD_USER_INPUT", 0), fail(c, "the Wiz API rejected the request", 0))
		if c.wiz == callSlot.wiz {
			add(c, gql("NOT_FOUND", 0), fail(c, "request upload: not found", 0))
		} else {
			w = ok(2)
			w.note = "not registered yet: polled on"
			add(c, gql("NOT_FOUND", 2), w)
			w = fail(c, "did not appear within "+mxGrace.String(), 0)
			w.atLeast, w.note = true, "polled until the grace ended; hint names the integration id"
			add(c, gql("NOT_FOUND", 0), w)
		}
	}

	c = callPut
	add(c, fTimeout, ok(1))
	add(c, fReset, ok(2))
	w = ok(0)
	w.noRetry, w.note = true, "stored; the answer's body is not waited for"
	add(c, fSlow, w)
	add(c, fTruncated, w)
	w = ok(1)
	w.note = "stored, answer lost: the re-sent PUT is refused as a used slot, taken as delivered — no fresh slot, no second upload"
	add(c, fLost, w)
	add(c, fHTML200, fail(c, "the upload was answered with a web page", 0))
	add(c, fHTML502, ok(1))
	add(c, f401, fail(c, "the upload was refused (HTTP 401", 0))
	w = fail(c, "the upload was refused (HTTP 403 SignatureDoesNotMatch)", 0)
	w.note = "not an expiry: no fresh slot"
	add(c, mxFault{name: "403 SignatureDoesNotMatch", status: 403, body: s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")}, w)
	add(c, mxFault{name: "404 NoSuchKey", status: 404, body: s3Error("NoSuchKey", "The specified key does not exist.")},
		fail(c, "the upload was refused (HTTP 404 NoSuchKey)", 0))
	add(c, f429RA, okGap(1))
	add(c, f429, ok(2))
	add(c, f500, ok(1))
	add(c, f502, ok(1))
	add(c, mxFault{name: "503 SlowDown", status: 503, body: s3Error("SlowDown", "Please reduce your request rate."), times: 2}, ok(2))
	add(c, f504, ok(1))
	add(c, mxFault{name: "400 RequestTimeout (S3)", status: 400, times: 1,
		body: s3Error("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")}, ok(1))
	add(c, f503ever, fail(c, "the upload storage failed (HTTP 503", 4))
	expired := mxFault{name: "presigned URL expired (S3 403)", status: 403, times: 1, body: s3Error("AccessDenied", "Request has expired")}
	w = ok(1)
	w.slots, w.note = 2, "one fresh upload slot"
	add(c, expired, w)
	expired.times = 0
	w = fail(c, "the upload URL has expired or was refused (AccessDenied)", 1)
	w.slots, w.note = 2, "one fresh slot, then given up"
	add(c, expired, w)
	return rows
}

func s3Error(code, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + msg + "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"
}

// TestFaultMatrix runs every row.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs two syncs per row")
	}
	// Rows mostly wait (timeouts, Retry-After, polling), so they run
	// mxParallel at a time whatever -parallel says.
	seen := map[string]bool{}
	sem := make(chan struct{}, mxParallel)
	var wg sync.WaitGroup
	for _, row := range mxRows() {
		name := row.call.name + "/" + row.fault.name + "/" + row.fault.injected()
		if seen[name] {
			t.Fatalf("duplicate row %s", name)
		}
		seen[name] = true
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t.Run(name, func(t *testing.T) { runRow(t, row) })
		}()
	}
	wg.Wait()
}

// TestFaultMatrixTable checks the matrix covers every call × fault and,
// with SEMGREP_WIZ_PRINT_MATRIX=1, logs it as a markdown table.
func TestFaultMatrixTable(t *testing.T) {
	rows := mxRows()
	byCall := map[string]map[string]bool{}
	for _, r := range rows {
		if byCall[r.call.name] == nil {
			byCall[r.call.name] = map[string]bool{}
		}
		byCall[r.call.name][r.fault.name] = true
	}
	common := []string{fTimeout.name, fReset.name, fSlow.name, fTruncated.name, fHTML200.name, fHTML502.name,
		"401", f429RA.name, f429.name, f500.name, f502.name, f504.name, f503ever.name}
	for _, c := range []mxCall{callToken, callSlot, callPut, callActivity, callDeploy, callProjects, callScans, callFindings} {
		for _, f := range common {
			if !byCall[c.name][f] {
				t.Errorf("%s: no row for %s", c.name, f)
			}
		}
	}
	for _, c := range []mxCall{callSlot, callActivity} {
		for _, code := range []string{"UNAUTHENTICATED", "UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "INTERNAL", "BAD_USER_INPUT", "NOT_FOUND"} {
			if !byCall[c.name]["GraphQL errors: "+code] {
				t.Errorf("%s: no row for GraphQL code %s", c.name, code)
			}
		}
	}
	if !byCall[callPut.name]["presigned URL expired (S3 403)"] {
		t.Error("no expired presigned URL row")
	}
	if os.Getenv("SEMGREP_WIZ_PRINT_MATRIX") == "1" {
		t.Log("\n" + mxMarkdown(rows))
	}
}

func mxMarkdown(rows []mxRow) string {
	var b strings.Builder
	b.WriteString("| Call | Fault | Injected | Outcome | Run status | Ledger afterwards | Reached Wiz | On the wire |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		w := r.want
		outcome := "retried, succeeded"
		if w.noRetry {
			outcome = "succeeded, no retry"
		}
		if w.err != "" {
			outcome = "failed: “" + w.err + "”"
			if w.status == StatusPartial {
				outcome = "repository left out: “" + w.err + "”"
			}
		}
		if w.note != "" {
			outcome += " (" + w.note + ")"
		}
		reached := "nothing"
		switch {
		case w.uploads == 1 && w.slots > 1:
			reached = fmt.Sprintf("1 upload (%d slots)", w.slots)
		case w.uploads == 1:
			reached = "1 upload"
		case w.slots == 1:
			reached = "a slot, no upload"
		case w.slots > 1:
			reached = fmt.Sprintf("%d slots, no upload", w.slots)
		case r.call.stage == stageToken:
			reached = "nothing (sign-in failed; Semgrep not read)"
		case r.call.stage == stageCollect:
			reached = "sign-in only, no slot, no upload"
		case r.call.stage == stageSlot:
			reached = "no slot, no upload"
		}
		// Transient rows: requests beyond a clean run. Rows that fail:
		// attempts per request the fault hit.
		wire := fmt.Sprintf("%+d request(s)", w.extra)
		switch {
		case w.atLeast:
			wire = "polled for the whole grace"
		case r.fault.times == 0 || w.status == StatusFailure:
			wire = fmt.Sprintf("%d attempt(s)", 1+w.extra)
			if w.extra == 0 {
				wire = "1 attempt, no retry"
			}
		}
		if w.minGap > 0 {
			wire += ", retry ≥ 1 s later"
		}
		if w.tokens > 0 {
			wire += fmt.Sprintf(", %+d token", w.tokens)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.call.name, r.fault.name, r.fault.injected(), outcome, w.status, w.ledger, reached, wire)
	}
	return b.String()
}

// mxRig is one row's world: stand-ins, a ledger and clients.
type mxRig struct {
	sg      *semgreptest.Server
	wz      *wiztest.Server
	l       *ledger.Ledger
	semg    *semgrep.Client
	work    string
	timeout time.Duration
}

// newMxRig builds the world of one row. Three repositories of 60
// findings each; with big, the first has 3,100 more on a pull-request ref
// (two findings pages to read, nothing more to send), which only the
// findings-page rows need.
func newMxRig(t *testing.T, big bool) *mxRig {
	t.Helper()
	ds := semgreptest.GenerateDataset(21, 3, 9300, time.Now())
	for i := range ds.Projects {
		p := &ds.Projects[i]
		if !big || p.Name != mxBig {
			p.Findings = p.Findings[:60]
			continue
		}
		for j := range p.Findings[60:] {
			// Lean: the page is read twice per row, under -race too.
			f := &p.Findings[60+j]
			f.Ref, f.LineOfCodeURL, f.RuleMessage, f.Categories, f.SourcingPolicy = "refs/pull/7/merge", "", "", nil, nil
			f.Rule.Message, f.Rule.Subcategories, f.Rule.VulnerabilityClasses, f.Rule.OWASPNames = "", nil, nil, nil
		}
	}
	m := &mxRig{sg: semgreptest.NewServer(ds), wz: wiztest.NewServer(wiztest.Options{ClientSecret: mxSecret}), work: t.TempDir(), timeout: mxTimeout}
	if big {
		m.timeout = mxTimeoutBig
	}
	t.Cleanup(m.sg.Close)
	t.Cleanup(m.wz.Close)
	l, err := ledger.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	m.l = l
	m.semg = semgrep.New(semgrep.Options{BaseURL: m.sg.URL, Token: ds.Token, RetryBase: time.Millisecond, RequestTimeout: m.timeout})
	return m
}

// wizClient is a fresh client (no cached token) for each run.
func (m *mxRig) wizClient(t *testing.T) *wiz.Client {
	t.Helper()
	c, err := wiz.New(wiz.Config{
		RequestsPerSecond: 1000, // tests poll every few milliseconds
		APIEndpoint:       m.wz.APIEndpoint(), AuthURL: m.wz.AuthURL(),
		ClientID: wiztest.DefaultClientID, ClientSecret: mxSecret,
		RetryBase: time.Millisecond, RequestTimeout: m.timeout,
		PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond,
		PollDeadline: 20 * time.Second, NotFoundGrace: mxGrace,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *mxRig) options(t *testing.T) Options {
	pol := policy.Default()
	// Every severity and several statuses: the server then sends all of
	// the big repository's findings, two pages of them.
	pol.Severities = []finding.Severity{finding.SeverityLow, finding.SeverityMedium, finding.SeverityHigh, finding.SeverityCritical}
	pol.Statuses = []string{"open", "reviewing", "fixing"}
	g := DefaultGuards()
	g.UploadsPerDay = 0
	return Options{
		Collect: CollectOptions{Policy: pol, Semgrep: m.semg, Deployment: "scale-org"},
		Wiz:     m.wizClient(t), Ledger: m.l, Guards: g, WorkDir: m.work,
	}
}

// ledgerHolds is what the ledger holds, by data source, each sorted.
func ledgerHolds(t *testing.T, l *ledger.Ledger) map[string][]string {
	t.Helper()
	ctx := context.Background()
	dss, err := l.DataSources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range dss {
		ids, err := l.Held(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		out[d.ID] = ids
	}
	return out
}

// quiet waits for the Wiz stand-in to log the last request it answered
// (it logs once its handler has returned, which may be just after the
// client has the answer).
func (m *mxRig) quiet() {
	n := len(m.wz.Requests())
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		k := len(m.wz.Requests())
		if k == n {
			return
		}
		n = k
	}
}

// wizState is what Wiz holds open, by data source.
func (m *mxRig) wizState() map[string][]string {
	out := map[string][]string{}
	for id, d := range m.wz.DataSources() {
		out[id] = d.Open
	}
	return out
}

func dsID(name string) string {
	return finding.DataSourceID(finding.Repository{Name: name, URL: "https://github.com/" + name, Deployment: "scale-org"})
}

// stall is a wait that outlasts the rig's timeout.
func (f mxFault) stallFor(timeout time.Duration) (delay, slow time.Duration) {
	switch {
	case f.stall && f.slowBody:
		return 0, timeout + time.Second
	case f.stall:
		return timeout + time.Second, 0
	}
	return 0, 0
}

func (f mxFault) wizFault(op string, timeout time.Duration) wiztest.Fault {
	times := f.times
	if times == 0 {
		times = mxForever
	}
	delay, slow := f.stallFor(timeout)
	return wiztest.Fault{Op: op, Status: f.status, RetryAfter: f.retryAfter, GraphQLCode: f.gqlCode, Body: f.body,
		Times: times, Delay: delay, Reset: f.reset, Truncate: f.truncate, SlowBody: slow, Lost: f.lost}
}

func (f mxFault) sgFault(op string, q url.Values, timeout time.Duration) semgreptest.Fault {
	delay, slow := f.stallFor(timeout)
	return semgreptest.Fault{Op: op, Query: q, Status: f.status, RetryAfter: f.retryAfter, Body: f.body,
		Times: f.times, Delay: delay, Reset: f.reset, Truncate: f.truncate, SlowBody: slow}
}

func runRow(t *testing.T, row mxRow) {
	big := row.call.big
	m := newMxRig(t, big)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Baseline: a clean sync; its request counts are a clean run's.
	base, err := Run(ctx, m.options(t))
	if err != nil || base.Status != StatusSuccess {
		t.Fatalf("baseline: %s %v", base.Status, err)
	}
	m.quiet()
	cleanWiz, cleanSg := wizCounts(m.wz.Requests()), sgCounts(m.sg.Requests())
	pages := 3
	if big {
		pages = 4
	}
	if cleanSg[semgreptest.OpFindings] != pages || cleanWiz["put"] != 1 {
		t.Fatalf("baseline request counts: %v %v", cleanSg, cleanWiz)
	}
	held0 := ledgerHolds(t, m.l)
	if !reflect.DeepEqual(held0, m.wizState()) || len(held0) != 3 {
		t.Fatalf("baseline: ledger and Wiz differ")
	}
	// Semgrep's data moves on: five findings of one repository are fixed.
	dropped := 0
	m.sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name != mxSmall {
				continue
			}
			var kept []semgreptest.Finding
			for _, f := range p.Findings {
				if dropped < 5 && f.EffectiveStatus() == "open" && f.Ref == "refs/heads/main" {
					dropped++
					continue
				}
				kept = append(kept, f)
			}
			p.Findings = kept
		}
	})
	wizMark, slotMark, upMark := len(m.wz.Requests()), m.wz.SlotsRequested(), len(m.wz.Uploads())
	m.sg.ResetRequests()

	if row.call.wiz != "" {
		m.wz.Inject(row.fault.wizFault(row.call.wiz, m.timeout))
	} else {
		m.sg.Inject(row.fault.sgFault(row.call.sg, row.call.query, m.timeout))
	}
	o := m.options(t)
	start := time.Now()
	res, err := Run(ctx, o)
	took := time.Since(start)
	w := row.want

	// Outcome and message.
	if res.Status != w.status {
		t.Fatalf("status %s, want %s (err %v)", res.Status, w.status, err)
	}
	if (err == nil) != (w.status != StatusFailure) {
		t.Fatalf("err %v with status %s", err, res.Status)
	}
	msg := res.Error
	for _, r := range res.Repositories {
		if r.State == "failed" {
			msg += " | " + r.Name + ": " + r.Reason
		}
	}
	if w.err == "" && msg != "" {
		t.Errorf("unexpected error: %s", msg)
	}
	if w.err != "" && !strings.Contains(msg, w.err) {
		t.Errorf("error %q does not say %q", msg, w.err)
	}
	if w.status == StatusPartial {
		var failed []string
		for _, r := range res.Repositories {
			if r.State == "failed" {
				failed = append(failed, r.Name)
			}
		}
		if !slices.Equal(failed, []string{mxBig}) {
			t.Errorf("failed repositories %v, want only %s", failed, mxBig)
		}
	}
	noSecrets(t, m, res, err)

	// On the wire. A stand-in logs a request when it has answered it; one
	// the client gave up on may still be finishing.
	var (
		wizReqs         []wiztest.Request
		sgReqs          []semgreptest.Request
		gotWiz, gotSg   map[string]int
		op              string
		got, clean, exp int
	)
	for settle := time.Now().Add(m.timeout + 2*time.Second); ; time.Sleep(20 * time.Millisecond) {
		wizReqs, sgReqs = m.wz.Requests()[wizMark:], m.sg.Requests()
		gotWiz, gotSg = wizCounts(wizReqs), sgCounts(sgReqs)
		op, got, clean = row.call.wiz, gotWiz[row.call.wiz], cleanWiz[row.call.wiz]
		if row.call.sg != "" {
			op, got, clean = row.call.sg, gotSg[row.call.sg], cleanSg[row.call.sg]
		}
		exp = clean + w.extra
		if row.fault.times == 0 || w.status == StatusFailure {
			exp = clean + row.call.matching*w.extra
			if row.call.stage == stagePoll {
				exp = 1 + w.extra // the failed poll ended the polling
			}
		}
		if got >= exp || time.Now().After(settle) {
			break
		}
	}
	if want := exp; got != want && !(w.atLeast && got >= want) {
		t.Errorf("%s requests: %d, want %d (a clean run makes %d)", op, got, want, clean)
	}
	if row.call.wiz != "token" {
		if want := cleanWiz["token"] + w.tokens; gotWiz["token"] != want {
			t.Errorf("token requests: %d, want %d", gotWiz["token"], want)
		}
	}
	if w.minGap > 0 {
		if gap := retryGap(t, row, wizReqs, sgReqs); gap < w.minGap {
			t.Errorf("retry came %v after the 429, want ≥ %v", gap, w.minGap)
		}
	}
	// Nothing after the stage that failed.
	if w.status == StatusFailure {
		after := map[mxStage][]string{
			stageToken:   {"upload-request", "put", "activity"},
			stageCollect: {"upload-request", "put", "activity"},
			stageSlot:    {"put", "activity"},
			stagePut:     {"activity"},
		}[row.call.stage]
		for _, later := range after {
			if gotWiz[later] != 0 {
				t.Errorf("%d %s request(s) after the run failed at %s", gotWiz[later], later, row.call.name)
			}
		}
		if row.call.stage == stageToken && len(sgReqs) != 0 {
			t.Errorf("%d Semgrep requests although signing in to Wiz failed", len(sgReqs))
		}
	}

	// What reached Wiz: at most one file per run, each data source once.
	ups := m.wz.Uploads()[upMark:]
	if len(ups) != w.uploads {
		t.Errorf("Wiz received %d uploads, want %d", len(ups), w.uploads)
	}
	if slots := m.wz.SlotsRequested() - slotMark; slots != w.slots {
		t.Errorf("Wiz issued %d upload slots, want %d", slots, w.slots)
	}
	for _, u := range ups {
		ids := uploadDataSources(t, u)
		want := []string{dsID(mxBig), dsID(mxSmall), dsID("scale-org/service-0002")}
		if w.status == StatusPartial {
			want = want[1:]
		}
		sort.Strings(want)
		if !slices.Equal(ids, want) {
			t.Errorf("upload carried data sources %v, want %v", ids, want)
		}
	}

	// What the ledger holds.
	held, wzHeld := ledgerHolds(t, m.l), m.wizState()
	small := dsID(mxSmall)
	switch w.ledger {
	case ledgerUpdated:
		if !reflect.DeepEqual(held, wzHeld) || slices.Equal(held[small], held0[small]) {
			t.Error("ledger does not hold the new data that Wiz holds")
		}
	case ledgerUnchanged:
		if !reflect.DeepEqual(held, held0) || !reflect.DeepEqual(wzHeld, held0) {
			t.Error("a failed run changed what the ledger or Wiz holds")
		}
	case ledgerPartial:
		big := dsID(mxBig)
		if !reflect.DeepEqual(held, wzHeld) || !slices.Equal(held[big], held0[big]) || slices.Equal(held[small], held0[small]) {
			t.Error("ledger: want the unread repository unchanged, the others updated, and equal to Wiz")
		}
	case ledgerPending:
		if !reflect.DeepEqual(held, held0) || slices.Equal(wzHeld[small], held0[small]) {
			t.Error("ledger: want unchanged while Wiz has not confirmed the upload")
		}
	}
	if w.ledger != ledgerPending {
		if files := workFiles(t, m.work); len(files) != 0 {
			t.Errorf("upload file left behind: %v", files)
		}
	}
	run, gerr := m.l.GetRun(context.Background(), res.RunID)
	if gerr != nil || run.Status != string(res.Status) {
		t.Errorf("recorded run %q (%v), result %s", run.Status, gerr, res.Status)
	}
	if w.ledger == ledgerPending {
		checkRefresh(t, m, res, wzHeld)
	}
	if took > 30*time.Second {
		t.Errorf("the run took %v", took)
	}
}

// checkRefresh: the upload Wiz processed but the run could not confirm
// is recorded once `history refresh` reaches Wiz again.
func checkRefresh(t *testing.T, m *mxRig, res *Result, wzHeld map[string][]string) {
	t.Helper()
	ups, err := m.l.Uploads(context.Background(), res.RunID)
	if err != nil || len(ups) != 1 || !ups[0].Delivered || ups[0].Status != "PENDING" {
		t.Fatalf("ledger upload rows %+v (%v), want one delivered PENDING", ups, err)
	}
	m.wz.ClearFaults()
	c := m.wizClient(t)
	for i := 0; i < 20; i++ {
		out, err := Refresh(context.Background(), m.l, c, res.RunID)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if len(out) == 1 && out[0].Recorded {
			break
		}
	}
	if held := ledgerHolds(t, m.l); !reflect.DeepEqual(held, wzHeld) {
		t.Error("after refresh the ledger still differs from Wiz")
	}
}

func wizCounts(reqs []wiztest.Request) map[string]int {
	n := map[string]int{}
	for _, r := range reqs {
		n[r.Op]++
	}
	return n
}

func sgCounts(reqs []semgreptest.Request) map[string]int {
	n := map[string]int{}
	for _, r := range reqs {
		n[r.Op]++
	}
	return n
}

// retryGap is the time between the first faulted request and the next
// attempt of the same request.
func retryGap(t *testing.T, row mxRow, wz []wiztest.Request, sg []semgreptest.Request) time.Duration {
	t.Helper()
	if row.call.wiz != "" {
		var at []time.Time
		for _, r := range wz {
			if r.Op == row.call.wiz {
				at = append(at, r.At)
			}
		}
		slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
		if len(at) < 2 {
			t.Fatalf("%d %s requests", len(at), row.call.wiz)
		}
		return at[1].Sub(at[0])
	}
	slices.SortFunc(sg, func(a, b semgreptest.Request) int { return a.At.Compare(b.At) })
	first := -1
	for i, r := range sg {
		if r.Op == row.call.sg && queryHas(r.Query, row.call.query) {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("faulted request not found")
	}
	f := sg[first]
	for _, r := range sg[first+1:] {
		if r.Method == f.Method && r.Path == f.Path && r.Query.Encode() == f.Query.Encode() && bytes.Equal(r.Body, f.Body) {
			return r.At.Sub(f.At)
		}
	}
	t.Fatal("faulted request was not retried")
	return 0
}

func queryHas(q, want url.Values) bool {
	for k, vs := range want {
		if !slices.Equal(q[k], vs) {
			return false
		}
	}
	return true
}

func uploadDataSources(t *testing.T, u wiztest.Upload) []string {
	t.Helper()
	var doc struct {
		DataSources []struct {
			ID string `json:"id"`
		} `json:"dataSources"`
	}
	if err := json.Unmarshal(u.Body, &doc); err != nil {
		t.Fatalf("upload is not JSON: %v", err)
	}
	var ids []string
	for _, d := range doc.DataSources {
		ids = append(ids, d.ID)
	}
	sort.Strings(ids)
	return ids
}

// noSecrets: no credential in the result, the error or the ledger's
// record of the run.
func noSecrets(t *testing.T, m *mxRig, res *Result, err error) {
	t.Helper()
	var b strings.Builder
	j, _ := json.Marshal(res)
	b.Write(j)
	if err != nil {
		b.WriteString(err.Error())
	}
	evs, _ := m.l.Events(context.Background(), res.RunID)
	for _, e := range evs {
		b.WriteString(e.Message + "\n")
	}
	run, _ := m.l.GetRun(context.Background(), res.RunID)
	b.WriteString(run.Error)
	ups, _ := m.l.Uploads(context.Background(), res.RunID)
	for _, u := range ups {
		b.WriteString(u.StatusInfo + u.File)
	}
	text := b.String()
	for _, s := range []string{mxSecret, semgreptest.DemoToken, "X-Amz-Signature", "X-Amz-Credential", "eyJ"} {
		if strings.Contains(text, s) {
			t.Errorf("%q leaked into the run's output or record", s)
		}
	}
}

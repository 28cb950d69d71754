package wiztest

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// slot is one upload slot: its presigned URL, and once PUT, the file and
// what Wiz made of it.
type slot struct {
	id, filename, activityID string
	url, path, rawQuery      string
	issued                   time.Time
	expired                  bool

	put         bool
	body        []byte
	contentType string
	doc         map[string]any
	result      processed
	polls       int
}

// maxUpload bounds what the stand-in keeps in memory per file.
const maxUpload = 256 << 20

func (s *Server) newSlot(base, filename string) *slot {
	now := time.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(s.nextUploadID)
	s.nextUploadID++
	s.slotsRequested++
	folder := randomUUID()
	// Not alphabetical on purpose (as in Wiz's answers): a client that
	// re-encodes the query through url.Values reorders it and breaks the
	// signature.
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=AKIAWIZTESTSTANDIN00%2F" + now.Format("20060102") + "%2Fus-east-2%2Fs3%2Faws4_request" +
		"&X-Amz-Date=" + now.Format("20060102T150405Z") +
		"&X-Amz-Expires=" + strconv.Itoa(int(s.opts.UploadURLTTL/time.Second)) +
		"&X-Amz-SignedHeaders=host" +
		"&X-Amz-Signature=" + randomHex(32)
	sl := &slot{
		id: id, filename: filename, activityID: randomUUID(),
		path:     "/s3/" + folder + "/" + id + "_" + filename,
		rawQuery: q,
		issued:   now,
	}
	sl.url = base + "/s3/" + folder + "/" + url.PathEscape(id+"_"+filename) + "?" + q
	s.slots[sl.path] = sl
	s.activities[sl.activityID] = sl
	return sl
}

// ExpireUploadURLs makes every presigned URL issued so far expired.
func (s *Server) ExpireUploadURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.slots {
		sl.expired = true
	}
}

// handlePut plays S3 receiving a presigned PUT.
func (s *Server) handlePut(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	if r.Header.Get("Authorization") != "" {
		s3Error(w, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	s.mu.Lock()
	sl := s.slots[r.URL.Path]
	var expired, used bool
	if sl != nil {
		expired = sl.expired || time.Since(sl.issued) > s.opts.UploadURLTTL
		used = sl.put
	}
	s.mu.Unlock()
	switch {
	case sl == nil:
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case r.URL.RawQuery != sl.rawQuery:
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	case expired:
		s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	case r.ContentLength < 0 || len(r.TransferEncoding) > 0:
		s3Error(w, http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
		return
	case used:
		s3Error(w, http.StatusForbidden, "AccessDenied", "This upload slot has already been used")
		return
	case r.ContentLength > maxUpload:
		s3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength+1))
	if err != nil || int64(len(body)) != r.ContentLength {
		s3Error(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		return
	}
	s.mu.Lock()
	if sl.put { // a concurrent PUT won
		s.mu.Unlock()
		s3Error(w, http.StatusForbidden, "AccessDenied", "This upload slot has already been used")
		return
	}
	sl.put = true
	sl.body = body
	sl.contentType = r.Header.Get("Content-Type")
	s.put = append(s.put, sl)
	s.processLocked(sl)
	s.mu.Unlock()
	w.Header().Set("ETag", `"`+randomHex(16)+`"`)
	w.WriteHeader(http.StatusOK)
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s3ErrorBody(code, msg))
}

func s3ErrorBody(code, msg string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	b.WriteString(code)
	b.WriteString("</Code><Message>")
	b.WriteString(msg)
	b.WriteString("</Message><RequestId>")
	b.WriteString(strings.ToUpper(randomHex(8)))
	b.WriteString("</RequestId></Error>")
	return b.String()
}

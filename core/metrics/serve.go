package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/status"
)

// StatusFunc reads the current expiry report (from the ledger).
type StatusFunc func(ctx context.Context) (status.Report, error)

// Mux serves /metrics, /healthz and /status. Every scrape of /metrics and
// every /status reads the report afresh, so the per-data-source series
// follow the ledger even when another process (a `history refresh`)
// recorded a success.
func (m *Metrics) Mux(read StatusFunc) http.Handler {
	mux := http.NewServeMux()
	prom := m.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if rep, err := read(r.Context()); err == nil {
			m.SetStatus(rep)
		}
		prom.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		rep, err := read(r.Context())
		if err != nil {
			http.Error(w, "reading the status: "+err.Error(), http.StatusInternalServerError)
			return
		}
		m.SetStatus(rep)
		w.Header().Set("Content-Type", "application/json")
		if rep.Alarm() {
			// Anything expiring or expired: a plain HTTP check alarms.
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep.Document())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "semgrep-wiz watch: /metrics (Prometheus), /healthz, /status (503 when a data source is expiring or expired)")
	})
	return mux
}

// CheckListen validates a --listen address: HOST:PORT or :PORT, the port
// a number from 0 to 65535 (0 picks a free one).
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT (for example 127.0.0.1:9464)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	if strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("%q: %q is not a host name or IP address", addr, host)
	}
	return nil
}

// Listen opens the address with a one-line error a person can act on.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	if err := CheckListen(addr); err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%s is already in use by another process; pick another port", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("%s: permission denied (ports below 1024 need privileges); pick a port above 1024", addr)
	case err != nil:
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return nil, fmt.Errorf("%s: the host %q is unknown", addr, dns.Name)
		}
		return nil, fmt.Errorf("%s: cannot listen there: %v", addr, oneLine(err))
	}
	return ln, nil
}

// Serve serves h on ln until ctx ends, then shuts down, giving requests
// in flight a few seconds.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	return err
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

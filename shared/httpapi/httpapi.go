// Package httpapi is cloudscope's HTTP API: the routes, the reading of their
// query strings and bodies, the JSON envelope, the security headers, and the
// one mapping from error codes to statuses. The values are validated by each
// capability's constructor (inventory.NewQuery, metricquery.NewRequest,
// costquery.NewQuery, scan.NewFindingsQuery), and region names against the
// account's before any other AWS call. The Lambda functions and `cloudscope serve` mount the very same
// handler.
package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/inventory"
	"github.com/cloudscope/cloudscope/shared/loopback"
	"github.com/cloudscope/cloudscope/shared/metrics/metricquery"
)

// OpenAPI is the API's OpenAPI 3 document; tests hold every response to it.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Discovery is what GET /regions needs.
type Discovery interface {
	Regions(ctx context.Context) ([]cloudscope.Region, error)
}

// Inventory is what GET /resources needs: pages of the stored inventory,
// or of a live discovery (inventory.Service).
type Inventory interface {
	List(ctx context.Context, q inventory.Query) (*inventory.Page, error)
}

// Deps are the services behind the routes. A nil service leaves its routes
// out, so each Lambda function mounts only the routes it serves.
type Deps struct {
	Discovery   Discovery
	Inventory   Inventory
	Metrics     Metrics
	Costs       Costs
	Bottlenecks Bottlenecks
	// Anomalies serves GET /anomalies.
	Anomalies Anomalies
	// Savings answers GET /savings from the ledger of savings realized.
	Savings Savings
	// Snapshots, when set, reads stored snapshots in parts: the diff then
	// compares two scans by merge, reading whole only the resources it
	// lists. Nil: the diff reads both snapshots whole through Bottlenecks.
	Snapshots SnapshotReads
	// Regions checks the region names that /resources, /metrics and
	// /bottlenecks take against the account's enabled regions, before any
	// other AWS call. Nil checks their shape only.
	Regions Regions
	// Account, when set, is the account of the credentials the live
	// routes read with; GET /metrics takes accounts= only for it. Nil
	// refuses any account there.
	Account func(context.Context) (string, error)
	// MemberMetrics, when set (a server that reads several accounts), reads
	// another account's metrics through its member role, as a scan does:
	// GET /metrics?accounts=<id>. Nil refuses other accounts.
	MemberMetrics func(ctx context.Context, account string) (Metrics, error)
	Logger        *slog.Logger
	// Ready, when set, is asked before every route but /openapi.yaml; its
	// error is the answer. The local server checks its AWS credentials
	// with it, so that a missing login is an error, not an empty success.
	Ready func(context.Context) error
	// Now is the clock, for tests.
	Now func() time.Time
}

// route is one method and path with its handler.
type route struct {
	method, path string
	handle       func(w http.ResponseWriter, r *http.Request) error
}

// New returns the API handler for deps.
func New(deps Deps) http.Handler {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &api{deps: deps, log: log, diffs: diffs{Size: diffsKept}}
	if deps.Metrics != nil {
		// Identical live questions (fifty viewers of one chart) share one
		// CloudWatch read and its answer until the next period begins, as
		// /resources' live reads do (metricquery.Coalesced).
		a.deps.Metrics = metricquery.Coalesce(deps.Metrics, a.now)
	}
	var routes []route
	routes = append(routes, route{"GET", "/openapi.yaml", a.openAPI})
	if deps.Discovery != nil {
		routes = append(routes, route{"GET", "/regions", a.regions})
	}
	if deps.Inventory != nil {
		routes = append(routes, route{"GET", "/resources", a.resources})
	}
	if deps.Metrics != nil {
		routes = append(routes, route{"GET", "/metrics", a.metrics})
	}
	if deps.Costs != nil {
		routes = append(routes, route{"GET", "/costs", a.costs}, route{"GET", "/costs/forecast", a.costForecast})
	}
	if deps.Anomalies != nil {
		routes = append(routes, route{"GET", "/anomalies", a.anomalies})
	}
	if deps.Bottlenecks != nil {
		routes = append(routes,
			route{"GET", "/bottlenecks", a.bottlenecks},
			route{"GET", "/snapshots", a.snapshots},
			route{"GET", "/snapshots/{id}", a.getSnapshot},
			route{"GET", "/snapshots/{id}/diff", a.diffSnapshots},
			route{"POST", "/scans", a.startScan},
			route{"GET", "/scans/{id}", a.scanStatus},
		)
	}

	if deps.Savings != nil {
		routes = append(routes, route{"GET", "/savings", a.savings})
	}

	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range routes {
		if rt.path != "/openapi.yaml" {
			rt.handle = a.ready(rt.handle)
		}
		mux.Handle(rt.method+" "+rt.path, a.wrap(rt.handle))
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for path, methods := range allowed {
		allow := strings.Join(append(methods, "OPTIONS"), ", ")
		mux.Handle(path, a.wrap(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
			return cloudscope.Errorf(cloudscope.CodeMethod, "method %s is not allowed on %s; allowed: %s", cloudscope.Clip(r.Method), path, strings.Join(methods, ", "))
		}))
	}
	notFound := a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return cloudscope.Errorf(cloudscope.CodeNotFound, "no route for %s %s", cloudscope.Clip(r.Method), cloudscope.Clip(r.URL.Path))
	})
	mux.Handle("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux would answer a path it cleans with a redirect of its
		// own, in HTML: no route has such a path, so it is not found.
		if !canonicalPath(r.URL) {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// canonicalPath reports whether a request's path is one a route may have:
// absolute, with no "." or ".." step, no empty step, and no encoded dot
// ("%2e", which would decode to one).
func canonicalPath(u *url.URL) bool {
	p := u.Path
	if !strings.HasPrefix(p, "/") || strings.Contains(strings.ToLower(u.EscapedPath()+p), "%2e") {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// APIContentSecurityPolicy is the API's answer to a browser: load nothing,
// run nothing, be framed by no page. (The dashboard's page has its own.)
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders are on every API response: never cached, never sniffed
// into another type, never framed, nothing loaded should one be rendered.
func securityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", APIContentSecurityPolicy)
}

type api struct {
	deps  Deps
	log   *slog.Logger
	diffs diffs
}

func (a *api) now() time.Time {
	if a.deps.Now != nil {
		return a.deps.Now()
	}
	return time.Now()
}

// ready runs h once deps.Ready, when set, has no objection.
func (a *api) ready(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	if a.deps.Ready == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := a.deps.Ready(r.Context()); err != nil {
			return err
		}
		return h(w, r)
	}
}

// envelope is the shape of every response body.
type envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *errorBody `json:"error,omitempty"`
}

type errorBody struct {
	Code    cloudscope.ErrorCode `json:"code"`
	Message string               `json:"message"`
	Param   string               `json:"param,omitempty"`
}

// statusOf maps an error code to its HTTP status.
func statusOf(code cloudscope.ErrorCode) int {
	switch code {
	case cloudscope.CodeInvalid:
		return http.StatusBadRequest
	case cloudscope.CodeForbidden:
		return http.StatusForbidden
	case cloudscope.CodeNotFound:
		return http.StatusNotFound
	case cloudscope.CodeBusy:
		return http.StatusTooManyRequests
	case cloudscope.CodeMethod:
		return http.StatusMethodNotAllowed
	case cloudscope.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case cloudscope.CodeMediaType:
		return http.StatusUnsupportedMediaType
	case cloudscope.CodeUpstream, cloudscope.CodeAccessDenied:
		return http.StatusBadGateway
	case cloudscope.CodeThrottled, cloudscope.CodeUnavailable, cloudscope.CodeCredentials:
		return http.StatusServiceUnavailable
	case cloudscope.CodeTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// wrap turns a handler that returns an error into an http.Handler that writes
// the error envelope, and logs each request once.
func (a *api) wrap(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		securityHeaders(sw.Header())
		err := h(sw, r)
		attrs := []any{"method", r.Method, "path", r.URL.Path}
		if err != nil {
			var ce *cloudscope.Error
			if !errors.As(err, &ce) {
				ce = &cloudscope.Error{Code: cloudscope.CodeInternal, Err: err}
			}
			if ce.Code == cloudscope.CodeInternal && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
				ce = &cloudscope.Error{Code: cloudscope.CodeTimeout, Message: "the request ran out of time", Err: err}
			}
			body := &errorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}
			if ce.Code == cloudscope.CodeInternal {
				body.Message = "internal error" // the cause goes to the log, not to the caller
			}
			if ce.Code == cloudscope.CodeBusy {
				sw.Header().Set("Retry-After", "5")
			}
			writeJSON(sw, statusOf(ce.Code), envelope{Error: body})
			attrs = append(attrs, "code", ce.Code, "error", err.Error())
		}
		attrs = append(attrs, "status", sw.status, "duration_ms", time.Since(start).Milliseconds())
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		a.log.Log(r.Context(), level, "request", attrs...)
	})
}

// LoopbackOnly wraps h to answer only requests whose Host is a loopback
// name or address (localhost, 127.0.0.1, [::1]): a page on another site
// cannot reach a local server by rebinding its own name to 127.0.0.1.
func LoopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.Host(r.Host) {
			securityHeaders(w.Header())
			writeJSON(w, http.StatusForbidden, envelope{Error: &errorBody{Code: cloudscope.CodeForbidden,
				Message: "this local server answers only requests to localhost, 127.0.0.1 or [::1]"}})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

func ok(w http.ResponseWriter, data any) error {
	writeJSON(w, http.StatusOK, envelope{Success: true, Data: data})
	return nil
}

func (a *api) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(OpenAPI)
	return err
}

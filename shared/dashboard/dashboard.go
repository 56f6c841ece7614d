// Package dashboard serves cloudscope's web page: the static single-page app
// embedded in the binary, a config.json that tells the page where the API is
// (and, deployed, how to sign in), and security headers that let the page
// load and talk to nothing but its own origin.
package dashboard

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

//go:embed assets
var embedded embed.FS

// Assets are the page's files: index.html, the scripts and styles, and
// vendor/chart.umd.js, which `make web` copies from the Chart.js npm package.
var Assets = func() fs.FS { sub, _ := fs.Sub(embedded, "assets"); return sub }()

// ChartLibrary is the asset that make web provides.
const ChartLibrary = "vendor/chart.umd.js"

// ContentSecurityPolicy lets the page load scripts, styles and data only
// from its own origin (and, when it signs in, fetch tokens from the sign-in
// domain): no inline script, no other site, no framing.
func ContentSecurityPolicy(cfg Config) string {
	connect := "'self'"
	if cfg.Auth != nil {
		connect += " " + cfg.Auth.Domain
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src " + connect + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

// Config is what the page reads from config.json at start.
type Config struct {
	// API is the base URL of the API; "" is the page's own origin.
	API string `json:"api"`
	// Auth, when set, makes the page sign in through Cognito's hosted UI.
	Auth *Auth `json:"auth"`
}

// Auth is a Cognito user pool client that signs people in with the
// authorization code grant and PKCE.
type Auth struct {
	Domain   string   `json:"domain"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
}

// Check reports whether the assets are complete: the chart library is
// absent from a binary built before `make web`.
func Check() error {
	if _, err := fs.Stat(Assets, ChartLibrary); err != nil {
		return errors.New("the dashboard was built without " + ChartLibrary + ": run make web, then rebuild, for its charts")
	}
	return nil
}

// Handler serves the page's files and config.json for GET and HEAD, and
// hands every other request to api: the page and the API share one origin.
// Another method on one of the page's own paths (POST /) is refused with
// 405, as the API refuses a wrong method on its paths.
func Handler(api http.Handler, cfg Config) http.Handler {
	config, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // a Config always marshals
	}
	csp := ContentSecurityPolicy(cfg)
	files := http.FileServerFS(Assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if pagePath(r.URL.Path) {
				wrongMethod(w, r, csp)
				return
			}
			api.ServeHTTP(w, r)
			return
		}
		// Only a page path exactly as asked is the page's: a path that
		// would clean to one (/snapshots/%2e%2e is /) is the API's, which
		// answers it in its envelope, as every path the page does not serve.
		if !pagePath(r.URL.Path) || strings.Contains(strings.ToLower(r.URL.EscapedPath()), "%2e") {
			api.ServeHTTP(w, r)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case name == "" || name == "index.html":
			name = "index.html"
		case name == "config.json":
			pageHeaders(w, csp)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(config)
			return
		}
		pageHeaders(w, csp)
		// The assets change with the binary: revalidate rather than go stale.
		w.Header().Set("Cache-Control", "no-cache")
		if name == "index.html" {
			http.ServeFileFS(w, r, Assets, name) // FileServer would redirect /index.html to /
			return
		}
		files.ServeHTTP(w, r)
	})
}

func pageHeaders(w http.ResponseWriter, csp string) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// pagePath reports whether p, exactly as asked, is one the page serves.
func pagePath(p string) bool {
	name, ok := strings.CutPrefix(p, "/")
	switch {
	case !ok:
		return false
	case name == "" || name == "config.json":
		return true
	case !fs.ValidPath(name):
		return false
	}
	st, err := fs.Stat(Assets, name)
	return err == nil && !st.IsDir()
}

// pageMethods are the methods the page's paths take.
const pageMethods = "GET, HEAD"

// wrongMethod answers a method the page's paths do not take: 204 to
// OPTIONS, else 405 in the API's error envelope; both say what is allowed.
func wrongMethod(w http.ResponseWriter, r *http.Request, csp string) {
	pageHeaders(w, csp)
	h := w.Header()
	h.Set("Allow", pageMethods+", OPTIONS")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]string{
		"code":    string(cloudscope.CodeMethod),
		"message": fmt.Sprintf("method %s is not allowed on %s; allowed: %s", cloudscope.Clip(r.Method), cloudscope.Clip(r.URL.Path), pageMethods),
	}})
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = w.Write(append(body, '\n'))
}

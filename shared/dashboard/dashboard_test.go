package dashboard

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/httpapi"
)

func serve(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func TestHandlerServesThePageAndPassesTheAPIOn(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Api", "yes")
		w.WriteHeader(http.StatusTeapot)
	})
	h := Handler(api, Config{API: "/api", Auth: &Auth{Domain: "https://x.auth.eu-west-1.amazoncognito.com", ClientID: "abc", Scopes: []string{"openid"}}})

	for _, path := range []string{"/", "/app.js", "/panels/costs.js", "/style.css"} {
		res := serve(t, h, "GET", path)
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Api") != "" {
			t.Errorf("GET %s: %d, api %q", path, res.StatusCode, res.Header.Get("X-Api"))
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "connect-src 'self' https://x.auth.eu-west-1.amazoncognito.com;") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", path, res.Header)
		}
	}
	if ct := serve(t, h, "GET", "/app.js").Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js served as %q", ct)
	}
	body, _ := io.ReadAll(serve(t, h, "GET", "/").Body)
	if !strings.Contains(string(body), `<script type="module" src="app.js">`) {
		t.Errorf("/ is not index.html")
	}

	res := serve(t, h, "GET", "/config.json")
	var cfg Config
	if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil || cfg.API != "/api" || cfg.Auth.ClientID != "abc" {
		t.Errorf("config.json: %v %+v", err, cfg)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("config.json may be cached: %q", res.Header.Get("Cache-Control"))
	}

	// Routes, unknown paths, directories and other methods on them are the API's.
	for _, r := range [][2]string{{"GET", "/resources"}, {"GET", "/nope.js"}, {"GET", "/panels/"}, {"POST", "/scans"}, {"GET", "/../go.mod"},
		{"POST", "/../app.js"}, {"DELETE", "/panels/"}, {"POST", "/nope.js"}} {
		if res := serve(t, h, r[0], r[1]); res.Header.Get("X-Api") != "yes" {
			t.Errorf("%s %s was not handed to the API (%d)", r[0], r[1], res.StatusCode)
		}
	}
	// Another method on the page's own paths is refused as the API refuses one.
	for _, r := range [][2]string{{"POST", "/"}, {"PUT", "/index.html"}, {"DELETE", "/config.json"}, {"POST", "/app.js"}} {
		res := serve(t, h, r[0], r[1])
		var env struct {
			Success bool
			Error   struct{ Code, Message string }
		}
		if err := json.NewDecoder(res.Body).Decode(&env); err != nil || res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("X-Api") != "" ||
			res.Header.Get("Allow") != "GET, HEAD, OPTIONS" || env.Success || env.Error.Code != "method_not_allowed" {
			t.Errorf("%s %s: %d %v %+v %v", r[0], r[1], res.StatusCode, res.Header, env, err)
		}
	}
}

// The Content-Security-Policy forbids inline script and style: the page
// must have none, or it would break.
func TestPageHasNoInlineScriptOrStyle(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=|javascript:`)
	pages := 0
	err := fs.WalkDir(Assets, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		pages++
		b, _ := fs.ReadFile(Assets, path)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has inline script or style: %q", path, m)
		}
		for _, src := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllSubmatch(b, -1) {
			ref := string(src[1])
			if strings.Contains(ref, "//") {
				t.Errorf("%s loads %s from another origin", path, ref)
			}
		}
		return nil
	})
	if err != nil || pages == 0 {
		t.Fatalf("read %d pages: %v", pages, err)
	}
}

// TestPageFunctions runs the page's own unit tests (testdata/*.test.mjs) in node.
func TestPageFunctions(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH")
	}
	out, err := exec.Command(node, "--test", "testdata/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# fail 0") || !regexp.MustCompile(`# pass [1-9]`).Match(out) {
		t.Errorf("node --test:\n%s", out)
	}
}

// TestPathsThatCleanToThePageAreTheAPIs: a path that only cleans to one of
// the page's (/snapshots/%2e%2e is /) is not the page: the API answers it
// in its JSON envelope, as it answers every path it has no route for
// (net/http's file server would answer 400 "invalid URL path" in text).
func TestPathsThatCleanToThePageAreTheAPIs(t *testing.T) {
	h := Handler(httpapi.New(httpapi.Deps{}), Config{})
	for _, p := range []string{"/snapshots/%2e%2e", "/scans/%2e%2e", "/snapshots/%2E%2E/", "/%2e/app.js", "/panels/../app.js", "/./index.html", "//app.js"} {
		res := serve(t, h, "GET", p)
		var env struct {
			Success bool
			Error   struct{ Code, Message string }
		}
		if err := json.NewDecoder(res.Body).Decode(&env); err != nil || res.StatusCode != http.StatusNotFound ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || env.Success || env.Error.Code != "not_found" {
			t.Errorf("GET %s: %d %q %+v %v", p, res.StatusCode, res.Header.Get("Content-Type"), env, err)
		}
	}
	for _, p := range []string{"/", "/app.js", "/config.json"} {
		if res := serve(t, h, "GET", p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
}

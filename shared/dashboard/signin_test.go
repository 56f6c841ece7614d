package dashboard_test

// Signing in, as the deployed page does, in a real browser: the page's own
// origin serves it with an auth config, and a stand-in for Cognito's hosted
// UI (authorize, token and logout endpoints) on another origin checks every
// parameter of the authorization code grant with PKCE (RFC 7636, S256).

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/testkit/browsertest"
)

const clientID = "test-client"

// cognito is the stand-in for the hosted UI.
type cognito struct {
	t       *testing.T
	page    string // the page's origin
	idToken string

	mu         sync.Mutex
	challenges map[string]string // issued code -> its PKCE challenge
	signedOut  bool
	exchanged  int
	refreshed  int
}

func (c *cognito) fail(w http.ResponseWriter, format string, a ...any) {
	c.t.Errorf("cognito: "+format, a...)
	w.Header().Set("Access-Control-Allow-Origin", c.page)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprint(w, `{"error":"invalid_request"}`)
}

func (c *cognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch r.URL.Path {
	case "/oauth2/authorize":
		if q.Get("response_type") != "code" || q.Get("client_id") != clientID || q.Get("redirect_uri") != c.page+"/" ||
			q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" ||
			!strings.Contains(q.Get("scope"), "openid") {
			c.fail(w, "authorize: %v", q)
			return
		}
		if c.signedOut { // the hosted UI's own sign-in form
			fmt.Fprint(w, `<!doctype html><title>Sign in</title><link rel="icon" href="data:,"><h1>Sign in to cloudscope</h1>`)
			return
		}
		code := rand.Text()
		c.challenges[code] = q.Get("code_challenge")
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	case "/oauth2/token":
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			c.fail(w, "token: %s %v", r.Method, err)
			return
		}
		f := r.PostForm
		w.Header().Set("Access-Control-Allow-Origin", c.page)
		w.Header().Set("Content-Type", "application/json")
		if f.Get("grant_type") == "refresh_token" {
			if f.Get("refresh_token") != "rt-1" || f.Get("client_id") != clientID {
				c.fail(w, "refresh: %v", f)
				return
			}
			c.refreshed++ // Cognito answers a refresh without a new refresh token
			_ = json.NewEncoder(w).Encode(map[string]any{"id_token": c.idToken, "access_token": "unused", "expires_in": 3600, "token_type": "Bearer"})
			return
		}
		challenge, ok := c.challenges[f.Get("code")]
		delete(c.challenges, f.Get("code")) // a code works once
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if !ok || f.Get("grant_type") != "authorization_code" || f.Get("client_id") != clientID || f.Get("redirect_uri") != c.page+"/" ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			c.fail(w, "token: %v (issued: %v)", f, ok)
			return
		}
		c.exchanged++
		// An ID token about to expire: the page must renew it before its first API call.
		_ = json.NewEncoder(w).Encode(map[string]any{"id_token": c.idToken, "access_token": "unused", "refresh_token": "rt-1", "expires_in": 1, "token_type": "Bearer"})
	case "/logout":
		if q.Get("client_id") != clientID || q.Get("logout_uri") != c.page+"/" {
			c.fail(w, "logout: %v", q)
			return
		}
		c.signedOut = true
		http.Redirect(w, r, q.Get("logout_uri"), http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// api stands in for the JWT-authorized API: 401 without the ID token.
type api struct {
	idToken string
	mu      sync.Mutex
	allowed []string
	refused []string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+a.idToken {
		a.refused = append(a.refused, r.URL.Path)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Unauthorized"}`)
		return
	}
	a.allowed = append(a.allowed, r.URL.Path)
	switch r.URL.Path {
	case "/regions":
		fmt.Fprint(w, `{"success":true,"data":{"regions":[{"name":"eu-west-1","opt_in_status":"opt-in-not-required"}]}}`)
	case "/snapshots": // the page asks the newest scan's accounts first
		fmt.Fprint(w, `{"success":true,"data":{"snapshots":[]}}`)
	case "/resources":
		fmt.Fprint(w, `{"success":true,"data":{"source":"latest","snapshot_id":"scan-1","as_of":"2026-11-01T12:00:00Z","limit":500,"regions":["eu-west-1"],"types":["ec2"],"counts":{"total":1,"by_type":{"ec2":1},"by_region":{"eu-west-1":1}},`+
			`"resources":[{"type":"ec2","id":"i-0signedin","name":"behind-sign-in","region":"eu-west-1","state":"running","ec2":{"instance_type":"t3.micro"}}],"errors":[]}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"success":false,"error":{"code":"not_found","message":"no such route"}}`)
	}
}

func TestSignInWithPKCEInABrowser(t *testing.T) {
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"email":"ops@example.com","aud":"test-client"}`))
	idToken := "eyJhbGciOiJub25lIn0." + claims + ".c2lnbmF0dXJl"
	backend := &api{idToken: idToken}
	fake := &cognito{t: t, idToken: idToken, challenges: map[string]string{}}
	hosted := httptest.NewServer(fake)
	defer hosted.Close()
	page := httptest.NewServer(dashboard.Handler(backend, dashboard.Config{
		Auth: &dashboard.Auth{Domain: hosted.URL, ClientID: clientID, Scopes: []string{"openid", "email"}},
	}))
	defer page.Close()
	fake.mu.Lock()
	fake.page = page.URL
	fake.mu.Unlock()

	browsertest.Run(t, "testdata/signin.browser.mjs", "BASE_URL="+page.URL, "COGNITO_URL="+hosted.URL)

	fake.mu.Lock()
	defer fake.mu.Unlock()
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if fake.exchanged != 1 || fake.refreshed != 1 || len(backend.allowed) < 2 || len(backend.refused) != 0 {
		t.Errorf("codes exchanged %d, tokens refreshed %d (want 1 each); API requests with the token %v, without %v",
			fake.exchanged, fake.refreshed, backend.allowed, backend.refused)
	}
}

package lambdatest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Service stands in for the Lambda API's Invoke in front of one function
// run under aws-lambda-rie: what a function that invokes another (the
// bottlenecks function's live view, the shard function) reaches through
// AWS_ENDPOINT_URL_LAMBDA. Each instance is an emulator of its own, which
// runs one invocation at a time as one Lambda execution environment does;
// an invocation waits for a free one, as Lambda would start another.
type Service struct {
	// URL is the endpoint (AWS_ENDPOINT_URL_LAMBDA=URL).
	URL  string
	free chan *Function

	mu      sync.Mutex
	invoked []string
}

// StartService runs n instances of bootstrap with env behind one Invoke
// endpoint, POST /2015-03-31/functions/{name}/invocations for any name, and
// stops them when the test ends. As Lambda does, it answers a function's
// error ({"errorMessage", "errorType"}, whatever the emulator's status) with
// 200 and X-Amz-Function-Error: Unhandled; the emulator's own failures
// (an invocation it refused) keep their status.
func StartService(t testing.TB, bootstrap string, env []string, n int) *Service {
	t.Helper()
	s := &Service{free: make(chan *Function, n)}
	for range n {
		s.free <- Start(t, bootstrap, env)
	}
	srv := httptest.NewServer(http.HandlerFunc(s.invoke))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Invoked are the function names invoked so far, in order.
func (s *Service) Invoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.invoked...)
}

func (s *Service) invoke(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(name, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 || name == "" {
		http.Error(w, `{"Type":"User","message":"not an Invoke"}`, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.invoked = append(s.invoked, name)
	s.mu.Unlock()
	event, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var f *Function
	select {
	case f = <-s.free:
	case <-r.Context().Done():
		return
	}
	status, body, err := f.post(event)
	s.free <- f
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	var failed struct{ ErrorMessage, ErrorType string }
	if json.Unmarshal(body, &failed) == nil && failed.ErrorType != "" {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

// Package faultproxy is a reverse proxy for tests that stands on loopback in
// front of an AWS emulator and answers a chosen fraction of the AWS requests
// with a fault instead of passing them on: each protocol's own throttling
// error, a plain HTTP 503, or a connection reset. Point the clients at its
// URL (awsconf.Options.EndpointURL or AWS_ENDPOINT_URL) to see whether a
// scan survives AWS having a bad day. Which requests fail follows a seeded
// random sequence, so a run can be repeated; the emulator's own admin calls
// (/moto-api/...) always pass untouched.
package faultproxy

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Kind is a fault the proxy answers with.
type Kind string

// The faults.
const (
	// Throttle is the service's own throttling error, as its protocol sends
	// it: EC2's RequestLimitExceeded (503), the query protocol's Throttling
	// (RDS, SNS, IAM, STS), the JSON protocols' ThrottlingException
	// (CloudWatch, Cost Explorer, DynamoDB, SQS), Lambda's
	// TooManyRequestsException (429) and S3's SlowDown (503).
	Throttle Kind = "throttle"
	// Unavailable is a bare HTTP 503 with a text body, as a load balancer
	// in front of a service sends it.
	Unavailable Kind = "unavailable"
	// Reset closes the connection with a TCP reset before any answer.
	Reset Kind = "reset"
)

// Kinds are the faults, in a fixed order.
var Kinds = []Kind{Throttle, Unavailable, Reset}

// Options choose the faults.
type Options struct {
	// Kind is the fault to answer with, and Fraction the share of AWS
	// requests (0..1) that get it. Change them later with SetFault.
	Kind     Kind
	Fraction float64
	// Seed starts the random sequence that picks the failing requests.
	Seed uint64
	// Services limits faults to requests signed for these services (the
	// SigV4 names: "ec2", "rds", "lambda", "s3", "monitoring", "ce",
	// "dynamodb"...); empty means every service.
	Services []string
}

// Stats count what the proxy saw since it started or since ResetStats.
type Stats struct {
	Requests  int            // AWS requests (signed), faulted or not
	ByService map[string]int // AWS requests per SigV4 service name
	Faults    map[Kind]int   // requests answered with each fault
}

// Faulted is the number of requests answered with any fault.
func (s Stats) Faulted() int {
	n := 0
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL string

	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu       sync.Mutex
	rng      *rand.Rand
	kind     Kind
	fraction float64
	services []string
	stats    Stats
	refuse   func(Request) bool
}

// Request is what a refusal rule sees of an AWS request: the SigV4 service,
// region and access key id it is signed with, and its body.
type Request struct {
	Service, Region, AccessKey string
	Body                       []byte
}

// Start runs a proxy on a free loopback port in front of target, the
// emulator's base URL.
func Start(target string, opts Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: target %q is not a URL", target)
	}
	if err := check(opts.Kind, opts.Fraction); err != nil {
		return nil, err
	}
	p := &Proxy{rng: rand.New(rand.NewPCG(opts.Seed, 0x5eed)), kind: opts.Kind, fraction: opts.Fraction, services: opts.Services}
	p.resetStats()
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			// Keep the Host the client signed (SigV4 covers it); the
			// emulator builds URLs in its answers from it, which then point
			// back at the proxy.
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	return p, nil
}

func check(kind Kind, fraction float64) error {
	if fraction < 0 || fraction > 1 {
		return fmt.Errorf("faultproxy: fraction %v is not within 0..1", fraction)
	}
	if fraction > 0 && !slices.Contains(Kinds, kind) {
		return fmt.Errorf("faultproxy: unknown fault %q", kind)
	}
	return nil
}

// SetFault changes the fault and the share of requests that get it, for
// the requests that arrive from now on.
func (p *Proxy) SetFault(kind Kind, fraction float64) error {
	if err := check(kind, fraction); err != nil {
		return err
	}
	p.mu.Lock()
	p.kind, p.fraction = kind, fraction
	p.mu.Unlock()
	return nil
}

// Stats returns a copy of the counts.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{Requests: p.stats.Requests, ByService: map[string]int{}, Faults: map[Kind]int{}}
	for k, v := range p.stats.ByService {
		s.ByService[k] = v
	}
	for k, v := range p.stats.Faults {
		s.Faults[k] = v
	}
	return s
}

// ResetStats sets the counts back to zero.
func (p *Proxy) ResetStats() {
	p.mu.Lock()
	p.resetStats()
	p.mu.Unlock()
}

func (p *Proxy) resetStats() { p.stats = Stats{ByService: map[string]int{}, Faults: map[Kind]int{}} }

// Refuse answers every request for which match (given the SigV4 service
// and the request's body) is true with the service's AccessDenied, as AWS
// refuses a call the caller's policies do not allow: for example one
// member's sts:AssumeRole. nil refuses nothing.
func (p *Proxy) Refuse(match func(service string, body []byte) bool) {
	if match == nil {
		p.RefuseWhere(nil)
		return
	}
	p.RefuseWhere(func(r Request) bool { return match(r.Service, r.Body) })
}

// RefuseWhere is Refuse with the whole request to judge: for example every
// call one member's credentials make in one region, as a service control
// policy denying that region refuses them. nil refuses nothing.
func (p *Proxy) RefuseWhere(match func(Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = match
}

// refused reports whether r is to be refused, leaving its body readable.
func (p *Proxy) refused(service string, r *http.Request) bool {
	p.mu.Lock()
	match := p.refuse
	p.mu.Unlock()
	if match == nil {
		return false
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	_, region := Scope(r)
	return err == nil && match(Request{Service: service, Region: region, AccessKey: AccessKey(r), Body: body})
}

// AccessKey is the access key id a request is signed with, or "".
func AccessKey(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(cred, "/")
	return strings.TrimSpace(key)
}

// denied answers as the service's protocol answers a call it refuses.
func denied(w http.ResponseWriter, r *http.Request, service string) {
	h := w.Header()
	h.Set("X-Amzn-RequestId", requestID)
	const msg = "User is not authorized to perform this action (faultproxy)"
	switch service {
	case "ec2": // EC2's own envelope and code, as a service control policy's deny answers
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`, msg, requestID)
		return
	case "s3": // REST-XML
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`, msg, requestID)
		return
	case "lambda": // REST-JSON
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"Type":"User","message":%q}`, msg)
		return
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-amz-json-") {
		h.Set("Content-Type", ct)
		h.Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"AccessDeniedException","message":%q}`, msg)
		return
	}
	// The query protocol (STS, IAM, EC2's own differs only in its envelope).
	h.Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://%s.amazonaws.com/doc/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, service, msg, requestID)
}

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.Close() }

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	service, _ := Scope(r)
	if strings.HasPrefix(r.URL.Path, "/moto-api/") || service == "" {
		p.proxy.ServeHTTP(w, r)
		return
	}
	if p.refused(service, r) {
		denied(w, r, service)
		return
	}
	fault := p.decide(service)
	switch fault {
	case Throttle:
		throttle(w, r, service)
	case Unavailable:
		const body = "Service Unavailable"
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if service == "dynamodb" {
			crc(w.Header(), body)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, body)
	case Reset:
		reset(w)
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

// decide counts a request and picks its fault, "" for none. Every request
// draws from the sequence, so the same seed gives the same choices.
func (p *Proxy) decide(service string) Kind {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Requests++
	p.stats.ByService[service]++
	draw := p.rng.Float64()
	if draw >= p.fraction || (len(p.services) > 0 && !slices.Contains(p.services, service)) {
		return ""
	}
	p.stats.Faults[p.kind]++
	return p.kind
}

// Scope returns the service and region a request is signed for, from the
// credential scope of its SigV4 Authorization header
// (Credential=AKID/20260101/us-east-1/ec2/aws4_request), or "" for both
// when it is not signed.
func Scope(r *http.Request) (service, region string) {
	auth := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return "", ""
	}
	return parts[3], parts[2]
}

const requestID = "faultproxy-0000-0000-0000-000000000000"

// throttle answers as the service's protocol answers when it throttles.
func throttle(w http.ResponseWriter, r *http.Request, service string) {
	h := w.Header()
	h.Set("X-Amzn-RequestId", requestID)
	contentType := r.Header.Get("Content-Type")
	switch {
	case service == "ec2": // EC2 query
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>%s</RequestID></Response>`, requestID)
	case service == "s3": // REST-XML
		h.Set("Content-Type", "application/xml")
		h.Set("X-Amz-Request-Id", requestID)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>%s</RequestId><HostId>faultproxy</HostId></Error>`, requestID)
	case strings.HasPrefix(contentType, "application/x-amz-json-"): // JSON 1.0 and 1.1
		h.Set("Content-Type", contentType)
		h.Set("X-Amzn-ErrorType", "ThrottlingException")
		if service == "monitoring" || service == "sqs" {
			// Services that moved from the query protocol say the old code too.
			h.Set("X-Amzn-Query-Error", "Throttling;Sender")
		}
		body := `{"__type":"ThrottlingException","message":"Rate exceeded"}`
		if service == "dynamodb" {
			crc(h, body)
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, body)
	case strings.HasPrefix(contentType, "application/x-www-form-urlencoded"): // query
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse xmlns="http://%s.amazonaws.com/doc/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, service, requestID)
	default: // REST-JSON, as Lambda sends it
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}`)
	}
}

// crc sets the checksum DynamoDB's client checks every body against (it
// logs a warning for each body without one).
func crc(h http.Header, body string) {
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
}

// reset closes the client's connection with a TCP reset, answering nothing.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the connection
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}

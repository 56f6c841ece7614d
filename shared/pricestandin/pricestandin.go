// Package pricestandin is a stand-in for the AWS Price List Query API
// (pricing:GetProducts, the awsJson1.1 protocol) that answers from Price
// List records recorded from public material (records.json, each record
// with its source). The demo serves it beside the emulator, which has no
// Price List, and names it with AWS_ENDPOINT_URL_PRICING; tests do the
// same. Its prices are recorded list prices of the records' dates, not
// today's: Label says so wherever they are shown.
package pricestandin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Label names the prices the stand-in serves, wherever they are shown.
const Label = "recorded list prices"

//go:embed records.json
var recordsJSON []byte

// Record is one recorded Price List record and where it was copied from.
type Record struct {
	Source string          `json:"source"`
	Record json.RawMessage `json:"record"`
}

type shape struct {
	ServiceCode string `json:"serviceCode"`
	Product     struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"product"`
	PublicationDate string `json:"publicationDate"`
}

// Records are the recorded records, in the file's order.
func Records() []Record {
	var f struct {
		Records []Record `json:"records"`
	}
	if err := json.Unmarshal(recordsJSON, &f); err != nil {
		panic(fmt.Sprintf("pricestandin: records.json: %v", err)) // embedded: a test holds it
	}
	return f.Records
}

// Server answers GetProducts from records. PageSize bounds the records of
// one answer (MaxResults lowers it), so that paging is exercised.
type Server struct {
	records  []Record
	shapes   []shape
	PageSize int
}

// New returns a server over records (Records() for the recorded ones).
func New(records []Record) (*Server, error) {
	s := &Server{records: records, PageSize: 100}
	for i, r := range records {
		var sh shape
		if err := json.Unmarshal(r.Record, &sh); err != nil {
			return nil, fmt.Errorf("record %d is not a Price List record: %w", i, err)
		}
		s.shapes = append(s.shapes, sh)
	}
	return s, nil
}

// Dates are the records' publication dates, oldest first.
func (s *Server) Dates() []string {
	var out []string
	for _, sh := range s.shapes {
		d, _, _ := strings.Cut(sh.PublicationDate, "T")
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

type request struct {
	ServiceCode string `json:"ServiceCode"`
	Filters     []struct {
		Type  string `json:"Type"`
		Field string `json:"Field"`
		Value string `json:"Value"`
	} `json:"Filters"`
	FormatVersion string `json:"FormatVersion"`
	NextToken     string `json:"NextToken"`
	MaxResults    int    `json:"MaxResults"`
}

// ServeHTTP answers one awsJson1.1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || target != "AWSPriceListService.GetProducts" {
		fail(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("the Price List stand-in answers AWSPriceListService.GetProducts only, not %q", target))
		return
	}
	var q request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&q); err != nil {
		fail(w, http.StatusBadRequest, "SerializationException", "the request is not JSON: "+err.Error())
		return
	}
	if q.ServiceCode == "" {
		fail(w, http.StatusBadRequest, "InvalidParameterException", "ServiceCode is required")
		return
	}
	var found []string
	for i, sh := range s.shapes {
		if sh.ServiceCode == q.ServiceCode && matches(sh, q) {
			found = append(found, string(s.records[i].Record))
		}
	}
	start := 0
	if q.NextToken != "" {
		n, err := strconv.Atoi(q.NextToken)
		if err != nil || n < 0 || n > len(found) {
			fail(w, http.StatusBadRequest, "InvalidNextTokenException", "the NextToken is not one this stand-in gave")
			return
		}
		start = n
	}
	size := s.PageSize
	if q.MaxResults > 0 && q.MaxResults < size {
		size = q.MaxResults
	}
	end := min(start+size, len(found))
	out := map[string]any{"FormatVersion": "aws_v1", "PriceList": append([]string{}, found[start:end]...)}
	if end < len(found) {
		out["NextToken"] = strconv.Itoa(end)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// matches applies the TERM_MATCH filters to a record's attributes (and
// productFamily, which sits beside them): a record without the attribute
// does not match, as in the Price List.
func matches(sh shape, q request) bool {
	for _, f := range q.Filters {
		got, ok := sh.Product.Attributes[f.Field]
		if f.Field == "productFamily" {
			got, ok = sh.Product.ProductFamily, sh.Product.ProductFamily != ""
		}
		if f.Type != "TERM_MATCH" || !ok || got != f.Value {
			return false
		}
	}
	return true
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// Listening is a stand-in serving on a loopback port.
type Listening struct {
	URL    string
	Server *Server
	srv    *http.Server
}

// Start serves the recorded records on 127.0.0.1 (port 0: any free port).
func Start(port int) (*Listening, error) {
	s, err := New(Records())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("start the Price List stand-in: %w", err)
	}
	srv := &http.Server{Handler: s}
	go func() { _ = srv.Serve(ln) }()
	return &Listening{URL: "http://" + ln.Addr().String(), Server: s, srv: srv}, nil
}

// Close stops serving.
func (l *Listening) Close() error { return l.srv.Close() }

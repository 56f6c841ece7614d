// Package notify renders cloudscope's notifications from the domain types,
// one body per reader, for a single SNS publish (MessageStructure json):
//
//   - "email": plain text for a person, grouped by severity, each finding in
//     two lines (the resource and what is wrong; what to do and its link);
//   - "default", which SNS gives every other protocol (sqs, lambda, http,
//     https, email-json): a versioned JSON document whose JSON Schema is
//     embedded here (findings.schema.json, digest.schema.json);
//   - Chat: the Amazon Q Developer in chat applications (AWS Chatbot)
//     custom notification, short enough for a Slack or Teams channel, for
//     a topic of its own (chat.schema.json holds the fields it requires).
//
// It renders the notification of a scan's new or worse findings (Findings)
// and the weekly digest (Digest). It is pure: no AWS, no clock, no I/O.
package notify

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// MaxMessageBytes bounds what one publish carries: SNS refuses more than
// 256 KiB (262,144 bytes), counting the message (here the whole JSON
// structure, every body together) and its attributes. 1 KiB stays spare.
const MaxMessageBytes = 256*1024 - 1024

// Renderer renders messages. Its zero value renders without links.
type Renderer struct {
	// DashboardURL is the dashboard's address, such as
	// https://d111111abcdef8.cloudfront.net/ or http://127.0.0.1:8080/;
	// "" leaves the links out.
	DashboardURL string
	// MaxBytes bounds a message as Size counts it (default MaxMessageBytes).
	MaxBytes int
	// Anomalies are the new confirmed spend anomalies a scan's
	// notification tells besides its findings.
	Anomalies []cloudscope.Anomaly
}

func (r Renderer) max() int {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return MaxMessageBytes
}

// Size is what SNS counts of m on its topic: the JSON structure of every
// body, the subject, and each attribute's name, type and value.
func Size(m cloudscope.Message) int {
	n := len(Structure(m.Bodies)) + len(m.Subject)
	for k, v := range m.Attributes {
		n += len(k) + len("Number") + len(v)
	}
	for k, v := range m.Lists {
		n += len(k) + len("String.Array") + len(ArrayValue(v))
	}
	return n
}

// Structure is the Message parameter of the publish: the bodies as one
// JSON object (MessageStructure json).
func Structure(bodies map[string]string) string { return string(marshal(bodies)) }

// ArrayValue is the value a String.Array attribute carries: a JSON array.
func ArrayValue(v []string) string { return string(marshal(v)) }

// marshal is json.Marshal without HTML escaping: "<", ">" and "&" stay
// themselves, which is shorter and reads better in a body.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // the documents are plain data
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// fit is the largest k in [0, n] whose render(k) is within limit bytes (by
// Size), and that message; render(0) is returned even when it is larger.
// Size grows with k, so a binary search finds it in log2(n) renders.
func fit(n, limit int, render func(k int) cloudscope.Message) cloudscope.Message {
	if m := render(n); Size(m) <= limit {
		return m
	}
	k := sort.Search(n+1, func(k int) bool { return Size(render(k)) > limit }) - 1
	return render(max(k, 0))
}

// SeverityCounts are findings by severity.
type SeverityCounts struct {
	Total    int `json:"total"`
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

func countOf(fs []cloudscope.Finding) SeverityCounts {
	var c SeverityCounts
	for _, f := range fs {
		c.add(f.Severity, 1)
	}
	return c
}

func (c *SeverityCounts) add(s cloudscope.Severity, n int) {
	c.Total += n
	switch s {
	case cloudscope.Critical:
		c.Critical += n
	case cloudscope.Warning:
		c.Warning += n
	case cloudscope.Info:
		c.Info += n
	}
}

func (c SeverityCounts) of(s cloudscope.Severity) int {
	switch s {
	case cloudscope.Critical:
		return c.Critical
	case cloudscope.Warning:
		return c.Warning
	case cloudscope.Info:
		return c.Info
	}
	return 0
}

// highest is the most severe severity counted, "" when there is none.
func (c SeverityCounts) highest() cloudscope.Severity {
	for _, s := range cloudscope.Severities {
		if c.of(s) > 0 {
			return s
		}
	}
	return ""
}

// attributes are what subscribers filter on (see the README's filter
// policies): the kind of message, the counts, the highest severity, and
// the accounts and rules the message is about.
func attributes(kind string, c SeverityCounts, newFindings int, accounts, rules []string) (map[string]string, map[string][]string) {
	attrs := map[string]string{
		"kind":         kind,
		"new_findings": itoa(newFindings),
		"critical":     itoa(c.Critical),
		"warning":      itoa(c.Warning),
		"info":         itoa(c.Info),
	}
	if h := c.highest(); h != "" {
		attrs["highest_severity"] = string(h)
	} else {
		attrs["highest_severity"] = "none"
	}
	lists := map[string][]string{}
	if len(accounts) > 0 {
		lists["accounts"] = accounts
	}
	if len(rules) > 0 {
		lists["rules"] = rules
	}
	return attrs, lists
}

// Kinds of message, the "kind" attribute.
const (
	KindFindings = "findings"
	KindDigest   = "digest"
)

func itoa(n int) string { return strconv.Itoa(n) }

// accountIndex finds a finding's account: its own account_id when the scan
// set one, else the account of its resource: the resource's account_id, or
// the account in its ARN (arn:partition:service:region:account:...). S3
// bucket ARNs carry no account; a finding of one then has none ("").
type accountIndex map[string]string

func resourceKey(t cloudscope.ResourceType, region, id string) string {
	return string(t) + "/" + region + "/" + id
}

func accountsOf(snaps ...*cloudscope.Snapshot) accountIndex {
	idx := accountIndex{}
	for _, s := range snaps {
		if s == nil {
			continue
		}
		for _, r := range s.Resources {
			if r.AccountID != "" {
				continue // its findings carry the account themselves
			}
			if parts := strings.SplitN(r.ARN, ":", 6); len(parts) == 6 && parts[4] != "" {
				idx[resourceKey(r.Type, r.Region, r.ID)] = parts[4]
			}
		}
	}
	return idx
}

func (idx accountIndex) of(f cloudscope.Finding) string {
	if f.AccountID != "" {
		return f.AccountID
	}
	return idx[resourceKey(f.ResourceType, f.Region, f.ResourceID)]
}

// accountsAndRules are the distinct accounts and rules of fs, sorted.
func (idx accountIndex) accountsAndRules(fs []cloudscope.Finding) (accounts, rules []string) {
	for _, f := range fs {
		if a := idx.of(f); a != "" && !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
		if f.Rule != "" && !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
	}
	slices.Sort(accounts)
	slices.Sort(rules)
	return accounts, rules
}

// plural is "1 finding" or "2 findings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

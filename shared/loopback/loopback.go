// Package loopback tells whether a host name or address stays on this
// machine: the local server answers only such hosts, and the demo seeds
// only an emulator on one.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (a name or an address, with or without a port
// and brackets) is localhost or a loopback address.
func Host(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

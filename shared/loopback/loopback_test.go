package loopback

import "testing"

func TestHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST:8080": true, "127.0.0.1": true, "127.0.0.1:8080": true, "127.8.9.10": true,
		"[::1]:8080": true, "::1": true, "[::1]": true,
		"": false, "example.com": false, "localhost.example.com": false, "10.0.0.1": false, "0.0.0.0:8080": false,
		"[::]:8080": false, ":8080": false, "192.0.2.1:80": false, "nonsense": false, "127.0.0.1.nip.io": false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

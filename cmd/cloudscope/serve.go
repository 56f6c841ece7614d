package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/httpapi"
	"github.com/cloudscope/cloudscope/shared/loopback"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/services"
)

const defaultAddr = "127.0.0.1:8080"

func serve(ctx context.Context, env *environment, args []string) error {
	fs := env.flags("serve")
	addr := fs.String("addr", defaultAddr, "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	clients, err := loadClients(ctx)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, env, *addr, clients, nil)
}

func loadClients(ctx context.Context) (*awsconf.Clients, error) {
	cfg, err := awsconf.Load(ctx, awsconf.Options{})
	if err != nil {
		return nil, err
	}
	return awsconf.NewClients(cfg), nil
}

// newAPI builds the HTTP API with every capability, as the functions do one
// each; the scans' notifications link to the page at pageURL unless
// CLOUDSCOPE_DASHBOARD_URL says otherwise.
func newAPI(env *environment, clients *awsconf.Clients, pageURL string) http.Handler {
	conf := env.conf
	if conf.DashboardURL == "" {
		conf.DashboardURL = pageURL
	}
	conf.Discovery.Budget = 4 * time.Minute // no API Gateway in front: up to the server's write timeout
	deps := services.All(conf, clients, func(sc *scan.Scanner) func(context.Context, string) error {
		return scan.InBackground(sc, 15*time.Minute, func(id string, err error) { env.log.Error("scan failed", "scan_id", id, "error", err) })
	})
	deps.Logger = env.log
	if env.scanAtStart {
		if id, err := deps.Bottlenecks.StartScan(context.Background()); err != nil {
			env.log.Error("the first scan did not start", "error", err)
		} else {
			env.log.Info("first scan running in the background; /bottlenecks answers once it is done", "scan_id", id)
		}
	}
	return httpapi.New(deps)
}

// listenAndServe serves the API on addr until ctx ends, then shuts down
// gracefully. ready, when set, is called once the listener is open.
func listenAndServe(ctx context.Context, env *environment, addr string, clients *awsconf.Clients, ready func(url string)) error {
	if !loopback.Host(addr) {
		env.log.Warn("listening beyond loopback: the local server has no authentication, so anyone who can reach it can read this account's inventory", "addr", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := dashboard.Check(); err != nil {
		env.log.Warn(err.Error())
	}
	// The page at / and the API share the origin, so the page needs no CORS.
	url := "http://" + l.Addr().String()
	handler := dashboard.Handler(newAPI(env, clients, url+"/"), dashboard.Config{})
	if loopback.Host(addr) {
		handler = httpapi.LoopbackOnly(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      5 * time.Minute, // a first scan of a large account takes a while
		IdleTimeout:       2 * time.Minute,
	}
	env.log.Info("serving cloudscope: open the dashboard in a browser", "url", url, "endpoint", endpointName(clients))
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	env.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func endpointName(c *awsconf.Clients) string {
	if e := c.Config().BaseEndpoint; e != nil {
		return *e
	}
	return "AWS"
}

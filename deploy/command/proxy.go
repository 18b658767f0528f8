package command

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"time"
)

func newProxy(s *Server) (*httputil.ReverseProxy, *http.Client) {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute,
	}
	p := &httputil.ReverseProxy{
		Transport: tr,
		ErrorLog:  slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		Rewrite: func(r *httputil.ProxyRequest) {
			if u := s.target.Load(); u != nil {
				r.SetURL(u)
			} else {
				r.Out.URL.Host = "" // ErrorHandler answers 503
			}
			r.Out.Host = r.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			msg := "model server unavailable: " + err.Error()
			if s.target.Load() == nil {
				msg = "model server is restarting"
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"error_code": "TEMPORARILY_UNAVAILABLE", "message": msg})
		},
	}
	return p, &http.Client{Transport: tr}
}

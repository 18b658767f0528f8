package watcher

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// Webhook settings.
const (
	// WebhookPath is where mlcd serves GitHub's webhook.
	WebhookPath = "/hooks/github"
	// SecretEnv names the environment variable that holds the webhook secret.
	SecretEnv = "MLCD_WEBHOOK_SECRET"
	// DefaultMaxBody is GitHub's own cap on a delivery's payload (25 MB).
	DefaultMaxBody = 25 << 20
	// DefaultRemember is how many delivery ids are remembered for replays.
	DefaultRemember = 1024
)

// Push is a verified push event to the tracked branch.
type Push struct {
	DeliveryID string // X-GitHub-Delivery
	Repository string // owner/name
	Ref        string // refs/heads/<Branch>
	Branch     string
	Before     string // the head before the push
	After      string // the head after the push
}

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	Secret []byte // required: the webhook's secret (from SecretEnv)
	Branch string // required: the tracked branch, e.g. "main"
	// Repository (owner/name), when set, makes pushes to other repositories
	// be ignored (one secret shared by several hooks).
	Repository string
	// OnPush is called, at most once per delivery id, for each verified push
	// to Branch. It runs inside the request and must not block: wire it to
	// (*Poller).TriggerWebhook.
	OnPush   func(Push)
	MaxBody  int64        // DefaultMaxBody when 0
	Remember int          // delivery ids kept; DefaultRemember when 0
	Logger   *slog.Logger // slog.Default() when nil
}

// Webhook is the http.Handler for GitHub's webhooks (mount it at
// "POST "+WebhookPath). It answers 401 to a bad or missing
// X-Hub-Signature-256 and triggers nothing, 200 to ping, 202 to a push: to
// the tracked branch it calls OnPush once per delivery id, any other push is
// ignored.
type Webhook struct {
	cfg  WebhookConfig
	seen *deliveries
	log  *slog.Logger
}

// NewWebhook checks cfg and fills in its defaults.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	switch {
	case len(cfg.Secret) == 0:
		return nil, fmt.Errorf("webhook: no secret: set %s", SecretEnv)
	case cfg.Branch == "":
		return nil, errors.New("webhook: no tracked branch")
	case cfg.OnPush == nil:
		return nil, errors.New("webhook: no OnPush")
	case cfg.MaxBody < 0 || cfg.Remember < 0:
		return nil, errors.New("webhook: negative MaxBody or Remember")
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Remember == 0 {
		cfg.Remember = DefaultRemember
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Webhook{cfg: cfg, seen: newDeliveries(cfg.Remember),
		log: log.With("component", "watcher", "source", "webhook")}, nil
}

// ServeHTTP answers one delivery: it reads the body (up to MaxBody), checks
// the signature before anything else, then handles ping and push.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "only POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	delivery := r.Header.Get("X-GitHub-Delivery")
	if !ValidSignature(h.cfg.Secret, body, r.Header.Get("X-Hub-Signature-256")) {
		h.log.Warn("rejected delivery: bad or missing signature", "delivery", delivery, "remote", r.RemoteAddr)
		http.Error(w, "bad or missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	switch event := r.Header.Get("X-GitHub-Event"); event {
	case "ping":
		h.log.Info("ping", "delivery", delivery)
		reply(w, http.StatusOK, "pong")
	case "push":
		h.push(w, r, delivery, body)
	default:
		reply(w, http.StatusAccepted, "ignored: event "+event)
	}
}

func (h *Webhook) push(w http.ResponseWriter, r *http.Request, delivery string, body []byte) {
	if delivery == "" {
		http.Error(w, "missing X-GitHub-Delivery", http.StatusBadRequest)
		return
	}
	p, err := parsePush(r.Header.Get("Content-Type"), body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.DeliveryID = delivery
	if why := h.ignore(p); why != "" {
		h.log.Debug("push ignored", "delivery", delivery, "why", why)
		reply(w, http.StatusAccepted, "ignored: "+why)
		return
	}
	if !h.seen.add(delivery) {
		h.log.Info("replayed delivery ignored", "delivery", delivery)
		reply(w, http.StatusOK, "delivery "+delivery+" was already handled")
		return
	}
	h.log.Info("push", "delivery", delivery, "branch", p.Branch, "after", p.After)
	h.cfg.OnPush(p)
	reply(w, http.StatusAccepted, "polling "+p.Branch)
}

// ignore says why a verified push does not concern us, or "".
func (h *Webhook) ignore(p Push) string {
	switch {
	case h.cfg.Repository != "" && !strings.EqualFold(p.Repository, h.cfg.Repository):
		return fmt.Sprintf("push to %s, tracking %s", p.Repository, h.cfg.Repository)
	case p.Branch != h.cfg.Branch:
		return fmt.Sprintf("push to %s, tracking branch %s", p.Ref, h.cfg.Branch)
	case p.After == "":
		return "branch " + p.Branch + " deleted"
	}
	return ""
}

// ValidSignature checks header (X-Hub-Signature-256: "sha256=<hex>")
// against the HMAC-SHA256 of body with secret, in constant time. The
// controller's POST /runs accepts the same signature. go-github's
// ValidateSignature is not used: it also accepts "sha1=" signatures
// (GitHub's legacy X-Hub-Signature), which a sender could pick to downgrade
// the MAC, and only forge may link go-github (internal/archtest).
func ValidSignature(secret, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

func reply(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// Package watcher is where mlcd hears that something changed. Each source is
// a small type with Run(ctx, out) that sends Events until ctx is done:
//
//   - Poller asks the remote for the head of the tracked branch on an
//     interval (one round trip, no fetch) and reports each new commit; a
//     Trigger makes it ask at once.
//   - Webhook is the http.Handler for GitHub's push webhooks: it verifies
//     X-Hub-Signature-256 and turns a push to the tracked branch into
//     "poll now".
//   - Local watches a working tree with fsnotify and reports batches of
//     changed paths (development mode, nothing is committed).
//   - Cron ticks on a pipeline's schedule in a configurable time zone.
//
// It does not decide what an event means (whether a commit needs a run,
// whether a path is the bot's own): the controller does. It does not fetch,
// clone or read commits: gitstore does.
package watcher

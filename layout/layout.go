// Package layout names the folders mlcd owns in a user's repository, in
// one place: the run records (runs/), the model registry (models/) and the
// deployment journals (deployments/), all at the top of the repository.
// Everyone who needs to know them (the bot's commits, the watcher's skip
// list, the merge gate's journal rules, the controller, the report) asks
// this package rather than spelling them again.
//
// It imports nothing of mlcd's, so that every package may use it.
package layout

import "strings"

// The folders mlcd writes at the top of a repository.
const (
	// Runs holds the run records: runs/<pipeline>/<yyyy-mm>/<run-id>.json.
	Runs = "runs"
	// Models holds the registry: models/<model>/v<N>.yaml.
	Models = "models"
	// Deployments holds the deployment journals: deployments/<model>.yaml.
	Deployments = "deployments"
	// Local is kept for mlcd's local files at the top of a checkout: the
	// watcher never watches it, nor the three folders above.
	Local = ".mlcd"
)

// BotRoots are the only top-level folders the bot may write.
var BotRoots = []string{Runs, Models, Deployments}

// Top returns the first element of the slash-separated path p.
func Top(p string) string {
	top, _, _ := strings.Cut(p, "/")
	return top
}

// IsBotPath reports whether p (slash separated, relative to the
// repository's root) is in one of BotRoots, or is one of them.
func IsBotPath(p string) bool {
	top := Top(p)
	for _, root := range BotRoots {
		if top == root {
			return true
		}
	}
	return false
}

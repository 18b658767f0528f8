// Package journal is the format of the deployment journal,
// deployments/<model>.yaml in a user's repository: what mlcd serves for a
// model, since when, and what happened before (deploys, rollbacks,
// refusals by the merge gate, archives, failures).
//
// It holds the file's types (Record, Served, Event, Kind), where the file
// lives (Path), its canonical writer (Marshal) and its strict reader
// (Parse), and nothing else: the controller writes journals, the merge gate
// refuses edits to them, and the report reads them, without any of those
// linking the deployer and its flavors.
package journal

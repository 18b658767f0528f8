// Package reports renders the static report of a repository — overview,
// runs table, run pages, model pages and comparisons — as HTML files that
// open from file:// and GitHub Pages, and renders the same comparison as
// Markdown for pull request bodies and comments.
//
// It reads run records, registry files and deployment records; it does not
// run pipelines, change the registry or talk to GitHub. Every value read
// from a repository is untrusted and reaches the page only through
// html/template; goldmark output (raw HTML off) is the only value marked
// safe.
package reports

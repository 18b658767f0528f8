// Package compare lines model versions (or runs) up side by side: every
// param and metric any of them has, one row each, marking the rows whose
// values differ, and renders that comparison as GitHub-flavoured Markdown
// for pull request bodies. The report renders the same Comparison as HTML
// (reports), and promotion puts the Markdown into a promotion pull
// request, without either depending on the other.
//
// It also owns how the report names a model's pages (Slug,
// VersionCompareURL), so that a link in a pull request points at the page
// the report writes.
package compare

// Package templates holds the html/template files and the static assets
// (CSS and a small script) of the static report, embedded in the binary.
//
// It is only data: package reports parses the templates once and renders
// them; nothing here loads anything from a network (no CDN, no web fonts).
package templates

import "embed"

// FS holds html/*.html (the page templates) and static/* (copied as is into
// the site's static/ folder).
//
//go:embed html/*.html static/*
var FS embed.FS

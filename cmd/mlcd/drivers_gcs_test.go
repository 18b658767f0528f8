//go:build mlcd_gcs

package main

const gcsLinked = true

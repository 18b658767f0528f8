// Package inputlimit bounds what mlcd parses from a repository: the size of
// a file and how deeply its values nest. A cheap scan, constant in memory
// and linear in time, runs before a parser spends memory on the file:
// the YAML library builds a path for every node, so a 200 KB file of
// nested lists took gigabytes. The scan is conservative (it may count a
// level the parser would not) but never misses one.
//
// It is not a validator: a file that passes is still parsed, and every
// problem other than size and depth is the parser's to report.
package inputlimit

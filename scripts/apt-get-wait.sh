#!/usr/bin/env bash
# apt-get that waits for the package manager's locks instead of failing:
# on a freshly booted machine unattended-upgrades often holds
# /var/lib/dpkg/lock-frontend or /var/lib/apt/lists/lock for minutes.
# Usage: scripts/apt-get-wait.sh ARGS... (the arguments of apt-get).
# APT_LOCK_WAIT bounds the wait in seconds (default 600); past it, the
# command fails with apt-get's own message. APT_LOCK_POLL is the pause
# between tries (default 5 s).
set -uo pipefail
limit="${APT_LOCK_WAIT:-600}"
poll="${APT_LOCK_POLL:-5}"
deadline=$(( $(date +%s) + limit ))
export DEBIAN_FRONTEND=noninteractive
err=$(mktemp)
trap 'rm -f "$err"' EXIT
said=
while :; do
	left=$(( deadline - $(date +%s) ))
	(( left > 0 )) || left=1
	# apt waits for the dpkg lock itself up to DPkg::Lock::Timeout; the
	# loop covers the locks it does not wait for (apt-get update's lists).
	apt-get -o DPkg::Lock::Timeout="$left" "$@" 2>"$err"
	rc=$?
	if (( rc == 0 )) || ! grep -qiE 'could not get lock|unable to acquire|is another process using it' "$err"; then
		cat "$err" >&2
		exit "$rc"
	fi
	if (( $(date +%s) >= deadline )); then
		cat "$err" >&2
		echo "apt-get-wait: the package manager's lock was still held after ${limit}s (another apt or unattended-upgrades is running); try again when it is done" >&2
		exit "$rc"
	fi
	if [ -z "$said" ]; then
		echo "apt-get-wait: another apt or dpkg (often unattended-upgrades) holds the package lock; waiting up to ${limit}s" >&2
		said=1
	fi
	sleep "$poll"
done

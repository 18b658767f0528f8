#!/usr/bin/env bash
# Prints the path of a Python 3 that has the churn example's packages
# (scikit-learn, XGBoost, pandas, matplotlib, requests), installing them when it can:
# Debian's packages with apt as root, else a virtualenv with pip. Says what
# to do and fails when neither is possible.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check="import sklearn, xgboost, pandas, matplotlib, requests"

for py in "$(command -v python3 || true)" /usr/bin/python3 "$root/.venv/bin/python3"; do
	if [ -n "$py" ] && [ -x "$py" ] && "$py" -c "$check" 2>/dev/null; then echo "$py"; exit 0; fi
done
if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "demo: installing python3-sklearn python3-xgboost python3-pandas python3-matplotlib python3-requests with apt" >&2
	# apt-get-wait.sh waits (bounded, with a message) for a lock held by
	# unattended-upgrades; a failure falls through to the virtualenv.
	if "$root/scripts/apt-get-wait.sh" update -qq >&2 &&
		"$root/scripts/apt-get-wait.sh" install -y -qq python3-sklearn python3-xgboost python3-pandas python3-matplotlib python3-requests >&2 &&
		/usr/bin/python3 -c "$check"; then
		echo /usr/bin/python3; exit 0
	fi
	echo "demo: apt could not install the packages (see above)" >&2
fi
if command -v python3 >/dev/null && python3 -m venv "$root/.venv" >&2 2>/dev/null; then
	echo "demo: installing the example's requirements into .venv with pip" >&2
	if "$root/.venv/bin/pip" install -q -r "$root/examples/churn/requirements.txt" >&2; then
		echo "$root/.venv/bin/python3"; exit 0
	fi
fi
cat >&2 <<'MSG'
demo: no Python 3 with scikit-learn, XGBoost, pandas, matplotlib and requests, and none could be installed.
  On Debian or Ubuntu:  sudo apt-get install python3-sklearn python3-xgboost python3-pandas python3-matplotlib python3-requests
  Elsewhere:            python3 -m venv .venv && .venv/bin/pip install -r examples/churn/requirements.txt
MSG
exit 1

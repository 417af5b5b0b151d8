#!/usr/bin/env bash
# Install armstui with its test extra into .venv, then lint (ruff), type-check (mypy) and run
# the whole suite.
# The vault tests need a real Secret Service: gnome-keyring and dbus-daemon are
# installed with apt when missing (tests start them on a private bus, under a temp HOME).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dbus-daemon >/dev/null || missing+=(dbus-daemon)
command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]} (Debian packages) for the keyring tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check armstui tests benchmarks scripts
.venv/bin/ruff format --check armstui tests benchmarks scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest -n auto "$@"

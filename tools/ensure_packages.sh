#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet, and nothing else: apt-get update
# runs once, and only when something is missing. Works as root or through sudo; when there is no
# terminal to ask for a password, sudo must not need one (it fails instead of waiting).
#
# usage: tools/ensure_packages.sh PACKAGE...
set -euo pipefail

missing=()
for package in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

as_root=()
if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
        echo "error: missing packages: ${missing[*]}; run this as root or install sudo" >&2
        exit 1
    fi
    as_root=(sudo)
    [[ -t 0 ]] || as_root=(sudo -n)
fi

echo "Installing missing Debian packages: ${missing[*]}"
# Wait for another package installation that holds the dpkg lock rather than failing at once.
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Make sure a PostgreSQL server is installed for the store tests, and print its bin dir.
#
# Looks for /usr/lib/postgresql/<version>/bin with pg_ctl, initdb and postgres (highest
# version wins). If there is none and we are root (as CI is, on a fresh Debian 12 machine),
# installs Debian's `postgresql` package with apt-get, then looks again. Idempotent: when a
# server is already installed it makes no apt call. Messages go to stderr; stdout carries only
# the bin dir, as its last line, e.g.  CLEARANCE_PG_BIN=$(scripts/ensure-postgres.sh | tail -1)
set -euo pipefail

find_bin_dir() {
    local dir found=""
    # sort -V puts the highest version last.
    while IFS= read -r dir; do
        if [[ -x "$dir/pg_ctl" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
            found="$dir"
        fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V || true)
    [[ -n "$found" ]] || return 1
    printf '%s\n' "$found"
}

if bin_dir=$(find_bin_dir); then
    printf '%s\n' "$bin_dir"
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "ensure-postgres: no PostgreSQL server found under /usr/lib/postgresql/*/bin," \
        "and not root so cannot install it; run: sudo apt-get install postgresql" >&2
    exit 1
fi

echo "ensure-postgres: installing PostgreSQL server (apt-get install postgresql)..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null

if bin_dir=$(find_bin_dir); then
    printf '%s\n' "$bin_dir"
    exit 0
fi
echo "ensure-postgres: apt-get installed postgresql, but no /usr/lib/postgresql/*/bin" \
    "with pg_ctl, initdb and postgres was found" >&2
exit 1

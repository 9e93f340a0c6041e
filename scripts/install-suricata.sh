#!/usr/bin/env bash
# Install Suricata 7 (or later) on Debian when it is missing.
#
# Debian bookworm carries Suricata 7 only in bookworm-backports, so on
# bookworm this script adds a backports source and installs from it.  The
# backports entry is derived from the machine's own Debian entry (same URIs,
# same Signed-By) instead of naming a mirror here: that way it uses whatever
# mirror/proxy the machine is already configured for and stays trusted by the
# same keyring.  Newer releases (trixie onwards) ship Suricata 7 in their main
# archive, so there a plain install is tried.
#
# Usage: scripts/install-suricata.sh        (as root; idempotent)
set -euo pipefail

readonly MIN_MAJOR=7
readonly SOURCES_DIR=/etc/apt/sources.list.d

log() { printf 'install-suricata: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Print the major version of the installed suricata, or nothing.
suricata_major() {
    command -v suricata >/dev/null 2>&1 || return 0
    # `suricata -V` prints e.g. "This is Suricata version 7.0.10 RELEASE".
    suricata -V 2>/dev/null | grep -oE 'version [0-9]+' | grep -oE '[0-9]+' | head -n1 || true
}

suricata_is_recent() {
    local major
    major=$(suricata_major)
    [[ -n "$major" && "$major" -ge "$MIN_MAJOR" ]]
}

# --- 1. Nothing to do if a recent enough Suricata is already there. --------
if suricata_is_recent; then
    log "already installed: $(suricata -V 2>/dev/null | head -n1)"
    exit 0
fi

# --- 2. Preconditions: root and Debian. -------------------------------------
if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
    # A developer's machine: ask for the rights apt needs rather than failing outright.
    command -v sudo >/dev/null 2>&1 \
        || die "must run as root (it edits APT sources and installs packages)"
    exec sudo -- bash "$0" "$@" \
        || die "must run as root or with sudo rights (it edits APT sources and installs packages)"
fi
[[ -r /etc/os-release ]] || die "/etc/os-release not found; this script only supports Debian"
# Read in a subshell so os-release's variables do not leak into ours.
# shellcheck source=/dev/null
os_id=$(. /etc/os-release && printf '%s' "${ID:-}")
# shellcheck source=/dev/null
codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
[[ "$os_id" == debian ]] || die "this is '${os_id:-unknown}', not Debian; install Suricata >= ${MIN_MAJOR} by hand"
[[ -n "$codename" ]] || die "VERSION_CODENAME missing from /etc/os-release (Debian testing/sid?)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found"

# Only bookworm needs backports; later releases carry Suricata 7 in main.
use_backports=no
[[ "$codename" == bookworm ]] && use_backports=yes
backports_suite="${codename}-backports"
backports_file="${SOURCES_DIR}/debian-${backports_suite}.sources"
update_args=()

shopt -s nullglob

# AWK programs that read the existing APT sources.  Given want=SUITE, each
# prints, for the first enabled `deb` entry whose Suites contain exactly
# SUITE, the URIs / Signed-By / Architectures lines of that entry (deb822
# syntax), and nothing if there is none.  Signed-By may be a multi-line
# inline key; its continuation lines are copied verbatim.

# deb822 (*.sources): stanzas separated by blank lines, "Key: value",
# continuation lines start with whitespace, comments start with '#'.
read -r -d '' DEB822_AWK <<'AWK' || true
function has(s, w,   n, a, i) { n = split(s, a, /[ \t\n]+/); for (i = 1; i <= n; i++) if (a[i] == w) return 1; return 0 }
function flush() {
    if (!done && ("uris" in f) && has(f["types"], "deb") && has(f["suites"], want) && tolower(f["enabled"]) != "no") {
        print "URIs: " f["uris"]
        if ("signed-by" in f) print "Signed-By:" (substr(f["signed-by"], 1, 1) == "\n" ? "" : " ") f["signed-by"]
        if ("architectures" in f) print "Architectures: " f["architectures"]
        done = 1
    }
    split("", f); key = ""
}
FNR == 1 && NR > 1 { flush() }              # a new file starts a new stanza
/^#/               { next }
/^[ \t]*$/         { flush(); next }
/^[ \t]/           { if (key != "") f[key] = f[key] "\n" $0; next }
{
    i = index($0, ":"); if (!i) next
    key = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
    sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); f[key] = v
}
END { flush() }
AWK

# One-line format (sources.list, *.list):
#   deb [signed-by=/path arch=amd64] URI SUITE COMPONENT...
read -r -d '' ONELINE_AWK <<'AWK' || true
!done && /^[ \t]*deb[ \t]/ {
    line = $0; sub(/#.*/, "", line); sub(/^[ \t]*deb[ \t]+/, "", line); opts = ""
    if (substr(line, 1, 1) == "[") { e = index(line, "]"); opts = substr(line, 2, e - 2); line = substr(line, e + 1) }
    sub(/^[ \t]+/, "", line)
    if (split(line, a, /[ \t]+/) < 2 || a[2] != want) next
    print "URIs: " a[1]
    n = split(opts, o, /[ \t]+/)
    for (i = 1; i <= n; i++) {
        if (o[i] ~ /^signed-by=/) print "Signed-By: " substr(o[i], 11)
        if (o[i] ~ /^arch=/) { v = substr(o[i], 6); gsub(",", " ", v); print "Architectures: " v }
    }
    done = 1
}
AWK

# find_entry SUITE [FILE_TO_SKIP]: print the entry for SUITE (deb822 files
# first, then one-line files), or nothing.
find_entry() {
    local suite=$1 skip=${2:-} f out
    local deb822=() oneline=()
    for f in "$SOURCES_DIR"/*.sources; do [[ "$f" == "$skip" ]] || deb822+=("$f"); done
    for f in /etc/apt/sources.list "$SOURCES_DIR"/*.list; do [[ -r "$f" && "$f" != "$skip" ]] && oneline+=("$f"); done
    out=""
    ((${#deb822[@]})) && out=$(awk -v want="$suite" "$DEB822_AWK" "${deb822[@]}")
    [[ -z "$out" ]] && ((${#oneline[@]})) && out=$(awk -v want="$suite" "$ONELINE_AWK" "${oneline[@]}")
    printf '%s' "$out"
}

# --- 3. Make sure a backports source exists (bookworm only). ---------------
if [[ "$use_backports" == yes ]]; then
    if [[ -n "$(find_entry "$backports_suite" "$backports_file")" ]]; then
        # Someone already configured backports; a second copy would only make
        # apt warn about duplicate sources.
        log "${backports_suite} already configured elsewhere; not adding ${backports_file}"
        rm -f "$backports_file"
        update_args=()
    else
        base=$(find_entry "$codename")
        [[ -n "$base" ]] || die "no enabled 'deb' entry with suite '${codename}' found in /etc/apt/sources.list{,.d/}; cannot derive ${backports_suite}"
        new_entry="# Written by scripts/install-suricata.sh: Suricata 7 for ${codename} is only in
# ${backports_suite}. Derived from this machine's '${codename}' entry.
Types: deb
${base}
Suites: ${backports_suite}
Components: main"
        # Rewrite only when the content changed, so reruns are no-ops.
        if [[ ! -f "$backports_file" ]] || [[ "$(cat "$backports_file")" != "$new_entry" ]]; then
            printf '%s\n' "$new_entry" >"$backports_file"
            log "wrote ${backports_file}:"
            sed 's/^/    /' "$backports_file" >&2
        else
            log "${backports_file} already up to date"
        fi
        # Refresh just the backports index when the base lists are already
        # present (keeps the run short); a machine that never ran
        # `apt-get update` gets a full one below instead.
        update_args=(-o "Dir::Etc::sourcelist=${backports_file}" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0)
    fi
fi

# --- 4. Refresh package indexes. --------------------------------------------
base_lists=(/var/lib/apt/lists/*_dists_"${codename}"_*Packages*)
if [[ "$use_backports" == yes && ${#update_args[@]} -gt 0 && ${#base_lists[@]} -gt 0 ]]; then
    log "apt-get update (${backports_suite} only)"
    apt-get update "${update_args[@]}"
else
    log "apt-get update"
    apt-get update
fi

# --- 5. Install. ------------------------------------------------------------
# Recommends are skipped: suricata runs without them (they are helpers such
# as suricata-update), and this keeps the install small and quick.
install_args=(-y --no-install-recommends)
[[ "$use_backports" == yes ]] && install_args+=(-t "$backports_suite")

# The package's postinst would start the suricata daemon, which would then
# sniff the machine's interface; tests only run suricata on pcaps.  Unless
# the machine already has a policy (Debian containers ship one), install a
# temporary policy-rc.d that forbids starting services, and remove it after.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, from install-suricata.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

install_suricata() {
    log "apt-get install ${install_args[*]} suricata"
    DEBIAN_FRONTEND=noninteractive apt-get install "${install_args[@]}" suricata
}
if ! install_suricata; then
    # With the backports-only refresh, stale base indexes can point at
    # package versions the mirror no longer has (404).  Refresh everything
    # and try once more before giving up.
    log "install failed; refreshing all package indexes and retrying"
    apt-get update
    install_suricata
fi

# --- 6. Verify. -------------------------------------------------------------
hash -r
suricata_is_recent || die "installed suricata is '$(suricata -V 2>&1 | head -n1 || true)', need major version >= ${MIN_MAJOR}"
log "installed: $(suricata -V 2>/dev/null | head -n1)"
suricata -V

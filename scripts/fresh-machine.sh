#!/usr/bin/env bash
# Proves the README's two commands on a fresh machine: a clean clone of this repository's
# HEAD in a new directory, a new HOME (no npm cache, no ~/.idlegrid, no global config), then
#   1. npm install && npm start   (the demo runs; then Ctrl-C, as a user would)
#   2. npm install && npm test
# and after each, that no process of the project is left and npm printed no config warning.
# The machine's npm user settings are kept; nothing else from HOME is.
# CI runs this script (.ci/run). Usage: scripts/fresh-machine.sh [--keep]  (--keep leaves the clone)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

root="$(mktemp -d "${TMPDIR:-/tmp}/idlegrid-fresh-XXXXXX")"
clone="$root/idlegrid"
# The machine's own npm settings (registry, certificates, headers for native addons) belong
# to the machine, not to this project's state: keep them.
[[ -f "$HOME/.npmrc" ]] && export npm_config_userconfig="$HOME/.npmrc"
export HOME="$root/home"
mkdir -p "$HOME"
unset IDLEGRID_HOME npm_config_cache NPM_CONFIG_CACHE
export npm_config_cache="$HOME/.npm" # a fresh cache, as a new user has
cleanup() {
  # Never leave anything running, even when a step fails.
  pkill -KILL -f "$clone" 2>/dev/null || true
  if [[ "$keep" == true ]]; then echo "kept $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf 'FRESH MACHINE CHECK FAILED: %s\n' "$*" >&2
  exit 1
}
# Processes whose command line or working directory lies in the clone (zombies excluded).
leftovers() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == "Z" ]] && continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$clone" ||
      [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$clone"* ]]; then
      echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
    fi
  done
}
expect_no_leftovers() {
  local left=""
  for _ in $(seq 1 50); do
    left="$(leftovers)"
    [[ -z "$left" ]] && return 0
    sleep 0.2
  done
  fail "processes left after $1:"$'\n'"$left"
}
expect_no_npm_warning() {
  if grep -E "Unknown (project|user|env) config" "$1"; then fail "npm warned about its configuration ($1)"; fi
}

step "clean clone of $(git -C "$repo" rev-parse --short HEAD) into $clone"
git clone --quiet --no-hardlinks "$repo" "$clone"
cd "$clone"

step "command 1: npm install && npm start"
log1="$root/command-1.log"
# Its own session and process group, so that Ctrl-C can be sent to the whole group as a terminal would.
setsid bash -c 'npm install --no-audit --no-fund && npm start' >"$log1" 2>&1 &
group=$!
ready=false
for _ in $(seq 1 1800); do
  if grep -q "localnet running; Ctrl-C to stop" "$log1"; then
    ready=true
    break
  fi
  kill -0 "$group" 2>/dev/null || break
  sleep 1
done
tail -n 40 "$log1"
[[ "$ready" == true ]] || fail "the demo did not come up (log above)"
grep -q "FAILED" "$log1" && fail "a demo job failed (log above)"
expect_no_npm_warning "$log1"
kill -INT -- "-$group"
for _ in $(seq 1 300); do
  kill -0 "$group" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$group" 2>/dev/null && fail "npm start did not stop within 30 s of Ctrl-C"
grep -q "network stopped" "$log1" || fail "shutdown said nothing"
expect_no_leftovers "npm start"

step "command 2: npm install && npm test"
log2="$root/command-2.log"
status=0
bash -c 'npm install --no-audit --no-fund && npm test' 2>&1 | tee "$log2" || status=$?
[[ "$status" == 0 ]] || fail "npm test failed (exit $status)"
summary="$(grep -E '^Tests: [0-9]+ passed, 0 failed' "$log2" | tail -n 1)"
[[ -n "$summary" ]] || fail "npm test printed no passing summary"
expect_no_npm_warning "$log2"
expect_no_leftovers "npm test"

step "both README commands pass on a fresh machine"
# The test run's closing line, last, for whoever reads this output.
echo "$summary"

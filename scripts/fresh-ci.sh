#!/usr/bin/env bash
# CI as it runs on a fresh machine, as near as one machine gets: a fresh clone of what is
# committed (uncommitted work is not in it), a read-only copy of ../shared beside it as the tests
# expect (../../../shared from test/*/), and `bash .ci/run` with CI=true, no standard input, no
# pyenv on PATH (only Debian's python3) and no PYTHONPATH/PYTHONHOME. It does not undo what was
# installed on this machine by hand: docs/ci.md says how to look for that. Long (the whole
# `npm test`, as CI); not run by `npm test`.
#
#   scripts/fresh-ci.sh [--keep] [--branch NAME]     # exits with .ci/run's code
#   FUZZ_SECONDS=5 scripts/fresh-ci.sh               # a shorter fuzzing stage, passed through
#   scripts/fresh-ci.sh --command 'node scripts/preflight.mjs'   # something else, same setting
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$(dirname "$repo")/shared"
keep=0
branch=""
command="bash .ci/run"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --branch) branch="${2:?--branch needs a name}"; shift ;;
    --command) command="${2:?--command needs a command}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fresh-ci: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -d "$shared" ] || { echo "fresh-ci: no $shared (the tests read ../shared beside the repository)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/labscope-fresh-ci.XXXXXX")"
log="$work/ci.log"
echo "fresh-ci: cloning $repo${branch:+ ($branch)} into $work/main"
git clone --quiet --no-local ${branch:+--branch "$branch"} "$repo" "$work/main"
echo "fresh-ci: at $(git -C "$work/main" log -1 --format='%h %s' | cut -c1-100)"
cp -R "$shared" "$work/shared"
chmod -R a-w "$work/shared"

# PATH without pyenv (its shims find a python3 without Debian's modules) and without any
# node_modules/.bin an npm script put there.
clean_path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e pyenv -e node_modules/.bin | grep -v '^$' | paste -sd: -)"
unset_vars=(-u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP -u PYTHONUSERBASE -u VIRTUAL_ENV -u CONDA_PREFIX)
for v in $(compgen -e | grep -E '^(PYENV|npm_)' || true); do unset_vars+=(-u "$v"); done

echo "fresh-ci: $command (CI=true, no stdin, PATH=$clean_path); output in $log"
started=$(date +%s)
set +e
(cd "$work/main" && env "${unset_vars[@]}" PATH="$clean_path" CI=true bash -c "$command" </dev/null 2>&1) | tee "$log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))

echo "fresh-ci: $command exited $status after ${elapsed} s (CI allows 5400 s for .ci/run)"
if [ "$keep" = 1 ] || [ "$status" != 0 ]; then
  echo "fresh-ci: kept $work (clone, shared copy, ci.log)"
else
  chmod -R u+w "$work/shared"
  rm -rf "$work"
fi
exit "$status"

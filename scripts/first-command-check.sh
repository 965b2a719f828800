#!/usr/bin/env bash
# Proves the README's first command on a fresh machine: clones the committed tree into a temporary directory
# and runs ./purestock demo there (twice: the second run recovers) with a local Maven repository that holds
# no purestock artifact, so the launcher's build must make everything it needs itself. The repository is
# seeded with hard links to the third-party artifacts of ~/.m2/repository, so the check costs seconds; what
# is not there (or cannot be linked) is downloaded.
# Usage: scripts/first-command-check.sh   (from anywhere in the repository; .ci/run calls it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seed="${HOME}/.m2/repository"

work="$(mktemp -d "${TMPDIR:-/tmp}/purestock-first-command.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "first-command check: $*" >&2
  exit 1
}

git -c advice.detachedHead=false clone --quiet "$root" "$work/clone"
[ "$(git -C "$work/clone" rev-parse HEAD)" = "$(git -C "$root" rev-parse HEAD)" ] \
  || fail "the clone did not check out the commit under test"
mkdir -p "$work/repository"
if [ -d "$seed" ]; then
  # hard links cost no space and no time; they fail across file systems, and then Maven downloads instead
  cp -al "$seed/." "$work/repository/" 2>/dev/null \
    || echo "first-command check: could not hard-link all of $seed into $work; Maven downloads the rest" >&2
fi
rm -rf "$work/repository/dev/purestock"

demo() {
  (cd "$work/clone" && MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$work/repository" \
    ./purestock demo --skus 20 --stock 5 --attempts 2000 --snapshot-every 500 "$@")
}

for run in first second; do
  echo "first-command check: ./purestock demo ($run run) in a fresh clone, no purestock artifact in the Maven repository"
  code=0
  demo > "$work/$run.out" 2> "$work/$run.err" || code=$?
  if [ "$code" -ne 0 ]; then
    cat "$work/$run.err" "$work/$run.out" >&2
    fail "./purestock demo ($run run) exited $code"
  fi
  grep -qx 'oversold=0' "$work/$run.out" || { cat "$work/$run.out" >&2; fail "no oversold=0 line in the $run run"; }
  grep -qx 'accepted=100' "$work/$run.out" || { cat "$work/$run.out" >&2; fail "the $run run did not sell its 100 units"; }
done
grep -qx 'drop=2' "$work/second.out" || { cat "$work/second.out" >&2; fail "the second run did not recover and start drop 2"; }
echo "first-command check: ok"

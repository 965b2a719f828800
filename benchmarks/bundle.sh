#!/usr/bin/env bash
# Packs the benchmark suite for a host with no JDK, git, Maven or network (a lent many-core machine, a customer's box)
# into one archive: a directory purestock-bench/ laid out like the repository as far as benchmarks/run.sh needs it
# (pom.xml for the JVM flags, scripts/jdk.sh, benchmarks/run.sh, benchmarks/target/benchmarks.jar, docs/bench/ with
# the recorded results, so that a partial run there merges with a machine's recorded rows as it does here), a runtime/
# linked by jlink from this JDK, and COMMIT, the commit it was built from (-dirty when the tree had changes not
# committed outside docs/), which run.sh names the figures by where there is no git.
#
# Usage: benchmarks/bundle.sh [--no-build] [--out FILE]
#   --no-build  pack benchmarks/target/benchmarks.jar as it is
#   --out FILE  the archive to write (default benchmarks/target/purestock-bench.tgz)
# Environment: JAVA_HOME (a JDK 21+ with jlink; found like ./purestock does when unset). The runtime is the JDK's
# version and holds no java.desktop: the report's plots need it, so the host runs with --no-report and the report is
# made here from the results brought back.
#
# On the host (docs/performance.md, "Running on another host"):
#   tar xzf purestock-bench.tgz && cd purestock-bench
#   JAVA_HOME=$PWD/runtime benchmarks/run.sh --no-build --no-report --short --machine NAME
# then bring docs/bench/NAME back into this repository's docs/bench/ and make the report here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
. "$root/scripts/jdk.sh"

# What the suite's jar needs of the JDK (jdeps --print-module-deps lists java.compiler and java.desktop too: the
# first for annotation processors and code generation the runs do not use, the second for the report's plots).
modules=java.base,jdk.unsupported,java.management,java.logging,jdk.management,java.xml,java.naming,java.sql,jdk.jfr
build=1 out="$root/benchmarks/target/purestock-bench.tgz"
usage_error() {
  echo "bundle.sh: $1 (see --help)" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --out)
      [ $# -ge 2 ] && [ -n "$2" ] || usage_error "--out needs a file"
      out="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) usage_error "unknown option $1" ;;
  esac
done
# --out is named from where the command was given; checked before anything is built or written.
out_dir="$(dirname "$out")"
[ -d "$out_dir" ] || usage_error "--out $out: no directory $out_dir"
[ ! -d "$out" ] || usage_error "--out $out is a directory; name the archive file"
out="$(cd "$out_dir" && pwd)/$(basename "$out")"
cd "$root"

JAVA_HOME="$(find_jdk)"
if [ -z "$JAVA_HOME" ]; then
  echo "bundle.sh: needs a JDK 21 or newer; set JAVA_HOME to one" >&2
  exit 1
fi
export JAVA_HOME
if [ ! -x "$JAVA_HOME/bin/jlink" ]; then
  echo "bundle.sh: $JAVA_HOME has no bin/jlink to link the runtime with; set JAVA_HOME to a full JDK 21 or newer" >&2
  exit 1
fi

if [ "$build" = 1 ]; then
  ./mvnw -B -q -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip -Dcheckstyle.skip
fi
jar="benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
  echo "bundle.sh: no $jar to pack; build it (drop --no-build)" >&2
  exit 1
fi
commit="$(purestock_commit "$root")"

# Staged beside the build and packed into a file beside the archive: a run that fails leaves no half archive.
mkdir -p benchmarks/target
stage="$(mktemp -d benchmarks/target/bundle.XXXXXX)"
partial="$out.partial"
trap 'rm -rf "$stage" "$partial"' EXIT
bundle="$stage/purestock-bench"
mkdir -p "$bundle/scripts" "$bundle/benchmarks/target" "$bundle/docs"
cp pom.xml "$bundle/"
cp scripts/jdk.sh "$bundle/scripts/"
cp benchmarks/run.sh "$bundle/benchmarks/"
cp "$jar" "$bundle/benchmarks/target/"
cp -R docs/bench "$bundle/docs/"
echo "$commit" >"$bundle/COMMIT"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --compress zip-9 --strip-debug --no-header-files --no-man-pages \
  --output "$bundle/runtime"
tar czf "$partial" -C "$stage" purestock-bench
mv "$partial" "$out"

echo "bundle.sh: wrote $out ($(du -h "$out" | cut -f1), commit $commit, runtime of JDK $(java_major "$JAVA_HOME"))"
echo "  on the host: tar xzf $(basename "$out") && cd purestock-bench &&"
echo "  JAVA_HOME=\$PWD/runtime benchmarks/run.sh --no-build --no-report --short --machine NAME"

#!/usr/bin/env bash
# Runs the purestock benchmark suite with settings fit for this machine and rewrites docs/benchmarks.md:
# the JMH suite (GC profiler on: B/op of every row), the rows of the engine's ratio goals again in alternating
# rounds (the engine in memory, the raw ring and the lock-based service, one after another in each round), the
# open-loop latency harness with the journal on and then with periodic snapshots on too (each step with its GC
# pauses), the snapshot stall harness (the
# decision stage's longest gap while a snapshot of a million skus is cut), replication (the journaled engine
# unreplicated, ASYNC and SYNC in alternating rounds: JMH throughput with B/op, open-loop latency at one rate with
# the standby's lag, and a new standby's catch-up rate; the standby runs in a second JVM over loopback), then the
# report and plots.
#
# Usage: benchmarks/run.sh [--machine NAME] [--quick|--short] [--no-build] [--no-report]
#                         [--only jmh|ratios|latency|snapshot|replication] [--include REGEX] [--rounds N]
#   --machine NAME  names the result directory docs/bench/NAME (default: <hostname>-<cores>core)
#   --quick         one short iteration each: checks the suite runs, gives no figures worth quoting; writes to
#                   benchmarks/target/bench-quick/NAME and its report there, never to docs/
#   --short         fewer, shorter iterations (about 6 minutes in all): for a machine lent for minutes
#   --no-build      use benchmarks/target/benchmarks.jar as it is
#   --no-report     leave docs/benchmarks.md alone (e.g. on a machine without java.desktop for the plots)
#   --include REGEX rerun only these JMH benchmarks (the jmh part alone); their rows are added to those of the
#                   reruns before (a row measured again replaces its rerun) and replace the last full run's
#   --rounds N      alternating rounds of the ratio and replication parts (default 3; 1 with --quick)
# Environment: JAVA_HOME (a JDK or runtime 21+; found like ./purestock does when unset).
# On a host without a JDK, git or Maven: benchmarks/bundle.sh packs a runtime, the jar and this script; unpacked there,
#   JAVA_HOME=$PWD/runtime benchmarks/run.sh --no-build --no-report --short --machine NAME
# and the report made at home from the docs/bench/NAME brought back (docs/performance.md, "Running on another host").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=../scripts/jdk.sh
. "$root/scripts/jdk.sh"

cores="$(nproc)"
host="$(uname -n)"
machine="${host%%.*}-${cores}core"
quick="" brief="" build=1 report=1 only="" include=() rounds_asked=
usage_error() {
  echo "run.sh: $1 (see --help)" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --machine|--only|--include|--rounds) [ $# -ge 2 ] || usage_error "$1 needs a value" ;;
  esac
  case "$1" in
    --machine) machine="$2"; shift 2 ;;
    --quick) quick="--quick"; shift ;;
    --short) brief="--short"; shift ;;
    --no-build) build=0; shift ;;
    --no-report) report=0; shift ;;
    --only) only="$2"; shift 2 ;;
    --include) include=(--include "$2"); shift 2 ;;
    --rounds) rounds_asked="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) usage_error "unknown option $1" ;;
  esac
done
# Checked before anything runs: a part named wrong would run nothing and still rewrite the report.
case "$only" in
  ""|jmh|ratios|latency|snapshot|replication) ;;
  *) usage_error "--only takes jmh, ratios, latency, snapshot or replication, not $only" ;;
esac
# --include reruns some JMH rows: the other parts would delete their results and run again in full.
if [ ${#include[@]} -gt 0 ]; then
  case "$only" in
    ""|jmh) only=jmh ;;
    *) usage_error "--include picks rows of the jmh part, not of $only" ;;
  esac
fi
if [ -n "$rounds_asked" ] && ! [[ "$rounds_asked" =~ ^[1-9][0-9]*$ ]]; then
  usage_error "--rounds takes a whole number of 1 or more, not $rounds_asked"
fi
# A copy of the suite carried to another host holds the jar, not the sources and the Maven wrapper to build it.
if [ "$build" = 1 ] && [ ! -x "$root/mvnw" ]; then
  usage_error "no ./mvnw here to build the benchmarks with: pass --no-build to run benchmarks/target/benchmarks.jar"
fi

JAVA_HOME="$(find_jdk)"
if [ -z "$JAVA_HOME" ]; then
  echo "run.sh: needs a JDK 21 or newer; set JAVA_HOME to one" >&2
  exit 1
fi
export JAVA_HOME
java="$JAVA_HOME/bin/java"
# The report's plots need java.desktop, which a runtime linked for a bare host may leave out: refused before the
# parts run, not after them.
if [ "$report" = 1 ] && [[ "$("$java" --list-modules)" != *java.desktop@* ]]; then
  usage_error "$JAVA_HOME has no java.desktop for the report's plots: pass --no-report, make the report with a JDK"
fi
read -r -a flags <<<"$(purestock_jvm_flags "$root" "$JAVA_HOME")"
jar="$root/benchmarks/target/benchmarks.jar"
# A quick run's figures are worth nothing: it writes beside the build, so recorded results and the report stay.
results="$root/docs/bench" report_file="$root/docs/benchmarks.md"
if [ -n "$quick" ]; then
  results="$root/benchmarks/target/bench-quick" report_file="$root/benchmarks/target/bench-quick/benchmarks.md"
fi
out="$results/$machine"
mkdir -p "$out"

# Each part below writes into a directory of its own (staged PART), and its files take the place of the last run's
# (publish PART PATTERN...) only once the part has finished: a part that fails, or is stopped (Ctrl-C, a lent
# machine taken back), leaves the recorded results as they were.
staged() {
  rm -rf "$out/.part-$1"
  mkdir -p "$out/.part-$1"
  echo "$out/.part-$1"
}
publish() {
  local part="$1" pattern
  shift
  for pattern in "$@"; do
    rm -f "$out"/$pattern
  done
  mv "$out/.part-$part"/* "$out"/
  rmdir "$out/.part-$part"
}

if [ "$build" = 1 ]; then
  ./mvnw -B -q -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip -Dcheckstyle.skip
fi

if [ "$cores" -le 4 ]; then
  # A shared small machine: the engine's blocking waits, which park every stage when it has nothing to do
  # (a spinning stage takes a core the others need), rates a 2-core box can offer. The JMH suite uses sleeping
  # waits here (BenchmarkSuite), as its earlier runs did.
  wait=BLOCKING rates=50000,100000,250000,500000,1000000 heap=6g
  # the check after the latency steps re-decides every record they journaled (13 M once 500 k/s is kept up) into
  # a state of its own, and with 6g it ran out of heap
  latency_heap=12g
  snapshot_rates=50000,100000 snapshot_every=100000 stall_rate=50000
  replication_rate=50000
else
  # Dedicated cores: the engine's stage threads spin, the sender spins, rates go past a million.
  wait=BUSY_SPIN rates=100000,250000,500000,1000000,2000000,4000000 heap=16g latency_heap=16g
  snapshot_rates=100000,250000,500000,1000000 snapshot_every=1000000 stall_rate=200000
  replication_rate=100000
fi
seconds=5 warmup=2 snapshots=5 rounds=3 catchup_records=1000000
if [ -n "$quick" ]; then seconds=1 warmup=1 snapshots=2 rounds=1 catchup_records=100000; fi
if [ -n "$brief" ]; then seconds=3 warmup=1 snapshots=3; fi
if [ -n "$rounds_asked" ]; then rounds="$rounds_asked"; fi

# Figures of a tree with changes not committed were not measured at HEAD: the commit says so (-dirty). A bundle
# (benchmarks/bundle.sh) is no git work tree: it names the commit it was built from in COMMIT. Every part is told it
# (-Dpurestock.commit) and writes it beside its figures: the JMH rows, and the settings line of each harness's .tsv.
commit="$(purestock_commit "$root")"
if [ "$commit" = unknown ] && [ -s "$root/COMMIT" ]; then
  commit="$(head -n 1 "$root/COMMIT")"
fi
if [ -z "$only" ] || [ "$only" = jmh ]; then
  # The suite writes its results only once every benchmark ran (BenchmarkSuite); the full run's log, staged too, takes
  # the place of the last run's only then. A partial run's log is added to the partial runs' log.
  if [ ${#include[@]} -gt 0 ]; then
    "$java" "${flags[@]}" -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.report.BenchmarkSuite \
      --machine "$machine" --out "$out" $quick $brief "${include[@]}" 2>&1 | tee -a "$out/jmh-partial.log"
  else
    part="$(staged jmh)"
    "$java" "${flags[@]}" -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.report.BenchmarkSuite \
      --machine "$machine" --out "$out" $quick $brief 2>&1 | tee "$part/jmh.log"
    publish jmh 'jmh.log'
  fi
fi

if [ -z "$only" ] || [ "$only" = ratios ]; then
  # One JMH run measures a figure and its baseline minutes apart, and on a shared machine the load between them
  # can move a ratio by half. Each round runs the rows of the engine's ratio goals one after another; the report
  # puts every round's ratio beside the median and judges the median. The engine's rows keep every order
  # (retainSeconds=forever), as the ratios always compared; the steady state's rows are the jmh part's.
  part="$(staged ratios)"
  ratio_rows='(EngineBenchmark|RawDisruptorBenchmark|LockBasedBaselineBenchmark)\.(oneProducer|fourProducers)$'
  for round in $(seq 1 "$rounds"); do
    "$java" "${flags[@]}" -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.report.BenchmarkSuite \
      --machine "$machine" --out "$part" $quick $brief --include "$ratio_rows" --param retainSeconds=forever \
      --results "ratios-$round" 2>&1 | tee "$part/ratios-$round.log"
  done
  publish ratios 'ratios-*'
fi

if [ -z "$only" ] || [ "$only" = latency ]; then
  part="$(staged latency)"
  "$java" "${flags[@]}" -Xms"$latency_heap" -Xmx"$latency_heap" -Xlog:gc:file="$part/latency-gc.log"::filecount=0 \
    -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.latency.LatencyHarness \
    --wait "$wait" --rates "$rates" --seconds "$seconds" --warmup-seconds "$warmup" --out "$part" 2>&1 \
    | grep -v '^\[main\] INFO net.openhft' | tee "$part/latency.log"
  # The same harness with periodic snapshots on: what they cost the tails at the rates that matter.
  "$java" "${flags[@]}" -Xms"$latency_heap" -Xmx"$latency_heap" -Xlog:gc:file="$part/latency-snapshots-gc.log"::filecount=0 \
    -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.latency.LatencyHarness \
    --name latency-snapshots --snapshot-every "$snapshot_every" --wait "$wait" --rates "$snapshot_rates" \
    --seconds "$seconds" --warmup-seconds "$warmup" --out "$part" 2>&1 \
    | grep -v '^\[main\] INFO net.openhft' | tee "$part/latency-snapshots.log"
  publish latency 'latency*.hgrm' 'latency*.tsv' 'latency*.log'
fi

if [ -z "$only" ] || [ "$only" = snapshot ]; then
  part="$(staged snapshot)"
  "$java" "${flags[@]}" -Xms"$heap" -Xmx"$heap" -Xlog:gc:file="$part/snapshot-stall-gc.log"::filecount=0 \
    -Dpurestock.commit="$commit" -cp "$jar" dev.purestock.benchmarks.snapshot.SnapshotStallHarness \
    --skus 1000000 --rate "$stall_rate" --snapshots "$snapshots" --warmup-seconds "$warmup" --wait "$wait" --out "$part" 2>&1 \
    | grep -v '^\[main\] INFO net.openhft' | tee "$part/snapshot-stall.log"
  publish snapshot 'snapshot-stall*.tsv' 'snapshot-stall*.log'
fi

if [ -z "$only" ] || [ "$only" = replication ]; then
  # Rounds alternate the three configurations (JMH runs NONE, ASYNC, SYNC in that order in each round), so that a
  # neighbour's load on a shared machine falls on all three alike; the report takes the median of the rounds.
  part="$(staged replication)"
  for round in $(seq 1 "$rounds"); do
    # -foe true: a configuration that throws ends the part (JMH would go on, exit 0 and leave its row out)
    "$java" "${flags[@]}" -jar "$jar" 'ReplicationBenchmark' -p waitStrategy="$wait" -f 1 -wi 2 -i 3 -w "${warmup}s" \
      -r "$((seconds > 2 ? 2 : seconds))s" -foe true -prof gc -jvmArgsAppend "${flags[*]} -Xms2g -Xmx$heap" \
      -rf csv -rff "$part/replication-jmh-$round.csv" 2>&1 | tee "$part/replication-jmh-$round.log"
    for mode in NONE ASYNC SYNC; do
      "$java" "${flags[@]}" -Xms"$heap" -Xmx"$heap" -Dpurestock.commit="$commit" -cp "$jar" \
        dev.purestock.benchmarks.latency.LatencyHarness \
        --name "replication-latency-$mode-$round" --replication "$mode" --wait "$wait" --rates "$replication_rate" \
        --seconds "$seconds" --warmup-seconds "$warmup" --out "$part" 2>&1 \
        | grep -v '^\[main\] INFO net.openhft' | tee "$part/replication-latency-$mode-$round.log"
    done
  done
  "$java" "${flags[@]}" -Xms2g -Xmx2g -Dpurestock.commit="$commit" -cp "$jar" \
    dev.purestock.benchmarks.replication.CatchUpHarness \
    --records "$catchup_records" --rounds "$rounds" --out "$part" 2>&1 \
    | grep -v '^\[main\] INFO net.openhft' | tee "$part/replication-catchup.log"
  publish replication 'replication-jmh-*' 'replication-latency-*' 'replication-catchup*'
fi

if [ "$report" = 1 ]; then
  "$java" -Djava.awt.headless=true -cp "$jar" dev.purestock.benchmarks.report.BenchmarkReport \
    --in "$results" --out "$report_file"
fi

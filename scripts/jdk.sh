# Shared by ./purestock, .ci/run, benchmarks/run.sh and benchmarks/bundle.sh (source it; it defines functions only).

# java_major JAVA_HOME_DIR: the feature version of the JDK or runtime there (17, 21, 25...).
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

# find_jdk: JAVA_HOME when it is 21 or newer, else the newest JDK 21+ under the usual places; empty if none.
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ]; then
    echo "$JAVA_HOME"
    return
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$dir/bin/javac" ] || continue
    major="$(java_major "$dir")"
    if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  echo "$best"
}

# purestock_jvm_flags ROOT JAVA_HOME_DIR: the JVM flags Chronicle Queue and Agrona need, read from the
# root pom's purestock.jvm.flags so that tests, the launcher and the benchmarks never drift apart.
purestock_jvm_flags() {
  local flags
  flags=$(sed -n 's:.*<purestock.jvm.flags>\(.*\)</purestock.jvm.flags>.*:\1:p' "$1/pom.xml")
  if [ "$(java_major "$2")" -ge 24 ]; then
    flags="$flags --sun-misc-unsafe-memory-access=allow"
  fi
  echo "$flags"
}

# purestock_commit ROOT: the commit the work tree at ROOT is at (short hash), with -dirty when it holds changes not
# committed outside docs/ (where the benchmarks write their results); unknown when ROOT is not the top of a git work
# tree (a directory inside another project's tree is not at that project's commit) or git is missing.
purestock_commit() {
  local commit
  if [ -n "$(git -C "$1" rev-parse --show-prefix 2>/dev/null || echo none)" ]; then
    echo unknown
    return
  fi
  commit="$(git -C "$1" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain -- . ':!docs' 2>/dev/null)" ]; then
    commit="$commit-dirty"
  fi
  echo "$commit"
}

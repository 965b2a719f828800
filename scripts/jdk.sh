# Shared by ./purestock, .ci/run and benchmarks/run.sh (source it; it defines functions only).

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

#!/usr/bin/env bash
# Checks what `./mvnw verify` left in each library module's target/: the jar names its module for the module
# path (Automatic-Module-Name) and has a sources jar and a javadoc jar beside it; the repository holds the
# LICENSE; and every published pom carries what a Maven repository asks for (description, url, licenses, scm,
# developers), read from the effective pom. Run after the build, from the repository root, with JAVA_HOME set
# as for ./mvnw.
set -euo pipefail
status=0
fail() { echo "artifacts check: $*" >&2; status=1; }

for module in domain engine journal cli replication micrometer spring-boot-starter; do
  case "$module" in
    spring-boot-starter) expected=dev.purestock.spring ;;
    *) expected="dev.purestock.$module" ;;
  esac
  jar="$(ls "$module"/target/purestock-"$module"-*.jar 2>/dev/null \
    | grep -v -e '-sources.jar$' -e '-javadoc.jar$' -e '-tests.jar$' | head -n 1 || true)"
  if [ -z "$jar" ]; then
    fail "no jar built in $module/target"; continue
  fi
  name="$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Automatic-Module-Name: //p')"
  if [ "$name" != "$expected" ]; then
    fail "$jar names its module '${name}', expected $expected"
  fi
  for kind in sources javadoc; do
    ls "${jar%.jar}-$kind.jar" >/dev/null 2>&1 || fail "no $kind jar beside $jar"
  done
  if ls "${jar%.jar}-javadoc.jar" >/dev/null 2>&1 \
      && ! grep -q ' index.html$' <<< "$(unzip -l "${jar%.jar}-javadoc.jar")"; then
    fail "${jar%.jar}-javadoc.jar holds no index.html"
  fi
done
[ -f bom/pom.xml ] || fail "no purestock-bom"

if ! grep -q 'Apache License' LICENSE 2>/dev/null || ! grep -q 'Version 2.0, January 2004' LICENSE; then
  fail "no Apache License 2.0 text in LICENSE at the repository root"
fi

# The effective pom of every module in the reactor, in one Maven call.
effective="target/effective-pom.xml"
mkdir -p target
if ! maven_out="$(./mvnw -B -q help:effective-pom -Doutput="$effective" 2>&1)"; then
  echo "$maven_out" >&2
  fail "cannot read the effective pom (./mvnw help:effective-pom failed)"
  exit "$status"
fi
# One line per project: artifactId, then which of the required elements it has.
summary="$(awk '
  /^  <project /  { in_project = 1; id = ""; desc = url = lic = scm = dev = 0; depth = 0; next }
  /^  <\/project>/ { print id, desc, url, lic, scm, dev; in_project = 0; next }
  !in_project { next }
  /^    <artifactId>/ { id = $0; gsub(/.*<artifactId>|<\/artifactId>.*/, "", id) }
  /^    <description>[^<[:space:]]/ { desc = 1 }
  /^    <url>https?:\/\/.+<\/url>/ { url = 1 }
  /^        <name>Apache-2.0<\/name>/ { lic = 1 }
  /^      <connection>scm:git:.+<\/connection>/ { scm = 1 }
  /^      <developer>/ { dev = 1 }
' "$effective")"
while read -r id desc url lic scm dev; do
  [ "$desc" = 1 ] || fail "$id has no <description>"
  [ "$url" = 1 ] || fail "$id has no <url>"
  [ "$lic" = 1 ] || fail "$id names no Apache-2.0 license"
  [ "$scm" = 1 ] || fail "$id has no <scm><connection>"
  [ "$dev" = 1 ] || fail "$id names no developers"
done <<< "$summary"
for module in parent bom domain engine journal cli replication micrometer spring-boot-starter; do
  grep -q "^purestock-$module " <<< "$summary" || fail "no effective pom for purestock-$module"
done

# The BOM manages purestock's modules and nothing else: a build that imports it must keep its own versions of
# JUnit, SLF4J, Micrometer and the rest (a BOM inherits the dependencyManagement of any parent it names). Its
# version and address are the parent's.
bom="$(awk '
  /^  <project /  { in_project = 1; id = ""; in_dm = 0; next }
  /^  <\/project>/ { in_project = 0; next }
  !in_project { next }
  /^    <artifactId>/ { id = $0; gsub(/.*<artifactId>|<\/artifactId>.*/, "", id) }
  /^    <version>/ { version = $0; gsub(/.*<version>|<\/version>.*/, "", version); versions[id] = version }
  /^    <url>/ { url = $0; gsub(/.*<url>|<\/url>.*/, "", url); urls[id] = url }
  /<dependencyManagement>/ { in_dm = 1 }
  /<\/dependencyManagement>/ { in_dm = 0 }
  in_dm && id == "purestock-bom" && /<groupId>/ {
    group = $0; gsub(/.*<groupId>|<\/groupId>.*/, "", group)
    if (group != "dev.purestock") { managed[group] = 1 }
  }
  END {
    for (group in managed) { print "manages", group }
    if (versions["purestock-bom"] != versions["purestock-parent"]) {
      print "version", versions["purestock-bom"], "parent", versions["purestock-parent"]
    }
    if (urls["purestock-bom"] != urls["purestock-parent"]) { print "url", urls["purestock-bom"], "parent", urls["purestock-parent"] }
  }
' "$effective")"
while read -r what value rest; do
  case "$what" in
    manages) fail "purestock-bom manages $value artifacts, which a build importing it would take as its own" ;;
    version) fail "purestock-bom is version $value, the parent ${rest#parent }" ;;
    url) fail "purestock-bom names the address $value, the parent ${rest#parent }" ;;
  esac
done <<< "$bom"

[ "$status" = 0 ] && echo "artifacts check: ok (module names, sources and javadoc jars, BOM, LICENSE, pom metadata)"
exit "$status"

#!/usr/bin/env bash
# Checks what `./mvnw verify` left in each library module's target/: the jar names its module for the module
# path (Automatic-Module-Name) and has a sources jar beside it. Run after the build, from the repository root.
set -euo pipefail
status=0
for module in domain engine journal cli micrometer spring-boot-starter; do
  case "$module" in
    spring-boot-starter) expected=dev.purestock.spring ;;
    *) expected="dev.purestock.$module" ;;
  esac
  jar="$(ls "$module"/target/purestock-"$module"-*.jar 2>/dev/null | grep -v -e '-sources.jar$' -e '-tests.jar$' | head -n 1 || true)"
  if [ -z "$jar" ]; then
    echo "artifacts check: no jar built in $module/target" >&2; status=1; continue
  fi
  name="$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Automatic-Module-Name: //p')"
  if [ "$name" != "$expected" ]; then
    echo "artifacts check: $jar names its module '${name}', expected $expected" >&2; status=1
  fi
  if ! ls "${jar%.jar}"-sources.jar >/dev/null 2>&1; then
    echo "artifacts check: no sources jar beside $jar" >&2; status=1
  fi
done
[ -f bom/pom.xml ] || { echo "artifacts check: no purestock-bom" >&2; status=1; }
[ "$status" = 0 ] && echo "artifacts check: ok (module names, sources jars, BOM)"
exit "$status"

#!/usr/bin/env bash
# jmh/run.sh [JMH options and benchmark regexps]: runs this checkout's JMH benchmarks (README.md).
#
# - Finds a JDK >= 22 as bin/csum does (JAVA_HOME when it qualifies, else the newest in /usr/lib/jvm).
# - Builds csum when a source is newer than target/csum.jar, and the benchmark jar when csum or a
#   benchmark is newer than it (mvn clean package: the shade plugin would keep stale classes).
# - Runs JMH on that JDK with the JVM flags every fork needs prepended (-jvmArgsPrepend), so your
#   -jvmArgsAppend adds to them instead of replacing them, and forks that print no incubator warning.
# - Fails loudly: -foe true makes a benchmark that cannot run (or a regexp that matches nothing) an
#   error, and then this script exits non-zero with a message instead of printing an empty table.
#
# Examples:
#   jmh/run.sh -l                                              # list the benchmarks
#   jmh/run.sh ChecksumBenchmark -p checksum=crc16-ccitt:vector,crc16-ccitt:slicing -f 1 -wi 3 -i 5 -w 1s -r 1s
#   jmh/run.sh IoBenchmark -p path=callback -p workload=randread-4k-32 -prof gc
#   jmh/run.sh --main dev.csum.jmh.IoRun callback randread-4k-32 10   # a plain main on the same class path
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"
csum_setup
csum_build_if_stale

JMH_ROOT=$CSUM_ROOT/jmh
JMH_JAR=$JMH_ROOT/target/benchmarks.jar
if [ ! -f "$JMH_JAR" ] \
   || [ -n "$(find "$JMH_ROOT/pom.xml" "$JMH_ROOT/src" "$CSUM_ROOT/target/csum.jar" -newer "$JMH_JAR" -print -quit)" ]; then
  printf 'jmh/run.sh: building the benchmarks (mvn clean package)...\n' >&2
  csum_mvn -f "$JMH_ROOT/pom.xml" clean package >&2 \
    || csum_die "the benchmarks did not build (run 'mvn clean package' in $JMH_ROOT to see why)"
fi

if [ "${1:-}" = "--main" ]; then
  [ $# -ge 2 ] || csum_die "--main needs a class name"
  main_class=$2
  shift 2
  csum_exec_java "${CSUM_JVM_FLAGS[@]}" -cp "$JMH_JAR" "$main_class" "$@"
fi

# JMH reads field offsets with sun.misc.Unsafe, which JDK 24+ warns about unless allowed (the forks
# inherit the flag: JMH gives them the host JVM's own flags).
unsafe=()
if [ "$(csum_jdk_major "$JAVA_HOME")" -ge 24 ]; then
  unsafe=(--sun-misc-unsafe-memory-access=allow)
fi
status=0
CSUM_JAVA="$JAVA_HOME/bin/java" "$JAVA_HOME/bin/java" "${unsafe[@]}" -jar "$JMH_JAR" -foe true \
  -jvm "$CSUM_ROOT/bin/quiet-jvm/bin/java" -jvmArgsPrepend "${CSUM_JVM_FLAGS[*]}" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  printf 'jmh/run.sh: JMH failed (exit status %d): a benchmark could not run or nothing matched; see above\n' \
    "$status" >&2
  exit "$status"
fi

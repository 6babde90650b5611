# Shared set-up for the csum launcher scripts (sourced, not run).
# Finds a JDK >= 22, makes sure liburing is installed, and rebuilds the jar when sources changed.

CSUM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CSUM_MIN_JAVA=22
CSUM_CLASS_PATH="$CSUM_ROOT/cli/target/csum-cli.jar:$CSUM_ROOT/cli/target/lib/*"
# The quick commands' CDS archive (csum_exec_main, csum_train_quick_archive).
CSUM_QUICK_ARCHIVE="$CSUM_ROOT/cli/target/csum-quick.jsa"
CSUM_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector)
# The flags of the quick commands (csum_is_quick_command), which start in about half the CPU time
# with: no Vector API module (only CRC-16 data checksums use it, and resolving it at boot costs more
# than such a command's own work), the C1 compiler only and the serial collector (C2 and G1 only pay
# off in longer runs).
CSUM_QUICK_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

csum_die() { printf 'csum: %s\n' "$*" >&2; exit 2; }

# Prints the feature version (22, 25, ...) of the JDK at $1, or nothing.
csum_jdk_major() {
  local home=$1 version="" line
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    # Bash's own read and regex, not sed: this runs for every JDK on every csum command.
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
        version=${BASH_REMATCH[1]}
        break
      fi
    done < "$home/release"
  fi
  if [ -z "$version" ]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)
  fi
  printf '%s' "$version"
}

# Sets JAVA_HOME to a JDK >= 22: JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
csum_find_jdk() {
  local major best_home="" best_major=0 home
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(csum_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$CSUM_MIN_JAVA" ]; then
      export JAVA_HOME; return 0
    fi
  fi
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] || continue
    major=$(csum_jdk_major "$home")
    if [ -n "$major" ] && [ "$major" -gt "$best_major" ]; then
      best_major=$major; best_home=$home
    fi
  done
  if [ "$best_major" -lt "$CSUM_MIN_JAVA" ]; then
    csum_die "needs a JDK ${CSUM_MIN_JAVA} or newer (found none under /usr/lib/jvm; the default java is too old): install one, e.g. 'apt-get install openjdk-${CSUM_MIN_JAVA}-jdk-headless' or Temurin 25, or set JAVA_HOME to it"
  fi
  export JAVA_HOME=$best_home
}

csum_have_liburing() {
  local library libraries
  [ -f /usr/include/liburing.h ] || return 1
  # Where Debian and most distributions put it: found without running ldconfig on every command.
  for library in /usr/lib/*/liburing.so.2 /usr/lib64/liburing.so.2 /usr/lib/liburing.so.2; do
    [ -e "$library" ] && return 0
  done
  # Not `ldconfig -p | grep -q`: under pipefail, grep -q closing the pipe early fails ldconfig (SIGPIPE).
  libraries=$(ldconfig -p 2>/dev/null) || return 1
  [[ $libraries == *liburing.so.2* ]]
}

# Installs liburing2 and liburing-dev with apt-get when running as root; otherwise says what to install.
csum_ensure_liburing() {
  csum_have_liburing && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    printf 'csum: installing liburing2 and liburing-dev (apt-get)...\n' >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liburing2 liburing-dev; } >/dev/null 2>&1 \
      || csum_die "apt-get could not install liburing2 liburing-dev; install them by hand"
    csum_have_liburing || csum_die "liburing2/liburing-dev still missing after apt-get install"
  else
    csum_die "liburing is missing: run 'sudo apt-get install liburing2 liburing-dev'"
  fi
}

# Whether command $1 exists, also in root's /usr/sbin and /sbin when they are not on PATH.
csum_have_command() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

# The tools the tests run, as "command:package" pairs: the format tests make foreign images with the first
# ones (ExistingContentTest); the serve tests (cli ServeTest) are real NBD clients; the TLS tests make
# their certificates with openssl.
CSUM_TEST_TOOLS=(mkfs.ext4:e2fsprogs mkfs.xfs:xfsprogs mkfs.btrfs:btrfs-progs mkswap:util-linux blkid:util-linux
  losetup:mount sfdisk:fdisk cryptsetup:cryptsetup-bin integritysetup:cryptsetup-bin pvcreate:lvm2
  qemu-img:qemu-utils qemu-io:qemu-utils nbdinfo:libnbd-bin nbdcopy:libnbd-bin fio:fio openssl:openssl
  chattr:e2fsprogs stat:coreutils)

# Prints the packages of the missing test tools, one a line, each once.
csum_missing_test_packages() {
  local pair
  for pair in "${CSUM_TEST_TOOLS[@]}"; do
    csum_have_command "${pair%%:*}" || printf '%s\n' "${pair#*:}"
  done | sort -u
}

# Installs the packages of missing test tools with apt-get when running as root; otherwise says what to install.
# Used by bin/test only: the csum command itself needs none of them.
csum_ensure_test_tools() {
  local missing=()
  mapfile -t missing < <(csum_missing_test_packages)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    printf 'csum: installing test tools %s (apt-get)...\n' "${missing[*]}" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 \
      || csum_die "apt-get could not install ${missing[*]}; install them by hand"
    [ -z "$(csum_missing_test_packages)" ] || csum_die "test tools of $(csum_missing_test_packages | xargs) still missing after apt-get install"
  else
    csum_die "the tests need ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (and run the tests as root: they attach loop devices)"
  fi
}

csum_mvn() {
  csum_quiet_maven
  command -v mvn >/dev/null 2>&1 || csum_die "Maven (mvn) is missing: run 'sudo apt-get install maven'"
  # Maven 3.8 writes colour resets even in batch mode: strip them (pipefail keeps its exit status).
  (cd "$CSUM_ROOT" && mvn -B -q -Dstyle.color=never "$@" 2>&1) | sed -u 's/\x1b\[[0-9;]*m//g'
}

# Rebuilds the command when it is missing or older than its sources or the library's: installs the
# library (dev.csum:csum, the top-level project) into the local Maven repository, then packages the
# command (cli/) with its dependencies in cli/target/lib.
csum_build_if_stale() {
  local jar="$CSUM_ROOT/cli/target/csum-cli.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$CSUM_ROOT/pom.xml" "$CSUM_ROOT/src/main" "$CSUM_ROOT/cli/pom.xml" \
        "$CSUM_ROOT/cli/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    printf 'csum: building (mvn install, then cli/ package)...\n' >&2
    csum_mvn -DskipTests install >&2 || csum_die "build failed (run 'mvn -DskipTests install' in $CSUM_ROOT to see why)"
    csum_mvn -f cli/pom.xml -DskipTests package >&2 \
      || csum_die "build of the command failed (run 'mvn -f cli/pom.xml -DskipTests package' in $CSUM_ROOT to see why)"
    csum_train_quick_archive
  fi
}

# Writes $CSUM_QUICK_ARCHIVE from a run of `status` on a small volume, the quick command whose start
# matters most: left to -XX:+AutoCreateSharedArchive alone, the archive would hold whatever quick
# command ran first after a build, and one written by --version saves `status` next to nothing.
# No archive when this fails: the commands then only start a little slower.
csum_train_quick_archive() {
  local volume="$CSUM_ROOT/cli/target/csum-training.img"
  rm -f "$CSUM_QUICK_ARCHIVE" "$volume"
  "$JAVA_HOME/bin/java" "${CSUM_QUICK_JVM_FLAGS[@]}" -cp "$CSUM_CLASS_PATH" dev.csum.cli.Main \
      format "$volume" --size 4m >/dev/null 2>&1 \
    && "$JAVA_HOME/bin/java" "${CSUM_QUICK_JVM_FLAGS[@]}" -XX:ArchiveClassesAtExit="$CSUM_QUICK_ARCHIVE" \
      '-Xlog:cds*=off' -cp "$CSUM_CLASS_PATH" dev.csum.cli.Main status "$volume" >/dev/null 2>&1 \
    || rm -f "$CSUM_QUICK_ARCHIVE"
  rm -f "$volume"
}

# Adds up the Surefire reports under the given target directories into one closing line.
csum_report_tests() {
  local tests=0 failed=0 skipped=0 file t f e s
  for dir in "$@"; do
    for file in "$CSUM_ROOT/$dir"/surefire-reports/TEST-*.xml; do
      [ -f "$file" ] || continue
      read -r t f e s < <(sed -n 's/.*<testsuite[^>]* tests="\([0-9]*\)"[^>]* failures="\([0-9]*\)"[^>]* errors="\([0-9]*\)"[^>]* skipped="\([0-9]*\)".*/\1 \2 \3 \4/p;
        s/.*<testsuite[^>]* tests="\([0-9]*\)"[^>]* errors="\([0-9]*\)"[^>]* skipped="\([0-9]*\)"[^>]* failures="\([0-9]*\)".*/\1 \4 \2 \3/p' "$file" | head -n 1)
      tests=$((tests + ${t:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${s:-0}))
    done
  done
  printf 'csum: %d passed, %d failed, %d skipped\n' $((tests - failed - skipped)) "$failed" "$skipped"
}

# Maven 3.8's bundled Guava touches sun.misc.Unsafe, which JDK 24+ warns about on every run.
csum_quiet_maven() {
  case " ${MAVEN_OPTS:-} " in *sun-misc-unsafe*) return 0 ;; esac
  if [ "$(csum_jdk_major "$JAVA_HOME")" -ge 24 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
}

# The line a JVM prints on stderr while it boots when it resolves the Vector API's incubator module
# (the fast CRC-16 kernel); no JVM flag turns it off.
CSUM_INCUBATOR_WARNING='WARNING: Using incubator modules: jdk.incubator.vector'

# Copies stdin to stdout as it comes, less a first line that is $CSUM_INCUBATOR_WARNING.
csum_drop_incubator_warning() {
  local first
  if IFS= read -r first; then
    [ "$first" = "$CSUM_INCUBATOR_WARNING" ] || printf '%s\n' "$first"
  elif [ -n "$first" ]; then
    printf '%s' "$first"
  fi
  exec cat
}

# Replaces this shell with the JVM running "$@" (JVM flags, class path, main class and arguments),
# booted with stderr through csum_drop_incubator_warning and the real stderr kept as descriptor 3.
# dev.csum.cli.LauncherStderr moves descriptor 3 back onto 2 before csum prints anything on stderr,
# so only what the JVM prints before main (normally just that warning) goes through the filter.
csum_exec_java() {
  exec 3>&2
  exec 2> >(csum_drop_incubator_warning >&3)
  exec "$JAVA_HOME/bin/java" -Dcsum.stderr.fd=3 ${CSUM_JAVA_OPTS:-} "$@"
}

# Whether csum command line "$@" names a quick command (status, help) or none (--version, --help).
csum_is_quick_command() {
  local argument
  for argument in "$@"; do
    case $argument in
      -*) ;;
      status | help) return 0 ;;
      *) return 1 ;;
    esac
  done
  return 0
}

# Replaces this shell with the csum command line "${@:3}", the classes on class path $1. $2 names the
# CDS archive for the quick commands, or is empty for none. That archive holds the classes `status`
# loads (the JDK's and csum's; picocli's class files are too old a format for CDS): written after
# each build (csum_train_quick_archive), mapped by every quick command, it saves about 70 ms of 420
# for `status` on this 2-core VM. When it does not match (another JDK, a jar built by hand), the JVM
# ignores it and writes a new one as it exits (-XX:+AutoCreateSharedArchive). The JVM says on stdout
# that it skipped picocli's classes and, as an [error] on every run, that it will not use the
# archived module graph (--enable-native-access differs from the JDK's own archive): harmless both,
# and csum's stdout is data, so -Xlog:cds*=off.
csum_exec_main() {
  local class_path=$1 archive=$2
  shift 2
  if csum_is_quick_command "$@"; then
    local cds=()
    if [ -n "$archive" ]; then
      cds=(-XX:SharedArchiveFile="$archive" -XX:+AutoCreateSharedArchive '-Xlog:cds*=off')
    fi
    csum_exec_java "${CSUM_QUICK_JVM_FLAGS[@]}" "${cds[@]}" -cp "$class_path" dev.csum.cli.Main "$@"
  fi
  csum_exec_java "${CSUM_JVM_FLAGS[@]}" -cp "$class_path" dev.csum.cli.Main "$@"
}

csum_setup() {
  csum_find_jdk
  csum_ensure_liburing
}

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sets everything up (tools/setup.sh), runs the whole test suite in build/,
# then builds the tests again with ASan+UBSan in build-asan/ and runs them
# there too.  Exits non-zero when either run fails.  Non-interactive: this is
# what .ci/run runs (as root, with no XDG_RUNTIME_DIR and no stdin).
#
# Every test program speaks TAP, so a case whose prerequisite is missing shows
# as skipped; the skipped cases are listed after each run.  Under CI=true a
# skip is a failure (HANGAR_TEST_NO_SKIP=1, see tests/hg-test-skip.h): what CI
# reports as passed really ran.
#
# Environment: HANGAR_BUILDDIR (default: build), HANGAR_JOBS (default: 2),
# CI, HANGAR_TEST_NO_SKIP (default: 1 under CI=true, else unset).
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILDDIR=${HANGAR_BUILDDIR:-build}
ASANDIR="$BUILDDIR-asan"
JOBS=${HANGAR_JOBS:-2}

# QEMU's sockets live under $XDG_RUNTIME_DIR; CI has none.
RUNTIME_TMP=""
cleanup() { if [ -n "$RUNTIME_TMP" ]; then rm -rf "$RUNTIME_TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ] || [ ! -w "$XDG_RUNTIME_DIR" ]; then
  RUNTIME_TMP=$(mktemp -d /tmp/hangar-test-runtime.XXXXXX)
  chmod 0700 "$RUNTIME_TMP"
  XDG_RUNTIME_DIR=$RUNTIME_TMP
  export XDG_RUNTIME_DIR
fi

case "${CI:-}" in
  true|1|yes)
    if [ -z "${HANGAR_TEST_NO_SKIP:-}" ]; then
      HANGAR_TEST_NO_SKIP=1
      export HANGAR_TEST_NO_SKIP
    fi
    ;;
esac

# The cases a run skipped (TAP "# SKIP" lines in meson's log), so that a
# missing tool is seen even where a skip is allowed.
report_skips() {
  log="$1/meson-logs/testlog.txt"
  if [ -f "$log" ] && grep -q '^ok [0-9]* .* # SKIP' "$log"; then
    echo "test: cases skipped in $1:"
    grep '^ok [0-9]* .* # SKIP' "$log" | sed 's/^ok [0-9]* /  /'
  fi
}

sh tools/setup.sh

failed=""
echo "test: running the tests in $BUILDDIR"
meson test -C "$BUILDDIR" --print-errorlogs </dev/null || failed="$failed $BUILDDIR"
report_skips "$BUILDDIR"

echo "test: building and running the tests with ASan+UBSan in $ASANDIR"
if [ -f "$ASANDIR/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$ASANDIR" -Db_sanitize=address,undefined -Dwerror=true \
    "-Dguests_dir=$ROOT/$BUILDDIR/guests"
else
  meson setup "$ASANDIR" -Db_sanitize=address,undefined -Dwerror=true \
    "-Dguests_dir=$ROOT/$BUILDDIR/guests"
fi
meson compile -C "$ASANDIR" -j "$JOBS"
meson test -C "$ASANDIR" --print-errorlogs </dev/null || failed="$failed $ASANDIR"
report_skips "$ASANDIR"

if [ -n "$failed" ]; then
  echo "test: FAILED in:$failed" >&2
  exit 1
fi
echo "test: all tests passed (plain and ASan+UBSan)"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sets Hangar up on a Debian 12 machine: installs the Debian packages it
# needs (tools/install-deps.sh), configures and builds build/ (warnings are
# errors), and builds the real guests from Debian packages into
# build/guests (tools/build-guests.sh).  Safe to run again: each step skips
# what is already done.
#
# Environment: HANGAR_BUILDDIR (default: build), HANGAR_JOBS (default: 2).
set -eu

cd "$(dirname "$0")/.."
BUILDDIR=${HANGAR_BUILDDIR:-build}
JOBS=${HANGAR_JOBS:-2}

echo "setup: installing dependencies"
sh tools/install-deps.sh

echo "setup: configuring and building $BUILDDIR"
if [ -f "$BUILDDIR/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$BUILDDIR" -Dwerror=true
else
  meson setup "$BUILDDIR" -Dwerror=true
fi
meson compile -C "$BUILDDIR" -j "$JOBS"

echo "setup: building the guests"
sh tools/build-guests.sh "$BUILDDIR/guests"
echo "setup: done"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's first command.  Sets everything up (tools/setup.sh: Debian
# packages, the build, the guests), puts the demo VM into the demo library
# ($XDG_DATA_HOME/hangar/vms/demo, made once and then left alone) and opens
# Hangar's window on it with the demo VM selected, ready to start.  Without
# a display it says so in one line, names the hangarctl commands that do the
# same, and lists the library.
#
# Environment: HANGAR_BUILDDIR (default: build), HANGAR_JOBS (default: 2).
set -eu

cd "$(dirname "$0")/.."
BUILDDIR=${HANGAR_BUILDDIR:-build}

sh tools/setup.sh

HANGARCTL="$BUILDDIR/src/cli/hangarctl"
GUI="$BUILDDIR/src/ui/hangar"
GUESTS="$BUILDDIR/guests/demo"
if [ ! -x "$HANGARCTL" ]; then
  echo "demo: $HANGARCTL was not built" >&2
  exit 1
fi

DATA_HOME=${XDG_DATA_HOME:-${HOME:?HOME is not set}/.local/share}
VMS="$DATA_HOME/hangar/vms"
VMDIR="$VMS/demo"

if [ -f "$VMDIR/demo.hangar" ]; then
  echo "demo: the demo VM is already in $VMDIR"
else
  echo "demo: creating the demo VM in $VMDIR"
  mkdir -p "$VMS"
  # The guest travels with its VM directory: kernel and initrd are copied in.
  "$HANGARCTL" --base "$VMS" create --dir "$VMS" --label demo --arch x86_64 \
    --memory 256 --cpus 1 --os linux \
    --boot kernel --kernel "$GUESTS/vmlinuz" --initrd "$GUESTS/initrd.img" --copy-in \
    --append "$(cat "$GUESTS/cmdline")" \
    --net user --nic-model virtio-net-pci --console vnc
fi

if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && [ -x "$GUI" ]; then
  echo "demo: opening Hangar on $VMS with the demo VM selected (press Start)"
  # The default library is what the window shows anyway (plus the folders
  # of the preferences); --select picks the demo VM in it.
  exec "$GUI" --select "$VMDIR"
fi

if [ -x "$GUI" ]; then
  echo "demo: no display (DISPLAY and WAYLAND_DISPLAY are unset), so no window; the same with hangarctl: $HANGARCTL --base $VMS start demo, then $HANGARCTL --base $VMS console demo"
else
  echo "demo: the window was not built; the same with hangarctl: $HANGARCTL --base $VMS start demo, then $HANGARCTL --base $VMS console demo"
fi
"$HANGARCTL" --base "$VMS" list

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sets everything up (tools/setup.sh), puts the demo VM into the demo
# library ($XDG_DATA_HOME/hangar/vms/demo, made once and then left alone) and
# runs Hangar on it: the window when there is a display, otherwise hangarctl
# lists the library and starts the demo VM.
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
  mkdir -p "$VMDIR"
  # The guest travels with its VM directory: kernel and initrd beside the config.
  cp "$GUESTS/vmlinuz" "$VMDIR/vmlinuz"
  cp "$GUESTS/initrd.img" "$VMDIR/initrd.img"
  "$HANGARCTL" create --label demo --arch x86_64 --memory 256 --cpus 1 \
    --boot kernel --kernel "$VMDIR/vmlinuz" --initrd "$VMDIR/initrd.img" \
    --append "$(cat "$GUESTS/cmdline")" \
    --net user --nic-model virtio-net-pci --console vnc
fi

if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && [ -x "$GUI" ]; then
  exec "$GUI"
fi

if [ -x "$GUI" ]; then
  echo "demo: no display (DISPLAY and WAYLAND_DISPLAY are unset), so hangarctl runs the demo instead of the window"
else
  echo "demo: the window was not built, so hangarctl runs the demo"
fi
"$HANGARCTL" list
status=0
"$HANGARCTL" start demo || status=$?
case $status in
  0) ;;
  4) echo "demo: the demo VM is already running" ;;
  *) exit "$status" ;;
esac
echo "demo: its serial console (shell prompt; the key to leave is shown when it opens):"
echo "  $HANGARCTL console demo"
echo "demo: stop it with:"
echo "  $HANGARCTL stop demo"

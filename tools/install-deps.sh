#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every build, test and runtime dependency of Hangar from Debian 12
# packages, non-interactively.  Safe to run again.
set -eu

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PACKAGES="
  meson ninja-build gcc pkg-config gettext itstool
  libglib2.0-dev libglib2.0-bin libjson-glib-dev
  libgtk-3-dev libgtk-vnc-2.0-dev libvte-2.91-dev
  libvdeplug-dev vde2 vdeplug libosinfo-1.0-dev osinfo-db libosinfo-bin
  qemu-system-x86 qemu-system-arm qemu-system-misc qemu-system-ppc
  qemu-system-mips qemu-system-sparc qemu-utils
  ovmf qemu-efi-aarch64 swtpm swtpm-tools
  busybox-static cpio nasm xorriso isolinux syslinux-common mtools kmod
  libcrypt-dev
  pkexec polkitd libxml2-utils iproute2 iputils-ping procps
  xvfb xauth imagemagick desktop-file-utils appstream
  librsvg2-bin flatpak-builder xdotool
  virt-viewer gvncviewer libxdamage-dev
  dbus dbus-x11 adwaita-icon-theme hicolor-icon-theme
  openssh-client openssh-server
  ca-certificates
"

export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
# The test guests of tools/build-guests.sh are built from the kernel and
# busybox-static packages of each of Debian's release architectures: apt-get
# download needs those architectures.  (qemu-system-misc has s390x and
# riscv64, qemu-system-mips mips64el, qemu-system-ppc ppc64.)
native=$(dpkg --print-architecture)
for arch in amd64 arm64 i386 armhf ppc64el s390x mips64el; do
  [ "$arch" != "$native" ] || continue
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
    need_update=1
  fi
done
if [ -n "$missing" ] || [ -n "${need_update:-}" ]; then
  $SUDO apt-get update -q
fi
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

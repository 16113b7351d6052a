#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Hangar's real test and demo guests from Debian packages:
#
#   OUTDIR/demo/vmlinuz, initrd.img, cmdline   x86_64: Debian cloud kernel +
#                                              busybox initramfs (VGA + serial)
#   OUTDIR/tiny/boot.img, boot.iso, pxe/boot.0 512-byte boot sector (nasm),
#                                              as a 1.44 MB image and a CD
#   OUTDIR/aarch64/vmlinuz, initrd.img, cmdline   AArch64 virt: Debian cloud
#                                              arm64 kernel + arm64 busybox
#   OUTDIR/ARCH/vmlinuz, initrd.img, cmdline   ARCH = i386, armhf, ppc64el,
#                                              s390x, mips64el: that Debian
#                                              architecture's kernel + busybox,
#                                              a shell on the serial console
#                                              (tests/test-arches.c)
#   OUTDIR/d-i/netinst.iso                     x86_64: Debian 12's installer
#                                              (debian-installer-12-netboot-
#                                              amd64: text d-i kernel + initrd)
#                                              as install.amd/ of an ISO that
#                                              libosinfo identifies as Debian
#                                              (tests/test-express.c)
#
# Nothing is fetched except Debian packages through `apt-get download`; the
# .deb files are cached in OUTDIR/debs.  A guest whose inputs (package
# versions and the files in tools/guests/) have not changed is skipped.
#
# usage: tools/build-guests.sh OUTDIR
set -eu

die() { echo "build-guests: $*" >&2; exit 1; }
log() { echo "build-guests: $*" >&2; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
TOOLS=$(cd "$(dirname "$0")" && pwd)
GUESTS_SRC="$TOOLS/guests"
mkdir -p "$1/debs"
OUT=$(cd "$1" && pwd)
DEBS="$OUT/debs"

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip nasm xorriso depmod flock; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' is missing: run tools/install-deps.sh first"
done

# One build at a time per OUTDIR (setup.sh from two shells).
exec 9>"$OUT/.lock"
flock 9

WORK=""
cleanup() { if [ -n "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# What apt knows, asked once (each apt-cache call costs seconds):
# PKGTABLE has "name arch version" lines, KERNELS "meta:arch image-package".
PKGTABLE="$OUT/.apt-packages"
KERNELS="$OUT/.apt-kernels"
apt_query() { # META:ARCH... -- PKG:ARCH...
  : >"$KERNELS"
  : >"$PKGTABLE"
  metas=""
  while [ "$1" != "--" ]; do metas="$metas $1"; shift; done
  shift
  # shellcheck disable=SC2086
  apt-cache depends $metas 2>/dev/null | awk '
    /^[^ ]/ { cur = $1; if (cur !~ /:/) cur = cur ":" native }
    /^ *Depends: linux-image-[0-9]/ { sub(/:.*/, "", $2); print cur, $2 }' \
      native="$(dpkg --print-architecture)" >"$KERNELS" || true
  images=$(while read -r meta image; do echo "$image:${meta#*:}"; done <"$KERNELS")
  # shellcheck disable=SC2086
  apt-cache show --no-all-versions "$@" $images 2>/dev/null | awk '
    /^Package: / { p = $2 } /^Architecture: / { a = $2 }
    /^Version: / { v = $2 } /^$/ { if (p != "") print p, a, v; p = "" }
    END { if (p != "") print p, a, v }' >"$PKGTABLE" || true
}
apt_lookup() { # META:ARCH... -- PKG:ARCH...
  apt_query "$@"
  want=$(( $(echo "$@" | wc -w) - 1 ))
  if [ "$(wc -l <"$PKGTABLE")" -lt "$want" ]; then
    # a fresh container, or arm64 added without an update
    log "apt's package lists lack some guest packages, running apt-get update"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -q >&2 || true
    apt_query "$@"
  fi
}

# kernel_package META:ARCH -> the versioned image package it depends on,
# e.g. linux-image-cloud-amd64 -> linux-image-6.1.0-56-cloud-amd64
kernel_package() {
  pkg=$(awk -v m="$1" '$1 == m { print $2; exit }' "$KERNELS")
  if [ -z "$pkg" ]; then
    # offline: the newest cached image of the same flavour
    flavour=${1#linux-image-}
    flavour=${flavour%%:*}
    pkg=$(ls -1 "$DEBS" 2>/dev/null | sed -n "s/^\(linux-image-[0-9][^_]*-$flavour\)_.*/\1/p" |
      sort -V | tail -n 1)
  fi
  [ -n "$pkg" ] || die "cannot find the kernel package behind $1"
  echo "$pkg"
}

# fetch PKG:ARCH -> prints the path of the cached .deb of apt's candidate
# version, downloading it with `apt-get download` if it is not cached yet.
fetch() {
  name=${1%%:*}
  arch=${1#*:}
  version=$(awk -v p="$name" -v a="$arch" '$1 == p && $2 == a { print $3; exit }' "$PKGTABLE")
  if [ -n "$version" ]; then
    file="$DEBS/${name}_$(echo "$version" | sed 's/:/%3a/g')_${arch}.deb"
    if [ ! -s "$file" ]; then
      log "downloading $1 $version"
      partial="$DEBS/.partial"
      rm -rf "$partial"
      mkdir -p "$partial"
      # As root, apt drops to the _apt user unless told otherwise.
      (cd "$partial" && apt-get download -q -o APT::Sandbox::User=root "$1=$version" >&2) ||
        die "apt-get download $1=$version failed"
      for f in "$partial"/*.deb; do mv "$f" "$file"; done
      rm -rf "$partial"
    fi
  else
    # Offline and no package lists: use what the cache has.
    file=$(ls -1 "$DEBS/${name}"_*_"$arch".deb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$file" ] || die "apt knows no package $1 and $DEBS has none"
  fi
  [ -s "$file" ] || die "download of $1 did not produce $file"
  echo "$file"
}

# A digest of everything a guest is built from besides the packages.
sources_digest() {
  cat "$0" "$GUESTS_SRC"/* | sha256sum | cut -c1-16
}

stamp_ok() { # DIR STAMP FILES...
  dir=$1
  stamp=$2
  shift 2
  [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ] || return 1
  for f in "$@"; do [ -s "$dir/$f" ] || return 1; done
  return 0
}

# resolve_modules MODDIR NAME... -> prints module paths (relative to MODDIR)
# in load order, every dependency before its user, using modules.dep.
ORDER=""
add_module() {
  case " $ORDER " in *" $1 "*) return 0 ;; esac
  deps=$(grep -F "$1:" "$MODDIR/modules.dep" | sed -n "s|^$1: *||p" | head -n 1)
  for dep in $deps; do add_module "$dep"; done
  ORDER="$ORDER $1"
}
resolve_modules() {
  MODDIR=$1
  shift
  ORDER=""
  for m in "$@"; do
    path=$(grep -E "(^|/)$m\.ko(\.xz|\.zst|\.gz)?:" "$MODDIR/modules.dep" | cut -d: -f1 | head -n 1)
    if [ -z "$path" ]; then
      if grep -qE "(^|/)$m\.ko$" "$MODDIR/modules.builtin" 2>/dev/null; then
        continue
      fi
      die "kernel module $m is neither in $MODDIR/modules.dep nor built in"
    fi
    add_module "$path"
  done
  echo "$ORDER"
}

# build_linux_guest DIR KERNEL_META BUSYBOX_SPEC HOSTNAME BANNER CONSOLES
#                   APPEND MODULES...
# SHARE_MODULES (set for the call): modules that /init loads only when the
# kernel command line has hangar.shares (shared folders: virtiofs, 9p), so
# that the default boot stays as it was.
build_linux_guest() {
  gname=$1
  dir="$OUT/$1"
  meta=$2
  bbspec=$3
  ghost=$4
  banner=$5
  consoles=$6
  append=$7
  shift 7

  kpkg=$(kernel_package "$meta")
  kdeb=$(fetch "$kpkg:${meta#*:}")
  bbdeb=$(fetch "$bbspec")
  stamp="$(basename "$kdeb") $(basename "$bbdeb") $(sources_digest)"
  if stamp_ok "$dir" "$stamp" vmlinuz initrd.img cmdline; then
    log "$gname: up to date ($kpkg)"
    return 0
  fi
  log "$gname: building from $(basename "$kdeb") and $(basename "$bbdeb")"

  WORK=$(mktemp -d "$OUT/.work.XXXXXX")
  dpkg -x "$kdeb" "$WORK/kernel"
  dpkg -x "$bbdeb" "$WORK/busybox"
  kver=$(ls -1 "$WORK/kernel/lib/modules" | head -n 1)
  # vmlinuz (compressed, bootable) or vmlinux (ELF: ppc64el, mips64el)
  kernel=""
  for k in vmlinuz vmlinux; do
    if [ -n "$kver" ] && [ -f "$WORK/kernel/boot/$k-$kver" ]; then
      kernel="$WORK/kernel/boot/$k-$kver"
      break
    fi
  done
  [ -n "$kernel" ] || die "$kdeb has no /boot/vmlinu[xz] and /lib/modules of one kernel"
  moddir="$WORK/kernel/lib/modules/$kver"
  if [ ! -f "$moddir/modules.dep" ]; then
    depmod -b "$WORK/kernel" "$kver" ||
      die "depmod failed on the modules of $kdeb"
  fi
  modules=$(resolve_modules "$moddir" "$@")
  share_modules=""
  if [ -n "${SHARE_MODULES:-}" ]; then
    # shellcheck disable=SC2086
    share_modules=$(resolve_modules "$moddir" $SHARE_MODULES)
  fi

  root="$WORK/root"
  mkdir -p "$root/bin" "$root/etc/acpi" "$root/lib/modules" "$root/proc" \
    "$root/sys" "$root/dev" "$root/tmp" "$root/root"
  cp "$WORK/busybox/bin/busybox" "$root/bin/busybox"
  : >"$root/etc/modules-load"
  : >"$root/etc/modules-shares"
  for m in $modules -- $share_modules; do
    if [ "$m" = "--" ]; then list="$root/etc/modules-shares"; continue; fi
    list=${list:-"$root/etc/modules-load"}
    base=$(basename "$m")
    case "$base" in
      *.ko.xz) base=${base%.xz} ;;
      *.ko.zst) base=${base%.zst} ;;
      *.ko.gz) base=${base%.gz} ;;
    esac
    # a module both lists have is loaded once, by the first
    if grep -qx "$base" "$root/etc/modules-load"; then continue; fi
    case "$m" in
      *.ko.xz) xz -dc "$moddir/$m" >"$root/lib/modules/$base" ;;
      *.ko.zst) zstd -qdc "$moddir/$m" >"$root/lib/modules/$base" ;;
      *.ko.gz) gzip -dc "$moddir/$m" >"$root/lib/modules/$base" ;;
      *) cp "$moddir/$m" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >>"$list"
  done
  list=""

  install -m 0755 "$GUESTS_SRC/init" "$root/init"
  install -m 0755 "$GUESTS_SRC/udhcpc.script" "$root/etc/udhcpc.script"
  install -m 0644 "$GUESTS_SRC/profile" "$root/etc/profile"
  {
    echo "GUEST_HOSTNAME='$ghost'"
    echo "GUEST_BANNER='$banner'"
    echo "GUEST_CONSOLES='$consoles'"
  } >"$root/etc/hangar-guest.conf"
  {
    for tty in $consoles; do echo "$tty::respawn:-/bin/sh"; done
    echo "::ctrlaltdel:/sbin/reboot"
    echo "::shutdown:/bin/sync"
  } >"$root/etc/inittab"
  # The ACPI power button (QMP system_powerdown) powers the guest off.
  if grep -q '^button\.ko$' "$root/etc/modules-load"; then
    mkdir -p "$root/etc/acpi/PWRF"
    printf '#!/bin/sh\nexec poweroff\n' >"$root/etc/acpi/PWRF/00000080"
    chmod 0755 "$root/etc/acpi/PWRF/00000080"
  else
    rmdir "$root/etc/acpi"
  fi
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"

  mkdir -p "$dir"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -9 -n >"$dir/initrd.img.tmp"
  if [ "$(od -An -tx1 -N2 "$kernel" | tr -d ' ')" = "1f8b" ]; then
    gzip -dc "$kernel" >"$dir/vmlinuz.tmp"   # QEMU wants a raw arm64 Image
  else
    cp "$kernel" "$dir/vmlinuz.tmp"
  fi
  echo "$append" >"$dir/cmdline.tmp"
  mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
  mv "$dir/initrd.img.tmp" "$dir/initrd.img"
  mv "$dir/cmdline.tmp" "$dir/cmdline"
  echo "$stamp" >"$dir/.stamp"
  rm -rf "$WORK"
  WORK=""
  log "$gname: $dir/vmlinuz ($kver), $dir/initrd.img"
}

build_tiny() {
  dir="$OUT/tiny"
  stamp="nasm $(sources_digest)"
  if stamp_ok "$dir" "$stamp" boot.img boot.iso pxe/boot.0; then
    log "tiny: up to date"
    return 0
  fi
  mkdir -p "$dir"
  WORK=$(mktemp -d "$OUT/.work.XXXXXX")
  nasm -f bin -o "$WORK/boot.img" "$GUESTS_SRC/bootsector.asm"
  [ "$(wc -c <"$WORK/boot.img")" -eq 512 ] || die "bootsector.asm did not give 512 bytes"
  # the bare sector is also a PXE network boot program (loaded at 0:7c00),
  # served by QEMU's built-in TFTP from the folder pxe/
  mkdir -p "$WORK/pxe"
  cp "$WORK/boot.img" "$WORK/pxe/boot.0"
  # a 1.44 MB image: bootable as floppy and as disk
  truncate -s 1474560 "$WORK/boot.img"
  # El Torito, floppy emulation of the same image
  xorriso -as mkisofs -quiet -V HANGAR_TINY -o "$WORK/boot.iso" \
    -b boot.img -c boot.catalog "$WORK/boot.img" >/dev/null 2>&1 ||
    die "xorriso could not make boot.iso"
  mv "$WORK/boot.img" "$dir/boot.img"
  mv "$WORK/boot.iso" "$dir/boot.iso"
  rm -rf "$dir/pxe"
  mv "$WORK/pxe" "$dir/pxe"
  echo "$stamp" >"$dir/.stamp"
  rm -rf "$WORK"
  WORK=""
  log "tiny: $dir/boot.img, $dir/boot.iso"
}

VIRTIO_NET="virtio virtio_ring virtio_pci net_failover failover virtio_net"

# Debian's installer on an ISO shaped like Debian's netinst: install.amd/
# vmlinuz + initrd.gz, volume id "Debian testing amd64 n" -- osinfo-db
# 20221203 knows Debian 12 as "testing" (bookworm), with its preseed install
# scripts and these kernel/initrd paths (os/debian.org/debian-testing.xml).
build_d_i() {
  dir="$OUT/d-i"
  deb=$(fetch debian-installer-12-netboot-amd64:all)
  stamp="$(basename "$deb") $(sources_digest)"
  if stamp_ok "$dir" "$stamp" netinst.iso; then
    log "d-i: up to date"
    return 0
  fi
  mkdir -p "$dir"
  WORK=$(mktemp -d "$OUT/.work.XXXXXX")
  images=./usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
  dpkg-deb --fsys-tarfile "$deb" | (cd "$WORK" && tar -x "$images/linux" "$images/initrd.gz") ||
    die "d-i: $deb has no $images/linux and initrd.gz"
  mkdir -p "$WORK/iso/install.amd" "$WORK/iso/.disk"
  mv "$WORK/$images/linux" "$WORK/iso/install.amd/vmlinuz"
  mv "$WORK/$images/initrd.gz" "$WORK/iso/install.amd/initrd.gz"
  echo "Debian GNU/Linux testing \"Bookworm\" - Official Snapshot amd64 NETINST" \
    >"$WORK/iso/.disk/info"
  xorriso -as mkisofs -quiet -V "Debian testing amd64 n" -J -r -o "$WORK/netinst.iso" \
    "$WORK/iso" >/dev/null 2>&1 || die "xorriso could not make the d-i netinst.iso"
  mv "$WORK/netinst.iso" "$dir/netinst.iso"
  echo "$stamp" >"$dir/.stamp"
  rm -rf "$WORK"
  WORK=""
  log "d-i: $dir/netinst.iso"
}

build_tiny
# One guest per Debian release architecture besides amd64 and arm64:
# "guest-dir kernel-meta:debian-arch console".  Debian 12 has no riscv64.
ARCH_GUESTS="
  i386 linux-image-686:i386 ttyS0
  armhf linux-image-armmp:armhf ttyAMA0
  ppc64el linux-image-powerpc64le:ppc64el hvc0
  s390x linux-image-s390x:s390x ttysclp0
  mips64el linux-image-5kc-malta:mips64el ttyS0
"
# shellcheck disable=SC2046
apt_lookup linux-image-cloud-amd64:amd64 linux-image-cloud-arm64:arm64 \
  $(echo "$ARCH_GUESTS" | awk 'NF { print $2 }') -- \
  busybox-static:amd64 busybox-static:arm64 debian-installer-12-netboot-amd64:all \
  $(echo "$ARCH_GUESTS" | awk 'NF { print "busybox-static:" $1 }')
build_d_i
# The cloud kernel has virtiofs but no 9p; the i386 one (686) has both.
SHARE_MODULES="fuse virtiofs"
build_linux_guest demo linux-image-cloud-amd64:amd64 busybox-static:amd64 \
  hangar-demo "Welcome to the Hangar demo VM" "tty1 ttyS0" \
  "console=tty0 console=ttyS0,115200 quiet" \
  $VIRTIO_NET button evdev
SHARE_MODULES=""
build_linux_guest aarch64 linux-image-cloud-arm64:arm64 busybox-static:arm64 \
  hangar-aarch64 "Welcome to the Hangar AArch64 VM" "ttyAMA0" \
  "console=ttyAMA0 quiet" \
  $VIRTIO_NET virtio_mmio
# shellcheck disable=SC2086
set -- $ARCH_GUESTS
while [ $# -ge 3 ]; do
  SHARE_MODULES=""
  if [ "$1" = i386 ]; then
    SHARE_MODULES="virtio virtio_ring virtio_pci 9pnet_virtio 9p fuse virtiofs"
  fi
  build_linux_guest "$1" "$2" "busybox-static:$1" \
    "hangar-$1" "Welcome to the Hangar $1 VM" "$3" "console=$3 quiet"
  shift 3
done
log "guests ready in $OUT"

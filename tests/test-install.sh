#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Test (suite install): `meson install --destdir` into a temporary folder puts
# every file a distribution needs in place, and the installed programs run.
# Usage: test-install.sh BUILDDIR PREFIX BINDIR LIBEXECDIR DATADIR LOCALEDIR MANDIR GUI OSINFODIR
set -eu
build=$1 prefix=$2 bindir=$3 libexecdir=$4 datadir=$5 localedir=$6 mandir=$7 gui=$8 osinfodir=$9
dest=$(mktemp -d "${TMPDIR:-/tmp}/hangar-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >"$dest.log" 2>&1 || {
  cat "$dest.log"; rm -f "$dest.log"; echo "FAIL: meson install"; exit 1; }
rm -f "$dest.log"

app=io.github.hangarvm.Hangar
for f in \
    "$bindir/hangarctl" \
    "$libexecdir/hangar-net-helper" \
    "$libexecdir/hangar-vdeq-qemu" \
    "$datadir/polkit-1/actions/$app.policy" \
    "$datadir/glib-2.0/schemas/$app.gschema.xml" \
    "$datadir/applications/$app.desktop" \
    "$datadir/metainfo/$app.metainfo.xml" \
    "$datadir/icons/hicolor/scalable/apps/$app.svg" \
    "$datadir/icons/hicolor/symbolic/apps/$app-symbolic.svg" \
    "$localedir/de/LC_MESSAGES/hangar.mo" \
    "$mandir/man1/hangarctl.1" \
    "$osinfodir/hangar-osinfo.so"; do
  if [ -f "$dest$f" ]; then echo "ok: $f"; else bad "not installed: $f"; fi
done
if [ "$gui" = true ]; then
  [ -f "$dest$bindir/hangar" ] && echo "ok: $bindir/hangar" || bad "not installed: $bindir/hangar"
fi

# The installed programs run from the prefix.
ctl="$dest$bindir/hangarctl"
if [ -x "$ctl" ]; then
  out=$("$ctl" --version 2>&1) || bad "hangarctl --version exited with $?: $out"
  case "$out" in *[0-9].[0-9]*) echo "ok: hangarctl --version: $out" ;; *) bad "hangarctl --version printed: $out" ;; esac
  export XDG_RUNTIME_DIR="$dest/run" XDG_DATA_HOME="$dest/data" XDG_CACHE_HOME="$dest/cache"
  mkdir -m 0700 "$XDG_RUNTIME_DIR"
  rc=0; out=$("$ctl" check --json 2>"$dest/check.err") || rc=$?
  # 0: all there; 5 (HG_EXIT_MISSING): some optional component is missing
  if [ $rc != 0 ] && [ $rc != 5 ]; then bad "hangarctl check --json exited with $rc: $(cat "$dest/check.err")"; fi
  case "$out" in
    \{*qemu*\}|\[*qemu*\]) echo "ok: hangarctl check --json ($(printf '%s' "$out" | wc -c) bytes of JSON)" ;;
    *) bad "hangarctl check --json did not print a JSON object naming QEMU: $out" ;;
  esac
fi
# The installed OS data module (loaded on first use) answers: a VM created
# for a named OS gets that OS's name.  The module is looked for at its
# installed place, which is under $dest here.
if [ -x "$ctl" ]; then
  rc=0; out=$(HANGAR_OSINFO_MODULE_DIR="$dest$osinfodir" "$ctl" create --label osprobe \
      --dir "$dest/lib" --os debian11 --disk-size 64M --net none 2>&1) || rc=$?
  if [ $rc != 0 ]; then
    bad "hangarctl create --os debian11 exited with $rc: $out"
  elif grep -q '^name=Debian 11$' "$dest/lib/osprobe/osprobe.hangar"; then
    echo "ok: the installed OS data module named debian11"
  else
    bad "the VM created with --os debian11 has no OS name: $(cat "$dest/lib/osprobe/osprobe.hangar")"
  fi
fi
if [ "$gui" = true ] && [ ! -x "$dest$bindir/hangar" ]; then
  bad "a GUI build installed no $bindir/hangar"
elif [ "$gui" = true ]; then
  out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$dest$bindir/hangar" --help 2>&1) || bad "hangar --help exited with $?: $out"
  case "$out" in *--base*) echo "ok: hangar --help lists --base" ;; *) bad "hangar --help printed: $out" ;; esac
fi

# The installed German catalogue answers (gettext(1) reads it from the prefix).
if command -v gettext >/dev/null; then
  de=$(LANGUAGE=de LANG=C.UTF-8 LC_ALL= TEXTDOMAINDIR="$dest$localedir" gettext -d hangar "Run and manage QEMU virtual machines")
  if [ "$de" = "Run and manage QEMU virtual machines" ]; then
    bad "the installed hangar.mo has no German for the app's summary"
  else
    echo "ok: German catalogue: $de"
  fi
else
  # a skip, fatal under CI as in the GTest programs (tests/hg-test-skip.h)
  no_skip=${HANGAR_TEST_NO_SKIP:-${CI:-}}
  case "$no_skip" in
    1|true|yes) bad "gettext is not installed (package gettext-base): the German catalogue is not checked" ;;
    *) echo "skip: gettext is not installed (package gettext-base): the German catalogue is not checked" ;;
  esac
fi
exit $fail

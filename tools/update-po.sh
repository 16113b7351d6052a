#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Brings the translations up to date with the sources:
#   1. po/POTFILES.in: the data files and every source file with translatable
#      strings (po/list-translatable.sh), comments kept;
#   2. po/hangar.pot regenerated (meson's hangar-pot target);
#   3. every po/LANG.po merged with it (hangar-update-po target).
# Then translate what `msgattrib --untranslated --only-fuzzy` shows and check
# with `meson test -C BUILD --suite i18n`.
# Usage: tools/update-po.sh [BUILDDIR]   (default: build-i18n, set up if missing)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-i18n}
cd "$root"
{
  grep -E '^[[:space:]]*#' po/POTFILES.in || true
  sh po/list-translatable.sh "$root"
} > po/POTFILES.in.new
mv po/POTFILES.in.new po/POTFILES.in
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null
fi
ninja -C "$build" hangar-pot
ninja -C "$build" hangar-update-po
for po in po/*.po; do
  printf '%s: ' "$po"
  LC_ALL=C msgfmt --check --statistics -o /dev/null "$po"
done

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Test (suite i18n): po/POTFILES.in lists every file with translatable
# strings, and every file it lists exists.  Usage: check-potfiles.sh SRCROOT
set -eu
root="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$root/po/list-translatable.sh" "$root" > "$tmp/need"
grep -vE '^[[:space:]]*(#|$)' "$root/po/POTFILES.in" | LC_ALL=C sort -u > "$tmp/listed"
status=0
missing=$(LC_ALL=C comm -23 "$tmp/need" "$tmp/listed")
if [ -n "$missing" ]; then
  echo "po/POTFILES.in misses these files with translatable strings (run tools/update-po.sh):"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
while IFS= read -r f; do
  if [ ! -f "$root/$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    status=1
  fi
done < "$tmp/listed"
[ $status = 0 ] && echo "po/POTFILES.in lists all $(wc -l < "$tmp/need") files with translatable strings"
exit $status

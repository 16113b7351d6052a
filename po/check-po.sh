#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Test (suite i18n): LANG.po is complete against the sources as they are now.
# Extracts the strings of POTFILES.in with xgettext (the same keywords as
# meson's glib preset), merges LANG.po with them, and fails if msgfmt
# --check --statistics counts anything untranslated or fuzzy.
# Usage: check-po.sh SRCROOT LANG
set -eu
root="$1"
lang="$2"
po="$root/po/$lang.po"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$po" ]; then
  echo "$po does not exist"
  exit 1
fi
# as committed
stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
echo "po/$lang.po: $stats"
case "$stats" in
  *untranslated*|*fuzzy*) echo "po/$lang.po is not complete (run tools/update-po.sh and translate)"; exit 1 ;;
esac
# against the current sources
grep -vE '^[[:space:]]*(#|$)' "$root/po/POTFILES.in" > "$tmp/files"
(cd "$root" && xgettext --from-code=UTF-8 --package-name=hangar \
   --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
   --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
   --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
   --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
   --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
   --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
   --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
   --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
   --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
   -f "$tmp/files" -o "$tmp/hangar.pot") 2> "$tmp/xgettext.log" || { cat "$tmp/xgettext.log"; exit 1; }
msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$tmp/hangar.pot"
stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$tmp/merged.po" 2>&1)
echo "po/$lang.po merged with the current sources: $stats"
case "$stats" in
  *untranslated*|*fuzzy*)
    echo "strings changed since po/$lang.po was updated (run tools/update-po.sh and translate):"
    msgattrib --untranslated "$tmp/merged.po" | grep '^msgid' | sed 's/^/  /' | head -40
    exit 1 ;;
esac

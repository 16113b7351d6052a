#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints, relative to the source root $1 (default: ..), every file that has
# strings for translators: C sources using _() N_() C_() NC_(), GtkBuilder
# files with translatable="yes", and the desktop/metainfo/schema/policy
# files in data/.  Used by check-potfiles.sh and tools/update-po.sh.
set -eu
cd "${1:-$(dirname "$0")/..}"
{
  grep -rlE --include='*.c' --include='*.h' '(^|[^A-Za-z0-9_])(N|C|NC)?_\(' src || true
  grep -rl --include='*.ui' 'translatable="yes"' src ui || true
  find data -maxdepth 1 -type f \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' \
    -o -name '*.gschema.xml' -o -name '*.policy' -o -name '*.policy.in' \) || true
} | LC_ALL=C sort -u

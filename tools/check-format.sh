#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks C files against the top-level .clang-format without changing them
# (clang-format --dry-run): prints each file clang-format would change and
# how many of its lines, then the total.  -v also shows the changes as a
# diff.  Exit status 0 when nothing would change, 1 otherwise, 2 on a bad
# call.  To apply the style: clang-format -i --style=file FILE...
# Usage: tools/check-format.sh [-v] FILE...   (no FILE: every tracked .c/.h)
# CLANG_FORMAT names the program (default: clang-format).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
style="$root/.clang-format"
cf=${CLANG_FORMAT:-clang-format}
verbose=false
if [ "${1:-}" = "-v" ]; then
  verbose=true
  shift
fi
if ! command -v "$cf" >/dev/null 2>&1; then
  echo "$cf is not installed (Debian: apt-get install clang-format)" >&2
  exit 2
fi
if [ $# -eq 0 ]; then
  cd "$root"
  # shellcheck disable=SC2046
  set -- $(git ls-files '*.c' '*.h')
fi
status=0
files=0
changed=0
total=0
for f in "$@"; do
  if [ ! -f "$f" ]; then
    echo "$f: no such file" >&2
    exit 2
  fi
  files=$((files + 1))
  if "$cf" --dry-run --Werror --style="file:$style" "$f" >/dev/null 2>&1; then
    continue
  fi
  status=1
  changed=$((changed + 1))
  n=$("$cf" --style="file:$style" "$f" | diff -U0 "$f" - | grep -c '^-[^-]' || true)
  total=$((total + n))
  echo "$f: $n lines would change"
  if $verbose; then
    "$cf" --style="file:$style" "$f" | diff -u "$f" - | sed '1,2d' || true
  fi
done
if [ $status = 0 ]; then
  echo "all $files files follow .clang-format"
else
  echo "$total lines in $changed of $files files would change (clang-format -i --style=file to apply)"
fi
exit $status

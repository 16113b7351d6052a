#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Test (suite data): every screenshot the metainfo names is in
# docs/screenshots/ of the repository, as a PNG.
# Usage: check-screenshots.sh SRCROOT METAINFO
set -eu
root=$1 metainfo=$2
prefix=https://raw.githubusercontent.com/hangarvm/hangar/main/
status=0 n=0
for url in $(sed -n 's|.*<image[^>]*>\([^<]*\)</image>.*|\1|p' "$metainfo"); do
  n=$((n + 1))
  case "$url" in
    "$prefix"docs/screenshots/*.png) ;;
    *) echo "$url: not a docs/screenshots/*.png of the repository"; status=1; continue ;;
  esac
  file="$root/${url#"$prefix"}"
  if [ ! -f "$file" ]; then
    echo "$url: ${url#"$prefix"} does not exist (take it under Xvfb, see docs/screenshots/README.md)"
    status=1
  elif [ "$(head -c 8 "$file" | od -An -c | tr -d ' ')" != '211PNG\r\n032\n' ]; then
    echo "${url#"$prefix"}: not a PNG file"
    status=1
  else
    echo "ok: ${url#"$prefix"}"
  fi
done
[ $n -gt 0 ] || { echo "$metainfo names no screenshots"; status=1; }
exit $status

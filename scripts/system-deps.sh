#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages the brief's output needs:
#   fonts-noto-cjk       Traditional Chinese glyphs (Noto Sans CJK TC) for the PDF and charts
#   libharfbuzz-subset0  fast font subsetting in WeasyPrint (without it a page of Chinese takes >10 s)
#   poppler-utils        pdftotext / pdftoppm, used by the tests to read the PDF as a reader would
#   libpango-1.0-0, libpangoft2-1.0-0, fontconfig   WeasyPrint's text layout
# With --test, also what only the tests need:
#   chromium             renders the e-mail HTML headless at 640 px
set -euo pipefail
PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fontconfig)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=(chromium)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; make sure these (or your system's equivalents) are installed:" >&2
  echo "  ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "system-deps: these Debian packages are missing: ${missing[*]}" >&2
echo "  install them with: sudo apt-get install ${missing[*]}" >&2
exit 1

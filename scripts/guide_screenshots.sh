#!/usr/bin/env bash
# Regenerate the screenshots of docs/user-guide.md: run the browser tests (Debian's Chromium),
# then copy the pictures the guide shows from their artifacts into docs/guide/.
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts="$(mktemp -d)"
trap 'rm -rf "$artifacts"' EXIT
ZHILI_TEST_ARTIFACTS="$artifacts" .venv/bin/pytest -p no:cacheprovider -q \
  zhili/web/tests/test_browser.py zhili/web/tests/test_shortcuts_browser.py zhili/web/tests/test_guide_screens.py \
  zhili/matters/tests/test_browser.py zhili/matters/tests/test_workbench_browser.py \
  zhili/matters/tests/test_search_page.py zhili/portal/tests/test_browser.py zhili/grid/tests/test_browser.py
mkdir -p docs/guide
missing=0
for name in $(grep -o 'guide/[a-z0-9-]*\.png' docs/user-guide.md | sort -u); do
  if [[ -f "$artifacts/screenshots/$(basename "$name")" ]]; then
    cp "$artifacts/screenshots/$(basename "$name")" "docs/$name"
  else
    echo "no screenshot for docs/$name" >&2; missing=1
  fi
done
exit $missing

#!/usr/bin/env bash
# Fetch the WebAssembly test suite (github.com/WebAssembly/testsuite) in the layout
# pyic's spec tests expect (the same as ../shared/wasm-testsuite):
#
#   DEST/wasm-2.0/*.wast            top level at OLD: the Wasm 2.0 core tests
#   DEST/wasm-3.0/*.wast            top level at NEW: the Wasm 3.0 core tests
#   DEST/legacy/*.wast              legacy exception handling, at NEW
#   DEST/custom/*.wast              custom-section annotations, at NEW
#   DEST/proposals/<name>/*.wast    proposals not in Wasm 3.0, at NEW
#   DEST/LICENSE                    the suite's license (Apache 2.0)
#
# Usage: tools/fetch_testsuite.sh [DEST]     (DEST defaults to ./wasm-testsuite)
# Then:  pyic spec DEST/wasm-2.0   or   python3 -m pytest spec_tests --testsuite=DEST
# Needs git and network access (PYIC_TESTSUITE_URL overrides the URL, e.g. a local mirror).
# An existing DEST is refreshed (its .wast files replaced).
set -euo pipefail

URL=${PYIC_TESTSUITE_URL:-https://github.com/WebAssembly/testsuite.git}
# OLD: whose top level is WebAssembly/spec tag wg-2.0 (148 files, incl. SIMD).
OLD=49b597799482e0f283a6c29d1752a7154c02a7ff
# NEW: "Auto-update for 2026-06-17 (#160)", after the Wasm 3.0 merge.
NEW=193e551ff22663995b1ac95dc62344133669e14b

dest=${1:-./wasm-testsuite}
if [ "$#" -gt 1 ] || [ "${dest#-}" != "$dest" ]; then
    echo "usage: $0 [DEST]" >&2
    exit 2
fi
command -v git >/dev/null || { echo "$0: git is needed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A blobless clone: history and trees only; checkout fetches the blobs of one commit.
# (A server without partial-clone support just sends everything.)
echo "cloning $URL ..." >&2
git clone --quiet --filter=blob:none --no-checkout "$URL" "$work/repo"
for commit in "$OLD" "$NEW"; do
    if ! git -C "$work/repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
        # Not on a branch any more: ask for the commit itself.
        git -C "$work/repo" fetch --quiet origin "$commit"
    fi
done

checkout() {
    git -C "$work/repo" -c advice.detachedHead=false checkout --quiet --force "$1"
}

# copy_wast FROM TO: the *.wast files directly inside FROM (not its subfolders).
copy_wast() {
    local from=$1 to=$2 file count=0
    mkdir -p "$to"
    rm -f "$to"/*.wast
    for file in "$from"/*.wast; do
        [ -e "$file" ] || continue
        cp "$file" "$to/"
        count=$((count + 1))
    done
    echo "  $to: $count files" >&2
}

mkdir -p "$dest"

echo "at $OLD (Wasm 2.0):" >&2
checkout "$OLD"
copy_wast "$work/repo" "$dest/wasm-2.0"

echo "at $NEW (Wasm 3.0 and more):" >&2
checkout "$NEW"
copy_wast "$work/repo" "$dest/wasm-3.0"
copy_wast "$work/repo/legacy" "$dest/legacy"
copy_wast "$work/repo/custom" "$dest/custom"
for proposal in "$work/repo"/proposals/*/; do
    [ -d "$proposal" ] || continue
    copy_wast "${proposal%/}" "$dest/proposals/$(basename "$proposal")"
done
cp "$work/repo/LICENSE" "$dest/LICENSE"

cat > "$dest/SOURCE.txt" <<NOTE
WebAssembly test suite scripts, fetched by pyic's tools/fetch_testsuite.sh from $URL
wasm-2.0/ : top-level *.wast at $OLD
wasm-3.0/ : top-level *.wast at $NEW
legacy/, custom/, proposals/*/ : at $NEW
License: Apache 2.0, see LICENSE.
NOTE

count=$(find "$dest" -name '*.wast' | wc -l)
echo "done: $count .wast files in $dest" >&2

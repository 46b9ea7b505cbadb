#!/usr/bin/env bash
# Builds the browser calculator into web/dist/ (`just web`; docs/web.md):
# the binding crate (web/binding, sdsl-web) compiled to wasm32-unknown-unknown,
# wasm-bindgen's `--target web` output in dist/pkg, wasm-opt -Oz when
# binaryen is installed, and the static page. Needs the wasm target
# (`rustup target add wasm32-unknown-unknown`) and wasm-bindgen-cli at the
# version of the wasm-bindgen crate in Cargo.lock. Prints the .wasm sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
    echo "wasm-bindgen-cli $want is needed (found: ${have:-none}): cargo install wasm-bindgen-cli --version $want" >&2
    exit 1
fi
cargo build --profile web -p sdsl-web --target wasm32-unknown-unknown
dist=web/dist
rm -rf "$dist"
mkdir -p "$dist/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$dist/pkg" \
    "$target_dir/wasm32-unknown-unknown/web/sdsl_web.wasm"
wasm="$dist/pkg/sdsl_web_bg.wasm"
before=$(stat -c %s "$wasm")
# Debian bookworm's binaryen (version 108) writes modules Chromium 148
# rejects (with --all-features: "invalid value type"; with Rust's feature
# list: a function-table TypeError at start-up), so an older wasm-opt is
# skipped; a newer one runs but was not tried here (docs/web.md).
opt_version=$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)
if [ -n "$opt_version" ] && [ "$opt_version" -ge 116 ] 2>/dev/null; then
    wasm-opt -Oz --all-features "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    echo "wasm-opt $opt_version -Oz: $before -> $(stat -c %s "$wasm") bytes"
else
    echo "wasm-opt ${opt_version:-not found}: skipped (binaryen < 116 breaks the module; see docs/web.md), the .wasm is cargo's profile.web output"
fi
cp web/index.html web/style.css web/app.js "$dist/"
touch "$dist/.nojekyll"
echo "$wasm: $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"

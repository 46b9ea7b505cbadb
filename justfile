# sdsl recipes; every recipe is a thin wrapper over cargo (install just with `pip install rust-just`).

# Run the tests (the README's test command; CI also runs the lab's).
test:
    cargo test --release

# The lab's tests (candle; no polars).
test-lab:
    cargo test --release -p sdsl-lab

# The Python package (py/): build it into target/py-venv with pip (maturin) and run its tests.
test-py:
    python3 -m venv target/py-venv
    target/py-venv/bin/pip install --quiet maturin pytest numpy pandas
    target/py-venv/bin/pip install --quiet ./py
    target/py-venv/bin/python -m pytest -q py/tests

# The library modules never name the command line; the library builds without default features.
layering:
    cargo test --release --test it layering
    cargo build --release --lib --no-default-features

# Format check and clippy with warnings as errors.
lint:
    cargo fmt --all -- --check
    cargo clippy --release --workspace --all-targets -- -D warnings

# Example: throughput-optimal draft for OPT-13B with OPT drafts.
predict target="OPT-13B" family="OPT":
    cargo run --release -- predict --target {{target}} --draft-family {{family}}

# N* for every registry target × draft family.
table:
    cargo run --release -- nstar table

# The N* linear law over the documented grid.
law:
    cargo run --release -- nstar law

# Benchmarks (criterion).
bench:
    cargo bench

# Regenerate reports/ from datasets/ (the main job).
refit:
    cargo run --release -- refit

# The lab: train the byte-level GPT ladder on tinyshakespeare, measure it and rewrite datasets/lab/
# (about half an hour on 2 cores); then `just refit` puts it into the report.
lab:
    cargo run --release -p sdsl-lab

# Every lab stage on a tiny ladder, written to target/lab-smoke (seconds).
lab-smoke:
    cargo run --release -p sdsl-lab -- --smoke

# The browser calculator (web/, docs/web.md): the binding compiled to wasm, wasm-bindgen's web output and
# the page in web/dist/ (needs the wasm32 target, wasm-bindgen-cli at Cargo.lock's version, binaryen for wasm-opt).
web:
    web/build.sh

# The browser calculator's tests: every number of the binding against the library (native), then the built
# page in the distribution's headless Chromium over the DevTools protocol (screenshot: target/web-test/).
web-test: web
    cargo test --release -p sdsl-web
    python3 web/tests/browser_test.py --dist web/dist --out target/web-test

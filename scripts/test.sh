#!/usr/bin/env bash
# scripts/test.sh — set the machine up, then run every test of the workspace:
# unit tests, the runtime's, and the integration tests under tests/ (which build C
# programs to wasm with clang-19, compile them with aotc and run them), then the
# runtime self-test (wasi-rt/selftest: the runtime driven by hand-written "generated" code).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo test --release --workspace "$@"
bash wasi-rt/selftest/run.sh

// Runs a WASI command module under Node's V8, the independent engine that produced
// tests/simd/*.out:  node --single-threaded-gc tests/simd/run_node.mjs file.wasm
// (the .wasm from `wat2wasm file.wat`). See tests/simd.rs.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";
import process from "node:process";

const wasi = new WASI({ version: "preview1", args: process.argv.slice(2), env: {} });
const module = await WebAssembly.compile(readFileSync(process.argv[2]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);

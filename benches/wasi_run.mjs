// Minimal node:wasi runner for the benchmarks: node --single-threaded-gc wasi_run.mjs prog.wasm [args]
// Preopens the working directory as "." (read-write), the same grant fileio gets from aotc
// (--allow-dir .:rw) and wasmtime (--dir .). No environment variables are passed.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...rest] = process.argv.slice(2);
if (!file) { console.error('usage: wasi_run.mjs prog.wasm [args]'); process.exit(2); }
const wasi = new WASI({ version: 'preview1', args: [file, ...rest], env: {}, preopens: { '.': '.' }, returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(file));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);

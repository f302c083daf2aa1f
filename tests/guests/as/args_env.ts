// Differential guest: command-line arguments and environment, read both through the raw
// args_*/environ_* calls and through the WASI shim's process.argv/process.env, then the exit
// status: `exit N` as the first two arguments ends with proc_exit(N) (process.exit), and
// `trap` ends with an AssemblyScript abort (unreachable after a message on stderr).

import {
  say, sayErr, ename, OUT, w_args_sizes_get, w_args_get, w_environ_sizes_get, w_environ_get,
} from "./lib/wasi";

const BUF: usize = memory.data(4096, 16);
const PTRS: usize = memory.data(1024, 16);

// Raw argv: sizes, then each argument with its byte length.
let e = w_args_sizes_get(OUT, OUT + 4);
const argc = load<u32>(OUT);
const argBytes = load<u32>(OUT, 4);
say("args_sizes_get: " + ename(e) + " argc=" + argc.toString() + " bytes=" + argBytes.toString());
e = w_args_get(PTRS, BUF);
say("args_get: " + ename(e));
let total: u32 = 0;
for (let i: u32 = 0; i < argc; i++) {
  const p = load<usize>(PTRS + i * 4);
  let n: usize = 0;
  while (load<u8>(p + n) != 0) n++;
  total += <u32>n + 1;
  say("argv[" + i.toString() + "] = \"" + String.UTF8.decodeUnsafe(p, n) + "\" (" + n.toString() + " bytes)");
}
say("arg bytes add up: " + (total == argBytes ? "yes" : "no"));

// Raw environ: sorted "K=V" entries.
e = w_environ_sizes_get(OUT, OUT + 4);
const envc = load<u32>(OUT);
const envBytes = load<u32>(OUT, 4);
say("environ_sizes_get: " + ename(e) + " count=" + envc.toString() + " bytes=" + envBytes.toString());
e = w_environ_get(PTRS, BUF);
say("environ_get: " + ename(e));
const vars = new Array<string>();
for (let i: u32 = 0; i < envc; i++) {
  const p = load<usize>(PTRS + i * 4);
  let n: usize = 0;
  while (load<u8>(p + n) != 0) n++;
  vars.push(String.UTF8.decodeUnsafe(p, n));
}
vars.sort((a: string, b: string): i32 => a < b ? -1 : (a > b ? 1 : 0));
for (let i = 0; i < vars.length; i++) say("env: " + vars[i]);

// The shim's view.
say("process.argv.length = " + process.argv.length.toString());
say("process.argv[1..] = " + process.argv.slice(1).join("|"));
const keys = process.env.keys();
keys.sort((a: string, b: string): i32 => a < b ? -1 : (a > b ? 1 : 0));
for (let i = 0; i < keys.length; i++) say("process.env[" + keys[i] + "] = " + process.env.get(keys[i]));
say("has GREETING: " + (process.env.has("GREETING") ? "yes" : "no"));

const argv = process.argv;
if (argv.length >= 3 && argv[1] == "exit") {
  const code = I32.parseInt(argv[2]);
  sayErr("exiting with " + code.toString());
  process.exit(code);
  say("not reached");
}
if (argv.length >= 2 && argv[1] == "trap") {
  sayErr("about to abort");
  assert(false, "deliberate assertion");
}
say("done");

//! The help texts of the `aotc` command line (what `--help` prints around the
//! options): descriptions, examples and exit statuses of the compiler and of each
//! subcommand. Kept apart from the option definitions in `cli.rs`; the tests there
//! check that they teach what they must (`help_teaches`).

pub(super) const ABOUT: &str = "Compile a WebAssembly module (wasm32, WASI preview1) into one standalone Linux x86-64 executable";

pub(super) const LONG_ABOUT: &str = "\
Compile a WebAssembly module (wasm32, WASI preview1) into one standalone Linux x86-64 executable.

The module is validated, translated to LLVM IR, optimised and linked with aotc's runtime. \
What the executable may touch is decided now, at compile time, and embedded in it: \
by default it sees no directory, no environment variable and no socket. Grant access with \
--allow-dir, --env, --allow-env, --listen or a --manifest file. Arguments given to the \
executable are passed to the module untouched.

A WASI command runs its `_start`. A reactor (a module exporting `_initialize` and functions, \
no `_start`) needs an entry: --invoke NAME calls one export and prints its results (the \
executable's arguments are its parameters when it has some; when it has none, the module \
reads them with WASI args_get, as under `wasmtime run --invoke`); --invoke-main NAME calls \
an export like C's main(argc, argv).";

pub(super) const EXAMPLES: &str = "\
Examples:
  aotc hello.wasm                          Compile to ./hello
  aotc tool.wat -o tool --allow-dir data   Text input; `data` readable (read-only)
  aotc app.wasm --allow-dir out::/out:rw   Host `out` seen by the module as `/out`, writable
  aotc app.wasm --manifest caps.toml -O3   Capabilities from a file, more optimisation
  aotc kernel.wasm --emit llvm-ir -o -     Print the optimised LLVM IR
  aotc lib.wasm --invoke add -o add        A reactor: `./add 2 3` calls add(2, 3), prints 5
  aotc lib.wasm --invoke run -o tool       `./tool a b`: run() takes no parameters, so it
                                           reads argv [./tool, a, b] with args_get
  aotc qjs.wasm --invoke-main qjs_init_argv -o qjs
                                           `./qjs -e 'print(6*7)'`: argv for a C-style main
  aotc inspect ./tool                      Show what ./tool may access
  aotc run tool.wasm --allow-dir data -- data/in.txt
                                           Run through the JIT, same sandbox, no executable
  aotc bench tool.wasm -- input.txt        Time aotc against aotc's JIT, wasmtime and node";

pub(super) const LONG_EXAMPLES: &str = "\
Examples:
  Compile to ./hello (the input's name without extension):
      aotc hello.wasm

  Give read-only access to ./data and read-write access to ./out, seen by the module as /out:
      aotc tool.wasm -o tool --allow-dir data:ro --allow-dir out::/out:rw

  Bake a variable in, pass the host's HOME through, and allow listening on a port:
      aotc server.wasm --env LANG=C --allow-env HOME --listen 127.0.0.1:8080

  Take the capabilities from a file (flags add to it):
      aotc app.wasm --manifest caps.toml

      # caps.toml
      dirs = [\"data:ro\", \"out::/out:rw\"]
      allow_env = [\"HOME\"]
      listen = [\"127.0.0.1:8080\"]
      [env]
      LANG = \"C\"

  Tune for this machine, maximum optimisation, no symbols:
      aotc app.wasm -O3 --target-cpu native -s

  Look at the generated code:
      aotc app.wasm --emit llvm-ir -o -
      aotc app.wasm --emit asm             # writes app.s

  A reactor (exports `_initialize` and functions instead of `_start`): call one export.
  `_initialize` runs first and each result is printed on its own line. If the export has
  parameters, the executable's arguments are the parameters, exactly as many (integers in
  decimal or 0x hex, floats as 1.5, -2e-3, inf, nan or nan:0x…, v128 as 0x + 32 hex
  digits):
      aotc lib.wasm --invoke add -o add && ./add 2 3
  If it has none, the arguments are not parsed or counted: the module reads them through
  WASI args_get (argv[0] = the program), as `wasmtime run --invoke` hands them over:
      aotc lib.wasm --invoke run -o tool && ./tool input.txt -v
  Repeat --invoke to call several exports in order on the same instance (the arguments
  are then all their parameters, in that order): `./steps 2 3` calls setup(), add(2, 3):
      aotc lib.wasm --invoke setup --invoke add -o steps

  Call an export like C's main(argc, argv): the arguments (argv[0] = the program) are
  copied into the module's memory with its exported malloc; the result is the exit status.
  QuickJS-NG's reactor becomes a qjs command:
      aotc qjs-wasi-reactor.wasm --invoke-main qjs_init_argv -o qjs
      ./qjs -e 'console.log([1, 2, 3].map(x => x * 2).join(\",\"))'

  Show what an executable may access and how it was built:
      aotc inspect ./app

  Run a module directly (JIT-compiled in memory; same grants, traps and exit status as
  the executable; arguments for the module after `--`):
      aotc run app.wasm --allow-dir data -- data/input.txt

  Compare the executable with aotc's JIT and the runtimes on PATH (wasmtime, node):
      aotc bench app.wasm --allow-dir data --runs 10 -- data/input.txt

Exit status of aotc: 0 success, 1 error (one `aotc: error:` line), 2 usage error.
Exit status of a built executable: the module's proc_exit code; 134 after `wasm trap: <message>`
on a trap; 125 when the runtime cannot start; with --invoke, 0 after the results and 2 for \
arguments that do not fit the function's parameters (one `<program>: error:` line); with --invoke-main, \
the function's result.";

pub(super) const INSPECT_EXAMPLES: &str = "\
Examples:
  aotc inspect ./tool
  aotc inspect --json ./tool | jq .dirs";

pub(super) const RUN_ABOUT: &str =
    "Run a WASI module now, JIT-compiled in memory, in aotc's sandbox";

pub(super) const RUN_LONG_ABOUT: &str = "\
Run a WASI module now, JIT-compiled in memory, in aotc's sandbox.

The module goes through the same translation as `aotc MODULE` and runs on the same runtime \
as the executable would: the same capability flags (nothing is granted by default), the same \
WASI functions, the same trap report (`wasm trap: <message>`, the function, a backtrace) and \
exit status. Nothing is written to disk. Arguments for the module come after `--`; the module \
sees its file name as argv[0]. --invoke NAME and --invoke-main NAME call an export instead of \
`_start`, as in a compiled executable (the arguments after `--` are then the function's \
parameters, or, when it has none, the argv it reads with args_get).";

pub(super) const RUN_EXAMPLES: &str = "\
Examples:
  aotc run hello.wasm
  aotc run tool.wasm --allow-dir data -- data/input.txt -n 3
  aotc run app.wat --env LANG=C --allow-env HOME -O3
  aotc run server.wasm --listen 127.0.0.1:8080
  aotc run lib.wasm --invoke add -- 2 3
  aotc run qjs-wasi-reactor.wasm --invoke-main qjs_init_argv -- -e 'print(6*7)'

Exit status: the module's (proc_exit code, 0 when _start returns); 134 after a trap; 125 when \
the runtime cannot start (say, a granted directory is missing); 1 for an aotc error (invalid \
module, bad flag value, not a command and no --invoke); 2 for a usage error (also arguments \
that do not fit an --invoke function).";

pub(super) const BENCH_ABOUT: &str =
    "Time a module as an aotc executable, through aotc's JIT, and on the JIT runtimes on PATH";

pub(super) const BENCH_LONG_ABOUT: &str = "\
Time a module as an aotc executable, through aotc's JIT (`aotc run`), and on the JIT runtimes \
found on PATH (wasmtime, node), with the same arguments and grants.

aotc compiles the module into a temporary directory, then runs each runtime --runs times and \
reports: its compile time (aotc: the compilation; aotc-jit: translation and JIT before the \
module starts, from `aotc run -v`; wasmtime: `wasmtime compile`), its start-up (median run of \
a built-in empty command module with the same grants: the fixed cost of any run), the median and minimum wall time \
of a run of your module, the peak resident memory, and whether the exit status and standard \
output match the aotc executable's (a mismatch is shown in the table). Runs get standard \
input from --stdin (default: empty) and their output is compared, not shown.

Grants are mapped for the other runtimes: directories to wasmtime's --dir HOST::GUEST and \
node:wasi preopens, variables to --env and node:wasi's env. Neither has read-only directories, \
so they get a fresh copy of each read-only directory (your files stay untouched; a module that \
writes there shows up as a mismatch). --listen has no equivalent and is refused. Runs are \
timed by a small probe program built with the C compiler aotc links with.";

pub(super) const BENCH_EXAMPLES: &str = "\
Examples:
  aotc bench fib.wasm -- 30
  aotc bench wc.wasm --allow-dir data --stdin data/big.txt --runs 10
  aotc bench app.wasm --json --runs 3 > results.json
  aotc bench app.wasm --wasmtime ~/.wasmtime/bin/wasmtime --node /usr/bin/node";

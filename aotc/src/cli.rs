//! The command line of `aotc` (clap derive): `aotc [OPTIONS] <INPUT>` compiles,
//! `aotc inspect <BINARY>` reads a built executable's manifest back, `aotc run` runs a
//! module through the JIT and `aotc bench` compares aotc with JIT runtimes.
//!
//! Invariants: clap checks only the *shape* of the command line (known flags, values
//! present, `-O` in 0..=3, `--emit` kind); usage errors keep clap's format and exit
//! status 2. The *meaning* of capability values (`--allow-dir`, `--env`, …) and of
//! `--target-cpu` is checked by the driver, which reports one `aotc: error:` line and
//! exits 1. Nothing here touches the file system.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bench::BenchRequest;
use crate::driver::CompileRequest;
use crate::manifest::CapabilityFlags;
use crate::run::RunRequest;
use crate::target::DEFAULT_CPU;
use crate::translate::Entry;

mod help;

use help::*;

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(
    name = "aotc",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = LONG_EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub compile: CompileArgs,
}

/// Subcommands; without one, aotc compiles.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the capabilities and build facts embedded in an executable built by aotc
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(InspectArgs),

    #[command(about = RUN_ABOUT, long_about = RUN_LONG_ABOUT, after_help = RUN_EXAMPLES)]
    Run(RunArgs),

    // No network grants: no other runtime has them in the same form (BenchRequest
    // refuses them anyway).
    #[command(
        about = BENCH_ABOUT,
        long_about = BENCH_LONG_ABOUT,
        after_help = BENCH_EXAMPLES,
        mut_arg("listen", |a| a.hide(true)),
        mut_arg("connect", |a| a.hide(true)),
        mut_arg("bind", |a| a.hide(true)),
        mut_arg("resolve", |a| a.hide(true))
    )]
    Bench(BenchArgs),
}

/// Code generation options shared by `aotc run` and `aotc bench` (the same flags as a
/// compilation's; `tests::shared_flags_match_compile_flags` keeps their help equal).
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Optimisation level: -O0 (fastest compile) to -O3
    #[arg(
        short = 'O',
        value_name = "LEVEL",
        default_value_t = 2,
        value_parser = clap::value_parser!(u8).range(0..=3)
    )]
    pub opt_level: u8,

    /// CPU to generate code for: `native` (this machine) or an LLVM x86-64 CPU name
    /// such as x86-64-v3, skylake, znver3. The default runs on every x86-64 server
    /// since 2009 (SSE4.2, POPCNT)
    #[arg(long, value_name = "CPU", default_value = DEFAULT_CPU)]
    pub target_cpu: String,

    /// Exact out-of-bounds trap semantics for loads: keep every memory load, even one
    /// whose value is unused (by default the optimiser may delete such a load, and with
    /// it a trap the program would otherwise hit). Costs some optimisation
    #[arg(long)]
    pub strict_traps: bool,
}

/// Capability flags of a compilation, `aotc run` and `aotc bench`.
#[derive(Debug, Args)]
pub struct CapabilityArgs {
    /// Grant a host directory. Mode `:ro` (default) or `:rw`; GUEST (default: HOST
    /// as written) is the name the module sees. A relative HOST is resolved against the
    /// working directory when the executable runs. Repeatable
    #[arg(
        long = "allow-dir",
        value_name = "HOST[::GUEST][:ro|:rw]",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub allow_dir: Vec<String>,

    /// Set an environment variable in the module (the value is baked in). Repeatable
    #[arg(
        long = "env",
        value_name = "KEY=VALUE",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub env: Vec<String>,

    /// Pass the host's variable NAME through when it is set at run time. Repeatable
    #[arg(
        long = "allow-env",
        value_name = "NAME",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub allow_env: Vec<String>,

    /// Let the module listen on a TCP address (preopened socket). Repeatable
    #[arg(
        long,
        value_name = "IP:PORT",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub listen: Vec<String>,

    /// Let the module connect or send to HOST:PORT (WasmEdge socket calls). HOST: an
    /// IP, a CIDR range (`10.0.0.0/8`, `[fd00::]/8`), a DNS name (reached through the
    /// addresses the runtime resolved it to), `*.name` or `*`; PORT: a number,
    /// `first-last` or `*`. Repeatable
    #[arg(
        long,
        value_name = "HOST:PORT",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub connect: Vec<String>,

    /// Let the module bind its own sockets (TCP listeners, UDP) to IP:PORT; IP may be
    /// a CIDR range or `*`, PORT a range or `*` (port 0 lets the kernel pick).
    /// Repeatable
    #[arg(
        long,
        value_name = "IP:PORT",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub bind: Vec<String>,

    /// Let the module look up NAME (or `*.name`) without connecting to it; names in
    /// --connect may be looked up already. Repeatable
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub resolve: Vec<String>,

    /// Most threads the module may run at once through wasi-threads (`wasi`
    /// `thread-spawn`, as `wasm32-wasip1-threads` programs use for pthreads), besides
    /// the main thread; beyond it a spawn fails (pthread_create: EAGAIN). 0 forbids
    /// threads [default: 64]
    #[arg(
        long = "max-threads",
        value_name = "N",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub max_threads: Option<u32>,

    /// Read capabilities from a TOML file (keys: dirs, allow_env, listen, connect,
    /// bind, resolve, max_threads, [env]);
    /// the flags above add to it
    #[arg(
        long,
        value_name = "caps.toml",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub manifest: Option<PathBuf>,
}

impl CapabilityArgs {
    fn flags(&self) -> CapabilityFlags {
        CapabilityFlags {
            allow_dir: self.allow_dir.clone(),
            env: self.env.clone(),
            allow_env: self.allow_env.clone(),
            listen: self.listen.clone(),
            connect: self.connect.clone(),
            bind: self.bind.clone(),
            resolve: self.resolve.clone(),
            max_threads: self.max_threads,
        }
    }
}

/// What the executable calls (shared by a compilation and `aotc run`).
#[derive(Debug, Args)]
pub struct EntryArgs {
    /// Call the exported function NAME instead of `_start` (after `_initialize`, if the
    /// module exports it; for reactors); its results are printed one per line. If NAME
    /// has parameters, the executable's arguments are those parameters, exactly as many
    /// (integers in decimal or 0x hex; floats as 1.5, -2e-3, inf, nan; otherwise one
    /// error line, exit 2). If NAME has none, the arguments are not parsed: the module
    /// reads them with WASI args_get, as under `wasmtime run --invoke`. Repeatable:
    /// `--invoke a --invoke b` calls a, then b, on the same instance (the arguments are
    /// then all their parameters, in order)
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "invoke_main",
        action = clap::ArgAction::Append,
        help_heading = "Entry (default: the command's _start)"
    )]
    pub invoke: Vec<String>,

    /// Call the exported function NAME(argc, argv) like C's main instead of `_start`
    /// (after `_initialize`, if exported): the executable's arguments, `argv[0]` included,
    /// are copied into the module's memory with its exported `malloc`; NAME's result is
    /// the exit status. NAME must have type (i32, i32) -> i32
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Entry (default: the command's _start)"
    )]
    pub invoke_main: Option<String>,
}

impl EntryArgs {
    /// The entry these flags select.
    pub fn entry(&self) -> Entry {
        match (self.invoke.is_empty(), &self.invoke_main) {
            (false, _) => Entry::Invoke(self.invoke.clone()),
            (true, Some(name)) => Entry::InvokeMain(name.clone()),
            (true, None) => Entry::Start,
        }
    }
}

/// `aotc run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The command module to run: a .wasm binary or WebAssembly text (.wat)
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,

    #[command(flatten)]
    pub codegen: CodegenArgs,

    #[command(flatten)]
    pub entry: EntryArgs,

    /// Print the time of each phase (translation, JIT) on stderr before the module starts
    #[arg(short, long)]
    pub verbose: bool,

    #[command(flatten)]
    pub caps: CapabilityArgs,

    /// Arguments for the module (after `--`); it sees its file name as `argv[0]`
    #[arg(last = true, value_name = "ARGS", value_parser = clap::value_parser!(OsString))]
    pub args: Vec<OsString>,
}

impl RunArgs {
    /// The runner's view of these arguments.
    pub fn into_request(self) -> RunRequest {
        RunRequest {
            input: self.module,
            opt_level: self.codegen.opt_level,
            target_cpu: self.codegen.target_cpu,
            manifest_file: self.caps.manifest.clone(),
            caps: self.caps.flags(),
            strict_traps: self.codegen.strict_traps,
            verbose: self.verbose,
            entry: self.entry.entry(),
            args: self.args,
        }
    }
}

/// `aotc bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The command module to measure: a .wasm binary or WebAssembly text (.wat; other
    /// runtimes get the binary aotc reads from it)
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,

    /// Runs of the module (and of the empty module) per runtime
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub runs: u32,

    /// Print the results as JSON instead of a table
    #[arg(long)]
    pub json: bool,

    /// Standard input of every run (default: empty)
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,

    /// The wasmtime to run [default: `wasmtime` on PATH, if any]
    #[arg(long, value_name = "PATH")]
    pub wasmtime: Option<PathBuf>,

    /// The node to run [default: `node` on PATH, if any]
    #[arg(long, value_name = "PATH")]
    pub node: Option<PathBuf>,

    #[command(flatten)]
    pub codegen: CodegenArgs,

    #[command(flatten)]
    pub caps: CapabilityArgs,

    /// Arguments for the module (after `--`), the same for every runtime
    #[arg(last = true, value_name = "ARGS", value_parser = clap::value_parser!(OsString))]
    pub args: Vec<OsString>,
}

impl BenchArgs {
    /// The benchmark's view of these arguments.
    pub fn into_request(self) -> BenchRequest {
        BenchRequest {
            input: self.module,
            runs: self.runs,
            json: self.json,
            stdin: self.stdin,
            wasmtime: self.wasmtime,
            node: self.node,
            opt_level: self.codegen.opt_level,
            target_cpu: self.codegen.target_cpu,
            strict_traps: self.codegen.strict_traps,
            manifest_file: self.caps.manifest.clone(),
            caps: self.caps.flags(),
            args: self.args,
        }
    }
}

/// `aotc inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// An executable produced by aotc
    #[arg(value_name = "BINARY")]
    pub binary: PathBuf,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// What `aotc` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitKind {
    /// A linked, standalone executable
    Exe,
    /// An ELF object file, not linked (default name INPUT.o)
    Obj,
    /// Optimised LLVM IR as text (default name INPUT.ll)
    LlvmIr,
    /// Assembly (default name INPUT.s)
    Asm,
}

impl EmitKind {
    /// Extension of the default output name (none for executables).
    pub fn extension(self) -> &'static str {
        match self {
            EmitKind::Exe => "",
            EmitKind::Obj => "o",
            EmitKind::LlvmIr => "ll",
            EmitKind::Asm => "s",
        }
    }

    /// Whether the manifest is linked in as an object of its own (executables and
    /// objects) rather than embedded in the compiled code (one IR or assembly text).
    pub fn links_manifest(self) -> bool {
        matches!(self, EmitKind::Exe | EmitKind::Obj)
    }
}

/// Options of a compilation.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The module to compile: a .wasm binary or WebAssembly text (.wat), recognised by content
    #[arg(value_name = "INPUT", required = true)]
    pub input: Option<PathBuf>,

    /// Write the output to PATH [default: the input's name without extension, in the
    /// current directory; `-` writes obj/llvm-ir/asm to stdout]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Optimisation level: -O0 (fastest compile) to -O3
    #[arg(
        short = 'O',
        value_name = "LEVEL",
        default_value_t = 2,
        value_parser = clap::value_parser!(u8).range(0..=3)
    )]
    pub opt_level: u8,

    /// What to produce
    #[arg(long, value_enum, value_name = "KIND", default_value_t = EmitKind::Exe)]
    pub emit: EmitKind,

    /// CPU to generate code for: `native` (this machine) or an LLVM x86-64 CPU name
    /// such as x86-64-v3, skylake, znver3. The default runs on every x86-64 server
    /// since 2009 (SSE4.2, POPCNT)
    #[arg(long, value_name = "CPU", default_value = DEFAULT_CPU)]
    pub target_cpu: String,

    /// Strip symbols from the executable (by default functions keep their wasm names
    /// for perf, gdb and trap backtraces)
    #[arg(short, long)]
    pub strip: bool,

    /// Print each phase's time and the link command
    #[arg(short, long)]
    pub verbose: bool,

    /// Exact out-of-bounds trap semantics for loads: keep every memory load, even one
    /// whose value is unused (by default the optimiser may delete such a load, and with
    /// it a trap the program would otherwise hit). Costs some optimisation
    #[arg(long)]
    pub strict_traps: bool,

    /// Compile on N threads [default: the number of available cores]. A module with
    /// 1 MiB of code or more is then split into partitions compiled in parallel;
    /// -j1 compiles one module on one thread (whole-module optimisation). The output
    /// is the same for every N > 1
    #[arg(
        short = 'j',
        long = "jobs",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=1024)
    )]
    pub jobs: Option<u32>,

    /// Do not read or write the compile cache ($AOTC_CACHE_DIR, else
    /// $XDG_CACHE_HOME/aotc, else ~/.cache/aotc)
    #[arg(long)]
    pub no_cache: bool,

    /// Split into exactly N partitions whatever the module's size (for testing the
    /// split code path on small modules)
    #[arg(
        long,
        value_name = "N",
        hide = true,
        value_parser = clap::value_parser!(u32).range(1..=4096)
    )]
    pub partitions: Option<u32>,

    /// Compile FILE (.wasm or .wat) into the executable too and bind the module's
    /// imports from module NAME to FILE's exported functions, as `wasmtime run --preload`
    /// does. Repeatable; providers are instantiated first, in order, and may import
    /// WASI and earlier providers. Example: `aotc app.wasm --preload host=host.wasm`
    #[arg(long, value_name = "NAME=FILE", value_parser = crate::preload::parse_flag)]
    pub preload: Vec<crate::preload::PreloadFlag>,

    #[command(flatten)]
    pub caps: CapabilityArgs,

    #[command(flatten)]
    pub entry: EntryArgs,
}

impl CompileArgs {
    /// The driver's view of these arguments. `None` when clap was bypassed and no input
    /// was given (clap itself requires it).
    pub fn into_request(self) -> Option<CompileRequest> {
        Some(CompileRequest {
            input: self.input?,
            output: self.output,
            opt_level: self.opt_level,
            emit: self.emit,
            entry: self.entry.entry(),
            target_cpu: self.target_cpu,
            caps: self.caps.flags(),
            manifest_file: self.caps.manifest,
            strip: self.strip,
            verbose: self.verbose,
            strict_traps: self.strict_traps,
            jobs: self.jobs,
            partitions: self.partitions,
            no_cache: self.no_cache,
            preloads: self.preload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("aotc").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&["m.wasm"]).unwrap();
        assert!(cli.command.is_none());
        let a = cli.compile;
        assert_eq!(a.input, Some(PathBuf::from("m.wasm")));
        assert_eq!(a.opt_level, 2);
        assert_eq!(a.emit, EmitKind::Exe);
        assert_eq!(a.target_cpu, "x86-64-v2");
        assert!(!a.strip && !a.verbose && a.output.is_none() && a.caps.manifest.is_none());
    }

    #[test]
    fn opt_level_forms() {
        for (args, want) in [
            (&["-O0", "m"][..], 0),
            (&["-O1", "m"][..], 1),
            (&["-O3", "m"][..], 3),
            (&["-O", "2", "m"][..], 2),
            (&["m", "-O=1"][..], 1),
        ] {
            assert_eq!(parse(args).unwrap().compile.opt_level, want, "{args:?}");
        }
        for bad in [&["-O4", "m"][..], &["-Ox", "m"][..], &["-O", "-1", "m"][..]] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn emit_and_capabilities() {
        let cli = parse(&[
            "m.wat",
            "--emit",
            "llvm-ir",
            "-o",
            "-",
            "--allow-dir",
            "a",
            "--allow-dir",
            "b::c:rw",
            "--env",
            "K=V",
            "--allow-env",
            "HOME",
            "--listen",
            "127.0.0.1:1",
            "-s",
            "-v",
            "--target-cpu",
            "native",
            "--manifest",
            "caps.toml",
        ])
        .unwrap();
        let req = cli.compile.into_request().unwrap();
        assert_eq!(req.emit, EmitKind::LlvmIr);
        assert_eq!(req.output, Some(PathBuf::from("-")));
        assert_eq!(req.caps.allow_dir, ["a", "b::c:rw"]);
        assert_eq!(req.caps.env, ["K=V"]);
        assert_eq!(req.caps.allow_env, ["HOME"]);
        assert_eq!(req.caps.listen, ["127.0.0.1:1"]);
        assert_eq!(req.manifest_file, Some(PathBuf::from("caps.toml")));
        assert!(req.strip && req.verbose);
        assert_eq!(req.target_cpu, "native");
        assert!(parse(&["m", "--emit", "wasm"]).is_err());
    }

    #[test]
    fn jobs_cache_and_partitions() {
        let a = parse(&["m"]).unwrap().compile;
        assert_eq!((a.jobs, a.partitions, a.no_cache), (None, None, false));
        for (args, want) in [
            (&["-j4", "m"][..], 4),
            (&["-j", "1", "m"][..], 1),
            (&["--jobs", "2", "m"][..], 2),
            (&["m", "--jobs=3"][..], 3),
        ] {
            assert_eq!(parse(args).unwrap().compile.jobs, Some(want), "{args:?}");
        }
        for bad in [
            &["-j0", "m"][..],
            &["-j", "m"][..],
            &["--jobs", "x", "m"][..],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
        let req = parse(&["m", "--no-cache", "--partitions", "5"])
            .unwrap()
            .compile
            .into_request()
            .unwrap();
        assert!(req.no_cache);
        assert_eq!(req.partitions, Some(5));
        assert!(parse(&["m", "--partitions", "0"]).is_err());
        // --partitions is for tests: not in the help.
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("--jobs") && help.contains("--no-cache"));
        assert!(!help.contains("--partitions"));
    }

    #[test]
    fn inspect_subcommand() {
        let cli = parse(&["inspect", "--json", "./tool"]).unwrap();
        match cli.command {
            Some(Command::Inspect(a)) => {
                assert!(a.json);
                assert_eq!(a.binary, PathBuf::from("./tool"));
            }
            other => panic!("not inspect: {other:?}"),
        }
        assert!(parse(&["inspect"]).is_err());
    }

    #[test]
    fn run_subcommand() {
        let cli = parse(&[
            "run",
            "m.wasm",
            "-O0",
            "--allow-dir",
            "data",
            "--env",
            "K=V",
            "--manifest",
            "caps.toml",
            "-v",
            "--",
            "--allow-dir",
            "x",
        ])
        .unwrap();
        let Some(Command::Run(a)) = cli.command else {
            panic!("not run")
        };
        let req = a.into_request();
        assert_eq!(req.input, PathBuf::from("m.wasm"));
        assert_eq!(req.opt_level, 0);
        assert_eq!(req.target_cpu, "x86-64-v2");
        assert_eq!(req.caps.allow_dir, ["data"]);
        assert_eq!(req.caps.env, ["K=V"]);
        assert_eq!(req.manifest_file, Some(PathBuf::from("caps.toml")));
        assert!(req.verbose && !req.strict_traps);
        // After `--`, everything is the module's, flags included.
        assert_eq!(req.args, [OsString::from("--allow-dir"), "x".into()]);
        assert_eq!(req.entry, Entry::Start);
        // Module arguments need the `--`, so none is mistaken for an aotc flag.
        assert_eq!(parse(&["run", "m.wasm", "arg"]).unwrap_err().exit_code(), 2);
        let cli = parse(&["run", "m.wasm", "--invoke", "add", "--", "-1", "2"]).unwrap();
        let Some(Command::Run(a)) = cli.command else {
            panic!("not run")
        };
        let req = a.into_request();
        assert_eq!(req.entry, Entry::Invoke(vec!["add".into()]));
        assert_eq!(req.args, [OsString::from("-1"), "2".into()]);
        assert_eq!(parse(&["run"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn bench_subcommand() {
        let cli = parse(&[
            "bench", "m.wat", "--runs", "3", "--json", "--stdin", "in.txt", "--", "a",
        ])
        .unwrap();
        let Some(Command::Bench(a)) = cli.command else {
            panic!("not bench")
        };
        let req = a.into_request();
        assert_eq!((req.runs, req.json), (3, true));
        assert_eq!(req.stdin, Some(PathBuf::from("in.txt")));
        assert_eq!(req.args, [OsString::from("a")]);
        assert!(req.wasmtime.is_none() && req.node.is_none());
        let defaults = parse(&["bench", "m.wasm"]).unwrap();
        let Some(Command::Bench(a)) = defaults.command else {
            panic!("not bench")
        };
        assert_eq!(a.runs, 5);
        for bad in [
            &["bench", "m", "--runs", "0"][..],
            &["bench", "m", "--runs", "x"][..],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn entry_flags() {
        let entry = |args: &[&str]| parse(args).unwrap().compile.into_request().unwrap().entry;
        assert_eq!(entry(&["m.wasm"]), Entry::Start);
        assert_eq!(
            entry(&["m.wasm", "--invoke", "add"]),
            Entry::Invoke(vec!["add".into()])
        );
        // Repeated: called in order.
        assert_eq!(
            entry(&["m.wasm", "--invoke", "b", "--invoke", "a", "--invoke", "b"]),
            Entry::Invoke(vec!["b".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            entry(&["--invoke-main", "qjs_init_argv", "m.wasm"]),
            Entry::InvokeMain("qjs_init_argv".into())
        );
        for bad in [
            &["m", "--invoke", "a", "--invoke-main", "b"][..],
            &["m", "--invoke"][..],
            &["m", "--invoke", "a", "--invoke"][..],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    /// `aotc run`/`aotc bench` take the compiler's code generation and capability
    /// flags with the very same help (the code generation flags are a separate struct
    /// only so the compile command's layout stays as it is; the capability flags are
    /// one struct for all three).
    #[test]
    fn shared_flags_match_compile_flags() {
        let root = Cli::command();
        let help_of = |cmd: &clap::Command, id: &str| {
            cmd.get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("{} has no {id}", cmd.get_name()))
                .get_help()
                .map(|h| h.to_string())
        };
        let run = root.find_subcommand("run").unwrap();
        for id in ["invoke", "invoke_main"] {
            assert_eq!(help_of(run, id), help_of(&root, id), "run {id}");
        }
        for sub in ["run", "bench"] {
            let cmd = root.find_subcommand(sub).unwrap();
            for id in [
                "opt_level",
                "target_cpu",
                "strict_traps",
                "allow_dir",
                "env",
                "allow_env",
                "listen",
                "connect",
                "bind",
                "resolve",
                "max_threads",
                "manifest",
            ] {
                assert_eq!(help_of(cmd, id), help_of(&root, id), "{sub} {id}");
            }
        }
    }

    #[test]
    fn usage_errors_exit_2() {
        for bad in [
            &[][..],
            &["--bogus", "m"][..],
            &["m", "-o"][..],
            &["a", "b"][..],
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn help_teaches() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "Examples:",
            "--allow-dir",
            "caps.toml",
            "aotc inspect",
            "aotc run",
            "aotc bench",
            "-O <LEVEL>",
            "Exit status",
            "--invoke <NAME>",
            "--invoke-main <NAME>",
            "reactor",
            "qjs_init_argv",
            "reads them with WASI args_get",
        ] {
            assert!(help.contains(needle), "help lacks {needle}");
        }
        let mut root = Cli::command();
        for (sub, needles) in [
            (
                "run",
                &[
                    "Examples:",
                    "--allow-dir",
                    "-- ",
                    "134",
                    "argv[0]",
                    "--invoke",
                ][..],
            ),
            (
                "bench",
                &[
                    "Examples:",
                    "--runs",
                    "--json",
                    "wasmtime",
                    "node",
                    "start-up",
                ][..],
            ),
        ] {
            let help = root
                .find_subcommand_mut(sub)
                .unwrap()
                .render_long_help()
                .to_string();
            for needle in needles {
                assert!(help.contains(needle), "{sub} help lacks {needle}");
            }
        }
    }
}

//! The command line of `aotc` (clap derive): `aotc [OPTIONS] <INPUT>` compiles,
//! `aotc inspect <BINARY>` reads a built executable's manifest back.
//!
//! Invariants: clap checks only the *shape* of the command line (known flags, values
//! present, `-O` in 0..=3, `--emit` kind); usage errors keep clap's format and exit
//! status 2. The *meaning* of capability values (`--allow-dir`, `--env`, …) and of
//! `--target-cpu` is checked by the driver, which reports one `aotc: error:` line and
//! exits 1. Nothing here touches the file system.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::driver::CompileRequest;
use crate::manifest::CapabilityFlags;
use crate::target::DEFAULT_CPU;

const ABOUT: &str = "Compile a WebAssembly module (wasm32, WASI preview1) into one standalone Linux x86-64 executable";

const LONG_ABOUT: &str = "\
Compile a WebAssembly module (wasm32, WASI preview1) into one standalone Linux x86-64 executable.

The module is validated, translated to LLVM IR, optimised and linked with aotc's runtime. \
What the executable may touch is decided now, at compile time, and embedded in it: \
by default it sees no directory, no environment variable and no socket. Grant access with \
--allow-dir, --env, --allow-env, --listen or a --manifest file. Arguments given to the \
executable are passed to the module untouched.";

const EXAMPLES: &str = "\
Examples:
  aotc hello.wasm                          Compile to ./hello
  aotc tool.wat -o tool --allow-dir data   Text input; `data` readable (read-only)
  aotc app.wasm --allow-dir out::/out:rw   Host `out` seen by the module as `/out`, writable
  aotc app.wasm --manifest caps.toml -O3   Capabilities from a file, more optimisation
  aotc kernel.wasm --emit llvm-ir -o -     Print the optimised LLVM IR
  aotc inspect ./tool                      Show what ./tool may access";

const LONG_EXAMPLES: &str = "\
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

  Show what an executable may access and how it was built:
      aotc inspect ./app

Exit status of aotc: 0 success, 1 error (one `aotc: error:` line), 2 usage error.
Exit status of a built executable: the module's proc_exit code; 134 after `wasm trap: <message>`
on a trap; 125 when the runtime cannot start.";

const INSPECT_EXAMPLES: &str = "\
Examples:
  aotc inspect ./tool
  aotc inspect --json ./tool | jq .dirs";

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
    /// more than 1 MiB of code is then split into partitions compiled in parallel;
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

    /// Read capabilities from a TOML file (keys: dirs, allow_env, listen, [env]);
    /// the flags above add to it
    #[arg(
        long,
        value_name = "caps.toml",
        help_heading = "Capabilities (default: nothing)"
    )]
    pub manifest: Option<PathBuf>,
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
            target_cpu: self.target_cpu,
            manifest_file: self.manifest,
            caps: CapabilityFlags {
                allow_dir: self.allow_dir,
                env: self.env,
                allow_env: self.allow_env,
                listen: self.listen,
            },
            strip: self.strip,
            verbose: self.verbose,
            strict_traps: self.strict_traps,
            jobs: self.jobs,
            partitions: self.partitions,
            no_cache: self.no_cache,
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
        assert!(!a.strip && !a.verbose && a.output.is_none() && a.manifest.is_none());
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
            None => panic!("no subcommand"),
        }
        assert!(parse(&["inspect"]).is_err());
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
            "-O <LEVEL>",
            "Exit status",
        ] {
            assert!(help.contains(needle), "help lacks {needle}");
        }
    }
}

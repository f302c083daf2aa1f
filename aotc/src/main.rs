//! The `aotc` command: parses the command line, runs the compiler, `inspect`, `run` or
//! `bench`, and turns every failure into one `aotc: error: <message>` line (plus at
//! most one `help:` line) and a non-zero exit status.
//!
//! Exit statuses: 0 success; 1 error; 2 usage error (clap's own format); 101 internal
//! error (a bug: the panic hook prints one line instead of a panic message and
//! backtrace). `aotc run` exits with the module's status once the module has started
//! (its `proc_exit` code, 134 after a trap, 125 when the runtime cannot start).

use std::io::Write;
use std::process::ExitCode;

use aotc::cli::{Cli, Command, InspectArgs};
use aotc::diag::{one_line, Diag};
use clap::Parser;

/// Exit status of an internal error (the same as an uncaught Rust panic).
const EXIT_INTERNAL: i32 = 101;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Inspect(args)) => inspect(&args),
        Some(Command::Run(args)) => match aotc::run::run(&args.into_request()) {
            // The module's `_start` returned: its status is aotc's.
            Ok(status) => std::process::exit(status),
            Err(diag) => Err(diag),
        },
        Some(Command::Bench(args)) => aotc::bench::bench(&args.into_request()),
        None => match cli.compile.into_request() {
            Some(req) => aotc::driver::compile(&req),
            None => Err(Diag::new("no input file").with_help("usage: aotc [OPTIONS] <INPUT>")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(diag) => {
            report(&diag);
            ExitCode::FAILURE
        }
    }
}

fn report(diag: &Diag) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "aotc: error: {}", diag.message());
    if let Some(help) = diag.help() {
        let _ = writeln!(err, "help: {help}");
    }
}

fn inspect(args: &InspectArgs) -> Result<(), Diag> {
    let manifest = aotc::inspect::read_manifest(&args.binary)?;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        aotc::inspect::write_json(&mut out, &manifest)
    } else {
        aotc::inspect::write_text(&mut out, &args.binary.display().to_string(), &manifest)
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => aotc::inspect::check_integrity(&args.binary.display().to_string(), &manifest),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Diag::new(format!(
            "cannot write to standard output: {}",
            aotc::input::io_reason(&e)
        ))),
    }
}

/// A panic is a bug in aotc: print one line saying so (with the panic's message and
/// place) and exit, instead of Rust's panic message and backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "aotc: error: internal compiler error: {}{place}",
            one_line(&what)
        );
        let _ = writeln!(err, "help: this is a bug in aotc; please report it with the input module and the command line");
        let _ = err.flush();
        std::process::exit(EXIT_INTERNAL);
    }));
}

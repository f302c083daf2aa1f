//! The compile pipeline: options → capabilities → input → output check → manifest →
//! cache lookup → `translate::compile_split` (on `-j` threads) → cache store → write
//! or link.
//!
//! The grants are linked, not compiled: for an executable or an object the code is
//! compiled without the manifest (`CodegenOptions::manifest` is `None`) and cached
//! under a key that does not contain it; the manifest becomes a small object of its
//! own (`translate::manifest_object`) linked with the code, so changing `--allow-dir`,
//! `--env`, `--manifest`… hits the cache and only relinks. `--emit llvm-ir`/`asm` are
//! one self-contained text, with the manifest inside (and in their key).
//!
//! Invariants:
//! - Everything that can be checked cheaply is checked before the (slow) translation:
//!   option combinations, `--target-cpu`, the capability manifest, the input, and that
//!   the output can be written (a temporary file is created next to it up front).
//! - Outputs are written atomically: to a temporary file in the output's directory,
//!   then renamed over the destination, so an interrupted or failed build never leaves
//!   a truncated file under the final name. Executables are mode 0755, other outputs
//!   0644.
//! - The output never overwrites the input.
//! - The build facts embedded in the manifest are reproducible: no date, no absolute
//!   path, only the input's file name and hash, the versions and the settings.
//! - The output does not depend on the number of threads beyond `-j1` versus more:
//!   `-j1` compiles one LLVM module; any larger `-j` splits a big module the same way
//!   (see `translate::partition`). `--emit llvm-ir`/`asm` are always one module;
//!   `--emit obj` of a split module is its objects merged by `cc -r`.

use std::fs::{self, Permissions};
use std::io::{IsTerminal, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use aotc_abi::manifest::Manifest;
use tempfile::NamedTempFile;

use crate::cache::{self, Cache, Miss};
use crate::cli::EmitKind;
use crate::diag::{quote, Diag, Result};
use crate::input::{self, io_reason, Input};
use crate::link::{self, LinkJob};
use crate::manifest::{Capabilities, CapabilityFlags};
use crate::target;
use crate::translate::{self, CodegenOptions, Compiled, Emit, Plan, Split};

/// Everything a compilation needs, as parsed from the command line.
#[derive(Debug, Clone)]
pub struct CompileRequest {
    pub input: PathBuf,
    /// `None`: derived from the input name; `-`: standard output (not for executables).
    pub output: Option<PathBuf>,
    pub opt_level: u8,
    pub emit: EmitKind,
    /// `_start`, `--invoke NAME` or `--invoke-main NAME`.
    pub entry: translate::Entry,
    pub target_cpu: String,
    /// `--manifest caps.toml`.
    pub manifest_file: Option<PathBuf>,
    pub caps: CapabilityFlags,
    pub strip: bool,
    pub verbose: bool,
    /// `--strict-traps`: every memory load volatile.
    pub strict_traps: bool,
    /// `-j N`; `None`: the number of available cores.
    pub jobs: Option<u32>,
    /// Hidden `--partitions N`: split into N partitions whatever the size.
    pub partitions: Option<u32>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--preload NAME=FILE`, in order (see `preload`).
    pub preloads: Vec<crate::preload::PreloadFlag>,
}

/// Runs a compilation end to end.
pub fn compile(req: &CompileRequest) -> Result<()> {
    let mut clock = PhaseClock::new(req.verbose);
    if req.strip && req.emit != EmitKind::Exe {
        return Err(Diag::new("--strip applies to executables only")
            .with_help("drop -s, or use --emit exe"));
    }
    if !req.preloads.is_empty() && req.emit != EmitKind::Exe {
        return Err(Diag::new("--preload applies to executables only")
            .with_help("drop --preload, or use --emit exe"));
    }
    target::check_cpu(&req.target_cpu)?;
    let caps = capabilities(req.manifest_file.as_deref(), &req.caps)?;
    clock.phase("capabilities");

    let input = input::read_input(&req.input)?;
    clock.phase(if input.was_text {
        "read input (wat → wasm)"
    } else {
        "read input"
    });

    let providers = crate::preload::read_providers(&req.preloads)?;
    let (link, provider_links) = if providers.is_empty() {
        Default::default()
    } else {
        let links = crate::preload::plan_links(&input, &providers)?;
        clock.phase("resolve preloaded modules");
        links
    };

    let dest = Destination::prepare(req, &input)?;
    let mut facts = build_facts(req, &input);
    facts.extend(crate::preload::build_facts(&providers));
    let manifest = caps.into_manifest(facts);
    if req.verbose {
        eprintln!("aotc: manifest: {}", summary(&manifest));
    }
    let manifest = manifest.encode();
    let opts = CodegenOptions {
        opt_level: req.opt_level,
        target_cpu: req.target_cpu.clone(),
        manifest: (!req.emit.links_manifest()).then(|| manifest.clone()),
        emit: match req.emit {
            EmitKind::Exe | EmitKind::Obj => Emit::Object,
            EmitKind::LlvmIr => Emit::LlvmIr,
            EmitKind::Asm => Emit::Assembly,
        },
        embedding: Default::default(),
        strict_load_traps: req.strict_traps,
        link,
        entry: req.entry.clone(),
    };
    let mut outputs = produce(req, &input.wasm, &opts, &mut clock)?;
    // Each provider is compiled (and cached) on its own, like the main module.
    for (provider, link) in providers.iter().zip(provider_links) {
        let opts = CodegenOptions {
            link,
            entry: Default::default(),
            ..opts.clone()
        };
        outputs.extend(produce(req, &provider.input.wasm, &opts, &mut clock)?);
    }
    deliver(req, dest, &outputs, &manifest, &mut clock)?;
    clock.phase("write output");
    clock.total();
    Ok(())
}

/// The compiled outputs (one object per partition, or one IR/assembly text): from
/// the cache when it has them, else compiled (and stored).
fn produce(
    req: &CompileRequest,
    wasm: &[u8],
    opts: &CodegenOptions,
    clock: &mut PhaseClock,
) -> Result<Vec<Vec<u8>>> {
    let (split, jobs) = parallelism(req);
    let plan = translate::plan(wasm, opts, split);
    let cache = open_cache(req);
    let key = cache.as_ref().map(|_| cache_key(wasm, opts, &plan));
    if let (Some(cache), Some(key)) = (&cache, &key) {
        clock.phase("cache key");
        if let Some(outputs) = lookup(cache, key, req.verbose) {
            clock.phase("cache hit (no compilation)");
            return Ok(outputs);
        }
    }
    let mut display = crate::progress::Display::for_stderr();
    let compiled = translate::compile_split(wasm, opts, &plan, jobs, &display);
    display.finish();
    let compiled = compiled.map_err(|e| Diag::from_anyhow(&e))?;
    clock.phase("compile");
    if req.verbose {
        report_parts(&compiled, jobs);
    }
    if let (Some(cache), Some(key)) = (&cache, &key) {
        store(cache, key, &compiled.outputs, req.verbose);
        clock.phase("cache store");
    }
    Ok(compiled.outputs)
}

/// Links the objects and the manifest's object into the executable, or merges them
/// into one object, or writes the IR or assembly.
fn deliver(
    req: &CompileRequest,
    dest: Destination,
    outputs: &[Vec<u8>],
    manifest: &[u8],
    clock: &mut PhaseClock,
) -> Result<()> {
    let manifest_object = if req.emit.links_manifest() {
        let object = translate::manifest_object(manifest).map_err(|e| Diag::from_anyhow(&e))?;
        clock.phase("manifest object");
        object
    } else {
        Vec::new()
    };
    match (req.emit, dest) {
        (EmitKind::Exe, Destination::File(file)) => {
            link::link(&LinkJob {
                objects: outputs,
                manifest: &manifest_object,
                runtime: crate::RUNTIME_ARCHIVE,
                output: file.temp.path(),
                strip: req.strip,
                verbose: req.verbose,
            })?;
            clock.phase("link");
            file.commit(0o755)
        }
        (EmitKind::Obj, Destination::File(file)) => {
            link::merge_objects(outputs, &manifest_object, file.temp.path(), req.verbose)?;
            clock.phase("merge objects");
            file.commit(0o644)
        }
        (_, Destination::File(mut file)) => {
            file.write(&outputs[0])?;
            file.commit(0o644)
        }
        (EmitKind::Obj, Destination::Stdout) => {
            let merged = tempfile::Builder::new()
                .prefix(".aotc-")
                .tempfile()
                .map_err(|e| {
                    Diag::new(format!("cannot create a temporary file: {}", io_reason(&e)))
                })?;
            link::merge_objects(outputs, &manifest_object, merged.path(), req.verbose)?;
            clock.phase("merge objects");
            let bytes = fs::read(merged.path()).map_err(|e| {
                Diag::new(format!("cannot read the merged object: {}", io_reason(&e)))
            })?;
            write_stdout(&bytes)
        }
        (_, Destination::Stdout) => write_stdout(&outputs[0]),
    }
}

/// Splitting and threads for a request: big modules are split whatever the number
/// of threads, so `-j1` builds the same executable as `-j8`, on one thread
/// (`translate::plan` keeps textual outputs whole).
fn parallelism(req: &CompileRequest) -> (Split, usize) {
    let jobs = match req.jobs {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let split = match req.partitions {
        Some(n) => Split::Forced(n as usize),
        None => Split::Auto,
    };
    (split, jobs)
}

/// The cache to use, unless `--no-cache` or there is no cache directory.
fn open_cache(req: &CompileRequest) -> Option<Cache> {
    if req.no_cache {
        if req.verbose {
            eprintln!("aotc: cache: off (--no-cache)");
        }
        return None;
    }
    match cache::default_dir() {
        Some(dir) => Some(Cache::new(&dir)),
        None => {
            if req.verbose {
                eprintln!(
                    "aotc: cache: off (no cache directory: set AOTC_CACHE_DIR, XDG_CACHE_HOME or HOME)"
                );
            }
            None
        }
    }
}

/// The cache key of a compilation: everything the produced bytes depend on.
pub fn cache_key(wasm: &[u8], opts: &CodegenOptions, plan: &Plan) -> String {
    let cpu = if opts.target_cpu == "native" {
        format!(
            "native {} {}",
            inkwell::targets::TargetMachine::get_host_cpu_name().to_string_lossy(),
            inkwell::targets::TargetMachine::get_host_cpu_features().to_string_lossy()
        )
    } else {
        opts.target_cpu.clone()
    };
    // The plan itself, not the request: `-j1` and `-j8` of a small module share it.
    let mut partitions = Vec::new();
    for f in &plan.optnone {
        partitions.extend(f.to_le_bytes());
    }
    for part in &plan.parts {
        partitions.push(part.effort as u8);
        partitions.extend((part.funcs.len() as u32).to_le_bytes());
        for f in &part.funcs {
            partitions.extend(f.to_le_bytes());
        }
    }
    cache::Key::new()
        .field("aotc-version", env!("CARGO_PKG_VERSION"))
        .field("compiler-build", cache::compiler_identity())
        .field("abi-version", aotc_abi::ABI_VERSION.to_string())
        .field("llvm-version", target::llvm_version())
        .field("runtime-sha256", runtime_hash())
        .field("wasm", wasm)
        .field("opt-level", [opts.opt_level])
        .field("target-cpu", cpu)
        .field("strict-traps", [opts.strict_load_traps as u8])
        // Only an embedded manifest is part of the code (see the module documentation).
        .field(
            "manifest",
            match &opts.manifest {
                Some(bytes) => [b"embedded ".as_slice(), bytes].concat(),
                None => b"linked".to_vec(),
            },
        )
        .field("emit", format!("{:?}", opts.emit))
        .field("entry", format!("{:?}", opts.entry))
        // The symbols the code defines and calls: a provider's prefix, the providers
        // the main module instantiates, what each import is bound to.
        .field("link", format!("{:?}", opts.link))
        .field("partitions", partitions)
        .finish()
}

fn runtime_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| input::sha256_hex(crate::RUNTIME_ARCHIVE))
}

fn lookup(cache: &Cache, key: &str, verbose: bool) -> Option<Vec<Vec<u8>>> {
    let path = cache.entry_path(key);
    match cache.get(key) {
        Ok(parts) => {
            if verbose {
                eprintln!("aotc: cache: hit {}", path.display());
            }
            Some(parts)
        }
        Err(Miss::Absent) => {
            if verbose {
                eprintln!("aotc: cache: miss {}", path.display());
            }
            None
        }
        Err(Miss::Corrupt(why)) => {
            if verbose {
                eprintln!(
                    "aotc: cache: unusable entry {} ({why}): recompiling",
                    path.display()
                );
            }
            None
        }
    }
}

fn store(cache: &Cache, key: &str, outputs: &[Vec<u8>], verbose: bool) {
    match cache.put(key, outputs) {
        Ok(()) if verbose => eprintln!("aotc: cache: stored {}", cache.entry_path(key).display()),
        Ok(()) => {}
        Err(e) if verbose => eprintln!("aotc: cache: cannot store the entry: {}", io_reason(&e)),
        Err(_) => {}
    }
}

/// `-v`: how the module was split and what each partition cost.
fn report_parts(compiled: &Compiled, jobs: usize) {
    eprintln!(
        "aotc: module read and validated in {:.1} ms",
        ms(compiled.validate)
    );
    let n = compiled.parts.len();
    if n == 1 {
        let p = &compiled.parts[0];
        eprintln!(
            "aotc: one module: translate {:.1} ms, optimise {:.1} ms, codegen {:.1} ms",
            ms(p.translate),
            ms(p.optimise),
            ms(p.codegen)
        );
        return;
    }
    eprintln!(
        "aotc: split into {n} partitions, compiled on {} threads",
        jobs.min(n)
    );
    for (i, p) in compiled.parts.iter().enumerate() {
        let range = match p.range {
            Some((a, b)) => format!("{a}-{b}"),
            None => "-".to_string(),
        };
        eprintln!(
            "aotc: partition {i:>3}: {} functions ({range}) + {} inline copies, {} bytes, {}: translate {:.1} ms, optimise {:.1} ms, codegen {:.1} ms",
            p.functions,
            p.inline_copies,
            p.bytes,
            match p.effort {
                translate::Effort::Full => "full effort",
                translate::Effort::Capped => "capped effort",
                translate::Effort::Minimal => "minimal effort",
            },
            ms(p.translate),
            ms(p.optimise),
            ms(p.codegen)
        );
    }
}

/// Loads `--manifest` (if any), validates the flags, and merges the two.
pub fn capabilities(file: Option<&Path>, flags: &CapabilityFlags) -> Result<Capabilities> {
    let from_flags = Capabilities::from_flags(flags)?;
    match file {
        Some(path) => Capabilities::from_file(path)?.merge(from_flags),
        None => Ok(from_flags),
    }
}

/// Build facts for `aotc inspect`, in display order.
pub fn build_facts(req: &CompileRequest, input: &Input) -> Vec<(String, String)> {
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    [
        ("aotc-version", env!("CARGO_PKG_VERSION").to_string()),
        ("abi-version", aotc_abi::ABI_VERSION.to_string()),
        ("opt-level", req.opt_level.to_string()),
        ("target-cpu", target::describe_cpu(&req.target_cpu)),
        ("input", name),
        ("input-sha256", input.sha256.clone()),
        ("entry", req.entry.describe()),
        ("llvm-version", target::llvm_version()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn summary(m: &Manifest) -> String {
    let dirs: Vec<String> = m.dirs.iter().map(crate::manifest::dir_spec).collect();
    format!(
        "dirs [{}], env [{}], allow-env [{}], listen [{}], connect [{}], bind [{}], resolve [{}]",
        dirs.join(", "),
        m.env
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        m.allow_env.join(", "),
        m.listen.join(", "),
        m.connect.join(", "),
        m.bind.join(", "),
        m.resolve.join(", ")
    )
}

/// Where the output goes.
enum Destination {
    Stdout,
    File(OutputFile),
}

impl Destination {
    fn prepare(req: &CompileRequest, input: &Input) -> Result<Destination> {
        let path = match &req.output {
            Some(p) if p.as_os_str() == "-" => {
                return match req.emit {
                    EmitKind::Exe => {
                        Err(Diag::new("cannot write an executable to standard output")
                            .with_help("name the executable with -o PATH"))
                    }
                    EmitKind::Obj if std::io::stdout().is_terminal() => {
                        Err(Diag::new("refusing to write an object file to a terminal")
                            .with_help("redirect standard output, or name the file with -o PATH"))
                    }
                    _ => Ok(Destination::Stdout),
                };
            }
            Some(p) => p.clone(),
            None => input::default_output(&input.path, req.emit.extension()),
        };
        if same_file(&path, &input.path) {
            return Err(Diag::new(format!(
                "the output {} would overwrite the input",
                quote(&path.display().to_string())
            ))
            .with_help("choose another output name with -o PATH"));
        }
        OutputFile::prepare(&path).map(Destination::File)
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// An output being written: a temporary file beside the destination, renamed over it
/// by [`OutputFile::commit`]; dropped uncommitted, it is deleted.
///
/// A destination that exists and is not a regular file (`/dev/null`, a FIFO) is never
/// replaced: the temporary file then lives in the system's temporary directory and its
/// bytes are written through to the destination, whose mode is left alone.
struct OutputFile {
    dest: PathBuf,
    temp: NamedTempFile,
    special: Option<fs::File>,
}

impl OutputFile {
    fn prepare(dest: &Path) -> Result<OutputFile> {
        let shown = quote(&dest.display().to_string());
        if dest.is_dir() {
            return Err(Diag::new(format!("the output {shown} is a directory"))
                .with_help("name a file inside it with -o DIR/NAME"));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Diag::new(format!(
                "cannot write the output {shown}: directory {} does not exist",
                quote(&dir.display().to_string())
            )));
        }
        let special = match fs::metadata(dest) {
            Ok(meta) if !meta.is_file() => {
                Some(fs::OpenOptions::new().write(true).open(dest).map_err(|e| {
                    Diag::new(format!(
                        "cannot write the output {shown}: {}",
                        io_reason(&e)
                    ))
                })?)
            }
            _ => None,
        };
        let temp_dir = if special.is_some() {
            std::env::temp_dir()
        } else {
            dir
        };
        let temp = tempfile::Builder::new()
            .prefix(".aotc-")
            .suffix(".tmp")
            .tempfile_in(&temp_dir)
            .map_err(|e| {
                Diag::new(format!(
                    "cannot write the output {shown}: {}",
                    io_reason(&e)
                ))
            })?;
        Ok(OutputFile {
            dest: dest.to_path_buf(),
            temp,
            special,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.temp
            .write_all(bytes)
            .and_then(|()| self.temp.flush())
            .map_err(|e| self.error(&e))
    }

    /// Sets the mode and moves the file into place (or writes it through).
    fn commit(self, mode: u32) -> Result<()> {
        if let Some(mut dest) = self.special.as_ref() {
            // By path: the linker may have replaced the temporary file.
            return fs::File::open(self.temp.path())
                .and_then(|mut src| std::io::copy(&mut src, &mut dest))
                .and_then(|_| dest.flush())
                .map_err(|e| self.error(&e));
        }
        fs::set_permissions(self.temp.path(), Permissions::from_mode(mode))
            .map_err(|e| self.error(&e))?;
        let dest = self.dest.clone();
        self.temp.persist(&dest).map(drop).map_err(|e| {
            Diag::new(format!(
                "cannot write the output {}: {}",
                quote(&dest.display().to_string()),
                io_reason(&e.error)
            ))
        })
    }

    fn error(&self, e: &std::io::Error) -> Diag {
        Diag::new(format!(
            "cannot write the output {}: {}",
            quote(&self.dest.display().to_string()),
            io_reason(e)
        ))
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`aotc … -o - | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Diag::new(format!(
            "cannot write to standard output: {}",
            io_reason(&e)
        ))),
    }
}

/// Per-phase timings for `-v`.
struct PhaseClock {
    verbose: bool,
    start: Instant,
    last: Instant,
}

impl PhaseClock {
    fn new(verbose: bool) -> PhaseClock {
        let now = Instant::now();
        PhaseClock {
            verbose,
            start: now,
            last: now,
        }
    }

    fn phase(&mut self, name: &str) {
        let now = Instant::now();
        if self.verbose {
            eprintln!("aotc: time: {name:<26} {:>9.1} ms", ms(now - self.last));
        }
        self.last = now;
    }

    fn total(&self) {
        if self.verbose {
            eprintln!(
                "aotc: time: {:<26} {:>9.1} ms",
                "total",
                ms(self.start.elapsed())
            );
        }
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(input: &Path) -> CompileRequest {
        CompileRequest {
            input: input.to_path_buf(),
            output: None,
            opt_level: 2,
            emit: EmitKind::Exe,
            entry: translate::Entry::Start,
            target_cpu: "x86-64-v2".into(),
            manifest_file: None,
            caps: CapabilityFlags::default(),
            strip: false,
            verbose: false,
            strict_traps: false,
            jobs: None,
            partitions: None,
            no_cache: true,
            preloads: Vec::new(),
        }
    }

    fn module(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, b"\0asm\x01\0\0\0").unwrap();
        p
    }

    #[test]
    fn build_facts_are_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let p = module(dir.path(), "m.wasm");
        let input = input::read_input(&p).unwrap();
        let facts = build_facts(&request(&p), &input);
        let keys: Vec<&str> = facts.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "aotc-version",
                "abi-version",
                "opt-level",
                "target-cpu",
                "input",
                "input-sha256",
                "entry",
                "llvm-version"
            ]
        );
        assert_eq!(facts[4].1, "m.wasm");
        assert_eq!(facts, build_facts(&request(&p), &input));
    }

    #[test]
    fn early_errors_come_before_translation() {
        let dir = tempfile::tempdir().unwrap();
        let p = module(dir.path(), "m.wasm");
        let mut req = request(&p);
        req.strip = true;
        req.emit = EmitKind::Obj;
        assert!(compile(&req).unwrap_err().message().contains("--strip"));

        let mut req = request(&p);
        req.target_cpu = "pentium4".into();
        assert!(compile(&req).unwrap_err().message().contains("32-bit"));

        let mut req = request(&p);
        req.caps.allow_dir.push("::x".into());
        assert!(compile(&req).unwrap_err().message().contains("--allow-dir"));

        let mut req = request(&p);
        req.output = Some(dir.path().join("missing/dir/out"));
        assert!(compile(&req)
            .unwrap_err()
            .message()
            .contains("does not exist"));

        let mut req = request(&p);
        req.output = Some(dir.path().to_path_buf());
        assert!(compile(&req)
            .unwrap_err()
            .message()
            .contains("is a directory"));

        let mut req = request(&p);
        req.output = Some(p.clone());
        assert!(compile(&req)
            .unwrap_err()
            .message()
            .contains("overwrite the input"));

        let mut req = request(&p);
        req.output = Some("-".into());
        assert!(compile(&req)
            .unwrap_err()
            .message()
            .contains("standard output"));
    }

    #[test]
    fn special_destinations_are_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        let mode_before = fs::metadata(&fifo).unwrap().permissions().mode();
        let mut f = OutputFile::prepare(&fifo).unwrap();
        f.write(b"through").unwrap();
        f.commit(0o755).unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        let meta = fs::symlink_metadata(&fifo).unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()));
        assert_eq!(meta.permissions().mode(), mode_before);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn cache_key_covers_every_code_generation_setting() {
        let wasm =
            wat::parse_str("(module (func (export \"_start\")) (func $a) (func $b) (func $c))")
                .unwrap();
        let base = CodegenOptions {
            opt_level: 2,
            target_cpu: "x86-64-v2".into(),
            manifest: None,
            emit: Emit::Object,
            embedding: Default::default(),
            entry: translate::Entry::Start,
            strict_load_traps: false,
            link: Default::default(),
        };
        let key = |wasm: &[u8], o: &CodegenOptions, split: Split| {
            cache_key(wasm, o, &translate::plan(wasm, o, split))
        };
        let k0 = key(&wasm, &base, Split::Whole);
        assert_eq!(k0, key(&wasm, &base, Split::Whole));
        // A module too small to split has the same plan either way.
        assert_eq!(k0, key(&wasm, &base, Split::Auto));
        let mut variants: Vec<String> = vec![k0];
        let mut other_wasm = wasm.clone();
        other_wasm.extend_from_slice(b"\0\x01\x00"); // an empty custom section
        variants.push(key(&other_wasm, &base, Split::Whole));
        variants.push(key(&wasm, &base, Split::Forced(2)));
        let changes: [&dyn Fn(&mut CodegenOptions); 10] = [
            &|o| o.opt_level = 1,
            &|o| o.target_cpu = "x86-64-v3".into(),
            &|o| o.target_cpu = "native".into(),
            &|o| o.strict_load_traps = true,
            &|o| o.manifest = Some(vec![1, 2, 3]),
            &|o| o.manifest = Some(vec![1, 2, 3, 4]),
            &|o| o.emit = Emit::Assembly,
            &|o| o.entry = translate::Entry::Invoke(vec!["_start".into()]),
            &|o| o.entry = translate::Entry::Invoke(vec!["_start".into(), "_start".into()]),
            &|o| o.entry = translate::Entry::InvokeMain("_start".into()),
        ];
        for change in changes {
            let mut o = base.clone();
            change(&mut o);
            variants.push(key(&wasm, &o, Split::Whole));
        }
        let distinct: std::collections::HashSet<&String> = variants.iter().collect();
        assert_eq!(distinct.len(), variants.len(), "{variants:#?}");
    }

    #[test]
    fn output_file_is_atomic_and_has_mode() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.ll");
        fs::write(&dest, "old").unwrap();
        let mut f = OutputFile::prepare(&dest).unwrap();
        f.write(b"new").unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        f.commit(0o644).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o644
        );
        // Nothing left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        // Dropped without commit: no file.
        let other = dir.path().join("other");
        drop(OutputFile::prepare(&other).unwrap());
        assert!(!other.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

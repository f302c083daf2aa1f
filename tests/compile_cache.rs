//! The compile cache: a second identical compile is a hit (said by `-v`) and gives
//! the same executable; changing a code generation flag misses; changing only the
//! grants (`--allow-dir`, `--env`, `--allow-env`, `--listen`, `--manifest`) hits and
//! relinks an executable with the new grants alone; a corrupt entry is
//! recompiled and replaced; `--no-cache` and a missing cache directory turn it off;
//! entries and folders not owned by the user alone are not trusted, folders are 0700.
//! Every test uses a cache directory of its own (`AOTC_CACHE_DIR`).

mod common;

use common::*;
use std::path::{Path, PathBuf};

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "cached hello\n")
  (func $len (result i32) (i32.const 13))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (call $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let f = Fixture { dir: tempdir() };
        write_file(&f.path("hello.wat"), HELLO.as_bytes());
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cache_dir(&self) -> PathBuf {
        self.path("cache")
    }

    /// `aotc hello.wat -o OUT -v FLAGS` with the fixture's cache directory.
    fn compile(&self, out: &str, flags: &[&str]) -> Output {
        let out = Run::new(aotc_bin())
            .cwd(self.dir.path())
            .env("AOTC_CACHE_DIR", self.cache_dir())
            .args(["hello.wat", "-o", out, "-v"])
            .args(flags)
            .output();
        assert_success(&out);
        out
    }

    fn entries(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.cache_dir().join("v1"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn says(out: &Output, what: &str) -> bool {
    out.stderr()
        .lines()
        .any(|l| l.starts_with(&format!("aotc: cache: {what}")))
}

fn runs(exe: &Path) {
    let out = Run::new(exe).output();
    assert_success(&out);
    assert_eq!(out.stdout(), "cached hello\n");
}

#[test]
fn second_compile_is_a_hit_with_the_same_executable() {
    let f = Fixture::new();
    let first = f.compile("a", &[]);
    check(&first, says(&first, "miss"), "first compile misses");
    check(&first, says(&first, "stored"), "and stores");
    assert_eq!(f.entries().len(), 1);

    let second = f.compile("b", &[]);
    check(&second, says(&second, "hit"), "second compile hits");
    check(
        &second,
        !second.stderr().contains("aotc: time: compile "),
        "a hit does not compile",
    );
    assert!(std::fs::read(f.path("a")).unwrap() == std::fs::read(f.path("b")).unwrap());
    runs(&f.path("b"));

    // The object is the same for an executable and --emit obj of an unsplit module.
    let obj = f.compile("c.o", &["--emit", "obj"]);
    check(&obj, says(&obj, "hit"), "--emit obj reuses the entry");
}

#[test]
fn code_generation_flags_miss() {
    let f = Fixture::new();
    f.compile("base", &[]);
    for flags in [
        &["-O1"][..],
        &["--target-cpu", "x86-64-v3"][..],
        &["--strict-traps"][..],
        &["--emit", "asm"][..],
        &["--partitions", "2"][..],
    ] {
        let out = f.compile("other", flags);
        check(&out, says(&out, "miss"), &format!("{flags:?} must miss"));
    }
    // Only link flags changed: a hit.
    let out = f.compile("stripped", &["-s"]);
    check(&out, says(&out, "hit"), "-s only changes the link");
    runs(&f.path("stripped"));
    // The key holds the partition plan, not the request: a small module is one
    // partition with -j1 and -j4 alike.
    for jobs in ["-j1", "-j4"] {
        let out = f.compile("jobs", &[jobs]);
        check(&out, says(&out, "hit"), &format!("{jobs} must hit"));
    }
}

#[test]
fn corrupt_entries_are_recompiled() {
    let f = Fixture::new();
    f.compile("good", &[]);
    let entry = f.entries().pop().expect("an entry");
    let mut bytes = std::fs::read(&entry).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&entry, &bytes).unwrap();

    let out = f.compile("again", &[]);
    check(
        &out,
        says(&out, "unusable entry") && out.stderr().contains("checksum mismatch"),
        "a corrupt entry is reported",
    );
    check(&out, says(&out, "stored"), "and replaced");
    assert!(std::fs::read(f.path("good")).unwrap() == std::fs::read(f.path("again")).unwrap());
    runs(&f.path("again"));
    let out = f.compile("third", &[]);
    check(&out, says(&out, "hit"), "the replaced entry is used");

    // A truncated entry, and one that is not a file at all.
    std::fs::write(&entry, b"aotc").unwrap();
    let out = f.compile("fourth", &[]);
    check(&out, says(&out, "unusable entry"), "a truncated entry");
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap();
    let out = f.compile("fifth", &[]);
    check(&out, says(&out, "unusable entry"), "a directory");
    runs(&f.path("fifth"));
}

#[test]
fn no_cache_and_no_directory_turn_it_off() {
    let f = Fixture::new();
    let out = f.compile("a", &["--no-cache"]);
    check(&out, says(&out, "off (--no-cache)"), "--no-cache");
    assert!(f.entries().is_empty());

    // No AOTC_CACHE_DIR, XDG_CACHE_HOME or HOME (Run clears the environment).
    let out = Run::new(aotc_bin())
        .cwd(f.dir.path())
        .args(["hello.wat", "-o", "b", "-v"])
        .output();
    assert_success(&out);
    check(&out, says(&out, "off (no cache directory"), "no directory");

    // An unwritable cache directory never fails the build.
    let blocker = f.path("not-a-dir");
    write_file(&blocker, b"x");
    let out = Run::new(aotc_bin())
        .cwd(f.dir.path())
        .env("AOTC_CACHE_DIR", &blocker)
        .args(["hello.wat", "-o", "c", "-v"])
        .output();
    assert_success(&out);
    check(
        &out,
        says(&out, "cannot store"),
        "a failed store is only reported",
    );
    runs(&f.path("c"));
}

#[test]
fn xdg_cache_home_and_home_are_used_in_that_order() {
    let f = Fixture::new();
    let xdg = f.path("xdg");
    let home = f.path("home");
    let out = Run::new(aotc_bin())
        .cwd(f.dir.path())
        .env("XDG_CACHE_HOME", &xdg)
        .env("HOME", &home)
        .args(["hello.wat", "-o", "a", "-v"])
        .output();
    assert_success(&out);
    assert!(xdg.join("aotc/v1").is_dir(), "{}", out.describe());
    assert!(!home.join(".cache").exists());
    let out = Run::new(aotc_bin())
        .cwd(f.dir.path())
        .env("HOME", &home)
        .args(["hello.wat", "-o", "b", "-v"])
        .output();
    assert_success(&out);
    assert!(home.join(".cache/aotc/v1").is_dir(), "{}", out.describe());
}

#[test]
fn only_the_users_own_entries_are_trusted() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let f = Fixture::new();
    let first = f.compile("a", &[]);
    check(&first, says(&first, "stored"), "first compile stores");
    for dir in [f.cache_dir(), f.cache_dir().join("v1")] {
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is mode {mode:o}", dir.display());
    }
    let entry = f.entries().pop().expect("an entry");
    let chmod =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();

    // Writable by others: someone else could have put code in it.
    chmod(&entry, 0o666);
    let out = f.compile("b", &[]);
    check(
        &out,
        !says(&out, "hit") && out.stderr().contains("writable by group or others"),
        "a world-writable entry is not used",
    );
    runs(&f.path("b"));

    // A folder writable by others: not read, and nothing stored into it.
    chmod(&f.cache_dir().join("v1"), 0o777);
    let out = f.compile("c", &[]);
    check(
        &out,
        !says(&out, "hit") && !says(&out, "stored") && says(&out, "cannot store"),
        "a world-writable cache folder is neither read nor written",
    );
    chmod(&f.cache_dir().join("v1"), 0o700);

    // Owned by another user (only root can arrange that).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let entry = f.entries().pop().expect("an entry");
        std::os::unix::fs::chown(&entry, Some(12345), None).unwrap();
        let out = f.compile("d", &[]);
        check(
            &out,
            !says(&out, "hit") && out.stderr().contains("owned by uid 12345"),
            "another user's entry is not used",
        );
        runs(&f.path("d"));
    }
    let out = f.compile("e", &[]);
    check(
        &out,
        says(&out, "hit"),
        "the user's own replacement is used",
    );
}

/// A command that reads `old/f.txt` and `new/f.txt` and prints what it got, then the
/// variables `GRANT` and `PASSED`: which grants the executable carries, seen from
/// inside.
const GRANTS_C: &str = r#"#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *paths[] = {"old/f.txt", "new/f.txt"};
  for (int i = 0; i < 2; i++) {
    FILE *f = fopen(paths[i], "r");
    if (!f) {
      printf("%s: refused\n", paths[i]);
      continue;
    }
    char buf[32] = {0};
    fgets(buf, sizeof buf, f);
    fclose(f);
    printf("%s: %s", paths[i], buf);
  }
  const char *grant = getenv("GRANT"), *passed = getenv("PASSED");
  printf("GRANT=%s\nPASSED=%s\n", grant ? grant : "(unset)", passed ? passed : "(unset)");
  return 0;
}
"#;

/// The symbols an executable defines or references.
fn symbols(exe: &Path) -> Vec<String> {
    let bytes = std::fs::read(exe).unwrap();
    let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
    elf.syms
        .iter()
        .filter_map(|s| elf.strtab.get_at(s.st_name).map(str::to_string))
        .collect()
}

#[test]
fn changing_only_the_grants_relinks_without_compiling() {
    let f = Fixture::new();
    write_file(&f.path("grants.c"), GRANTS_C.as_bytes());
    let wasm = wasm_from_c(&f.path("grants.c"), &[]);
    std::fs::copy(&wasm, f.path("grants.wasm")).unwrap();
    for d in ["old", "new"] {
        write_file(
            &f.path(&format!("{d}/f.txt")),
            format!("{d} file\n").as_bytes(),
        );
    }
    let build = |out: &str, flags: &[&str]| {
        let out = Run::new(aotc_bin())
            .cwd(f.dir.path())
            .env("AOTC_CACHE_DIR", f.cache_dir())
            .args(["grants.wasm", "-o", out, "-v"])
            .args(flags)
            .output();
        assert_success(&out);
        out
    };
    let run = |exe: &str| {
        let out = Run::new(f.path(exe))
            .cwd(f.dir.path())
            .env("PASSED", "from the host")
            .output();
        assert_success(&out);
        out.stdout()
    };
    let inspect = |exe: &str| {
        let out = aotc(["inspect".as_ref(), f.path(exe).as_os_str()]);
        assert_success(&out);
        out.stdout()
    };

    let first = build("a", &["--allow-dir", "old", "--env", "GRANT=a"]);
    check(&first, says(&first, "miss"), "the first compile misses");
    check(&first, says(&first, "stored"), "and stores");
    assert_eq!(
        run("a"),
        "old/f.txt: old file\nnew/f.txt: refused\nGRANT=a\nPASSED=(unset)\n"
    );

    // Other directory, variables and a pass-through: the code is the cached one.
    let second = build(
        "b",
        &[
            "--allow-dir",
            "new",
            "--env",
            "GRANT=b",
            "--allow-env",
            "PASSED",
        ],
    );
    check(
        &second,
        says(&second, "hit"),
        "a grant change hits the cache",
    );
    check(
        &second,
        !second.stderr().contains("aotc: time: compile "),
        "a grant change does not compile",
    );
    assert_eq!(
        run("b"),
        "old/f.txt: refused\nnew/f.txt: new file\nGRANT=b\nPASSED=from the host\n"
    );
    let shown = inspect("b");
    assert!(shown.contains("\nmanifest: ok\n"), "{shown}");
    assert!(shown.contains("new  <- new  ro"), "{shown}");
    assert!(!shown.contains("old"), "the old grant is gone:\n{shown}");
    assert!(
        shown.contains("GRANT=b") && !shown.contains("GRANT=a"),
        "{shown}"
    );
    assert!(shown.contains("passed through: PASSED"), "{shown}");
    // The first executable keeps its own grants.
    assert!(inspect("a").contains("old  <- old  ro"));

    // The same through a manifest file, with a socket: the listener set-up is linked
    // only when a socket is granted, and still nothing is compiled.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    write_file(
        &f.path("caps.toml"),
        format!("dirs = [\"old::new:rw\"]\nlisten = [\"{listen}\"]\n[env]\nGRANT = \"file\"\n")
            .as_bytes(),
    );
    let third = build("c", &["--manifest", "caps.toml"]);
    check(&third, says(&third, "hit"), "--manifest hits the cache");
    let shown = inspect("c");
    assert!(shown.contains("\nmanifest: ok\n"), "{shown}");
    assert!(shown.contains("new  <- old  rw"), "{shown}");
    assert!(
        shown.contains(&format!("listen sockets (TCP): {listen}")),
        "{shown}"
    );
    let opens_listeners = |exe: &str| {
        symbols(&f.path(exe))
            .iter()
            .any(|s| s == "aotc_rt_open_listeners")
    };
    assert!(opens_listeners("c"));
    assert!(!opens_listeners("b"));
    // Guest `new` is the host's `old` now.
    assert_eq!(
        run("c"),
        "old/f.txt: refused\nnew/f.txt: old file\nGRANT=file\nPASSED=(unset)\n"
    );
    assert_eq!(f.entries().len(), 1, "one cache entry for all three");

    // Back to the first grants: the same executable, byte for byte.
    build("a2", &["--allow-dir", "old", "--env", "GRANT=a"]);
    assert!(std::fs::read(f.path("a")).unwrap() == std::fs::read(f.path("a2")).unwrap());

    // An object carries its manifest too (linked into it, not compiled).
    let obj = build("g.o", &["--emit", "obj", "--allow-dir", "new"]);
    check(&obj, says(&obj, "hit"), "--emit obj reuses the code");
    assert!(symbols(&f.path("g.o")).contains(&aotc_abi::sym::MANIFEST.to_string()));
}

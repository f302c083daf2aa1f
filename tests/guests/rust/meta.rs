// File metadata, times and descriptor state: std metadata (len, type, times, nlink,
// permissions), inode relations (never the numbers), path/fd set_times through the raw
// WASI calls, and fdstat (file type, flags, rights) of stdio, the preopen and files
// opened in each mode, plus fd_fdstat_set_flags (append, nonblock), fd_advise and
// fd_allocate. Usage: meta GROUP ROOT. GROUP "meta" runs the checks that match
// Wasmtime (fdstat as file type and flags); "meta-rights" (the rights sets fdstat
// reports), "meta-escape" (set_times on paths out of the grant) and "meta-fd-allocate"
// run the checks where aotc differs by a README rule. ROOT is the grant (default
// "sandbox").
#![feature(wasi_ext)]

#[path = "common.rs"]
mod common;

use common::*;
use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::wasi::fs::MetadataExt;
use std::os::wasi::io::AsRawFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FIXTURE_TIME: u64 = 1_000_000_000;
const ATIM: u16 = 1;
const ATIM_NOW: u16 = 2;
const MTIM: u16 = 4;
const MTIM_NOW: u16 = 8;
const FDFLAG_APPEND: u16 = 1;
const FDFLAG_NONBLOCK: u16 = 4;

fn secs(t: std::io::Result<SystemTime>) -> String {
    match t {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => format!("{}.{:09}", d.as_secs(), d.subsec_nanos()),
            Err(_) => "before epoch".into(),
        },
        Err(e) => format!("err {}", err_str(&e)),
    }
}

/// A time that may be the fixture's or one the host just set (reading a file or
/// symlink may move its atime to now, depending on the mount): "fixture", "now", or
/// the exact value.
fn when(t: std::io::Result<SystemTime>) -> String {
    match &t {
        Ok(v) if *v == UNIX_EPOCH + Duration::from_secs(FIXTURE_TIME) => "fixture".into(),
        Ok(_) if near_now(secs_ok(&t)) == "yes" => "now".into(),
        _ => secs(t),
    }
}

fn secs_ok(t: &std::io::Result<SystemTime>) -> std::io::Result<SystemTime> {
    match t {
        Ok(v) => Ok(*v),
        Err(e) => Err(std::io::Error::new(e.kind(), "copy")),
    }
}

fn describe(m: &fs::Metadata) -> String {
    format!(
        "{} len={} size={} nlink={} mtime={} atime={} created={} readonly={} ctim>=mtim={}",
        kind_of(&m.file_type()),
        m.len(),
        m.size(),
        m.nlink(),
        when(m.modified()),
        when(m.accessed()),
        if m.created().is_ok() { "ok" } else { "err" },
        m.permissions().readonly(),
        yes(m.ctim() >= m.mtim()),
    )
}

fn set_times_path(dirfd: u32, follow: bool, path: &str, atim: u64, mtim: u64, flags: u16) -> String {
    let e = unsafe {
        raw::path_filestat_set_times(
            dirfd,
            if follow { 1 } else { 0 },
            path.as_ptr(),
            path.len() as u32,
            atim,
            mtim,
            flags,
        )
    };
    rc(e)
}

fn near_now(t: std::io::Result<SystemTime>) -> &'static str {
    match t {
        Ok(t) => {
            let now = SystemTime::now();
            let d = match now.duration_since(t) {
                Ok(d) => d,
                Err(e) => e.duration(),
            };
            yes(d < Duration::from_secs(10))
        }
        Err(_) => "err",
    }
}

/// Prints one fdstat line without the rights: type and flags.
fn show_type_flags(label: &str, fd: u32) {
    match fdstat(fd) {
        Ok(st) => println!("{}: fdstat {} flags={:#x}", label, filetype_name(st.filetype), st.flags),
        Err(e) => println!("{}: fdstat {}", label, rc(e)),
    }
}

fn open_modes() -> [(&'static str, OpenOptions); 5] {
    [
        ("read", { let mut o = OpenOptions::new(); o.read(true); o }),
        ("write", { let mut o = OpenOptions::new(); o.write(true); o }),
        ("read+write", { let mut o = OpenOptions::new(); o.read(true).write(true); o }),
        ("append", { let mut o = OpenOptions::new(); o.append(true); o }),
        ("read+append", { let mut o = OpenOptions::new(); o.read(true).append(true); o }),
    ]
}

fn main() {
    let group = std::env::args().nth(1).unwrap_or_else(|| "meta".to_string());
    let root = std::env::args().nth(2).unwrap_or_else(|| "sandbox".to_string());
    match group.as_str() {
        "meta" => meta(&root),
        "meta-rights" => meta_rights(&root),
        "meta-escape" => meta_escape(),
        "meta-fd-allocate" => meta_fd_allocate(&root),
        other => {
            eprintln!("unknown group {:?}", other);
            std::process::exit(2)
        }
    }
}

/// Rule `rights`: the rights sets fd_fdstat_get reports for stdio, the preopen and
/// files opened in each mode (aotc: what each descriptor may do; Wasmtime: fixed sets),
/// and that fd_fdstat_set_flags leaves them alone.
fn meta_rights(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    show_fdstat("fd 0 (stdin)", 0);
    show_fdstat("fd 1 (stdout)", 1);
    show_fdstat("fd 2 (stderr)", 2);
    show_fdstat("fd 3 (preopen)", 3);
    for (label, opts) in open_modes().iter() {
        match opts.open(p("empty.txt")) {
            Ok(f) => show_fdstat(&format!("file opened {}", label), f.as_raw_fd() as u32),
            Err(e) => println!("file opened {}: err {}", label, err_str(&e)),
        }
    }
    match File::open(p("sub")) {
        Ok(d) => show_fdstat("dir opened with File::open", d.as_raw_fd() as u32),
        Err(e) => println!("dir opened: err {}", err_str(&e)),
    }
    if let Some(f) = check("open empty.txt rw", OpenOptions::new().read(true).write(true).open(p("empty.txt"))) {
        let fd = f.as_raw_fd() as u32;
        println!("set_flags APPEND: {}", rc(unsafe { raw::fd_fdstat_set_flags(fd, FDFLAG_APPEND) }));
        show_fdstat("after APPEND", fd);
    }
}

/// Rule `escape-errno`: path_filestat_set_times on the `escape` symlink (followed, to
/// ../outside.txt) and on ../outside.txt: aotc ENOTCAPABLE, Wasmtime EPERM.
fn meta_escape() {
    let t2 = 1_111_111_111u64 * 1_000_000_000;
    println!("set mtime escape, follow: {}", set_times_path(3, true, "escape", 0, t2, MTIM));
    println!("set mtime ../outside.txt: {}", set_times_path(3, true, "../outside.txt", 0, t2, MTIM));
}

/// Rule `fd-allocate`: fd_allocate(fd, 0, 100) on a 5-byte file: aotc reserves the
/// space (ok, the file grows to 100 zero-padded bytes), Wasmtime ENOTSUP (stays 5).
fn meta_fd_allocate(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    if let Some(mut f) = check("open empty.txt rw", OpenOptions::new().read(true).write(true).open(p("empty.txt"))) {
        check("write QbcXY", f.write_all(b"QbcXY"));
        println!("fd_allocate: {}", rc(unsafe { raw::fd_allocate(f.as_raw_fd() as u32, 0, 100) }));
        show("len after allocate", f.metadata(), |m| m.len().to_string());
    }
    show("empty.txt contents", fs::read(p("empty.txt")), |v| format!("{:?}", String::from_utf8_lossy(v)));
}

fn meta(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);

    println!("preopens: {}", preopens().join(", "));

    for name in ["hello.txt", "empty.txt", "digits.txt", "sub", "sub/deeper", "link-hello", "link-sub", "dangling", "."] {
        show(&format!("metadata {}", name), fs::metadata(p(name)), describe);
        show(&format!("symlink_metadata {}", name), fs::symlink_metadata(p(name)), describe);
    }
    show("metadata of the root itself", fs::metadata(root), describe);

    // Inode relations.
    let ino = |path: &str| fs::metadata(path).map(|m| (m.dev(), m.ino()));
    println!("link-hello same inode as hello.txt: {}", yes(ino(&p("link-hello")).ok() == ino(&p("hello.txt")).ok()));
    println!("hello.txt differs from digits.txt: {}", yes(ino(&p("hello.txt")).ok() != ino(&p("digits.txt")).ok()));
    println!("sub/.. same inode as root: {}", yes(ino(&p("sub/..")).ok() == ino(root).ok()));
    if let Ok(f) = File::open(p("hello.txt")) {
        let fm = f.metadata().map(|m| (m.dev(), m.ino()));
        println!("fd metadata same inode as path metadata: {}", yes(fm.ok() == ino(&p("hello.txt")).ok()));
    }

    // Permissions: WASI has no mode bits; std reports writable and cannot change them.
    if let Ok(m) = fs::metadata(p("hello.txt")) {
        let mut perm = m.permissions();
        perm.set_readonly(true);
        check("set_permissions readonly", fs::set_permissions(p("hello.txt"), perm));
    }

    // Writing moves mtime to now; size follows.
    if let Some(mut f) = check("open hello.txt append", OpenOptions::new().append(true).open(p("hello.txt"))) {
        check("append", f.write_all(b"more\n"));
        show("mtime near now after write", f.metadata(), |m| near_now(m.modified()).into());
        show("len after write", f.metadata(), |m| m.len().to_string());
    }

    // path_filestat_set_times through the preopen descriptor.
    let dirfd = 3u32;
    let t1 = 1_234_567_890u64 * 1_000_000_000 + 5;
    let t2 = 1_111_111_111u64 * 1_000_000_000;
    println!("set mtime digits.txt: {}", set_times_path(dirfd, true, "digits.txt", 0, t1, MTIM));
    show("after set mtime", fs::metadata(p("digits.txt")), |m| format!("mtime={} atime={}", secs(m.modified()), secs(m.accessed())));
    println!("set atime digits.txt: {}", set_times_path(dirfd, true, "digits.txt", t2, 0, ATIM));
    show("after set atime", fs::metadata(p("digits.txt")), |m| format!("mtime={} atime={}", secs(m.modified()), secs(m.accessed())));
    println!("set both now: {}", set_times_path(dirfd, true, "digits.txt", 0, 0, ATIM_NOW | MTIM_NOW));
    show("after set now", fs::metadata(p("digits.txt")), |m| format!("mtime near now={} atime near now={}", near_now(m.modified()), near_now(m.accessed())));
    println!("set ATIM|ATIM_NOW: {}", set_times_path(dirfd, true, "digits.txt", t1, 0, ATIM | ATIM_NOW));
    println!("set MTIM|MTIM_NOW: {}", set_times_path(dirfd, true, "digits.txt", 0, t1, MTIM | MTIM_NOW));
    println!("set no flags: {}", set_times_path(dirfd, true, "digits.txt", 0, 0, 0));
    show("after no-op set", fs::metadata(p("hello.txt")), |m| format!("atime={}", when(m.accessed())));
    println!("set mtime of link-hello, no follow: {}", set_times_path(dirfd, false, "link-hello", 0, t2, MTIM));
    show("link-hello itself", fs::symlink_metadata(p("link-hello")), |m| format!("mtime={}", secs(m.modified())));
    show("hello.txt through it", fs::metadata(p("link-hello")), |m| format!("mtime near now={}", near_now(m.modified())));
    println!("set mtime through link-sub, follow: {}", set_times_path(dirfd, true, "link-sub", 0, t2, MTIM));
    show("sub after", fs::metadata(p("sub")), |m| format!("mtime={}", secs(m.modified())));
    println!("set mtime missing: {}", set_times_path(dirfd, true, "missing", 0, t2, MTIM));
    println!("set mtime dangling, follow: {}", set_times_path(dirfd, true, "dangling", 0, t2, MTIM));
    // (Paths out of the grant: group meta-escape.)
    println!("set mtime on bad fd: {}", set_times_path(99, true, "x", 0, t2, MTIM));

    // fd_filestat_set_times through an open file.
    if let Some(f) = check("open sub/nested.txt", File::open(p("sub/nested.txt"))) {
        let e = unsafe { raw::fd_filestat_set_times(f.as_raw_fd() as u32, t2, t1, ATIM | MTIM) };
        println!("fd set times on read-only fd: {}", rc(e));
        show("nested after fd set", f.metadata(), |m| format!("mtime={} atime={}", secs(m.modified()), secs(m.accessed())));
        let e = unsafe { raw::fd_filestat_set_times(f.as_raw_fd() as u32, 0, 0, MTIM | MTIM_NOW) };
        println!("fd set MTIM|MTIM_NOW: {}", rc(e));
    }

    // fdstat of stdio, the preopen, and files opened in each mode: type and flags (the
    // rights sets: group meta-rights).
    show_type_flags("fd 0 (stdin)", 0);
    show_type_flags("fd 1 (stdout)", 1);
    show_type_flags("fd 2 (stderr)", 2);
    show_type_flags("fd 3 (preopen)", 3);
    show_type_flags("fd 99 (closed)", 99);
    for (label, opts) in open_modes().iter() {
        match opts.open(p("empty.txt")) {
            Ok(f) => show_type_flags(&format!("file opened {}", label), f.as_raw_fd() as u32),
            Err(e) => println!("file opened {}: err {}", label, err_str(&e)),
        }
    }
    match File::open(p("sub")) {
        Ok(d) => show_type_flags("dir opened with File::open", d.as_raw_fd() as u32),
        Err(e) => println!("dir opened: err {}", err_str(&e)),
    }

    // fd_fdstat_set_flags: append and nonblock on, then off; append redirects writes.
    if let Some(mut f) = check("open empty.txt rw", OpenOptions::new().read(true).write(true).open(p("empty.txt"))) {
        let fd = f.as_raw_fd() as u32;
        check("write abc", f.write_all(b"abc"));
        println!("set_flags APPEND: {}", rc(unsafe { raw::fd_fdstat_set_flags(fd, FDFLAG_APPEND) }));
        show_type_flags("after APPEND", fd);
        check("seek 0", f.seek(SeekFrom::Start(0)));
        check("write XY with append", f.write_all(b"XY"));
        show("position", f.stream_position(), |n| n.to_string());
        println!("set_flags NONBLOCK: {}", rc(unsafe { raw::fd_fdstat_set_flags(fd, FDFLAG_NONBLOCK) }));
        show_type_flags("after NONBLOCK", fd);
        println!("set_flags 0: {}", rc(unsafe { raw::fd_fdstat_set_flags(fd, 0) }));
        show_type_flags("after 0", fd);
        check("seek 0 again", f.seek(SeekFrom::Start(0)));
        check("write Q without append", f.write_all(b"Q"));
        println!("set_flags SYNC: {}", rc(unsafe { raw::fd_fdstat_set_flags(fd, 16) }));
        println!("set_flags on dir fd 3: {}", rc(unsafe { raw::fd_fdstat_set_flags(3, FDFLAG_NONBLOCK) }));
        println!("set_flags on bad fd: {}", rc(unsafe { raw::fd_fdstat_set_flags(99, FDFLAG_APPEND) }));
        println!("fd_advise sequential: {}", rc(unsafe { raw::fd_advise(fd, 0, 10, 1) }));
        // (An advice value out of range traps in Wasmtime rather than returning EINVAL.)
        // (fd_allocate: group meta-fd-allocate.)
        show("len", f.metadata(), |m| m.len().to_string());
    }
    show("empty.txt contents", fs::read(p("empty.txt")), |v| format!("{:?}", String::from_utf8_lossy(v)));
    println!("fd_advise on dir: {}", rc(unsafe { raw::fd_advise(3, 0, 10, 0) }));
}

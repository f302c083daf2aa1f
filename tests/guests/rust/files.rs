// Regular files through Rust std: create, write, read, append, truncate, create_new,
// set_len, seek/tell, positional read/write, copy, hard links, and the error paths
// (missing files, opening a directory for writing; writing a read-only handle and
// paths out of the grant in their own groups).
// Usage: files GROUP ROOT. GROUP "files" runs the checks that match Wasmtime;
// "files-rights" (wrong-mode calls on a handle: aotc's rights answer ENOTCAPABLE) and
// "files-escape" (opening through a symlink out of the grant: ENOTCAPABLE vs EPERM) run
// the checks where aotc differs by a README rule. ROOT is the grant (default "sandbox").
#![feature(wasi_ext)]

#[path = "common.rs"]
mod common;

use common::*;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::wasi::fs::FileExt;

fn read_all(path: &str) -> std::io::Result<String> {
    let mut s = String::new();
    File::open(path)?.read_to_string(&mut s)?;
    Ok(s)
}

fn main() {
    let group = std::env::args().nth(1).unwrap_or_else(|| "files".to_string());
    let root = std::env::args().nth(2).unwrap_or_else(|| "sandbox".to_string());
    match group.as_str() {
        "files" => files(&root),
        "files-rights" => files_rights(&root),
        "files-escape" => files_escape(&root),
        other => {
            eprintln!("unknown group {:?}", other);
            std::process::exit(2)
        }
    }
}

/// Rule `rights`: a read-only handle lacks fd_write and fd_filestat_set_size, a
/// write-only one fd_read (aotc ENOTCAPABLE; Wasmtime EBADF, EINVAL, EBADF).
fn files_rights(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    check("fs::write new.txt", fs::write(p("new.txt"), "first line\n"));
    if let Some(mut f) = check("open new.txt read-only", File::open(p("new.txt"))) {
        check("write to read-only handle", f.write_all(b"x"));
        check("set_len on read-only handle", f.set_len(0));
    }
    if let Some(mut f) = check("open new.txt write-only", OpenOptions::new().write(true).open(p("new.txt"))) {
        let mut b = [0u8; 4];
        check("read from write-only handle", f.read(&mut b));
    }
    show("read new.txt", read_all(&p("new.txt")), |s| format!("{:?}", s));
}

/// Rule `escape-errno`: `escape` is a symlink to ../outside.txt, out of the grant
/// (aotc ENOTCAPABLE, Wasmtime EPERM); outside.txt must stay untouched.
fn files_escape(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    check("open escape", File::open(p("escape")));
    check("create through escape", File::create(p("escape")));
    check("open sub/../../outside.txt", File::open(p("sub/../../outside.txt")));
}

fn files(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);

    // Reading what the fixture put there.
    show("read hello.txt", read_all(&p("hello.txt")), |s| format!("{:?}", s));
    show("read empty.txt", read_all(&p("empty.txt")), |s| format!("{:?}", s));
    show("read sub/nested.txt", read_all(&p("sub/nested.txt")), |s| format!("{:?}", s));
    show("read link-hello", read_all(&p("link-hello")), |s| format!("{:?}", s));
    show("read link-sub/nested.txt", read_all(&p("link-sub/nested.txt")), |s| format!("{:?}", s));
    check("open missing.txt", File::open(p("missing.txt")));
    check("open dangling", File::open(p("dangling")));
    check("open sub (dir) for reading", File::open(p("sub")));
    check("read sub (dir)", File::open(p("sub")).and_then(|mut f| {
        let mut v = Vec::new();
        f.read_to_end(&mut v)
    }));
    check("open sub (dir) for writing", OpenOptions::new().write(true).open(p("sub")));
    check("open missing/dir/file", File::open(p("missing/x.txt")));
    check("create in missing dir", File::create(p("missing/x.txt")));

    // Create, write, read back.
    if let Some(mut f) = check("create new.txt", File::create(p("new.txt"))) {
        check("write new.txt", f.write_all(b"first line\n"));
        check("write new.txt again", f.write_all(b"second line\n"));
        show("stream_position after writes", f.stream_position(), |n| n.to_string());
        check("flush", f.flush());
        check("sync_all", f.sync_all());
        check("sync_data", f.sync_data());
    }
    show("read new.txt", read_all(&p("new.txt")), |s| format!("{:?}", s));
    show("len new.txt", fs::metadata(p("new.txt")), |m| m.len().to_string());

    // (Writing a read-only handle and reading a write-only one: group files-rights.)
    if let Some(mut f) = check("open new.txt read-only", File::open(p("new.txt"))) {
        let mut b = [0u8; 5];
        show("read 5 from read-only handle", f.read(&mut b), |n| format!("{} {:?}", n, String::from_utf8_lossy(&b[..*n])));
    }
    if let Some(mut f) = check("open new.txt write-only", OpenOptions::new().write(true).open(p("new.txt"))) {
        // write(true) without truncate overwrites in place from offset 0.
        check("overwrite start", f.write_all(b"FIRST"));
    }
    show("read after overwrite", read_all(&p("new.txt")), |s| format!("{:?}", s));

    // Append: every write goes to the end, even after seeking to the start.
    if let Some(mut f) = check("open append", OpenOptions::new().append(true).open(p("new.txt"))) {
        check("append write", f.write_all(b"appended\n"));
        check("seek start on append handle", f.seek(SeekFrom::Start(0)));
        check("append write after seek", f.write_all(b"again\n"));
        show("position after append", f.stream_position(), |n| n.to_string());
    }
    show("read after append", read_all(&p("new.txt")), |s| format!("{:?}", s));
    check("append to missing without create", OpenOptions::new().append(true).open(p("nope.txt")));
    if let Some(mut f) = check(
        "append+create missing",
        OpenOptions::new().append(true).create(true).open(p("appended.txt")),
    ) {
        check("write appended.txt", f.write_all(b"made by append\n"));
    }
    show("read appended.txt", read_all(&p("appended.txt")), |s| format!("{:?}", s));

    // Truncate on open, create_new on an existing file.
    if let Some(mut f) = check(
        "open truncate",
        OpenOptions::new().write(true).truncate(true).open(p("new.txt")),
    ) {
        show("len right after truncate", f.metadata(), |m| m.len().to_string());
        check("write after truncate", f.write_all(b"short\n"));
    }
    show("read after truncate", read_all(&p("new.txt")), |s| format!("{:?}", s));
    check("create_new existing", OpenOptions::new().write(true).create_new(true).open(p("new.txt")));
    check("create_new over symlink", OpenOptions::new().write(true).create_new(true).open(p("link-hello")));
    check("create_new over dangling", OpenOptions::new().write(true).create_new(true).open(p("dangling")));
    if let Some(mut f) = check("create_new fresh", OpenOptions::new().write(true).create_new(true).open(p("fresh.txt"))) {
        check("write fresh.txt", f.write_all(b"fresh\n"));
    }
    check("truncate without write", OpenOptions::new().read(true).truncate(true).open(p("fresh.txt")));
    check("open with no access mode", OpenOptions::new().open(p("fresh.txt")));
    // File::create through a symlink writes the target.
    if let Some(mut f) = check("create through link-hello", File::create(p("link-hello"))) {
        check("write through link", f.write_all(b"via link\n"));
    }
    show("read hello.txt after link write", read_all(&p("hello.txt")), |s| format!("{:?}", s));
    check("create through dangling", File::create(p("dangling")));

    // set_len grows with zeros and shrinks.
    if let Some(f) = check("open digits rw", OpenOptions::new().read(true).write(true).open(p("digits.txt"))) {
        check("set_len 10", f.set_len(10));
        show("len after shrink", f.metadata(), |m| m.len().to_string());
        check("set_len 16", f.set_len(16));
        show("len after grow", f.metadata(), |m| m.len().to_string());
    }
    show("read digits after set_len", fs::read(p("digits.txt")), |v| format!("{:?}", v));

    // Seek and tell.
    if let Some(mut f) = check("open digits for seeking", OpenOptions::new().read(true).write(true).open(p("digits.txt"))) {
        show("seek start 3", f.seek(SeekFrom::Start(3)), |n| n.to_string());
        let mut b = [0u8; 2];
        show("read 2 at 3", f.read(&mut b), |n| format!("{} {:?}", n, &b[..*n]));
        show("seek current +1", f.seek(SeekFrom::Current(1)), |n| n.to_string());
        show("seek current -4", f.seek(SeekFrom::Current(-4)), |n| n.to_string());
        show("seek end 0", f.seek(SeekFrom::End(0)), |n| n.to_string());
        show("seek end -6", f.seek(SeekFrom::End(-6)), |n| n.to_string());
        check("seek before start", f.seek(SeekFrom::Current(-100)));
        show("position after failed seek", f.stream_position(), |n| n.to_string());
        show("seek past end", f.seek(SeekFrom::End(4)), |n| n.to_string());
        check("write past end", f.write_all(b"Z"));
        show("len after hole write", f.metadata(), |m| m.len().to_string());
        show("tell", f.tell(), |n| n.to_string());
        let mut b = [0u8; 8];
        show("read at end", f.read(&mut b), |n| n.to_string());
        // Positional I/O leaves the cursor alone.
        show("read_at 0", f.read_at(&mut b[..4], 0), |n| format!("{} {:?}", n, &b[..*n]));
        show("write_at 1", f.write_at(b"xy", 1), |n| n.to_string());
        show("read_at past end", f.read_at(&mut b, 100), |n| n.to_string());
        show("tell after positional", f.tell(), |n| n.to_string());
    }
    show("read digits final", fs::read(p("digits.txt")), |v| format!("{:?}", v));

    // fs::write / fs::read convenience, copy, hard links.
    check("fs::write data.bin", fs::write(p("data.bin"), [0u8, 1, 2, 255, 10]));
    show("fs::read data.bin", fs::read(p("data.bin")), |v| format!("{:?}", v));
    show("copy data.bin -> sub/copy.bin", fs::copy(p("data.bin"), p("sub/copy.bin")), |n| n.to_string());
    show("read copy", fs::read(p("sub/copy.bin")), |v| format!("{:?}", v));
    check("copy missing", fs::copy(p("missing.bin"), p("sub/x.bin")));
    check("copy onto a dir", fs::copy(p("data.bin"), p("sub/deeper")));
    check("hard_link data.bin -> hard.bin", fs::hard_link(p("data.bin"), p("hard.bin")));
    check("hard_link onto existing", fs::hard_link(p("data.bin"), p("hello.txt")));
    check("hard_link missing", fs::hard_link(p("missing.bin"), p("hard2.bin")));
    check("hard_link a dir", fs::hard_link(p("sub"), p("sublink")));
    check("append through hard link", OpenOptions::new().append(true).open(p("hard.bin")).and_then(|mut f| f.write_all(b"!")));
    show("data.bin sees hard-link write", fs::read(p("data.bin")), |v| format!("{:?}", v));
    show("nlink data.bin", fs::metadata(p("data.bin")), |m| {
        use std::os::wasi::fs::MetadataExt;
        m.nlink().to_string()
    });
    check("remove hard.bin", fs::remove_file(p("hard.bin")));
    show("nlink after unlink", fs::metadata(p("data.bin")), |m| {
        use std::os::wasi::fs::MetadataExt;
        m.nlink().to_string()
    });
    check("remove_file missing", fs::remove_file(p("hard.bin")));
    check("remove_file on dir", fs::remove_file(p("sub/deeper")));
    check("remove empty.txt", fs::remove_file(p("empty.txt")));

    // A big write and read back in chunks.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    check("write big.bin", fs::write(p("big.bin"), &big));
    if let Some(mut f) = check("open big.bin", File::open(p("big.bin"))) {
        let mut got = Vec::new();
        let mut buf = [0u8; 7000];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => {
                    println!("chunked read: err {}", err_str(&e));
                    break;
                }
            }
        }
        println!("big.bin round trip: {}", yes(got == big));
    }
    check("remove big.bin", fs::remove_file(p("big.bin")));
}

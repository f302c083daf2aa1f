// Directories and symlinks through Rust std: read_dir, create_dir(_all), rename,
// remove_dir(_all), symlink_path/read_link, metadata vs symlink_metadata, trailing
// slashes, `..`, symlinks that escape the grant, canonicalize, and the error paths
// (non-empty removal, renaming over existing entries, missing parents).
// Usage: dirs GROUP ROOT. GROUP "dirs" runs the checks that match Wasmtime;
// "dirs-escape" (paths out of the grant: aotc ENOTCAPABLE, Wasmtime EPERM) and
// "dirs-trailing-slash" (POSIX trailing slashes on a symlink and on remove_dir) run the
// checks where aotc differs by a README rule. ROOT is the grant (default "sandbox").
#![feature(wasi_ext)]

#[path = "common.rs"]
mod common;

use common::*;
use std::fs;
use std::os::wasi::fs::symlink_path;

fn main() {
    let group = std::env::args().nth(1).unwrap_or_else(|| "dirs".to_string());
    let root = std::env::args().nth(2).unwrap_or_else(|| "sandbox".to_string());
    match group.as_str() {
        "dirs" => dirs(&root),
        "dirs-escape" => dirs_escape(&root),
        "dirs-trailing-slash" => dirs_trailing_slash(&root),
        other => {
            eprintln!("unknown group {:?}", other);
            std::process::exit(2)
        }
    }
}

/// Rule `escape-errno`: every way out of the grant (`..` past the root, the `escape`
/// symlink to ../outside.txt, an absolute symlink target, a rename out) is refused,
/// ENOTCAPABLE under aotc, EPERM under Wasmtime; nothing outside changes.
fn dirs_escape(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    check("list root/..", listing(&p("..")));
    check("list escape", listing(&p("escape")));
    check("create_dir escaping ..", fs::create_dir(p("../escaped")));
    check("metadata escape", fs::metadata(p("escape")));
    check("symlink_path absolute target", symlink_path("/etc/passwd", p("abs-link")));
    show("read_link abs-link", fs::read_link(p("abs-link")), |t| t.display().to_string());
    check("read through abs-link", fs::read_to_string(p("abs-link")));
    check("read ../outside.txt", fs::read_to_string(p("../outside.txt")));
    check("read sub/../../outside.txt", fs::read_to_string(p("sub/../../outside.txt")));
    check("rename out of the grant", fs::rename(p("digits.txt"), p("../stolen.txt")));
    show("list root at end", listing(root), |s| s.clone());
}

/// Rule `trailing-slash`: `link-sub/` without following names the directory it points
/// to (aotc `dir`, Wasmtime the symlink), and remove_dir of `b/` removes b (aotc ok,
/// Wasmtime EINVAL, leaving b in the tree).
fn dirs_trailing_slash(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);
    show("symlink_metadata link-sub/", fs::symlink_metadata(p("link-sub/")), |m| kind_of(&m.file_type()).into());
    check("create_dir b", fs::create_dir(p("b")));
    check("remove_dir b/", fs::remove_dir(p("b/")));
    show("list root at end", listing(root), |s| s.clone());
}

fn dirs(root: &str) {
    let p = |name: &str| format!("{}/{}", root, name);

    show("list root", listing(root), |s| s.clone());
    show("list root/", listing(&format!("{}/", root)), |s| s.clone());
    show("list root/.", listing(&p(".")), |s| s.clone());
    show("list sub", listing(&p("sub")), |s| s.clone());
    show("list link-sub", listing(&p("link-sub")), |s| s.clone());
    show("list sub/deeper", listing(&p("sub/deeper")), |s| s.clone());
    show("list sub/..", listing(&p("sub/..")), |s| s.clone());
    check("list hello.txt", listing(&p("hello.txt")));
    check("list missing", listing(&p("missing")));

    // create_dir and friends.
    check("create_dir a", fs::create_dir(p("a")));
    check("create_dir a again", fs::create_dir(p("a")));
    check("create_dir over file", fs::create_dir(p("hello.txt")));
    check("create_dir over symlink", fs::create_dir(p("link-sub")));
    check("create_dir over dangling", fs::create_dir(p("dangling")));
    check("create_dir missing parent", fs::create_dir(p("x/y")));
    check("create_dir trailing slash", fs::create_dir(p("b/")));
    check("create_dir_all c/d/e", fs::create_dir_all(p("c/d/e")));
    check("create_dir_all existing", fs::create_dir_all(p("c/d")));
    check("create_dir_all through file", fs::create_dir_all(p("hello.txt/z")));
    check("create_dir via ..", fs::create_dir(p("sub/../viadots")));
    check("write c/d/e/f.txt", fs::write(p("c/d/e/f.txt"), "f\n"));
    show("list c/d/e", listing(&p("c/d/e")), |s| s.clone());

    // Trailing slashes on files and directories.
    check("metadata hello.txt/", fs::metadata(p("hello.txt/")));
    show("metadata sub/", fs::metadata(p("sub/")), |m| kind_of(&m.file_type()).into());
    show("metadata link-sub/", fs::metadata(p("link-sub/")), |m| kind_of(&m.file_type()).into());
    check("open hello.txt/", fs::File::open(p("hello.txt/")));
    check("create new.txt/", fs::File::create(p("new.txt/")));
    check("remove_file hello.txt/", fs::remove_file(p("hello.txt/")));
    // (symlink_metadata of link-sub/ and remove_dir of b/: group dirs-trailing-slash.)
    check("remove_dir b", fs::remove_dir(p("b")));

    // Symlinks.
    show("read_link link-hello", fs::read_link(p("link-hello")), |t| t.display().to_string());
    show("read_link escape", fs::read_link(p("escape")), |t| t.display().to_string());
    check("read_link hello.txt (not a link)", fs::read_link(p("hello.txt")));
    check("read_link missing", fs::read_link(p("missing")));
    show("symlink_metadata link-hello", fs::symlink_metadata(p("link-hello")), |m| {
        format!("{} len={}", kind_of(&m.file_type()), m.len())
    });
    show("metadata link-hello", fs::metadata(p("link-hello")), |m| {
        format!("{} len={}", kind_of(&m.file_type()), m.len())
    });
    show("symlink_metadata dangling", fs::symlink_metadata(p("dangling")), |m| kind_of(&m.file_type()).into());
    check("metadata dangling", fs::metadata(p("dangling")));
    show("symlink_metadata escape", fs::symlink_metadata(p("escape")), |m| kind_of(&m.file_type()).into());
    check("symlink_path new-link -> hello.txt", symlink_path("hello.txt", p("new-link")));
    show("read through new-link", fs::read_to_string(p("new-link")), |s| format!("{:?}", s));
    check("symlink_path over existing", symlink_path("hello.txt", p("digits.txt")));
    check("symlink_path dir link", symlink_path("sub/deeper", p("deep-link")));
    check("write through dir link", fs::write(p("deep-link/in-deeper.txt"), "deep\n"));
    show("list sub/deeper after", listing(&p("sub/deeper")), |s| s.clone());
    check("symlink_path dotdot target", symlink_path("../outside.txt", p("sub/up-link")));
    show("read sub/up-link (= root/outside.txt, absent)", fs::read_to_string(p("sub/up-link")), |s| format!("{:?}", s));
    check("symlink loop a->b", symlink_path("loop-b", p("loop-a")));
    check("symlink loop b->a", symlink_path("loop-a", p("loop-b")));
    check("open loop", fs::File::open(p("loop-a")));
    check("remove_file link-sub (a dir link)", fs::remove_file(p("link-sub")));
    show("sub still there", fs::metadata(p("sub")), |m| kind_of(&m.file_type()).into());
    check("remove_dir on symlink to dir", fs::remove_dir(p("deep-link")));
    check("remove_file dangling", fs::remove_file(p("dangling")));

    // `..` inside and outside the grant.
    show("read sub/../hello.txt", fs::read_to_string(p("sub/../hello.txt")), |s| format!("{:?}", s));
    show("read sub/deeper/../../digits.txt", fs::read_to_string(p("sub/deeper/../../digits.txt")), |s| format!("{:?}", s));
    // (Paths leaving the grant: group dirs-escape.)
    check("read outside.txt (no grant)", fs::read_to_string("outside.txt"));
    check("read /outside.txt", fs::read_to_string("/outside.txt"));
    show("read ./root/hello.txt", fs::read_to_string(format!("./{}/hello.txt", root)), |s| format!("{:?}", s));
    show("read root//sub//nested.txt", fs::read_to_string(format!("{}//sub//nested.txt", root)), |s| format!("{:?}", s));
    show("canonicalize sub/../hello.txt", fs::canonicalize(p("sub/../hello.txt")), |t| t.display().to_string());
    show("current_dir", std::env::current_dir(), |t| t.display().to_string());

    // Rename.
    check("write r1.txt", fs::write(p("r1.txt"), "one\n"));
    check("rename r1 -> r2", fs::rename(p("r1.txt"), p("r2.txt")));
    check("rename missing", fs::rename(p("r1.txt"), p("r3.txt")));
    check("rename r2 over hello.txt", fs::rename(p("r2.txt"), p("hello.txt")));
    show("hello.txt after rename", fs::read_to_string(p("hello.txt")), |s| format!("{:?}", s));
    check("rename file over dir", fs::rename(p("hello.txt"), p("a")));
    check("rename dir over file", fs::rename(p("a"), p("digits.txt")));
    check("rename dir a -> sub/a2", fs::rename(p("a"), p("sub/a2")));
    check("mkdir empty-target", fs::create_dir(p("empty-target")));
    check("rename dir over empty dir", fs::rename(p("c"), p("empty-target")));
    show("list empty-target", listing(&p("empty-target")), |s| s.clone());
    check("rename dir over non-empty dir", fs::rename(p("sub/a2"), p("empty-target")));
    check("rename dir into itself", fs::rename(p("sub"), p("sub/deeper/sub")));
    check("rename symlink", fs::rename(p("new-link"), p("renamed-link")));
    show("read_link renamed-link", fs::read_link(p("renamed-link")), |t| t.display().to_string());
    check("rename with trailing slash on file", fs::rename(p("renamed-link/"), p("x-link")));
    check("rename dir with trailing slashes", fs::rename(p("viadots/"), p("viadots2/")));

    // Removal.
    check("remove_dir non-empty", fs::remove_dir(p("sub")));
    check("remove_dir file", fs::remove_dir(p("digits.txt")));
    check("remove_dir missing", fs::remove_dir(p("missing")));
    check("remove_dir empty", fs::remove_dir(p("viadots2")));
    check("remove_dir root/.", fs::remove_dir(p(".")));
    check("remove_dir_all empty-target", fs::remove_dir_all(p("empty-target")));
    check("remove_dir_all missing", fs::remove_dir_all(p("missing")));
    check("remove_dir_all on a file", fs::remove_dir_all(p("digits.txt")));
    show("list root at end", listing(root), |s| s.clone());
    show("list sub at end", listing(&p("sub")), |s| s.clone());

    // read_dir on a dir that changes while iterating is engine-defined: we only check
    // that every original entry is still reported once.
    let before = fs::read_dir(root).map(|rd| rd.count()).unwrap_or(0);
    if let Ok(rd) = fs::read_dir(root) {
        let mut n = 0;
        for e in rd.flatten() {
            if n == 0 {
                let _ = fs::write(p("added-during-iteration"), "");
            }
            let _ = e;
            n += 1;
        }
        println!("iteration saw at least the old entries: {}", yes(n >= before));
    }
}

//! Zig guest "dirs": directory operations through std.Io.Dir (create, createDirPath,
//! rename, delete, deleteTree, iterate, walk, symlinks, hard links, access) and the path
//! rules a sandbox must keep: `..`, trailing slashes, absolute paths, and symlinks that
//! escape the grant. Raw WASI calls show the errno where std folds several into one error.
//! argv[1] selects the checks: "dirs" (all that match Wasmtime), "dirs-escape" (paths
//! leaving the grant, rule escape-errno), "dirs-slash" (a trailing slash after a symlink
//! or on path_remove_directory, rule trailing-slash), "dirs-slash-escape" (both at once).
const std = @import("std");
const o = @import("lib/out.zig");
const wasi = std.os.wasi;
const Io = std.Io;
const Dir = Io.Dir;

var gpa: std.mem.Allocator = undefined;
var io: Io = undefined;

/// Prints the sorted entries (name and kind) of one directory, one line each.
fn list(dir: Dir, path: []const u8) void {
    var d = dir.openDir(io, path, .{ .iterate = true }) catch |err| {
        o.line("list {s}: error.{s}", .{ path, @errorName(err) });
        return;
    };
    defer d.close(io);
    var names: std.ArrayList([]const u8) = .empty;
    defer {
        for (names.items) |n| gpa.free(n);
        names.deinit(gpa);
    }
    var it = d.iterate();
    while (it.next(io) catch |err| {
        o.line("list {s}: next: error.{s}", .{ path, @errorName(err) });
        return;
    }) |entry| {
        const s = std.fmt.allocPrint(gpa, "{s} ({t})", .{ entry.name, entry.kind }) catch return;
        names.append(gpa, s) catch return;
    }
    o.sortStrings(names.items);
    o.line("list {s}: {d} entries", .{ path, names.items.len });
    for (names.items) |n| o.line("  {s}", .{n});
}

/// Prints every path under the grant (std Walker), sorted, with its kind.
fn walkAll(dir: Dir) void {
    var root = dir.openDir(io, ".", .{ .iterate = true }) catch |err| {
        o.line("walk: error.{s}", .{@errorName(err)});
        return;
    };
    defer root.close(io);
    var walker = root.walk(gpa) catch return;
    defer walker.deinit();
    var names: std.ArrayList([]const u8) = .empty;
    defer {
        for (names.items) |n| gpa.free(n);
        names.deinit(gpa);
    }
    while (walker.next(io) catch |err| {
        o.line("walk: next: error.{s}", .{@errorName(err)});
        return;
    }) |entry| {
        const s = std.fmt.allocPrint(gpa, "{s} ({t}, depth {d})", .{ entry.path, entry.kind, entry.depth() }) catch return;
        names.append(gpa, s) catch return;
    }
    o.sortStrings(names.items);
    o.line("walk: {d} entries", .{names.items.len});
    for (names.items) |n| o.line("  {s}", .{n});
}

fn stat(dir: Dir, path: []const u8, follow: bool) void {
    if (dir.statFile(io, path, .{ .follow_symlinks = follow })) |st| {
        o.line("stat {s} (follow {s}): {t} size {d}", .{ path, o.yesno(follow), st.kind, if (st.kind == .file or st.kind == .sym_link) st.size else 0 });
    } else |err| {
        o.line("stat {s} (follow {s}): error.{s}", .{ path, o.yesno(follow), @errorName(err) });
    }
}

fn readLink(dir: Dir, path: []const u8) void {
    var buf: [256]u8 = undefined;
    if (dir.readLink(io, path, &buf)) |n| {
        o.line("readLink {s}: \"{s}\"", .{ path, buf[0..n] });
    } else |err| o.line("readLink {s}: error.{s}", .{ path, @errorName(err) });
}

fn readText(dir: Dir, path: []const u8) void {
    if (dir.readFileAlloc(io, path, gpa, .limited(4096))) |data| {
        defer gpa.free(data);
        o.line("read {s}: \"{f}\"", .{ path, std.zig.fmtString(data) });
    } else |err| o.line("read {s}: error.{s}", .{ path, @errorName(err) });
}

fn rawFilestat(dir: Dir, path: []const u8, follow: bool) void {
    var st: wasi.filestat_t = undefined;
    const en = wasi.path_filestat_get(dir.handle, .{ .SYMLINK_FOLLOW = follow }, path.ptr, path.len, &st);
    if (en == .SUCCESS) {
        o.line("path_filestat_get \"{s}\" follow={s}: SUCCESS {t}", .{ path, o.yesno(follow), st.filetype });
    } else {
        var b: [16]u8 = undefined;
        o.line("path_filestat_get \"{s}\" follow={s}: {s}", .{ path, o.yesno(follow), o.errnoName(&b, en) });
    }
}

fn rawOpen(dir: Dir, path: []const u8, follow: bool, oflags: wasi.oflags_t) void {
    var fd: wasi.fd_t = -1;
    const rights: wasi.rights_t = .{ .FD_READ = true, .FD_FILESTAT_GET = true, .FD_READDIR = true };
    const en = wasi.path_open(dir.handle, .{ .SYMLINK_FOLLOW = follow }, path.ptr, path.len, oflags, rights, .{}, .{}, &fd);
    var b: [16]u8 = undefined;
    o.line("path_open \"{s}\" follow={s} dir={s}: {s}", .{ path, o.yesno(follow), o.yesno(oflags.DIRECTORY), o.errnoName(&b, en) });
    if (en == .SUCCESS) _ = wasi.fd_close(fd);
}

fn rawErr(label: []const u8, path: []const u8, en: wasi.errno_t) void {
    var b: [16]u8 = undefined;
    o.line("{s} \"{s}\": {s}", .{ label, path, o.errnoName(&b, en) });
}

pub fn main(init: std.process.Init) !void {
    io = init.io;
    gpa = init.gpa;
    o.init(io);
    defer o.flush();
    const dir = Dir.cwd();
    const group = o.group(init);
    if (std.mem.eql(u8, group, "dirs")) {
        mainChecks(dir);
    } else if (std.mem.eql(u8, group, "dirs-escape")) {
        escapes(dir);
    } else if (std.mem.eql(u8, group, "dirs-slash")) {
        trailingSlashes(dir);
    } else if (std.mem.eql(u8, group, "dirs-slash-escape")) {
        rawFilestat(dir, "escape/", false);
    } else o.unknownGroup(group);
}

/// Rule `escape-errno`: every path leaving the grant (or the opened directory) is
/// ENOTCAPABLE under aotc (std: AccessDenied, Unexpected from stat/access), EPERM under
/// Wasmtime (std: PermissionDenied, Unexpected).
fn escapes(dir: Dir) void {
    if (dir.openDir(io, "sub", .{})) |d| {
        defer d.close(io);
        o.res("openFile ../hello.txt from sub", d.openFile(io, "../hello.txt", .{}));
    } else |err| o.line("openDir sub: error.{s}", .{@errorName(err)});
    stat(dir, "escape", true);
    o.res("symLink /etc/passwd -> abs", dir.symLink(io, "/etc/passwd", "abs", .{}));
    readText(dir, "abs");
    readText(dir, "../outside.txt");
    readText(dir, "sub/../../outside.txt");
    readText(dir, "/etc/hostname");
    o.res("openDir ..", dir.openDir(io, "..", .{}));
    o.res("openDir /", dir.openDir(io, "/", .{}));
    o.res("access escape", dir.access(io, "escape", .{}));
    rawFilestat(dir, "escape", true);
    rawOpen(dir, "sub/../..", true, .{ .DIRECTORY = true });
    o.res("rename digits.txt -> ../out.txt", Dir.rename(dir, "digits.txt", dir, "../out.txt", io));
    o.res("deleteFile ../outside.txt", dir.deleteFile(io, "../outside.txt"));
}

/// Rule `trailing-slash`: aotc resolves a final symlink before a trailing slash
/// (path_filestat_get without follow describes what it names) and removes `d/`;
/// Wasmtime describes the symlink itself and answers EINVAL to path_remove_directory.
fn trailingSlashes(dir: Dir) void {
    stat(dir, "link-sub/", false);
    stat(dir, "link-hello/", false);
    rawFilestat(dir, "link-sub/", false);
    rawFilestat(dir, "link-hello/", false);
    rawFilestat(dir, "dangling/", false);
    o.res("createDir d5", dir.createDir(io, "d5", .default_dir));
    rawErr("path_remove_directory", "d5/", wasi.path_remove_directory(dir.handle, "d5/", 3));
    rawErr("path_remove_directory", "sub/deeper/", wasi.path_remove_directory(dir.handle, "sub/deeper/", 11));
    o.res("deleteDir sub/deeper/", dir.deleteDir(io, "sub/deeper/"));
    list(dir, ".");
    list(dir, "sub");
}

fn mainChecks(dir: Dir) void {
    o.line("== initial tree", .{});
    list(dir, ".");
    walkAll(dir);

    o.line("== create", .{});
    o.res("createDir d1", dir.createDir(io, "d1", .default_dir));
    o.res("createDir d1 again", dir.createDir(io, "d1", .default_dir));
    o.res("createDir hello.txt", dir.createDir(io, "hello.txt", .default_dir));
    o.res("createDir nope/x", dir.createDir(io, "nope/x", .default_dir));
    o.res("createDir hello.txt/x", dir.createDir(io, "hello.txt/x", .default_dir));
    o.res("createDir d2/ (trailing slash)", dir.createDir(io, "d2/", .default_dir));
    o.res("createDir link-sub/viaLink", dir.createDir(io, "link-sub/viaLink", .default_dir));
    o.res("createDir dangling", dir.createDir(io, "dangling", .default_dir));
    o.res("createDirPath a/b/c", dir.createDirPath(io, "a/b/c"));
    if (dir.createDirPathStatus(io, "a/b/c", .default_dir)) |s| {
        o.line("createDirPathStatus a/b/c: {t}", .{s});
    } else |err| o.line("createDirPathStatus a/b/c: error.{s}", .{@errorName(err)});
    if (dir.createDirPathStatus(io, "a/b/d", .default_dir)) |s| {
        o.line("createDirPathStatus a/b/d: {t}", .{s});
    } else |err| o.line("createDirPathStatus a/b/d: error.{s}", .{@errorName(err)});
    o.res("createDirPath hello.txt/z", dir.createDirPath(io, "hello.txt/z"));
    o.res("writeFile d1/inner.txt", dir.writeFile(io, .{ .sub_path = "d1/inner.txt", .data = "in d1\n" }));
    o.res("writeFile a/b/c/f.txt", dir.writeFile(io, .{ .sub_path = "a/b/c/f.txt", .data = "deep\n" }));
    if (dir.openDir(io, "d1", .{})) |d| {
        defer d.close(io);
        if (d.stat(io)) |st| o.line("stat opened d1: {t}", .{st.kind}) else |err| o.line("stat opened d1: error.{s}", .{@errorName(err)});
        o.res("writeFile in opened d1", d.writeFile(io, .{ .sub_path = "opened.txt", .data = "via opened d1\n" }));
    } else |err| o.line("openDir d1: error.{s}", .{@errorName(err)});

    o.line("== symlinks", .{});
    stat(dir, "link-hello", true);
    stat(dir, "link-hello", false);
    stat(dir, "link-sub", true);
    stat(dir, "link-sub", false);
    stat(dir, "dangling", true);
    stat(dir, "dangling", false);
    stat(dir, "escape", false);
    readLink(dir, "link-hello");
    readLink(dir, "link-sub");
    readLink(dir, "dangling");
    readLink(dir, "escape");
    readLink(dir, "hello.txt");
    readLink(dir, "missing");
    readLink(dir, "link-sub/");
    readText(dir, "link-hello");
    readText(dir, "link-sub/nested.txt");
    readText(dir, "escape");
    readText(dir, "dangling");
    o.res("openDir link-sub", dir.openDir(io, "link-sub", .{}));
    o.res("openDir link-sub nofollow", dir.openDir(io, "link-sub", .{ .follow_symlinks = false }));
    o.res("openFile link-hello nofollow", dir.openFile(io, "link-hello", .{ .follow_symlinks = false }));
    o.res("symLink hello.txt -> ln2", dir.symLink(io, "hello.txt", "ln2", .{}));
    readLink(dir, "ln2");
    readText(dir, "ln2");
    o.res("symLink over existing ln2", dir.symLink(io, "digits.txt", "ln2", .{}));
    o.res("symLink sub -> lndir (dir flag)", dir.symLink(io, "sub", "lndir", .{ .is_directory = true }));
    readText(dir, "lndir/nested.txt");
    o.res("symLink ../outside.txt -> esc2", dir.symLink(io, "../outside.txt", "esc2", .{}));
    readText(dir, "esc2");
    o.res("symLink into missing dir", dir.symLink(io, "hello.txt", "nope/ln", .{}));
    o.res("symLink loop1 -> loop2", dir.symLink(io, "loop2", "loop1", .{}));
    o.res("symLink loop2 -> loop1", dir.symLink(io, "loop1", "loop2", .{}));
    readText(dir, "loop1");
    stat(dir, "loop1", true);
    o.res("symLinkAtomic hello.txt -> ln2 (replace)", dir.symLinkAtomic(io, "digits.txt", "ln2", .{}));
    readLink(dir, "ln2");
    o.res("hardLink hello.txt -> hard.txt", dir.hardLink("hello.txt", dir, "hard.txt", io, .{}));
    if (dir.statFile(io, "hello.txt", .{})) |st| o.line("hello.txt nlink {d}", .{st.nlink}) else |err| o.line("stat: error.{s}", .{@errorName(err)});
    o.res("hardLink over existing", dir.hardLink("hello.txt", dir, "digits.txt", io, .{}));
    o.res("hardLink a directory", dir.hardLink("sub", dir, "subhard", io, .{}));
    o.res("hardLink escape symlink (follow)", dir.hardLink("escape", dir, "eschard", io, .{ .follow_symlinks = true }));

    o.line("== paths", .{});
    readText(dir, "sub/../hello.txt");
    readText(dir, "./hello.txt");
    readText(dir, "sub/./nested.txt");
    readText(dir, "sub//nested.txt");
    readText(dir, "link-sub/../hello.txt");
    readText(dir, "hello.txt/");
    readText(dir, "link-hello/");
    o.res("openDir sub/", dir.openDir(io, "sub/", .{}));
    o.res("openDir .", dir.openDir(io, ".", .{}));
    o.res("access hello.txt", dir.access(io, "hello.txt", .{}));
    o.res("access missing", dir.access(io, "missing", .{}));
    stat(dir, "sub/", true);
    stat(dir, "hello.txt/", true);
    rawFilestat(dir, ".", false);
    rawFilestat(dir, "", false);
    rawFilestat(dir, "sub/deeper/..", false);
    rawOpen(dir, "link-sub", false, .{ .DIRECTORY = true });
    rawOpen(dir, "link-hello", false, .{});
    rawOpen(dir, "link-sub/", false, .{});
    rawOpen(dir, "hello.txt/", true, .{});
    rawOpen(dir, "sub/..", true, .{ .DIRECTORY = true });
    rawOpen(dir, "escape", false, .{});

    o.line("== rename", .{});
    o.res("writeFile r1.txt", dir.writeFile(io, .{ .sub_path = "r1.txt", .data = "one\n" }));
    o.res("writeFile r2.txt", dir.writeFile(io, .{ .sub_path = "r2.txt", .data = "two\n" }));
    o.res("rename r1.txt -> r3.txt", Dir.rename(dir, "r1.txt", dir, "r3.txt", io));
    o.res("rename r3.txt -> r2.txt (replace)", Dir.rename(dir, "r3.txt", dir, "r2.txt", io));
    readText(dir, "r2.txt");
    o.res("rename missing -> x", Dir.rename(dir, "missing", dir, "x", io));
    o.res("rename r2.txt -> sub (file over dir)", Dir.rename(dir, "r2.txt", dir, "sub", io));
    o.res("rename d1 -> r2.txt (dir over file)", Dir.rename(dir, "d1", dir, "r2.txt", io));
    o.res("rename d2 -> d1 (dir over non-empty dir)", Dir.rename(dir, "d2", dir, "d1", io));
    o.res("createDir d3", dir.createDir(io, "d3", .default_dir));
    o.res("rename d1 -> d3 (dir over empty dir)", Dir.rename(dir, "d1", dir, "d3", io));
    readText(dir, "d3/inner.txt");
    o.res("rename d3 -> d3/inside (into itself)", Dir.rename(dir, "d3", dir, "d3/inside", io));
    o.res("rename r2.txt -> r4.txt/ (trailing slash)", Dir.rename(dir, "r2.txt", dir, "r4.txt/", io));
    o.res("rename d2/ -> d4/ (trailing slashes)", Dir.rename(dir, "d2/", dir, "d4/", io));
    o.res("rename ln2 -> ln3 (a symlink)", Dir.rename(dir, "ln2", dir, "ln3", io));
    readLink(dir, "ln3");
    o.res("rename r2.txt -> a/b/moved.txt", Dir.rename(dir, "r2.txt", dir, "a/b/moved.txt", io));
    o.res("renamePreserve a/b/moved.txt -> hello.txt", Dir.renamePreserve(dir, "a/b/moved.txt", dir, "hello.txt", io));
    if (dir.openDir(io, "a", .{})) |a| {
        defer a.close(io);
        o.res("rename across dirs (a/b/moved.txt -> top.txt)", Dir.rename(a, "b/moved.txt", dir, "top.txt", io));
    } else |err| o.line("openDir a: error.{s}", .{@errorName(err)});
    readText(dir, "top.txt");

    o.line("== delete", .{});
    o.res("deleteFile sub (a dir)", dir.deleteFile(io, "sub"));
    o.res("deleteFile missing", dir.deleteFile(io, "missing"));
    o.res("deleteFile hello.txt/ (trailing slash)", dir.deleteFile(io, "hello.txt/"));
    o.res("deleteFile link-sub (symlink to dir)", dir.deleteFile(io, "link-sub"));
    o.res("deleteFile escape", dir.deleteFile(io, "escape"));
    o.res("deleteFile dangling", dir.deleteFile(io, "dangling"));
    o.res("deleteDir sub (non-empty)", dir.deleteDir(io, "sub"));
    o.res("deleteDir hello.txt", dir.deleteDir(io, "hello.txt"));
    o.res("deleteDir missing", dir.deleteDir(io, "missing"));
    o.res("deleteDir lndir (symlink to dir)", dir.deleteDir(io, "lndir"));
    o.res("deleteDir .", dir.deleteDir(io, "."));
    rawErr("path_unlink_file", "sub", wasi.path_unlink_file(dir.handle, "sub", 3));
    rawErr("path_remove_directory", "sub", wasi.path_remove_directory(dir.handle, "sub", 3));
    rawErr("path_remove_directory", "hello.txt", wasi.path_remove_directory(dir.handle, "hello.txt", 9));
    o.res("deleteTree a", dir.deleteTree(io, "a"));
    o.res("deleteTree missing", dir.deleteTree(io, "missing"));
    o.res("deleteTree hard.txt (a file)", dir.deleteTree(io, "hard.txt"));
    o.res("deleteTree link-hello (a symlink)", dir.deleteTree(io, "link-hello"));
    readText(dir, "hello.txt");

    o.line("== final tree", .{});
    list(dir, ".");
    walkAll(dir);
    list(dir, "sub");
    list(dir, "hello.txt");
    list(dir, "missing");
}

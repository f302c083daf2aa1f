//! Zig guest "fdstat": descriptor-level WASI through std.os.wasi, which std.Io does not
//! reach: fd_fdstat_get (type, flags, rights) of stdio, the preopen and opened files and
//! dirs, fd_fdstat_set_flags (append, nonblock), fd_fdstat_set_rights, rights inherited by
//! paths opened under a directory opened with narrow rights (as std.Io.Dir.openDir does),
//! prestat, renumber, advise/allocate, readdir cookies, and stdio seeks.
//! argv[1] selects the checks: "fdstat" (all that match Wasmtime: types and flags),
//! "fdstat-rights" (the rights fd_fdstat_get reports, fd_fdstat_set_rights, calls a
//! directory's rights refuse), "fdstat-allocate", "fdstat-dirsync", "fdstat-linkfollow".
const std = @import("std");
const o = @import("lib/out.zig");
const wasi = std.os.wasi;
const Io = std.Io;
const Dir = Io.Dir;

/// Type and flags (the rights are printed by `showRights`, rule `rights`).
fn showFdstat(label: []const u8, fd: wasi.fd_t) void {
    var st: wasi.fdstat_t = undefined;
    const en = wasi.fd_fdstat_get(fd, &st);
    if (en != .SUCCESS) return o.errno(label, en);
    o.line("{s}: {t} flags 0x{x}", .{ label, st.fs_filetype, @as(u16, @bitCast(st.fs_flags)) });
}

fn showRights(label: []const u8, fd: wasi.fd_t) void {
    var st: wasi.fdstat_t = undefined;
    const en = wasi.fd_fdstat_get(fd, &st);
    if (en != .SUCCESS) return o.errno(label, en);
    o.line("{s}: base 0x{x} inheriting 0x{x}", .{
        label,
        @as(u64, @bitCast(st.fs_rights_base)),
        @as(u64, @bitCast(st.fs_rights_inheriting)),
    });
}

fn open(dir: wasi.fd_t, path: []const u8, oflags: wasi.oflags_t, base: wasi.rights_t, inheriting: wasi.rights_t, fdflags: wasi.fdflags_t, fd: *wasi.fd_t) wasi.errno_t {
    return wasi.path_open(dir, .{ .SYMLINK_FOLLOW = true }, path.ptr, path.len, oflags, base, inheriting, fdflags, fd);
}

fn write(fd: wasi.fd_t, data: []const u8) wasi.errno_t {
    var n: usize = 0;
    const iov = [_]wasi.ciovec_t{.{ .base = data.ptr, .len = data.len }};
    return wasi.fd_write(fd, &iov, 1, &n);
}

const all_file: wasi.rights_t = .{
    .FD_DATASYNC = true,
    .FD_READ = true,
    .FD_SEEK = true,
    .FD_FDSTAT_SET_FLAGS = true,
    .FD_SYNC = true,
    .FD_TELL = true,
    .FD_WRITE = true,
    .FD_ADVISE = true,
    .FD_ALLOCATE = true,
    .FD_FILESTAT_GET = true,
    .FD_FILESTAT_SET_SIZE = true,
    .FD_FILESTAT_SET_TIMES = true,
    .POLL_FD_READWRITE = true,
};

const dir_only: wasi.rights_t = .{
    .PATH_OPEN = true,
    .PATH_CREATE_FILE = true,
    .FD_READDIR = true,
    .PATH_FILESTAT_GET = true,
};

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    o.init(io);
    defer o.flush();
    const pre: wasi.fd_t = Dir.cwd().handle;
    const group = o.group(init);
    if (std.mem.eql(u8, group, "fdstat")) {
        mainChecks(io, init.gpa, pre);
    } else if (std.mem.eql(u8, group, "fdstat-rights")) {
        rightsChecks(io, pre);
    } else if (std.mem.eql(u8, group, "fdstat-allocate")) {
        // Rule `fd-allocate`: aotc reserves the space, Wasmtime answers ENOTSUP.
        var fd: wasi.fd_t = -1;
        o.errno("open alloc.txt rw", open(pre, "alloc.txt", .{ .CREAT = true }, all_file, .{}, .{}, &fd));
        o.errno("write base", write(fd, "base\n"));
        o.errno("fd_allocate 0..4096", wasi.fd_allocate(fd, 0, 4096));
        var st: wasi.filestat_t = undefined;
        o.errno("fd_filestat_get", wasi.fd_filestat_get(fd, &st));
        o.line("size after fd_allocate {d}", .{st.size});
        o.errno("close", wasi.fd_close(fd));
    } else if (std.mem.eql(u8, group, "fdstat-dirsync")) {
        // Rule `dir-sync`: aotc flushes a directory, Wasmtime answers EBADF.
        o.errno("fd_sync on preopen", wasi.fd_sync(pre));
        o.errno("fd_datasync on preopen", wasi.fd_datasync(pre));
    } else if (std.mem.eql(u8, group, "fdstat-linkfollow")) {
        // Rule `link-follow`: aotc links the symlink's target, Wasmtime answers EINVAL.
        var st = std.mem.zeroes(wasi.filestat_t);
        o.errno("path_link with follow", wasi.path_link(pre, .{ .SYMLINK_FOLLOW = true }, "link-hello", 10, pre, "hl", 2));
        o.errno("path_filestat_get hl", wasi.path_filestat_get(pre, .{}, "hl", 2, &st));
        o.line("hl {t} nlink {d}", .{ st.filetype, st.nlink });
    } else o.unknownGroup(group);
}

/// Rule `rights`: aotc reports the rights each fd holds, narrows them for good with
/// fd_fdstat_set_rights and refuses calls a directory fd has no right for; Wasmtime
/// reports fixed rights, answers ENOTSUP to set_rights and allows the calls.
fn rightsChecks(io: Io, pre: wasi.fd_t) void {
    o.line("== stdio and preopen", .{});
    showRights("stdin", 0);
    showRights("stdout", 1);
    showRights("stderr", 2);
    showRights("preopen", pre);
    o.line("== files opened by std", .{});
    const dir = Dir.cwd();
    if (dir.openFile(io, "hello.txt", .{})) |f| {
        showRights("std openFile read_only", f.handle);
        f.close(io);
    } else |err| o.line("openFile: error.{s}", .{@errorName(err)});
    if (dir.openFile(io, "hello.txt", .{ .mode = .read_write })) |f| {
        showRights("std openFile read_write", f.handle);
        f.close(io);
    } else |err| o.line("openFile: error.{s}", .{@errorName(err)});
    if (dir.createFile(io, "made.txt", .{})) |f| {
        showRights("std createFile", f.handle);
        f.close(io);
    } else |err| o.line("createFile: error.{s}", .{@errorName(err)});
    if (dir.openDir(io, "sub", .{ .iterate = true })) |d| {
        showRights("std openDir sub", d.handle);
        d.close(io);
    } else |err| o.line("openDir: error.{s}", .{@errorName(err)});

    o.line("== set_rights", .{});
    var fd: wasi.fd_t = -1;
    o.errno("open made.txt rw", open(pre, "made.txt", .{}, all_file, .{}, .{}, &fd));
    o.errno("set_flags APPEND", wasi.fd_fdstat_set_flags(fd, .{ .APPEND = true }));
    showRights("after APPEND", fd);
    o.errno("set_rights drop write", wasi.fd_fdstat_set_rights(fd, .{ .FD_READ = true, .FD_SEEK = true, .FD_TELL = true, .FD_FILESTAT_GET = true }, .{}));
    showRights("after set_rights", fd);
    o.errno("write after set_rights", write(fd, "more\n"));
    o.errno("set_rights grow back", wasi.fd_fdstat_set_rights(fd, all_file, .{}));
    o.errno("write after growing", write(fd, "grown\n"));
    o.errno("close", wasi.fd_close(fd));

    o.line("== directory rights", .{});
    var dfd: wasi.fd_t = -1;
    o.errno("open sub with dir-only rights", open(pre, "sub", .{ .DIRECTORY = true }, dir_only, dir_only, .{}, &dfd));
    showRights("sub dir-only", dfd);
    o.errno("mkdir under it (no PATH_CREATE_DIRECTORY)", wasi.path_create_directory(dfd, "newdir", 6));
    _ = wasi.fd_close(dfd);
    o.errno("open preopen with no rights", open(pre, ".", .{ .DIRECTORY = true }, .{}, .{}, .{}, &dfd));
    showRights("no-rights dir", dfd);
    var ffd: wasi.fd_t = -1;
    o.errno("open under no-rights dir", open(dfd, "hello.txt", .{}, .{ .FD_READ = true }, .{}, .{}, &ffd));
    _ = wasi.fd_close(dfd);
}

fn mainChecks(io: Io, gpa: std.mem.Allocator, pre: wasi.fd_t) void {
    o.line("== stdio and preopen", .{});
    showFdstat("fdstat stdin", 0);
    showFdstat("fdstat stdout", 1);
    showFdstat("fdstat stderr", 2);
    showFdstat("fdstat preopen", pre);
    showFdstat("fdstat fd 99", 99);
    {
        var ps: wasi.prestat_t = undefined;
        o.errno("prestat_get preopen", wasi.fd_prestat_get(pre, &ps));
        o.line("prestat name length {d}", .{ps.u.dir.pr_name_len});
        var name: [64]u8 = undefined;
        o.errno("prestat_dir_name", wasi.fd_prestat_dir_name(pre, &name, ps.u.dir.pr_name_len));
        o.line("prestat name \"{s}\"", .{name[0..ps.u.dir.pr_name_len]});
        o.errno("prestat_dir_name short buffer", wasi.fd_prestat_dir_name(pre, &name, 1));
        o.errno("prestat_get stdout", wasi.fd_prestat_get(1, &ps));
        o.errno("prestat_get fd 99", wasi.fd_prestat_get(99, &ps));
    }
    var pos: u64 = 0;
    o.errno("fd_seek stdout", wasi.fd_seek(1, 0, .CUR, &pos));
    o.errno("fd_tell stdin", wasi.fd_tell(0, &pos));
    o.errno("fd_seek preopen", wasi.fd_seek(pre, 0, .CUR, &pos));
    o.errno("fd_write preopen", write(pre, "x"));
    {
        var b: [4]u8 = undefined;
        var n: usize = 0;
        const iov = [_]wasi.iovec_t{.{ .base = &b, .len = b.len }};
        o.errno("fd_read preopen", wasi.fd_read(pre, &iov, 1, &n));
    }

    o.line("== files opened by std", .{});
    const dir = Dir.cwd();
    if (dir.openFile(io, "hello.txt", .{})) |f| {
        showFdstat("std openFile read_only", f.handle);
        f.close(io);
    } else |err| o.line("openFile: error.{s}", .{@errorName(err)});
    if (dir.openFile(io, "hello.txt", .{ .mode = .read_write })) |f| {
        showFdstat("std openFile read_write", f.handle);
        f.close(io);
    } else |err| o.line("openFile: error.{s}", .{@errorName(err)});
    if (dir.createFile(io, "made.txt", .{})) |f| {
        showFdstat("std createFile", f.handle);
        f.close(io);
    } else |err| o.line("createFile: error.{s}", .{@errorName(err)});
    if (dir.openDir(io, "sub", .{ .iterate = true })) |d| {
        showFdstat("std openDir sub", d.handle);
        d.close(io);
    } else |err| o.line("openDir: error.{s}", .{@errorName(err)});

    o.line("== fdflags", .{});
    var fd: wasi.fd_t = -1;
    o.errno("open made.txt rw", open(pre, "made.txt", .{}, all_file, .{}, .{}, &fd));
    o.errno("write base", write(fd, "base\n"));
    o.errno("set_flags APPEND", wasi.fd_fdstat_set_flags(fd, .{ .APPEND = true }));
    showFdstat("after APPEND", fd);
    o.errno("seek 0", wasi.fd_seek(fd, 0, .SET, &pos));
    o.errno("write appended", write(fd, "appended\n"));
    o.errno("tell", wasi.fd_tell(fd, &pos));
    o.line("position {d}", .{pos});
    o.errno("set_flags NONBLOCK", wasi.fd_fdstat_set_flags(fd, .{ .NONBLOCK = true }));
    showFdstat("after NONBLOCK", fd);
    o.errno("set_flags none", wasi.fd_fdstat_set_flags(fd, .{}));
    showFdstat("after none", fd);
    o.errno("set_flags SYNC", wasi.fd_fdstat_set_flags(fd, .{ .SYNC = true }));
    o.errno("set_flags DSYNC", wasi.fd_fdstat_set_flags(fd, .{ .DSYNC = true }));
    o.errno("set_flags on preopen", wasi.fd_fdstat_set_flags(pre, .{ .NONBLOCK = true }));
    o.errno("set_flags NONBLOCK on stdout", wasi.fd_fdstat_set_flags(1, .{ .NONBLOCK = true }));
    o.errno("set_flags none on stdout", wasi.fd_fdstat_set_flags(1, .{}));
    o.errno("fd_advise", wasi.fd_advise(fd, 0, 10, .SEQUENTIAL));
    o.errno("fd_advise on preopen", wasi.fd_advise(pre, 0, 10, .NORMAL));
    o.errno("fd_sync", wasi.fd_sync(fd));

    o.line("== renumber", .{});
    var fd2: wasi.fd_t = -1;
    o.errno("open digits.txt", open(pre, "digits.txt", .{}, .{ .FD_READ = true, .FD_SEEK = true, .FD_TELL = true }, .{}, .{}, &fd2));
    o.errno("renumber digits -> made", wasi.fd_renumber(fd2, fd));
    {
        var b: [5]u8 = undefined;
        var n: usize = 0;
        const iov = [_]wasi.iovec_t{.{ .base = &b, .len = b.len }};
        o.errno("read renumbered", wasi.fd_read(fd, &iov, 1, &n));
        o.line("renumbered read \"{s}\"", .{b[0..n]});
    }
    showFdstat("old number after renumber", fd2);
    o.errno("renumber to fd 99", wasi.fd_renumber(fd, 99));
    o.errno("renumber from closed", wasi.fd_renumber(fd2, fd));
    o.errno("close renumbered", wasi.fd_close(fd));

    o.line("== inherited rights", .{});
    var dfd: wasi.fd_t = -1;
    o.errno("open sub with dir-only inheriting", open(pre, "sub", .{ .DIRECTORY = true }, dir_only, dir_only, .{}, &dfd));
    showFdstat("sub dir-only", dfd);
    var ffd: wasi.fd_t = -1;
    o.errno("open sub/nested.txt for read under it", open(dfd, "nested.txt", .{}, .{ .FD_READ = true }, .{}, .{}, &ffd));
    if (ffd >= 0) _ = wasi.fd_close(ffd);
    ffd = -1;
    o.errno("create sub/w.txt for write under it", open(dfd, "w.txt", .{ .CREAT = true }, .{ .FD_WRITE = true }, .{}, .{}, &ffd));
    if (ffd >= 0) _ = wasi.fd_close(ffd);
    _ = wasi.fd_close(dfd);

    o.line("== readdir", .{});
    o.errno("open sub", open(pre, "sub", .{ .DIRECTORY = true }, .{ .FD_READDIR = true }, .{}, .{}, &dfd));
    {
        var buf: [512]u8 align(8) = undefined;
        var used: usize = 0;
        o.errno("fd_readdir", wasi.fd_readdir(dfd, &buf, buf.len, 0, &used));
        var names: std.ArrayList([]const u8) = .empty;
        defer names.deinit(gpa);
        var i: usize = 0;
        var cookies_ok = true;
        while (i + @sizeOf(wasi.dirent_t) <= used) {
            const ent: *align(1) const wasi.dirent_t = @ptrCast(&buf[i]);
            const name = buf[i + @sizeOf(wasi.dirent_t) ..][0..ent.namlen];
            names.append(gpa, name) catch {};
            if (ent.next == 0) cookies_ok = false;
            i += @sizeOf(wasi.dirent_t) + ent.namlen;
        }
        o.sortStrings(names.items);
        o.w.print("readdir names:", .{}) catch {};
        for (names.items) |nm| o.w.print(" {s}", .{nm}) catch {};
        o.line("", .{});
        o.line("cookies nonzero: {s}", .{o.yesno(cookies_ok)});
        var tiny: [10]u8 align(8) = undefined;
        o.errno("fd_readdir tiny buffer", wasi.fd_readdir(dfd, &tiny, tiny.len, 0, &used));
        o.line("tiny buffer filled: {s}", .{o.yesno(used == tiny.len)});
        o.errno("fd_readdir huge cookie", wasi.fd_readdir(dfd, &buf, buf.len, 1 << 40, &used));
        o.line("huge cookie used {d}", .{used});
        var b: [4]u8 = undefined;
        var n: usize = 0;
        const iov = [_]wasi.iovec_t{.{ .base = &b, .len = b.len }};
        o.errno("fd_read on a dir", wasi.fd_read(dfd, &iov, 1, &n));
        o.errno("fd_readdir on a file", blk: {
            var hfd: wasi.fd_t = -1;
            _ = open(pre, "hello.txt", .{}, .{ .FD_READ = true, .FD_READDIR = true }, .{}, .{}, &hfd);
            defer _ = wasi.fd_close(hfd);
            break :blk wasi.fd_readdir(hfd, &buf, buf.len, 0, &used);
        });
    }
    _ = wasi.fd_close(dfd);

    o.line("== misc", .{});
    var rnd: [16]u8 = @splat(0);
    o.errno("random_get", wasi.random_get(&rnd, rnd.len));
    var nonzero = false;
    for (rnd) |b| nonzero = nonzero or b != 0;
    o.line("random nonzero: {s}", .{o.yesno(nonzero)});
    o.errno("sched_yield", wasi.sched_yield());
    o.errno("path_filestat_set_times link-hello nofollow", wasi.path_filestat_set_times(pre, .{}, "link-hello", 10, 5_000_000_000, 6_000_000_000, .{ .ATIM = true, .MTIM = true }));
    o.errno("path_filestat_set_times hello.txt", wasi.path_filestat_set_times(pre, .{ .SYMLINK_FOLLOW = true }, "hello.txt", 9, 0, 7_000_000_000, .{ .MTIM = true }));
    var st: wasi.filestat_t = undefined;
    o.errno("path_filestat_get hello.txt", wasi.path_filestat_get(pre, .{}, "hello.txt", 9, &st));
    o.line("hello.txt mtim {d} nlink {d} size {d}", .{ st.mtim, st.nlink, st.size });
    o.errno("path_filestat_get link-hello nofollow", wasi.path_filestat_get(pre, .{}, "link-hello", 10, &st));
    o.line("link-hello {t} mtim {d} atim {d}", .{ st.filetype, st.mtim, st.atim });
    o.errno("fd_filestat_get stdout", wasi.fd_filestat_get(1, &st));
    o.line("stdout filetype {t} size {d}", .{ st.filetype, st.size });
    o.errno("path_symlink empty target", wasi.path_symlink("", 0, pre, "emptylink", 9));
    o.errno("path_open empty path", open(pre, "", .{}, .{ .FD_READ = true }, .{}, .{}, &fd));
    o.errno("path_create_directory empty", wasi.path_create_directory(pre, "", 0));
    o.errno("path_open nul in name", open(pre, "hello.txt\x00x", .{}, .{ .FD_READ = true }, .{}, .{}, &fd));
}

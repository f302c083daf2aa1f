//! Zig guest "files": regular-file I/O through std.Io (create, write, read, append,
//! truncate, seek/tell, positional reads and writes, stat, timestamps, copy/update) and
//! the raw WASI calls std does not reach (append flag, fd_seek whences, fd_tell), with
//! their error paths. Runs with one grant, the first preopen, used as std.Io.Dir.cwd().
//! argv[1] selects the checks: "files" (all that match Wasmtime), "files-rights"
//! (wrong-mode calls, which aotc refuses by rights), "files-iovecs" (vectored
//! positional I/O), "files-allocate-ro" (fd_allocate on a read-only fd).
const std = @import("std");
const o = @import("lib/out.zig");
const wasi = std.os.wasi;
const Io = std.Io;
const Dir = Io.Dir;
const File = Io.File;

const ns_per_s: i96 = std.time.ns_per_s;

fn readAll(path: []const u8) ![]u8 {
    return dir.readFileAlloc(io, path, gpa, .limited(1 << 20));
}

fn showFile(label: []const u8, path: []const u8) void {
    if (readAll(path)) |data| {
        defer gpa.free(data);
        o.line("{s}: {d} bytes \"{f}\"", .{ label, data.len, std.zig.fmtString(data) });
    } else |err| {
        o.line("{s}: error.{s}", .{ label, @errorName(err) });
    }
}

fn rawOpen(path: []const u8, oflags: wasi.oflags_t, rights: wasi.rights_t, fdflags: wasi.fdflags_t, fd: *wasi.fd_t) wasi.errno_t {
    return wasi.path_open(dir.handle, .{ .SYMLINK_FOLLOW = true }, path.ptr, path.len, oflags, rights, .{}, fdflags, fd);
}

const rw_rights: wasi.rights_t = .{
    .FD_READ = true,
    .FD_WRITE = true,
    .FD_SEEK = true,
    .FD_TELL = true,
    .FD_FILESTAT_GET = true,
    .FD_FILESTAT_SET_SIZE = true,
    .FD_FILESTAT_SET_TIMES = true,
    .FD_FDSTAT_SET_FLAGS = true,
};

fn rawWrite(fd: wasi.fd_t, data: []const u8, n: *usize) wasi.errno_t {
    const iov = [_]wasi.ciovec_t{.{ .base = data.ptr, .len = data.len }};
    return wasi.fd_write(fd, &iov, 1, n);
}

fn rawRead(fd: wasi.fd_t, buf: []u8, n: *usize) wasi.errno_t {
    const iov = [_]wasi.iovec_t{.{ .base = buf.ptr, .len = buf.len }};
    return wasi.fd_read(fd, &iov, 1, n);
}

var io: Io = undefined;
var gpa: std.mem.Allocator = undefined;
var dir: Dir = undefined;

pub fn main(init: std.process.Init) !void {
    io = init.io;
    gpa = init.gpa;
    o.init(io);
    defer o.flush();
    dir = Dir.cwd();
    const group = o.group(init);
    if (std.mem.eql(u8, group, "files")) {
        try mainChecks();
    } else if (std.mem.eql(u8, group, "files-rights")) {
        accessModes();
    } else if (std.mem.eql(u8, group, "files-iovecs")) {
        vectoredPositional();
    } else if (std.mem.eql(u8, group, "files-allocate-ro")) {
        allocateReadOnly();
    } else o.unknownGroup(group);
}

/// Rule `rights`: a call the fd was not opened for is ENOTCAPABLE under aotc (std:
/// AccessDenied), EBADF/EINVAL under Wasmtime (std: NotOpenForWriting, NonResizable, ...).
fn accessModes() void {
    o.line("== access modes", .{});
    if (dir.openFile(io, "hello.txt", .{})) |f| {
        defer f.close(io);
        o.res("write to read-only file", f.writeStreamingAll(io, "x"));
        o.res("setLength on read-only file", f.setLength(io, 1));
        o.res("pwrite on read-only file", f.writePositional(io, &.{"x"}, 0));
        var n: usize = 0;
        o.errno("raw fd_write on read-only file", rawWrite(f.handle, "x", &n));
        o.errno("raw fd_filestat_set_size on read-only file", wasi.fd_filestat_set_size(f.handle, 1));
    } else |err| o.line("open hello.txt: error.{s}", .{@errorName(err)});
    if (dir.openFile(io, "hello.txt", .{ .mode = .write_only })) |f| {
        defer f.close(io);
        var buf: [4]u8 = undefined;
        o.res("pread from write-only file", f.readPositional(io, &.{&buf}, 0));
        var n: usize = 0;
        o.errno("raw fd_read from write-only file", rawRead(f.handle, &buf, &n));
        const iov = [_]wasi.iovec_t{.{ .base = &buf, .len = buf.len }};
        o.errno("raw fd_pread from write-only file", wasi.fd_pread(f.handle, &iov, 1, 0, &n));
    } else |err| o.line("open hello.txt write-only: error.{s}", .{@errorName(err)});
    showFile("hello.txt unchanged", "hello.txt");
}

/// Rules `fd-allocate` and `rights`: fd_allocate on a read-only fd lacks FD_ALLOCATE
/// (aotc ENOTCAPABLE); Wasmtime answers ENOTSUP to every fd_allocate.
fn allocateReadOnly() void {
    if (dir.openFile(io, "hello.txt", .{})) |f| {
        defer f.close(io);
        o.errno("raw fd_allocate on read-only file", wasi.fd_allocate(f.handle, 0, 100));
    } else |err| o.line("open hello.txt: error.{s}", .{@errorName(err)});
    showFile("hello.txt unchanged", "hello.txt");
}

/// Rule `iovecs`: a two-iovec pwrite/pread transfers both under aotc, only the first
/// under Wasmtime (std returns the short count), so the file's bytes differ too.
fn vectoredPositional() void {
    o.res("copyFile digits.txt -> pos.txt", Dir.copyFile(dir, "digits.txt", dir, "pos.txt", io, .{}));
    if (dir.openFile(io, "pos.txt", .{ .mode = .read_write })) |f| {
        defer f.close(io);
        if (f.writePositional(io, &.{ "X", "Y" }, 2)) |n| {
            o.line("pwrite XY at 2: {d} bytes", .{n});
        } else |err| o.line("pwrite XY at 2: error.{s}", .{@errorName(err)});
        var vbuf1: [3]u8 = @splat('.');
        var vbuf2: [4]u8 = @splat('.');
        const vn = f.readPositional(io, &.{ &vbuf1, &vbuf2 }, 0) catch 0;
        o.line("vectored pread {d}: \"{s}\" \"{s}\"", .{ vn, &vbuf1, &vbuf2 });
    } else |err| o.line("open pos.txt: error.{s}", .{@errorName(err)});
    showFile("read pos.txt", "pos.txt");
}

fn mainChecks() !void {

    // --- create, write, read back ---
    o.line("== create/write/read", .{});
    if (dir.createFile(io, "new.txt", .{ .read = true })) |f| {
        defer f.close(io);
        o.res("write new.txt", f.writeStreamingAll(io, "first line\n"));
        if (f.stat(io)) |st| {
            o.line("new.txt size {d} kind {t} nlink {d}", .{ st.size, st.kind, st.nlink });
        } else |err| o.line("stat new.txt: error.{s}", .{@errorName(err)});
        var buf: [64]u8 = undefined;
        const n = f.readPositional(io, &.{&buf}, 0) catch |err| blk: {
            o.line("pread new.txt: error.{s}", .{@errorName(err)});
            break :blk 0;
        };
        o.line("pread new.txt at 0: \"{f}\"", .{std.zig.fmtString(buf[0..n])});
    } else |err| o.line("create new.txt: error.{s}", .{@errorName(err)});
    showFile("read new.txt", "new.txt");
    o.res("create new.txt exclusive", dir.createFile(io, "new.txt", .{ .exclusive = true }));
    o.res("create sub exclusive (a dir)", dir.createFile(io, "sub", .{ .exclusive = true }));
    o.res("create sub (a dir)", dir.createFile(io, "sub", .{}));
    o.res("create missing/x.txt", dir.createFile(io, "missing/x.txt", .{}));
    o.res("create hello.txt/x (file as dir)", dir.createFile(io, "hello.txt/x", .{}));
    o.res("open missing.txt", dir.openFile(io, "missing.txt", .{}));
    o.res("open sub read-only, no dirs", dir.openFile(io, "sub", .{ .allow_directory = false }));
    o.res("open sub write", dir.openFile(io, "sub", .{ .mode = .write_only }));
    o.res("open empty name", dir.openFile(io, "", .{}));
    o.res("writeFile written.txt", dir.writeFile(io, .{ .sub_path = "written.txt", .data = "via writeFile\n" }));
    showFile("read written.txt", "written.txt");
    showFile("read empty.txt", "empty.txt");
    showFile("read sub (a dir)", "sub");
    if (dir.readFileAlloc(io, "digits.txt", gpa, .limited(10))) |d| {
        gpa.free(d);
        o.line("read digits.txt limit 10: ok", .{});
    } else |err| o.line("read digits.txt limit 10: error.{s}", .{@errorName(err)});
    {
        var small: [8]u8 = undefined;
        if (dir.readFile(io, "digits.txt", &small)) |got| {
            o.line("readFile digits.txt into 8 bytes: \"{s}\"", .{got});
        } else |err| o.line("readFile digits.txt into 8 bytes: error.{s}", .{@errorName(err)});
    }

    // --- append ---
    o.line("== append", .{});
    {
        var fd: wasi.fd_t = -1;
        const en = rawOpen("new.txt", .{}, rw_rights, .{ .APPEND = true }, &fd);
        o.errno("path_open new.txt append", en);
        if (en == .SUCCESS) {
            var n: usize = 0;
            var pos: u64 = 0;
            o.errno("seek 0 SET", wasi.fd_seek(fd, 0, .SET, &pos));
            o.errno("append write", rawWrite(fd, "appended\n", &n));
            o.line("append wrote {d}", .{n});
            o.errno("tell after append", wasi.fd_tell(fd, &pos));
            o.line("position after append {d}", .{pos});
            var st: wasi.fdstat_t = undefined;
            o.errno("fdstat", wasi.fd_fdstat_get(fd, &st));
            o.line("append flag set: {s}", .{o.yesno(st.fs_flags.APPEND)});
            o.errno("pwrite at 0 on append fd", blk: {
                const iov = [_]wasi.ciovec_t{.{ .base = "P", .len = 1 }};
                break :blk wasi.fd_pwrite(fd, &iov, 1, 0, &n);
            });
            o.errno("close", wasi.fd_close(fd));
        }
    }
    showFile("read new.txt after append", "new.txt");

    // --- truncate / extend ---
    o.line("== truncate", .{});
    if (dir.openFile(io, "new.txt", .{ .mode = .read_write })) |f| {
        defer f.close(io);
        o.res("setLength 5", f.setLength(io, 5));
        o.line("length after 5: {d}", .{f.length(io) catch 0});
        o.res("setLength 12", f.setLength(io, 12));
        o.line("length after 12: {d}", .{f.length(io) catch 0});
    } else |err| o.line("open new.txt rw: error.{s}", .{@errorName(err)});
    showFile("read new.txt after truncate", "new.txt");
    if (dir.createFile(io, "new.txt", .{ .truncate = false })) |f| {
        o.line("create no-truncate keeps size: {d}", .{f.length(io) catch 0});
        f.close(io);
    } else |err| o.line("create no-truncate: error.{s}", .{@errorName(err)});
    if (dir.createFile(io, "new.txt", .{})) |f| {
        o.line("create truncates to: {d}", .{f.length(io) catch 0});
        f.close(io);
    } else |err| o.line("create truncate: error.{s}", .{@errorName(err)});
    {
        var fd: wasi.fd_t = -1;
        o.errno("path_open TRUNC on a directory", rawOpen("sub", .{ .TRUNC = true }, rw_rights, .{}, &fd));
        o.errno("path_open DIRECTORY on a file", rawOpen("hello.txt", .{ .DIRECTORY = true }, .{}, .{}, &fd));
        o.errno("path_open CREAT|DIRECTORY", rawOpen("newdir", .{ .CREAT = true, .DIRECTORY = true }, .{}, .{}, &fd));
        o.errno("path_open CREAT|EXCL existing", rawOpen("hello.txt", .{ .CREAT = true, .EXCL = true }, rw_rights, .{}, &fd));
    }

    // --- seek / tell ---
    o.line("== seek", .{});
    if (dir.openFile(io, "digits.txt", .{})) |f| {
        defer f.close(io);
        var rbuf: [4]u8 = undefined;
        var r = f.reader(io, &rbuf);
        var got: [5]u8 = undefined;
        o.res("seekTo 10", r.seekTo(10));
        o.res("read 5", r.interface.readSliceAll(&got));
        o.line("after seekTo 10: \"{s}\" logical {d}", .{ &got, r.logicalPos() });
        o.res("seekTo 2", r.seekTo(2));
        o.res("read 5", r.interface.readSliceAll(&got));
        o.line("after seekTo 2: \"{s}\" logical {d}", .{ &got, r.logicalPos() });
        o.line("size {d}", .{r.getSize() catch 0});
        var pos: u64 = 0;
        o.errno("fd_seek 0 END", wasi.fd_seek(f.handle, 0, .END, &pos));
        o.line("end offset {d}", .{pos});
        o.errno("fd_seek -5 END", wasi.fd_seek(f.handle, -5, .END, &pos));
        o.line("offset {d}", .{pos});
        o.errno("fd_seek 3 CUR", wasi.fd_seek(f.handle, 3, .CUR, &pos));
        o.line("offset {d}", .{pos});
        o.errno("fd_tell", wasi.fd_tell(f.handle, &pos));
        o.line("tell {d}", .{pos});
        o.errno("fd_seek -100 CUR (before start)", wasi.fd_seek(f.handle, -100, .CUR, &pos));
        o.errno("fd_tell after failed seek", wasi.fd_tell(f.handle, &pos));
        o.line("tell {d}", .{pos});
        o.errno("fd_seek 100 SET (past end)", wasi.fd_seek(f.handle, 100, .SET, &pos));
        o.line("offset {d}", .{pos});
        var buf: [8]u8 = undefined;
        var n: usize = 99;
        o.errno("fd_read past end", rawRead(f.handle, &buf, &n));
        o.line("read past end got {d}", .{n});
    } else |err| o.line("open digits.txt: error.{s}", .{@errorName(err)});

    // --- positional I/O ---
    o.line("== pread/pwrite", .{});
    o.res("copyFile digits.txt -> pos.txt", Dir.copyFile(dir, "digits.txt", dir, "pos.txt", io, .{}));
    if (dir.openFile(io, "pos.txt", .{ .mode = .read_write })) |f| {
        defer f.close(io);
        var pos: u64 = 0;
        o.errno("fd_seek 4 SET", wasi.fd_seek(f.handle, 4, .SET, &pos));
        var buf: [6]u8 = undefined;
        const n = f.readPositional(io, &.{&buf}, 30) catch 0;
        o.line("pread 6 at 30: \"{f}\"", .{std.zig.fmtString(buf[0..n])});
        const m = f.readPositional(io, &.{&buf}, 100) catch 99;
        o.line("pread at 100: {d} bytes", .{m});
        o.res("pwrite at 40 (past end)", f.writePositionalAll(io, "!", 40));
        o.errno("fd_tell unchanged", wasi.fd_tell(f.handle, &pos));
        o.line("tell {d}", .{pos});
        o.line("length {d}", .{f.length(io) catch 0});
    } else |err| o.line("open pos.txt: error.{s}", .{@errorName(err)});
    showFile("read pos.txt", "pos.txt");

    // --- a larger file ---
    o.line("== large", .{});
    {
        const big = try gpa.alloc(u8, 200_000);
        defer gpa.free(big);
        for (big, 0..) |*b, i| b.* = @truncate(i *% 7 +% (i >> 8));
        o.res("write big.bin", dir.writeFile(io, .{ .sub_path = "big.bin", .data = big }));
        if (readAll("big.bin")) |back| {
            defer gpa.free(back);
            o.line("big.bin read back {d} bytes, equal: {s}", .{ back.len, o.yesno(std.mem.eql(u8, back, big)) });
        } else |err| o.line("read big.bin: error.{s}", .{@errorName(err)});
    }

    // --- stat and timestamps ---
    o.line("== stat/times", .{});
    if (dir.statFile(io, "hello.txt", .{})) |st| {
        o.line("hello.txt size {d} kind {t} nlink {d}", .{ st.size, st.kind, st.nlink });
        o.line("hello.txt mtime == 1000000000 s: {s}", .{o.yesno(st.mtime.nanoseconds == 1000000000 * ns_per_s)});
        o.line("hello.txt atime == 1000000000 s: {s}", .{o.yesno(if (st.atime) |a| a.nanoseconds == 1000000000 * ns_per_s else false)});
    } else |err| o.line("stat hello.txt: error.{s}", .{@errorName(err)});
    if (dir.statFile(io, "sub", .{})) |st| {
        o.line("sub kind {t} mtime == 1000000000 s: {s}", .{ st.kind, o.yesno(st.mtime.nanoseconds == 1000000000 * ns_per_s) });
    } else |err| o.line("stat sub: error.{s}", .{@errorName(err)});
    o.res("stat missing", dir.statFile(io, "missing", .{}));
    if (dir.openFile(io, "pos.txt", .{ .mode = .read_write })) |f| {
        defer f.close(io);
        o.res("setTimestamps", f.setTimestamps(io, .{
            .access_timestamp = .{ .new = .fromNanoseconds(1234567890 * ns_per_s + 500_000_000) },
            .modify_timestamp = .{ .new = .fromNanoseconds(1500000000 * ns_per_s) },
        }));
        if (f.stat(io)) |st| {
            o.line("atime {d} ns, mtime {d} ns", .{ if (st.atime) |a| a.nanoseconds else -1, st.mtime.nanoseconds });
        } else |err| o.line("stat: error.{s}", .{@errorName(err)});
        o.res("setTimestamps mtime only", f.setTimestamps(io, .{ .modify_timestamp = .{ .new = .fromNanoseconds(1600000000 * ns_per_s) } }));
        if (f.stat(io)) |st| {
            o.line("atime {d} ns, mtime {d} ns", .{ if (st.atime) |a| a.nanoseconds else -1, st.mtime.nanoseconds });
        } else |err| o.line("stat: error.{s}", .{@errorName(err)});
        o.res("setTimestampsNow", f.setTimestampsNow(io));
        const now = Io.Clock.real.now(io);
        if (f.stat(io)) |st| {
            const d = @abs(now.nanoseconds - st.mtime.nanoseconds);
            o.line("mtime within 60 s of now: {s}", .{o.yesno(d < 60 * ns_per_s)});
        } else |err| o.line("stat: error.{s}", .{@errorName(err)});
        o.errno("fd_filestat_set_times ATIM and ATIM_NOW", wasi.fd_filestat_set_times(f.handle, 1, 0, .{ .ATIM = true, .ATIM_NOW = true }));
        o.errno("fd_filestat_set_times MTIM and MTIM_NOW", wasi.fd_filestat_set_times(f.handle, 0, 1, .{ .MTIM = true, .MTIM_NOW = true }));
        o.errno("fd_filestat_set_times nothing", wasi.fd_filestat_set_times(f.handle, 0, 0, .{}));
        o.res("setTimestamps back to 1000000000", f.setTimestamps(io, .{
            .access_timestamp = .{ .new = .fromNanoseconds(1000000000 * ns_per_s) },
            .modify_timestamp = .{ .new = .fromNanoseconds(1000000000 * ns_per_s) },
        }));
    } else |err| o.line("open pos.txt: error.{s}", .{@errorName(err)});

    // --- copy / update ---
    o.line("== copy/update", .{});
    o.res("copyFile hello.txt -> sub/copy.txt", Dir.copyFile(dir, "hello.txt", dir, "sub/copy.txt", io, .{}));
    showFile("read sub/copy.txt", "sub/copy.txt");
    o.res("copyFile missing -> x", Dir.copyFile(dir, "missing", dir, "x.txt", io, .{}));
    if (Dir.updateFile(dir, io, "digits.txt", dir, "upd/deep/digits.txt", .{})) |s| {
        o.line("updateFile first: {t}", .{s});
    } else |err| o.line("updateFile first: error.{s}", .{@errorName(err)});
    if (Dir.updateFile(dir, io, "digits.txt", dir, "upd/deep/digits.txt", .{})) |s| {
        o.line("updateFile second: {t}", .{s});
    } else |err| o.line("updateFile second: error.{s}", .{@errorName(err)});
    if (dir.statFile(io, "upd/deep/digits.txt", .{})) |st| {
        o.line("updated copy size {d} mtime == 1000000000 s: {s}", .{ st.size, o.yesno(st.mtime.nanoseconds == 1000000000 * ns_per_s) });
    } else |err| o.line("stat updated copy: error.{s}", .{@errorName(err)});

    // --- sync, close ---
    o.line("== sync/close", .{});
    if (dir.openFile(io, "written.txt", .{ .mode = .read_write })) |f| {
        o.res("sync", f.sync(io));
        o.errno("fd_datasync", wasi.fd_datasync(f.handle));
        const h = f.handle;
        f.close(io);
        o.errno("fd_close again", wasi.fd_close(h));
        var st: wasi.fdstat_t = undefined;
        o.errno("fdstat closed fd", wasi.fd_fdstat_get(h, &st));
    } else |err| o.line("open written.txt: error.{s}", .{@errorName(err)});
    o.res("deleteFile pos.txt", dir.deleteFile(io, "pos.txt"));
    o.res("deleteFile big.bin", dir.deleteFile(io, "big.bin"));
}

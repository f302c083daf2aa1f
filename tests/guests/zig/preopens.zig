//! Zig guest "preopens": how Zig finds its directories. std.process.Preopens maps each
//! preopen name (fd_prestat_get / fd_prestat_dir_name) to its fd, and std.Io.Dir.cwd()
//! is simply fd 3, the first preopen. Lists the preopens in fd order, opens a grant by
//! name and writes into it, and uses cwd() with relative, "./" and absolute paths.
//! Run with several grants, with a "." grant, and with none. argv[1] selects the
//! checks: "preopens" (all that match Wasmtime) or "preopens-escape" (an absolute path
//! through cwd(), rule escape-errno).
const std = @import("std");
const o = @import("lib/out.zig");
const wasi = std.os.wasi;
const Io = std.Io;
const Dir = Io.Dir;

fn readText(io: Io, gpa: std.mem.Allocator, dir: Dir, label: []const u8, path: []const u8) void {
    if (dir.readFileAlloc(io, path, gpa, .limited(4096))) |data| {
        defer gpa.free(data);
        o.line("{s} {s}: \"{f}\"", .{ label, path, std.zig.fmtString(data) });
    } else |err| o.line("{s} {s}: error.{s}", .{ label, path, @errorName(err) });
}

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    const gpa = init.gpa;
    o.init(io);
    defer o.flush();
    const group = o.group(init);
    if (std.mem.eql(u8, group, "preopens-escape")) {
        // Rule `escape-errno`: ENOTCAPABLE (AccessDenied) vs Wasmtime's EPERM (PermissionDenied).
        readText(io, gpa, Dir.cwd(), "cwd", "/hello.txt");
        return;
    } else if (!std.mem.eql(u8, group, "preopens")) o.unknownGroup(group);

    o.line("== preopens", .{});
    const names = init.preopens.map.keys();
    o.line("preopen count (with stdio) {d}", .{names.len});
    for (names, 0..) |name, fd| o.line("fd {d}: \"{s}\"", .{ fd, name });

    o.line("== by name", .{});
    for (names[3..]) |name| {
        const res = init.preopens.get(name) orelse continue;
        switch (res) {
            .file => o.line("{s}: a file?", .{name}),
            .dir => |d| {
                readText(io, gpa, d, name, "hello.txt");
                const marker = try std.fmt.allocPrint(gpa, "written via preopen \"{s}\"\n", .{name});
                defer gpa.free(marker);
                o.res("write marker.txt", d.writeFile(io, .{ .sub_path = "marker.txt", .data = marker }));
                readText(io, gpa, d, name, "marker.txt");
                if (d.stat(io)) |st| o.line("{s} kind {t}", .{ name, st.kind }) else |err| o.line("{s} stat: error.{s}", .{ name, @errorName(err) });
            },
        }
    }
    if (init.preopens.get("stdout")) |r| o.line("stdout resolves to a {t}", .{r}) else o.line("stdout: none", .{});
    o.line("nope resolves: {s}", .{o.yesno(init.preopens.get("nope") != null)});

    o.line("== cwd (fd 3)", .{});
    const cwd = Dir.cwd();
    readText(io, gpa, cwd, "cwd", "hello.txt");
    readText(io, gpa, cwd, "cwd", "./sub/nested.txt");
    readText(io, gpa, cwd, "cwd", "marker.txt");
    readText(io, gpa, cwd, "cwd", "sandbox/hello.txt");
    o.res("cwd createDir made-here", cwd.createDir(io, "made-here", .default_dir));
    o.res("cwd access made-here", cwd.access(io, "made-here", .{}));
    var ps: wasi.prestat_t = undefined;
    o.errno("prestat fd 3", wasi.fd_prestat_get(3, &ps));
    o.errno("prestat fd 5", wasi.fd_prestat_get(5, &ps));
}

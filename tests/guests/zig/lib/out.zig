//! Shared helpers for the Zig differential WASI guests: one buffered stdout writer and
//! one-line reporters for std results (ok / error name) and raw WASI errnos, so every
//! check prints exactly one deterministic line.
const std = @import("std");
const wasi = std.os.wasi;

var out_buf: [16384]u8 = undefined;
var out_fw: std.Io.File.Writer = undefined;
var err_buf: [1024]u8 = undefined;
var err_fw: std.Io.File.Writer = undefined;
/// The stdout writer (valid after `init`).
pub var w: *std.Io.Writer = undefined;
/// The stderr writer (valid after `init`).
pub var e: *std.Io.Writer = undefined;

pub fn init(io: std.Io) void {
    out_fw = std.Io.File.stdout().writerStreaming(io, &out_buf);
    w = &out_fw.interface;
    err_fw = std.Io.File.stderr().writerStreaming(io, &err_buf);
    e = &err_fw.interface;
}

/// Prints one line to stdout.
pub fn line(comptime fmt: []const u8, args: anytype) void {
    w.print(fmt ++ "\n", args) catch {};
}

/// Flushes stdout and stderr (call before exiting).
pub fn flush() void {
    w.flush() catch {};
    e.flush() catch {};
}

/// Prints "label: ok" or "label: error.Name" for an error union.
pub fn res(label: []const u8, r: anytype) void {
    if (r) |_| {
        line("{s}: ok", .{label});
    } else |err| {
        line("{s}: error.{s}", .{ label, @errorName(err) });
    }
}

/// The WASI name of an errno ("SUCCESS", "NOENT", ...), or its number when unnamed.
pub fn errnoName(buf: []u8, en: wasi.errno_t) []const u8 {
    if (std.enums.tagName(wasi.errno_t, en)) |name| return name;
    return std.fmt.bufPrint(buf, "errno{d}", .{@intFromEnum(en)}) catch "errno?";
}

/// Prints "label: NAME" for a raw WASI call's errno.
pub fn errno(label: []const u8, en: wasi.errno_t) void {
    var buf: [16]u8 = undefined;
    line("{s}: {s}", .{ label, errnoName(&buf, en) });
}

pub fn yesno(b: bool) []const u8 {
    return if (b) "yes" else "no";
}

/// Sorts a slice of strings in place (for readdir listings).
pub fn sortStrings(items: [][]const u8) void {
    std.mem.sort([]const u8, items, {}, struct {
        fn lt(_: void, a: []const u8, b: []const u8) bool {
            return std.mem.order(u8, a, b) == .lt;
        }
    }.lt);
}

/// The check group a case selects with argv[1]: files, dirs, fdstat and preopens run
/// their main checks under their own name and the checks where aotc differs from
/// Wasmtime by a README rule under `<program>-<what>` names, each in a case of its own.
pub fn group(process: std.process.Init) []const u8 {
    const args = process.minimal.args.toSlice(process.arena.allocator()) catch return "";
    return if (args.len > 1) args[1] else "";
}

/// Reports a group the program does not know and exits 2.
pub fn unknownGroup(name: []const u8) noreturn {
    line("unknown check group \"{s}\"", .{name});
    flush();
    std.process.exit(2);
}

//! Zig guest "procenv": process-level WASI through std: argv (std.process.Args), the
//! environment (std.process.Environ map, printed sorted), clocks (std.Io.Clock now and
//! resolution), sleeping (std.Io.sleep -> poll_oneoff) and raw poll_oneoff subscriptions,
//! stdin read to the end and echoed upper-cased, stderr, and the exit status:
//! argv[1] "exit" leaves with std.process.exit(7), "fail" returns an error from main.
//! Two argv[1] values select only checks where aotc differs from Wasmtime by a README
//! rule: "cputime" (rule cputime-clocks) and "poll-badfd" (rule poll-events).
const std = @import("std");
const o = @import("lib/out.zig");
const wasi = std.os.wasi;
const Io = std.Io;

fn clockSub(userdata: u64, id: wasi.clockid_t, timeout: u64, flags: u16) wasi.subscription_t {
    return .{ .userdata = userdata, .u = .{ .tag = .CLOCK, .u = .{ .clock = .{ .id = id, .timeout = timeout, .precision = 0, .flags = flags } } } };
}

fn showResolutions(io: Io, comptime clocks: anytype) void {
    inline for (clocks) |c| {
        if (c.resolution(io)) |r| {
            o.line("resolution {t}: positive {s}, at most 1 ms {s}", .{ c, o.yesno(r.nanoseconds > 0), o.yesno(r.nanoseconds <= 1_000_000) });
        } else |err| o.line("resolution {t}: error.{s}", .{ c, @errorName(err) });
    }
}

/// Rule `cputime-clocks`: aotc answers the CPU-time clocks, Wasmtime EBADF (std: Unexpected).
fn cputime(io: Io) void {
    showResolutions(io, .{ Io.Clock.cpu_process, Io.Clock.cpu_thread });
    var ts: u64 = 0;
    o.errno("clock_time_get process cputime", wasi.clock_time_get(.PROCESS_CPUTIME_ID, 0, &ts));
}

/// Rule `poll-events`: a subscription on a bad fd is an event carrying EBADF under aotc;
/// Wasmtime fails the whole call with EBADF (the events buffer keeps its old contents).
fn pollBadFd() void {
    var events: [1]wasi.event_t = .{std.mem.zeroes(wasi.event_t)};
    var n: usize = 0;
    var bad = [_]wasi.subscription_t{
        .{ .userdata = 77, .u = .{ .tag = .FD_READ, .u = .{ .fd_read = .{ .fd = 99 } } } },
    };
    o.errno("poll_oneoff fd_read on fd 99", wasi.poll_oneoff(&bad[0], &events[0], 1, &n));
    o.line("bad fd poll: events {d} userdata {d} error {t}", .{ n, events[0].userdata, events[0].@"error" });
}

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    const arena = init.arena.allocator();
    o.init(io);
    defer o.flush();
    const args = try init.minimal.args.toSlice(arena);
    if (args.len > 1 and std.mem.eql(u8, args[1], "cputime")) return cputime(io);
    if (args.len > 1 and std.mem.eql(u8, args[1], "poll-badfd")) return pollBadFd();

    o.line("== args", .{});
    o.line("argc {d}", .{args.len});
    for (args, 0..) |a, i| o.line("argv[{d}] = \"{f}\"", .{ i, std.zig.fmtString(a) });

    o.line("== environ", .{});
    const keys = init.environ_map.keys();
    const sorted = try arena.dupe([]const u8, keys);
    o.sortStrings(sorted);
    o.line("env count {d}", .{sorted.len});
    for (sorted) |k| o.line("env {s} = \"{f}\"", .{ k, std.zig.fmtString(init.environ_map.get(k).?) });
    o.line("GREETING present: {s}", .{o.yesno(init.environ_map.get("GREETING") != null)});
    o.line("MISSING present: {s}", .{o.yesno(init.environ_map.get("MISSING") != null)});

    o.line("== clocks", .{});
    const m1 = Io.Clock.awake.now(io);
    const m2 = Io.Clock.awake.now(io);
    o.line("monotonic nondecreasing: {s}", .{o.yesno(m2.nanoseconds >= m1.nanoseconds)});
    const real = Io.Clock.real.now(io);
    o.line("realtime after 2020: {s}", .{o.yesno(real.toSeconds() > 1577836800)});
    o.line("realtime before 2100: {s}", .{o.yesno(real.toSeconds() < 4102444800)});
    showResolutions(io, .{ Io.Clock.real, Io.Clock.awake });

    o.line("== sleep / poll_oneoff", .{});
    const before = Io.Clock.awake.now(io);
    io.sleep(.fromMilliseconds(30), .awake) catch |err| o.line("sleep: error.{s}", .{@errorName(err)});
    const slept = before.durationTo(Io.Clock.awake.now(io));
    o.line("std sleep 30 ms took >= 30 ms: {s}", .{o.yesno(slept.nanoseconds >= 30_000_000)});
    o.line("std sleep 30 ms took < 5 s: {s}", .{o.yesno(slept.nanoseconds < 5_000_000_000)});
    {
        var subs = [_]wasi.subscription_t{
            clockSub(11, .MONOTONIC, 200_000_000, 0),
            clockSub(22, .MONOTONIC, 10_000_000, 0),
        };
        var events: [2]wasi.event_t = undefined;
        var n: usize = 0;
        o.errno("poll_oneoff two clocks", wasi.poll_oneoff(&subs[0], &events[0], 2, &n));
        o.line("events {d}; first userdata {d} type {t} error {t}", .{ n, events[0].userdata, events[0].type, events[0].@"error" });
        var now: u64 = 0;
        _ = wasi.clock_time_get(.MONOTONIC, 0, &now);
        var abs = [_]wasi.subscription_t{clockSub(33, .MONOTONIC, now + 20_000_000, wasi.SUBSCRIPTION_CLOCK_ABSTIME)};
        const t0 = Io.Clock.awake.now(io);
        o.errno("poll_oneoff absolute", wasi.poll_oneoff(&abs[0], &events[0], 1, &n));
        const took = t0.durationTo(Io.Clock.awake.now(io));
        o.line("absolute: events {d} userdata {d}, waited >= 15 ms: {s}", .{ n, events[0].userdata, o.yesno(took.nanoseconds >= 15_000_000) });
        var past = [_]wasi.subscription_t{clockSub(44, .REALTIME, 0, 0)};
        o.errno("poll_oneoff zero timeout realtime", wasi.poll_oneoff(&past[0], &events[0], 1, &n));
        o.line("zero timeout: events {d} userdata {d}", .{ n, events[0].userdata });
        o.errno("poll_oneoff no subscriptions", wasi.poll_oneoff(&past[0], &events[0], 0, &n));
        var f: wasi.fd_t = -1;
        const dir = std.Io.Dir.cwd().handle;
        const fe = wasi.path_open(dir, .{}, "hello.txt", 9, .{}, .{ .FD_READ = true, .POLL_FD_READWRITE = true }, .{}, .{}, &f);
        if (fe == .SUCCESS) {
            var fsubs = [_]wasi.subscription_t{
                .{ .userdata = 55, .u = .{ .tag = .FD_READ, .u = .{ .fd_read = .{ .fd = f } } } },
                clockSub(66, .MONOTONIC, 5_000_000_000, 0),
            };
            o.errno("poll_oneoff fd_read on a file", wasi.poll_oneoff(&fsubs[0], &events[0], 2, &n));
            o.line("file poll: events {d} userdata {d} type {t} error {t}", .{ n, events[0].userdata, events[0].type, events[0].@"error" });
            _ = wasi.fd_close(f);
        } else o.line("file poll: open skipped (no grant)", .{});
    }

    o.line("== stdin", .{});
    var in_buf: [256]u8 = undefined;
    var in_reader = std.Io.File.stdin().readerStreaming(io, &in_buf);
    const input = in_reader.interface.allocRemaining(arena, .limited(1 << 20)) catch |err| blk: {
        o.line("stdin: error.{s}", .{@errorName(err)});
        break :blk "";
    };
    var lines: usize = 0;
    for (input) |c| {
        if (c == '\n') lines += 1;
    }
    o.line("stdin {d} bytes, {d} lines", .{ input.len, lines });
    const upper = try arena.alloc(u8, input.len);
    _ = std.ascii.upperString(upper, input);
    o.w.writeAll(upper) catch {};
    if (upper.len > 0 and upper[upper.len - 1] != '\n') o.line("", .{});
    var extra: [4]u8 = undefined;
    var n: usize = 0;
    const iov = [_]wasi.iovec_t{.{ .base = &extra, .len = extra.len }};
    o.errno("read at stdin EOF", wasi.fd_read(0, &iov, 1, &n));
    o.line("read at EOF got {d}", .{n});

    o.e.print("procenv: stderr works\n", .{}) catch {};
    if (args.len > 1 and std.mem.eql(u8, args[1], "exit")) {
        o.line("exiting with 7", .{});
        o.e.print("procenv: exit 7\n", .{}) catch {};
        o.flush();
        std.process.exit(7);
    }
    if (args.len > 1 and std.mem.eql(u8, args[1], "fail")) {
        o.line("returning an error from main", .{});
        o.flush();
        return error.GuestFailed;
    }
    o.line("done", .{});
}

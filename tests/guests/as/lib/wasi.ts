// Thin helper layer over raw wasi_snapshot_preview1 imports for the AssemblyScript
// differential guests: declares the calls AssemblyScript's std does not reach (files,
// directories, preopens, polling), marshals strings and out-parameters through static
// scratch memory, and prints one deterministic line per check (errno by name).

import { errnoToString } from "bindings/wasi_snapshot_preview1";

// ---- raw imports (pointers as usize, so callers can pass scratch memory) ----

@external("wasi_snapshot_preview1", "args_sizes_get")
export declare function w_args_sizes_get(argc: usize, bufsize: usize): u16;
@external("wasi_snapshot_preview1", "args_get")
export declare function w_args_get(argv: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "environ_sizes_get")
export declare function w_environ_sizes_get(count: usize, bufsize: usize): u16;
@external("wasi_snapshot_preview1", "environ_get")
export declare function w_environ_get(env: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "clock_res_get")
export declare function w_clock_res_get(id: u32, out: usize): u16;
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function w_clock_time_get(id: u32, precision: u64, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_close")
export declare function w_fd_close(fd: u32): u16;
@external("wasi_snapshot_preview1", "fd_read")
export declare function w_fd_read(fd: u32, iovs: usize, n: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
export declare function w_fd_write(fd: u32, iovs: usize, n: usize, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "fd_pread")
export declare function w_fd_pread(fd: u32, iovs: usize, n: usize, off: u64, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_pwrite")
export declare function w_fd_pwrite(fd: u32, iovs: usize, n: usize, off: u64, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "fd_seek")
export declare function w_fd_seek(fd: u32, delta: i64, whence: u8, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_tell")
export declare function w_fd_tell(fd: u32, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_sync")
export declare function w_fd_sync(fd: u32): u16;
@external("wasi_snapshot_preview1", "fd_datasync")
export declare function w_fd_datasync(fd: u32): u16;
@external("wasi_snapshot_preview1", "fd_advise")
export declare function w_fd_advise(fd: u32, off: u64, len: u64, advice: u8): u16;
@external("wasi_snapshot_preview1", "fd_allocate")
export declare function w_fd_allocate(fd: u32, off: u64, len: u64): u16;
@external("wasi_snapshot_preview1", "fd_readdir")
export declare function w_fd_readdir(fd: u32, buf: usize, len: usize, cookie: u64, used: usize): u16;
@external("wasi_snapshot_preview1", "fd_renumber")
export declare function w_fd_renumber(from: u32, to: u32): u16;
@external("wasi_snapshot_preview1", "fd_fdstat_get")
export declare function w_fd_fdstat_get(fd: u32, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_fdstat_set_flags")
export declare function w_fd_fdstat_set_flags(fd: u32, flags: u16): u16;
@external("wasi_snapshot_preview1", "fd_fdstat_set_rights")
export declare function w_fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64): u16;
@external("wasi_snapshot_preview1", "fd_filestat_get")
export declare function w_fd_filestat_get(fd: u32, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_filestat_set_size")
export declare function w_fd_filestat_set_size(fd: u32, size: u64): u16;
@external("wasi_snapshot_preview1", "fd_filestat_set_times")
export declare function w_fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u16): u16;
@external("wasi_snapshot_preview1", "fd_prestat_get")
export declare function w_fd_prestat_get(fd: u32, out: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
export declare function w_fd_prestat_dir_name(fd: u32, buf: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
export declare function w_path_open(dirfd: u32, lookup: u32, path: usize, pathlen: usize,
  oflags: u16, base: u64, inheriting: u64, fdflags: u16, out: usize): u16;
@external("wasi_snapshot_preview1", "path_create_directory")
export declare function w_path_create_directory(fd: u32, path: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_remove_directory")
export declare function w_path_remove_directory(fd: u32, path: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_unlink_file")
export declare function w_path_unlink_file(fd: u32, path: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_filestat_get")
export declare function w_path_filestat_get(fd: u32, lookup: u32, path: usize, len: usize, out: usize): u16;
@external("wasi_snapshot_preview1", "path_filestat_set_times")
export declare function w_path_filestat_set_times(fd: u32, lookup: u32, path: usize, len: usize,
  atim: u64, mtim: u64, flags: u16): u16;
@external("wasi_snapshot_preview1", "path_rename")
export declare function w_path_rename(fd: u32, old: usize, oldlen: usize, newfd: u32, nw: usize, newlen: usize): u16;
@external("wasi_snapshot_preview1", "path_symlink")
export declare function w_path_symlink(old: usize, oldlen: usize, fd: u32, nw: usize, newlen: usize): u16;
@external("wasi_snapshot_preview1", "path_readlink")
export declare function w_path_readlink(fd: u32, path: usize, len: usize, buf: usize, buflen: usize, used: usize): u16;
@external("wasi_snapshot_preview1", "path_link")
export declare function w_path_link(oldfd: u32, lookup: u32, old: usize, oldlen: usize,
  newfd: u32, nw: usize, newlen: usize): u16;
@external("wasi_snapshot_preview1", "poll_oneoff")
export declare function w_poll_oneoff(subs: usize, events: usize, n: usize, nevents: usize): u16;
@external("wasi_snapshot_preview1", "random_get")
export declare function w_random_get(buf: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "sched_yield")
export declare function w_sched_yield(): u16;
@external("wasi_snapshot_preview1", "proc_exit")
export declare function w_proc_exit(code: u32): void;

// ---- constants ----

export const O_CREAT: u16 = 1;
export const O_DIRECTORY: u16 = 2;
export const O_EXCL: u16 = 4;
export const O_TRUNC: u16 = 8;

export const FD_APPEND: u16 = 1;
export const FD_DSYNC: u16 = 2;
export const FD_NONBLOCK: u16 = 4;
export const FD_RSYNC: u16 = 8;
export const FD_SYNC: u16 = 16;

export const FOLLOW: u32 = 1;
export const NOFOLLOW: u32 = 0;

export const R_FD_READ: u64 = 2;
export const R_FD_SEEK: u64 = 4;
export const R_FD_TELL: u64 = 32;
export const R_FD_WRITE: u64 = 64;
export const R_ALL: u64 = 0x1FFFFFFF;

export const WHENCE_SET: u8 = 0;
export const WHENCE_CUR: u8 = 1;
export const WHENCE_END: u8 = 2;

export const FST_ATIM: u16 = 1;
export const FST_ATIM_NOW: u16 = 2;
export const FST_MTIM: u16 = 4;
export const FST_MTIM_NOW: u16 = 8;

// ---- scratch memory for out-parameters (each call's results are copied out at once) ----

export const OUT: usize = memory.data(256, 16);
const IOV: usize = memory.data(64, 16);
const BIG: usize = memory.data(8192, 16);
const BIG_LEN: usize = 8192;

// ---- printing ----

const LINE: usize = memory.data(16, 16);

/** Writes one line to stdout with a single fd_write. */
export function say(s: string): void {
  writeAll(1, s + "\n");
}

/** Writes one line to stderr with a single fd_write. */
export function sayErr(s: string): void {
  writeAll(2, s + "\n");
}

function writeAll(fd: u32, s: string): void {
  const buf = String.UTF8.encode(s);
  store<usize>(LINE, changetype<usize>(buf));
  store<usize>(LINE, buf.byteLength, sizeof<usize>());
  w_fd_write(fd, LINE, 1, LINE + 2 * sizeof<usize>());
}

/** "ok" for success, else the errno's WASI name (e.g. "ENOENT"). */
export function ename(e: u16): string {
  if (e == 0) return "ok";
  return "E" + errnoToString(e);
}

/** Prints "label: ok" or "label: ENOENT" and passes the errno through. */
export function check(label: string, e: u16): u16 {
  say(label + ": " + ename(e));
  return e;
}

export function hex(v: u64): string {
  return "0x" + v.toString(16);
}

export function yesno(b: bool): string {
  return b ? "yes" : "no";
}

export function filetypeName(t: u8): string {
  switch (t) {
    case 0: return "unknown";
    case 1: return "block_device";
    case 2: return "character_device";
    case 3: return "directory";
    case 4: return "regular_file";
    case 5: return "socket_dgram";
    case 6: return "socket_stream";
    case 7: return "symbolic_link";
  }
  return "filetype?" + t.toString();
}

// ---- strings in and out of guest memory ----

/** Keeps the last encoded path(s) alive and reachable for the raw call. */
let pathA: ArrayBuffer = new ArrayBuffer(0);
let pathB: ArrayBuffer = new ArrayBuffer(0);

function encA(s: string): usize {
  pathA = String.UTF8.encode(s);
  return changetype<usize>(pathA);
}
function encB(s: string): usize {
  pathB = String.UTF8.encode(s);
  return changetype<usize>(pathB);
}

function utf8(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

// ---- results: the last errno of a helper that also returns a value ----

export let err: u16 = 0;

// ---- file descriptors ----

/** path_open; returns the new fd, or -1 with `err` set. With O_DIRECTORY the default rights
 *  leave out FD_WRITE (a directory cannot be opened for writing). */
export function open(dir: u32, path: string, oflags: u16 = 0, fdflags: u16 = 0,
                     lookup: u32 = FOLLOW, base: u64 = R_ALL, inheriting: u64 = R_ALL): i32 {
  if ((oflags & O_DIRECTORY) != 0 && base == R_ALL) base = R_ALL & ~R_FD_WRITE;
  const p = encA(path);
  err = w_path_open(dir, lookup, p, pathA.byteLength, oflags, base, inheriting, fdflags, OUT);
  if (err != 0) return -1;
  return load<i32>(OUT);
}

/** Opens, prints "open LABEL: ok|EXXX", returns the fd or -1. */
export function openv(label: string, dir: u32, path: string, oflags: u16 = 0, fdflags: u16 = 0,
                      lookup: u32 = FOLLOW, base: u64 = R_ALL, inheriting: u64 = R_ALL): i32 {
  const fd = open(dir, path, oflags, fdflags, lookup, base, inheriting);
  say("open " + label + ": " + ename(err));
  return fd;
}

export function close(fd: i32): u16 {
  return w_fd_close(<u32>fd);
}

/** fd_write of a whole string; returns bytes written or -1 with `err`. */
export function write(fd: i32, s: string): i64 {
  const buf = String.UTF8.encode(s);
  store<usize>(IOV, changetype<usize>(buf));
  store<usize>(IOV, buf.byteLength, sizeof<usize>());
  err = w_fd_write(<u32>fd, IOV, 1, OUT);
  if (err != 0) return -1;
  return <i64>load<u32>(OUT);
}

/** fd_write of two strings as two iovecs (scatter/gather). */
export function write2(fd: i32, a: string, b: string): i64 {
  const ba = String.UTF8.encode(a);
  const bb = String.UTF8.encode(b);
  store<usize>(IOV, changetype<usize>(ba));
  store<usize>(IOV, ba.byteLength, sizeof<usize>());
  store<usize>(IOV, changetype<usize>(bb), 2 * sizeof<usize>());
  store<usize>(IOV, bb.byteLength, 3 * sizeof<usize>());
  err = w_fd_write(<u32>fd, IOV, 2, OUT);
  if (err != 0) return -1;
  return <i64>load<u32>(OUT);
}

export function pwrite(fd: i32, s: string, off: u64): i64 {
  const buf = String.UTF8.encode(s);
  store<usize>(IOV, changetype<usize>(buf));
  store<usize>(IOV, buf.byteLength, sizeof<usize>());
  err = w_fd_pwrite(<u32>fd, IOV, 1, off, OUT);
  if (err != 0) return -1;
  return <i64>load<u32>(OUT);
}

/** fd_read of up to n bytes (n <= 8192) as a string; "" with `err` on failure. */
export function read(fd: i32, n: usize): string {
  store<usize>(IOV, BIG);
  store<usize>(IOV, n, sizeof<usize>());
  err = w_fd_read(<u32>fd, IOV, 1, OUT);
  if (err != 0) return "";
  return utf8(BIG, load<u32>(OUT));
}

/** fd_read into two iovecs of sizes n1 and n2; returns "first|second". */
export function read2(fd: i32, n1: usize, n2: usize): string {
  store<usize>(IOV, BIG);
  store<usize>(IOV, n1, sizeof<usize>());
  store<usize>(IOV, BIG + 4096, 2 * sizeof<usize>());
  store<usize>(IOV, n2, 3 * sizeof<usize>());
  err = w_fd_read(<u32>fd, IOV, 2, OUT);
  if (err != 0) return "";
  const got = <usize>load<u32>(OUT);
  const first = got < n1 ? got : n1;
  return utf8(BIG, first) + "|" + utf8(BIG + 4096, got - first);
}

export function pread(fd: i32, n: usize, off: u64): string {
  store<usize>(IOV, BIG);
  store<usize>(IOV, n, sizeof<usize>());
  err = w_fd_pread(<u32>fd, IOV, 1, off, OUT);
  if (err != 0) return "";
  return utf8(BIG, load<u32>(OUT));
}

/** Reads everything until EOF (or an error, left in `err`). */
export function readAll(fd: i32): string {
  let s = "";
  while (true) {
    const part = read(fd, 4096);
    if (err != 0 || part.length == 0) break;
    s += part;
  }
  return s;
}

/** fd_seek; returns the new offset or -1 with `err`. */
export function seek(fd: i32, delta: i64, whence: u8): i64 {
  err = w_fd_seek(<u32>fd, delta, whence, OUT);
  if (err != 0) return -1;
  return load<i64>(OUT);
}

export function tell(fd: i32): i64 {
  err = w_fd_tell(<u32>fd, OUT);
  if (err != 0) return -1;
  return load<i64>(OUT);
}

// ---- fdstat ----

export class FdStat {
  filetype: u8 = 0;
  flags: u16 = 0;
  base: u64 = 0;
  inheriting: u64 = 0;
}

/** fd_fdstat_get; null with `err` on failure. */
export function fdstat(fd: i32): FdStat | null {
  err = w_fd_fdstat_get(<u32>fd, OUT);
  if (err != 0) return null;
  const s = new FdStat();
  s.filetype = load<u8>(OUT);
  s.flags = load<u16>(OUT, 2);
  s.base = load<u64>(OUT, 8);
  s.inheriting = load<u64>(OUT, 16);
  return s;
}

/** Prints "fdstat LABEL: type=.. flags=.. base=.. inheriting=.." or the errno. */
export function showFdstat(label: string, fd: i32): void {
  const s = fdstat(fd);
  if (s == null) {
    say("fdstat " + label + ": " + ename(err));
    return;
  }
  say("fdstat " + label + ": type=" + filetypeName(s.filetype) + " flags=" + hex(s.flags) +
      " base=" + hex(s.base) + " inheriting=" + hex(s.inheriting));
}

/** Prints "fdstat LABEL: type=.. flags=.." (no rights: aotc's differ from Wasmtime's under the
 *  README rule `rights`) or the errno. */
export function showFdstatType(label: string, fd: i32): void {
  const s = fdstat(fd);
  if (s == null) {
    say("fdstat " + label + ": " + ename(err));
    return;
  }
  say("fdstat " + label + ": type=" + filetypeName(s.filetype) + " flags=" + hex(s.flags));
}

// ---- filestat ----

export class FileStat {
  ok: bool = false;
  dev: u64 = 0;
  ino: u64 = 0;
  filetype: u8 = 0;
  nlink: u64 = 0;
  size: u64 = 0;
  atim: u64 = 0;
  mtim: u64 = 0;
  ctim: u64 = 0;
}

function loadFilestat(): FileStat {
  const s = new FileStat();
  s.ok = true;
  s.dev = load<u64>(OUT);
  s.ino = load<u64>(OUT, 8);
  s.filetype = load<u8>(OUT, 16);
  s.nlink = load<u64>(OUT, 24);
  s.size = load<u64>(OUT, 32);
  s.atim = load<u64>(OUT, 40);
  s.mtim = load<u64>(OUT, 48);
  s.ctim = load<u64>(OUT, 56);
  return s;
}

/** fd_filestat_get; on failure `ok` is false and `err` is set. */
export function fstat(fd: i32): FileStat {
  err = w_fd_filestat_get(<u32>fd, OUT);
  if (err != 0) return new FileStat();
  return loadFilestat();
}

/** path_filestat_get; on failure `ok` is false and `err` is set. */
export function pstat(dir: u32, path: string, lookup: u32 = FOLLOW): FileStat {
  const p = encA(path);
  err = w_path_filestat_get(dir, lookup, p, pathA.byteLength, OUT);
  if (err != 0) return new FileStat();
  return loadFilestat();
}

/** One deterministic line about a stat: type, size, nlink, whether times are the fixture's. */
export function describeStat(s: FileStat): string {
  return "type=" + filetypeName(s.filetype) + " size=" + s.size.toString() +
    " nlink=" + s.nlink.toString();
}

/** Prints "stat LABEL: type=.. size=.. nlink=.." (no times) or the errno. */
export function showPstat(label: string, dir: u32, path: string, lookup: u32 = FOLLOW): FileStat {
  const s = pstat(dir, path, lookup);
  if (!s.ok) {
    say("stat " + label + ": " + ename(err));
    return s;
  }
  say("stat " + label + ": " + describeStat(s));
  return s;
}

export function setSize(fd: i32, size: u64): u16 {
  return w_fd_filestat_set_size(<u32>fd, size);
}

export function fsetTimes(fd: i32, atim: u64, mtim: u64, flags: u16): u16 {
  return w_fd_filestat_set_times(<u32>fd, atim, mtim, flags);
}

export function psetTimes(dir: u32, path: string, atim: u64, mtim: u64, flags: u16,
                          lookup: u32 = FOLLOW): u16 {
  const p = encA(path);
  return w_path_filestat_set_times(dir, lookup, p, pathA.byteLength, atim, mtim, flags);
}

// ---- paths ----

export function mkdir(dir: u32, path: string): u16 {
  const p = encA(path);
  return w_path_create_directory(dir, p, pathA.byteLength);
}

export function rmdir(dir: u32, path: string): u16 {
  const p = encA(path);
  return w_path_remove_directory(dir, p, pathA.byteLength);
}

export function unlink(dir: u32, path: string): u16 {
  const p = encA(path);
  return w_path_unlink_file(dir, p, pathA.byteLength);
}

export function rename(dir: u32, from: string, to: string, todir: u32 = 0xFFFFFFFF): u16 {
  const a = encA(from);
  const b = encB(to);
  return w_path_rename(dir, a, pathA.byteLength, todir == 0xFFFFFFFF ? dir : todir, b, pathB.byteLength);
}

export function symlink(target: string, dir: u32, path: string): u16 {
  const a = encA(target);
  const b = encB(path);
  return w_path_symlink(a, pathA.byteLength, dir, b, pathB.byteLength);
}

export function link(dir: u32, from: string, to: string, lookup: u32 = 0, todir: u32 = 0xFFFFFFFF): u16 {
  const a = encA(from);
  const b = encB(to);
  return w_path_link(dir, lookup, a, pathA.byteLength, todir == 0xFFFFFFFF ? dir : todir, b, pathB.byteLength);
}

/** path_readlink into a buffer of `cap` bytes; the target (possibly truncated), or "" with `err`. */
export function readlink(dir: u32, path: string, cap: usize = 256): string {
  const p = encA(path);
  err = w_path_readlink(dir, p, pathA.byteLength, BIG, cap, OUT);
  if (err != 0) return "";
  return utf8(BIG, load<u32>(OUT));
}

// ---- directories ----

export class Dirent {
  next: u64 = 0;
  name: string = "";
  filetype: u8 = 0;
}

/** One fd_readdir call at `cookie` into a `cap`-byte buffer; complete records only.
 *  `lastUsed` receives bufused. */
export let lastUsed: usize = 0;
export function readdirOnce(fd: i32, cookie: u64, cap: usize): Dirent[] {
  const list = new Array<Dirent>();
  err = w_fd_readdir(<u32>fd, BIG, cap, cookie, OUT);
  if (err != 0) return list;
  const used = <usize>load<u32>(OUT);
  lastUsed = used;
  let pos: usize = 0;
  while (pos + 24 <= used) {
    const namlen = <usize>load<u32>(BIG + pos, 16);
    if (pos + 24 + namlen > used) break;
    const d = new Dirent();
    d.next = load<u64>(BIG + pos);
    d.filetype = load<u8>(BIG + pos, 20);
    d.name = utf8(BIG + pos + 24, namlen);
    list.push(d);
    pos += 24 + namlen;
  }
  return list;
}

/** All entries of a directory fd, following cookies with a small buffer; null on error. */
export function readdirAll(fd: i32, cap: usize = 128): Dirent[] | null {
  const all = new Array<Dirent>();
  let cookie: u64 = 0;
  for (let round = 0; round < 1000; round++) {
    const part = readdirOnce(fd, cookie, cap);
    if (err != 0) return null;
    for (let i = 0; i < part.length; i++) all.push(part[i]);
    if (lastUsed < cap) break;
    if (part.length == 0) {
      // A single entry larger than the buffer: not expected in these fixtures.
      break;
    }
    cookie = part[part.length - 1].next;
  }
  return all;
}

/** Sorted "name:type" list of entries (without . and .. unless keepDots). */
export function listing(entries: Dirent[], keepDots: bool = false): string {
  const names = new Array<string>();
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i];
    if (!keepDots && (d.name == "." || d.name == "..")) continue;
    names.push(d.name + ":" + filetypeName(d.filetype));
  }
  names.sort((a: string, b: string): i32 => a < b ? -1 : (a > b ? 1 : 0));
  return names.join(" ");
}

/** Opens `path` under `dir` as a directory and prints its sorted listing. */
export function showDir(label: string, dir: u32, path: string): void {
  const fd = open(dir, path, O_DIRECTORY);
  if (fd < 0) {
    say("readdir " + label + ": open " + ename(err));
    return;
  }
  const entries = readdirAll(fd);
  if (entries == null) say("readdir " + label + ": " + ename(err));
  else say("readdir " + label + ": " + listing(entries));
  close(fd);
}

// ---- preopens ----

/** The fd of the preopened directory whose guest name is `name`, or -1. */
export function preopen(name: string): i32 {
  for (let fd: u32 = 3; fd < 64; fd++) {
    if (w_fd_prestat_get(fd, OUT) != 0) break;
    const len = <usize>load<u32>(OUT, 4);
    if (w_fd_prestat_dir_name(fd, BIG, len) != 0) continue;
    if (utf8(BIG, len) == name) return <i32>fd;
  }
  return -1;
}

/** Preopened directory "sandbox", or exits 90 with a message when it is missing. */
export function sandbox(): u32 {
  const fd = preopen("sandbox");
  if (fd < 0) {
    sayErr("no preopened directory named sandbox");
    w_proc_exit(90);
  }
  return <u32>fd;
}

// ---- clocks ----

export function now(id: u32): u64 {
  err = w_clock_time_get(id, 1, OUT);
  if (err != 0) return 0;
  return load<u64>(OUT);
}

export function bytesHex(ptr: usize, len: usize): string {
  let s = "";
  for (let i: usize = 0; i < len; i++) {
    const b = load<u8>(ptr + i);
    s += (b < 16 ? "0" : "") + (<u32>b).toString(16);
  }
  return s;
}

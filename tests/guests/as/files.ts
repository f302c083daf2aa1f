// Differential guest: regular files inside the preopened "sandbox". Creates, writes, reads,
// appends, truncates (O_TRUNC and set_size), seeks/tells, pread/pwrite, stats and sets times,
// fdstat flags and rights, sync/advise/allocate, renumber, plus the error paths of path_open
// (missing files, O_EXCL, O_DIRECTORY on a file, a directory fd, ...).
//
// The first argument selects a group. `files` holds the checks that must match Wasmtime; every
// other group holds only checks where aotc differs by a README rule and runs in its own case
// naming that rule: files-rights (rights), files-fd-allocate (fd-allocate), files-sync-open
// (sync-open), files-escape (escape-errno), files-bad-whence and files-bad-advice (bad-enum).

import {
  say, sayErr, ename, check, err, open, openv, close, write, read, readAll, pread, pwrite, seek, tell,
  fstat, pstat, showPstat, showFdstat, showFdstatType, fdstat, setSize, fsetTimes, psetTimes, hex, yesno,
  sandbox, OUT, FileStat, describeStat,
  O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC, FD_APPEND, FD_NONBLOCK, FD_DSYNC, FD_SYNC, FD_RSYNC,
  FOLLOW, NOFOLLOW, R_ALL, R_FD_READ, R_FD_WRITE, R_FD_SEEK, R_FD_TELL,
  WHENCE_SET, WHENCE_CUR, WHENCE_END, FST_ATIM, FST_MTIM, FST_ATIM_NOW, FST_MTIM_NOW,
  w_fd_sync, w_fd_datasync, w_fd_advise, w_fd_allocate, w_fd_renumber, w_fd_fdstat_set_flags,
  w_fd_fdstat_set_rights, w_fd_filestat_set_size, w_fd_read, now,
} from "./lib/wasi";

const dir = sandbox();
const mode = process.argv.length > 1 ? process.argv[1] : "";
const READ_ONLY: u64 = R_FD_READ | R_FD_SEEK | R_FD_TELL | 2097152; // + FD_FILESTAT_GET
const FIXED: u64 = 1000000000 * <u64>1000000000;

// Rule bad-enum: an fd_seek with whence 3 / an fd_advise with advice 9 (Wasmtime traps).
if (mode == "files-bad-whence") {
  const f = openv("digits.txt", dir, "digits.txt");
  seek(f, 0, 3);
  say("seek whence 3: " + ename(err));
  process.exit(0);
}
if (mode == "files-bad-advice") {
  const f = openv("digits.txt", dir, "digits.txt");
  check("fd_advise bad advice 9", w_fd_advise(<u32>f, 0, 10, 9));
  process.exit(0);
}

// Rule rights: fdstat reports the rights the fd holds; a call without its right is
// ENOTCAPABLE (Wasmtime: fixed rights, EBADF/EINVAL by the host open mode); set_rights narrows.
if (mode == "files-rights") {
  let fd = openv("hello.txt", dir, "hello.txt");
  showFdstat("hello.txt (default rights)", fd);
  close(fd);
  fd = openv("digits.txt read-only rights", dir, "digits.txt", 0, 0, FOLLOW, READ_ONLY, 0);
  write(fd, "nope");
  say("write on read-only fd: " + ename(err));
  pwrite(fd, "nope", 0);
  say("pwrite on read-only fd: " + ename(err));
  say("set_size on read-only fd: " + ename(setSize(fd, 3)));
  close(fd);
  fd = openv("rights.txt read-only rights", dir, "rights.txt", O_CREAT, 0, FOLLOW, R_FD_READ | R_FD_SEEK | R_FD_TELL, 0);
  showFdstat("rights.txt read-only rights", fd);
  write(fd, "x");
  say("write without FD_WRITE right: " + ename(err));
  close(fd);
  fd = openv("rights.txt all rights", dir, "rights.txt", 0, 0, FOLLOW, R_ALL, R_ALL);
  showFdstat("rights.txt all rights", fd);
  say("drop FD_WRITE: " + ename(w_fd_fdstat_set_rights(<u32>fd, R_ALL & ~R_FD_WRITE, 0)));
  showFdstat("rights.txt after drop", fd);
  write(fd, "x");
  say("write after dropping FD_WRITE: " + ename(err));
  say("regain all rights: " + ename(w_fd_fdstat_set_rights(<u32>fd, R_ALL, R_ALL)));
  close(fd);
  fd = openv("rights.txt no rights", dir, "rights.txt", 0, 0, FOLLOW, 0, 0);
  showFdstat("rights.txt no rights", fd);
  read(fd, 1);
  say("read with no rights: " + ename(err));
  close(fd);
  showPstat("rights.txt", dir, "rights.txt");
  process.exit(0);
}

// Rule fd-allocate: fd_allocate reserves the space (Wasmtime: ENOTSUP).
if (mode == "files-fd-allocate") {
  const fd = openv("alloc.txt create", dir, "alloc.txt", O_CREAT | O_EXCL);
  say("write: " + write(fd, "0123456789abcdef").toString() + " " + ename(err));
  check("fd_allocate 0..32", w_fd_allocate(<u32>fd, 0, 32));
  const st = fstat(fd);
  if (st.ok) say("size after allocate: " + st.size.toString());
  close(fd);
  process.exit(0);
}

// Rule sync-open: path_open with dsync/sync/rsync fdflags (Wasmtime: ENOTSUP).
if (mode == "files-sync-open") {
  let fd = openv("flags.txt with nonblock+dsync", dir, "flags.txt", O_CREAT, FD_NONBLOCK | FD_DSYNC);
  showFdstatType("flags.txt", fd);
  close(fd);
  fd = openv("flags.txt with sync", dir, "flags.txt", 0, FD_SYNC);
  showFdstatType("flags.txt sync", fd);
  close(fd);
  fd = openv("flags.txt with rsync", dir, "flags.txt", 0, FD_RSYNC);
  close(fd);
  showPstat("flags.txt", dir, "flags.txt");
  process.exit(0);
}

// Rule escape-errno: an absolute path (Wasmtime: EPERM).
if (mode == "files-escape") {
  openv("absolute /hello.txt", dir, "/hello.txt");
  process.exit(0);
}

if (mode != "files") {
  sayErr("unknown group " + mode);
  process.exit(2);
}

// --- reading the fixture ---
let fd = openv("hello.txt", dir, "hello.txt");
say("read hello.txt: \"" + readAll(fd).replace("\n", "\\n") + "\" " + ename(err));
let st = fstat(fd);
if (st.ok) say("fstat hello.txt: " + describeStat(st) + " mtime == 1000000000 s: " + yesno(st.mtim == FIXED));
showFdstatType("hello.txt (read-only open)", fd);
close(fd);
fd = openv("empty.txt", dir, "empty.txt");
say("read empty.txt: \"" + readAll(fd) + "\" " + ename(err));
close(fd);

// --- seek/tell and pread on the digits, through a read-only fd ---
fd = openv("digits.txt read-only rights", dir, "digits.txt", 0, 0, FOLLOW, READ_ONLY, 0);
say("tell at open: " + tell(fd).toString());
say("read 4: \"" + read(fd, 4) + "\"");
say("tell: " + tell(fd).toString());
say("seek cur +6: " + seek(fd, 6, WHENCE_CUR).toString());
say("read 3: \"" + read(fd, 3) + "\"");
say("seek end -5: " + seek(fd, -5, WHENCE_END).toString());
say("read 10: \"" + read(fd, 10).replace("\n", "\\n") + "\"");
say("seek set 20: " + seek(fd, 20, WHENCE_SET).toString());
say("pread 5 at 2: \"" + pread(fd, 5, 2) + "\" tell after pread: " + tell(fd).toString());
say("pread at 100: \"" + pread(fd, 5, 100) + "\" " + ename(err));
say("seek past end 100: " + seek(fd, 100, WHENCE_SET).toString() + " read: \"" + read(fd, 5) + "\" " + ename(err));
seek(fd, -1, WHENCE_SET);
say("seek to -1: " + ename(err));
say("tell still: " + tell(fd).toString());
close(fd);

// --- create, write, read back ---
fd = openv("new.txt create", dir, "new.txt", O_CREAT | O_EXCL);
say("write: " + write(fd, "alpha\n").toString() + " " + ename(err));
say("write: " + write(fd, "beta\n").toString() + " " + ename(err));
say("tell: " + tell(fd).toString());
say("seek set 0: " + seek(fd, 0, WHENCE_SET).toString());
say("read back: \"" + readAll(fd).replace("\n", "\\n").replace("\n", "\\n") + "\"");
say("pwrite at 2: " + pwrite(fd, "PH", 2).toString() + " tell after pwrite: " + tell(fd).toString());
say("pwrite past end at 15: " + pwrite(fd, "Z", 15).toString());
st = fstat(fd);
if (st.ok) say("fstat new.txt: " + describeStat(st));
say("pread hole: \"" + pread(fd, 5, 11).replace("\0", "0").replace("\0", "0").replace("\0", "0").replace("\0", "0") + "\"");
check("fd_sync", w_fd_sync(<u32>fd));
check("fd_datasync", w_fd_datasync(<u32>fd));
check("fd_advise sequential", w_fd_advise(<u32>fd, 0, 10, 2));
close(fd);
openv("new.txt again with O_EXCL", dir, "new.txt", O_CREAT | O_EXCL);

// --- truncate ---
fd = openv("new.txt O_TRUNC", dir, "new.txt", O_TRUNC);
st = fstat(fd);
if (st.ok) say("size after O_TRUNC: " + st.size.toString());
write(fd, "0123456789");
say("set_size 4: " + ename(setSize(fd, 4)));
st = fstat(fd);
if (st.ok) say("size: " + st.size.toString() + " tell: " + tell(fd).toString());
say("set_size 12 (grow): " + ename(setSize(fd, 12)));
seek(fd, 0, WHENCE_SET);
say("content: " + readAll(fd).replace("\0", "0").replace("\0", "0").replace("\0", "0").replace("\0", "0")
    .replace("\0", "0").replace("\0", "0").replace("\0", "0").replace("\0", "0"));
close(fd);

// --- append ---
fd = openv("log.txt append", dir, "log.txt", O_CREAT, FD_APPEND);
showFdstatType("log.txt append", fd);
write(fd, "one\n");
seek(fd, 0, WHENCE_SET);
write(fd, "two\n");
say("tell after append writes: " + tell(fd).toString());
pwrite(fd, "PW", 0);
say("pwrite on append fd: " + ename(err));
say("clear append flag: " + ename(w_fd_fdstat_set_flags(<u32>fd, 0)));
showFdstatType("log.txt cleared", fd);
seek(fd, 0, WHENCE_SET);
write(fd, "ONE\n");
say("set append flag again: " + ename(w_fd_fdstat_set_flags(<u32>fd, FD_APPEND)));
write(fd, "three\n");
say("set nonblock flag: " + ename(w_fd_fdstat_set_flags(<u32>fd, FD_APPEND | FD_NONBLOCK)));
showFdstatType("log.txt nonblock", fd);
say("set sync flag: " + ename(w_fd_fdstat_set_flags(<u32>fd, FD_SYNC)));
say("set dsync flag: " + ename(w_fd_fdstat_set_flags(<u32>fd, FD_DSYNC)));
say("set rsync flag: " + ename(w_fd_fdstat_set_flags(<u32>fd, FD_RSYNC)));
close(fd);
fd = open(dir, "log.txt");
say("log.txt: " + readAll(fd).replace("\n", "|").replace("\n", "|").replace("\n", "|").replace("\n", "|"));
close(fd);

// --- open flags on the fd (the sync ones: group files-sync-open) ---
fd = openv("flags.txt with nonblock", dir, "flags.txt", O_CREAT, FD_NONBLOCK);
showFdstatType("flags.txt", fd);
close(fd);
fd = openv("flags.txt with append", dir, "flags.txt", 0, FD_APPEND);
showFdstatType("flags.txt append", fd);
close(fd);

// --- times ---
showPstat("hello.txt before set_times", dir, "hello.txt");
say("path set_times atim=2e18 mtim=3e18: " + ename(psetTimes(dir, "hello.txt", 2000000000000000000, 3000000000000000000, FST_ATIM | FST_MTIM)));
st = pstat(dir, "hello.txt");
if (st.ok) say("atim == 2e18: " + yesno(st.atim == 2000000000000000000) + " mtim == 3e18: " + yesno(st.mtim == 3000000000000000000));
say("path set_times mtim only (5e17): " + ename(psetTimes(dir, "hello.txt", 0, 500000000000000000, FST_MTIM)));
st = pstat(dir, "hello.txt");
if (st.ok) say("atim kept: " + yesno(st.atim == 2000000000000000000) + " mtim == 5e17: " + yesno(st.mtim == 500000000000000000));
const t0 = now(0);
say("path set_times mtim now: " + ename(psetTimes(dir, "hello.txt", 0, 0, FST_MTIM_NOW)));
st = pstat(dir, "hello.txt");
if (st.ok) say("mtim now within 60 s: " + yesno(st.mtim + 60000000000 > t0 && st.mtim < t0 + 60000000000) + " atim kept: " + yesno(st.atim == 2000000000000000000));
say("set_times ATIM with ATIM_NOW: " + ename(psetTimes(dir, "hello.txt", 1, 0, FST_ATIM | FST_ATIM_NOW)));
say("set_times MTIM with MTIM_NOW: " + ename(psetTimes(dir, "hello.txt", 0, 1, FST_MTIM | FST_MTIM_NOW)));
say("set_times missing file: " + ename(psetTimes(dir, "missing.txt", 0, 0, FST_MTIM_NOW)));
say("set_times nofollow on link-hello: " + ename(psetTimes(dir, "link-hello", 7000000000, 7000000000, FST_ATIM | FST_MTIM, NOFOLLOW)));
st = pstat(dir, "link-hello", NOFOLLOW);
if (st.ok) say("link-hello own mtim == 7 s: " + yesno(st.mtim == 7000000000));
fd = open(dir, "digits.txt");
say("fd set_times atim=4e18 mtim=6e18: " + ename(fsetTimes(fd, 4000000000000000000, 6000000000000000000, FST_ATIM | FST_MTIM)));
st = fstat(fd);
if (st.ok) say("atim == 4e18: " + yesno(st.atim == 4000000000000000000) + " mtim == 6e18: " + yesno(st.mtim == 6000000000000000000));
say("fd set_times no flags: " + ename(fsetTimes(fd, 0, 0, 0)));
close(fd);

// --- error paths ---
openv("missing.txt", dir, "missing.txt");
openv("hello.txt with O_DIRECTORY", dir, "hello.txt", O_DIRECTORY);
openv("sub with O_TRUNC", dir, "sub", O_TRUNC);
openv("sub with O_CREAT", dir, "sub", O_CREAT);
openv("sub/nested.txt/x", dir, "sub/nested.txt/x");
openv("hello.txt/ (trailing slash)", dir, "hello.txt/");
openv("new dir-less path missing/a.txt create", dir, "missing/a.txt", O_CREAT);
openv("empty path", dir, "");
openv("NUL in path", dir, "hello\0.txt");
fd = openv("sub (directory, read)", dir, "sub");
read(fd, 4);
say("read a directory fd: " + ename(err));
write(fd, "x");
say("write a directory fd: " + ename(err));
seek(fd, 0, WHENCE_SET);
say("seek a directory fd: " + ename(err));
say("set_size a directory fd: " + ename(setSize(fd, 0)));
close(fd);
say("close twice: " + ename(close(fd)));
fstat(fd);
say("fstat closed fd: " + ename(err));

// --- renumber ---
const a = open(dir, "hello.txt");
const b = open(dir, "digits.txt");
say("renumber a -> b: " + ename(w_fd_renumber(<u32>a, <u32>b)));
say("read renumbered: \"" + read(b, 5) + "\"");
read(a, 1);
say("read old fd: " + ename(err));
say("renumber to unused 200: " + ename(w_fd_renumber(<u32>b, 200)));
say("renumber stdout onto itself: " + ename(w_fd_renumber(1, 1)));
close(b);

// --- the final tree ---
showPstat("new.txt", dir, "new.txt");
showPstat("log.txt", dir, "log.txt");
showPstat("flags.txt", dir, "flags.txt");

// Differential guest: standard streams. Reads all of stdin (raw fd_read with a small buffer and
// with two iovecs, then the shim's process.stdin), echoes it numbered, writes through
// gathered iovecs, and probes what stdio fds refuse: seek/tell, reading stdout, closed and
// out-of-range fds, plus fdstat of each stdio fd.
//
// Without arguments it runs the checks that must match Wasmtime. A first argument selects a
// group that holds only checks where aotc differs by a README rule, run in its own case naming
// that rule: iovecs (rule iovecs), zero-read (rule stdio-type).

import {
  say, sayErr, ename, check, OUT, read, read2, write, write2, seek, tell, err, fdstat,
  filetypeName, hex, w_fd_close, w_fd_write, w_fd_read, w_fd_sync, w_fd_fdstat_get,
  WHENCE_CUR, WHENCE_SET,
} from "./lib/wasi";

const mode = process.argv.length > 1 ? process.argv[1] : "";

// Rule iovecs: a read into two iovecs (3 and 4 bytes) and a write from two iovecs; aotc fills
// or drains both, Wasmtime only the first.
if (mode == "iovecs") {
  say("read into 3+4 bytes: " + ename(err) + " \"" + read2(0, 3, 4) + "\"");
  const n2 = write2(1, "gathered ", "write\n");
  say("write2 stdout: " + ename(err) + " n=" + n2.toString());
  process.exit(0);
}

// Rule stdio-type: an fd_read of stdin with no iovecs (aotc 0 bytes, Wasmtime EINTR).
if (mode == "zero-read") {
  say("read no iovecs: " + ename(w_fd_read(0, OUT + 64, 0, OUT)) + " n=" + load<u32>(OUT).toString());
  process.exit(0);
}

if (mode != "") {
  sayErr("unknown group " + mode);
  process.exit(2);
}

// The first bytes, the next with a 5-byte read, the rest through the shim.
const firstTwo = read(0, 3);
say("first read: " + ename(err) + " \"" + firstTwo + "\"");
const five = read(0, 5);
say("read(5): " + ename(err) + " \"" + five + "\"");
// Chunks may split a UTF-8 sequence, so bytes are gathered before decoding.
const restBytes = new Uint8Array(4096);
let restLen = 0;
const chunk = new ArrayBuffer(16);
let reads = 0;
while (true) {
  const n = process.stdin.read(chunk);
  if (n <= 0) break;
  reads++;
  restBytes.set(Uint8Array.wrap(chunk, 0, n), restLen);
  restLen += n;
}
const rest = String.UTF8.decode(restBytes.buffer.slice(0, restLen));
say("rest bytes: " + restLen.toString() + " in at least " + (reads > 0 ? "1" : "0") + " reads");
const all = firstTwo + five + rest;
const lines = all.split("\n");
for (let i = 0; i < lines.length; i++) {
  if (i == lines.length - 1 && lines[i].length == 0) break;
  say("line " + (i + 1).toString() + ": " + lines[i].toUpperCase());
}
const again = read(0, 10);
say("read at eof: " + ename(err) + " \"" + again + "\"");

// A plain write to stderr.
const ne = write(2, "to stderr\n");
say("write stderr: " + ename(err) + " n=" + ne.toString());
process.stdout.write("via process.stdout\n");
process.stderr.write("via process.stderr\n");

// What the stdio fds are, and what they refuse.
for (let fd = 0; fd < 3; fd++) {
  const s = fdstat(fd);
  if (s == null) say("fdstat " + fd.toString() + ": " + ename(err));
  else say("fdstat " + fd.toString() + ": ok flags=" + hex(s.flags) +
           " read=" + ((s.base & 2) != 0 ? "yes" : "no") +
           " write=" + ((s.base & 64) != 0 ? "yes" : "no"));
}
seek(1, 0, WHENCE_CUR);
say("seek stdout: " + ename(err));
seek(0, 0, WHENCE_SET);
say("seek stdin: " + ename(err));
tell(1);
say("tell stdout: " + ename(err));
read(1, 4);
say("read stdout: " + ename(err));
write(0, "x");
say("write stdin: " + ename(err));
write(77, "x");
say("write fd 77: " + ename(err));
read(77, 1);
say("read fd 77: " + ename(err));
say("fdstat fd 77: " + ename(w_fd_fdstat_get(77, OUT)));
check("close fd 77", w_fd_close(77));
// A zero-length write and a write with no iovecs both succeed with 0 bytes.
store<usize>(OUT + 64, OUT + 128);
store<usize>(OUT + 68, 0);
say("write 0 bytes: " + ename(w_fd_write(1, OUT + 64, 1, OUT)) + " n=" + load<u32>(OUT).toString());
say("write no iovecs: " + ename(w_fd_write(1, OUT + 64, 0, OUT)) + " n=" + load<u32>(OUT).toString());
sayErr("stderr done");

// Closing stdout: later writes to it fail with EBADF (reported on stderr).
check("close stdout", w_fd_close(1));
write(1, "lost\n");
sayErr("write after close: " + ename(err));
sayErr("fdstat after close: " + ename(w_fd_fdstat_get(1, OUT)));

// Differential guest: directories, links and path resolution inside the preopened "sandbox".
// Preopens (prestat, dir names, fdstat), readdir (sorted names, small-buffer cookies, . and ..),
// mkdir/rmdir/rename/unlink with their error paths (non-empty dir, rename over existing
// entries, dir over file), symlinks (readlink, truncation, dangling, following, refusing to
// escape), hard links, trailing slashes and `..` inside the grant.
//
// The first argument selects a group. `dirs` holds the checks that must match Wasmtime; every
// other group holds only checks where aotc differs by a README rule and runs in its own case
// naming that rule: dirs-rights (rights), dirs-escape (escape-errno), dirs-trailing-slash
// (trailing-slash).

import {
  say, sayErr, ename, check, err, open, openv, close, write, read, readAll, showPstat, pstat,
  showFdstat, showFdstatType, showDir, readdirAll, readdirOnce, listing, lastUsed, mkdir, rmdir, unlink, rename,
  symlink, link, readlink, sandbox, preopen, filetypeName, yesno, OUT,
  O_CREAT, O_DIRECTORY, O_EXCL, FOLLOW, NOFOLLOW,
  w_fd_prestat_get, w_fd_prestat_dir_name, Dirent,
} from "./lib/wasi";

const NAME: usize = memory.data(256, 16);
const mode = process.argv.length > 1 ? process.argv[1] : "";

if (mode == "dirs-rights") {
  // Rule rights: the rights a preopen and a directory opened beneath it hold.
  const d = sandbox();
  showFdstat("sandbox preopen", <i32>d);
  const sfd = openv("sub as dir fd", d, "sub", O_DIRECTORY);
  showFdstat("sub dir fd", sfd);
  close(sfd);
  process.exit(0);
}

if (mode == "dirs-escape") {
  // Rule escape-errno: every path below leaves its grant (or its directory fd); aotc
  // answers ENOTCAPABLE, Wasmtime EPERM. Nothing outside changes under either.
  const d = sandbox();
  check("mkdir escaping ../x", mkdir(d, "../x"));
  let f = open(d, "r2.txt", O_CREAT);
  close(f);
  check("rename to escaping ../r.txt", rename(d, "r2.txt", "../r.txt"));
  check("symlink absolute target", symlink("/etc/passwd", d, "sym-abs"));
  openv("sym-abs", d, "sym-abs");
  check("symlink escaping target", symlink("../../outside.txt", d, "sym-up"));
  openv("escape (follow)", d, "escape");
  openv("sym-up", d, "sym-up");
  showPstat("escape follow", d, "escape", FOLLOW);
  check("link escaping target ../h", link(d, "r2.txt", "../h"));
  showPstat("..", d, "..");
  showPstat("sub/../../sandbox", d, "sub/../../sandbox");
  showPstat("/", d, "/");
  openv("..", d, "..", O_DIRECTORY);
  openv("../outside.txt", d, "../outside.txt");
  openv("sub/../../outside.txt", d, "sub/../../outside.txt");
  const sfd = openv("sub as dir fd", d, "sub", O_DIRECTORY);
  showPstat("../hello.txt via sub fd", <u32>sfd, "../hello.txt");
  showPstat("../../outside.txt via sub fd", <u32>sfd, "../../outside.txt");
  close(sfd);
  showDir("sandbox at end", d, ".");
  process.exit(0);
}

if (mode == "dirs-trailing-slash") {
  // Rule trailing-slash: a trailing slash names a directory and resolves a final symlink.
  const d = sandbox();
  check("mkdir ts-dir", mkdir(d, "ts-dir"));
  check("rmdir ts-dir/", rmdir(d, "ts-dir/"));
  check("unlink link-sub/ (symlink to dir, trailing slash)", unlink(d, "link-sub/"));
  showPstat("link-sub/ nofollow (trailing slash)", d, "link-sub/", NOFOLLOW);
  showDir("sandbox at end", d, ".");
  process.exit(0);
}

if (mode != "dirs") {
  sayErr("unknown group " + mode);
  process.exit(2);
}

// --- preopens ---
for (let fd: u32 = 3; fd < 10; fd++) {
  const e = w_fd_prestat_get(fd, OUT);
  if (e != 0) {
    say("prestat fd " + fd.toString() + ": " + ename(e));
    break;
  }
  const len = <usize>load<u32>(OUT, 4);
  const tag = load<u8>(OUT);
  const de = w_fd_prestat_dir_name(fd, NAME, len);
  say("prestat fd " + fd.toString() + ": tag=" + tag.toString() + " name=\"" +
      String.UTF8.decodeUnsafe(NAME, len) + "\" " + ename(de));
  if (len > 1) say("prestat_dir_name short buffer: " + ename(w_fd_prestat_dir_name(fd, NAME, len - 1)));
}
say("prestat stdout: " + ename(w_fd_prestat_get(1, OUT)));

const dir = sandbox();
showFdstatType("sandbox preopen", <i32>dir);
const other = preopen("renamed");
if (other >= 0) {
  showDir("renamed", <u32>other, ".");
  say("rename across preopens: " + ename(rename(dir, "empty.txt", "moved-from-sandbox.txt", <u32>other)));
  showPstat("moved-from-sandbox.txt in renamed", <u32>other, "moved-from-sandbox.txt");
}

// --- readdir ---
showDir("sandbox", dir, ".");
showDir("sub", dir, "sub");
showDir("sub/deeper", dir, "sub/deeper");
showDir("link-sub (followed)", dir, "link-sub");
let dfd = open(dir, ".", O_DIRECTORY);
const big = readdirAll(dfd, 4096);
if (big != null) {
  const entries = changetype<Dirent[]>(big);
  say("readdir with dots: " + listing(entries, true));
  let hasDot = false;
  for (let i = 0; i < entries.length; i++) if (entries[i].name == ".") hasDot = true;
  say("has . entry: " + yesno(hasDot));
}
// Tiny buffers: bufused == buffer size means "maybe more", cookies resume.
const small = readdirAll(dfd, 40);
if (small != null) say("readdir 40-byte buffer: " + listing(changetype<Dirent[]>(small)));
const part = readdirOnce(dfd, 0, 10);
say("readdir 10-byte buffer: " + ename(err) + " entries=" + part.length.toString() + " bufused=" + lastUsed.toString());
const past = readdirOnce(dfd, 1000000, 4096);
say("readdir cookie past end: " + ename(err) + " entries=" + past.length.toString());
close(dfd);
const ffd = open(dir, "hello.txt");
readdirOnce(ffd, 0, 256);
say("readdir on a file: " + ename(err));
close(ffd);
openv("hello.txt as directory", dir, "hello.txt", O_DIRECTORY);
openv("sub/ as directory", dir, "sub/", O_DIRECTORY);

// --- mkdir / rmdir ---
check("mkdir newdir", mkdir(dir, "newdir"));
check("mkdir newdir again", mkdir(dir, "newdir"));
check("mkdir over file hello.txt", mkdir(dir, "hello.txt"));
check("mkdir newdir/a/b (missing parent)", mkdir(dir, "newdir/a/b"));
check("mkdir newdir/a", mkdir(dir, "newdir/a"));
check("mkdir newdir/a/b/", mkdir(dir, "newdir/a/b/"));
check("mkdir trailing slash newdir2/", mkdir(dir, "newdir2/"));
check("mkdir empty path", mkdir(dir, ""));
check("mkdir .", mkdir(dir, "."));
showPstat("newdir", dir, "newdir");
showPstat("newdir/a/b", dir, "newdir/a/b");
let f = open(dir, "newdir/a/file.txt", O_CREAT);
write(f, "in a\n");
close(f);
check("rmdir non-empty newdir", rmdir(dir, "newdir"));
check("rmdir a file", rmdir(dir, "hello.txt"));
check("rmdir missing", rmdir(dir, "nope"));
check("rmdir .", rmdir(dir, "."));
check("rmdir newdir/a/b", rmdir(dir, "newdir/a/b"));
check("rmdir newdir2", rmdir(dir, "newdir2"));
check("rmdir symlink to dir link-sub", rmdir(dir, "link-sub"));
showDir("newdir/a", dir, "newdir/a");

// --- unlink ---
check("unlink a directory sub", unlink(dir, "sub"));
check("unlink missing", unlink(dir, "nope.txt"));
check("unlink file with trailing slash empty.txt/", unlink(dir, "empty.txt/"));
check("unlink newdir/a/file.txt", unlink(dir, "newdir/a/file.txt"));
check("unlink dangling symlink", unlink(dir, "dangling"));

// --- rename ---
f = open(dir, "r1.txt", O_CREAT);
write(f, "r1\n");
close(f);
f = open(dir, "r2.txt", O_CREAT);
write(f, "r2 longer\n");
close(f);
check("rename r1 -> r3", rename(dir, "r1.txt", "r3.txt"));
check("rename missing", rename(dir, "r1.txt", "r4.txt"));
check("rename r3 over existing r2", rename(dir, "r3.txt", "r2.txt"));
f = open(dir, "r2.txt");
say("r2.txt now: " + readAll(f).replace("\n", ""));
close(f);
check("rename file over dir newdir", rename(dir, "r2.txt", "newdir"));
check("rename dir over file", rename(dir, "newdir", "r2.txt"));
check("mkdir empty-target", mkdir(dir, "empty-target"));
check("rename dir newdir/a over empty dir", rename(dir, "newdir/a", "empty-target"));
check("rename dir into its own child", rename(dir, "newdir", "newdir/inner"));
check("mkdir full", mkdir(dir, "full"));
f = open(dir, "full/x", O_CREAT);
close(f);
check("rename dir over non-empty dir", rename(dir, "empty-target", "full"));
check("rename with trailing slash on file", rename(dir, "r2.txt/", "r5.txt"));
check("rename dir with trailing slashes", rename(dir, "full/", "full2/"));
check("rename onto itself", rename(dir, "r2.txt", "r2.txt"));
check("rename symlink link-hello -> link-renamed", rename(dir, "link-hello", "link-renamed"));
say("readlink link-renamed: \"" + readlink(dir, "link-renamed") + "\" " + ename(err));
showDir("sandbox after renames", dir, ".");

// --- symlinks ---
say("readlink link-sub: \"" + readlink(dir, "link-sub") + "\" " + ename(err));
say("readlink escape: \"" + readlink(dir, "escape") + "\" " + ename(err));
say("readlink short buffer (4): \"" + readlink(dir, "escape", 4) + "\" " + ename(err));
say("readlink of a file: \"" + readlink(dir, "r2.txt") + "\" " + ename(err));
say("readlink missing: \"" + readlink(dir, "nope") + "\" " + ename(err));
check("symlink new -> r2.txt", symlink("r2.txt", dir, "sym-r2"));
check("symlink over existing", symlink("x", dir, "sym-r2"));
check("symlink escaping target", symlink("../../outside.txt", dir, "sym-up"));
check("symlink dangling target", symlink("not-there", dir, "sym-dangling"));
check("symlink with trailing slash", symlink("r2.txt", dir, "sym-slash/"));
say("readlink sym-r2: \"" + readlink(dir, "sym-r2") + "\" " + ename(err));
f = openv("follow sym-r2", dir, "sym-r2");
say("via sym-r2: " + readAll(f).replace("\n", ""));
close(f);
openv("sym-r2 nofollow", dir, "sym-r2", 0, 0, NOFOLLOW);
openv("escape nofollow", dir, "escape", 0, 0, NOFOLLOW);
openv("dangling follow", dir, "dangling");
openv("sym-dangling create through link", dir, "sym-dangling", O_CREAT);
openv("link-sub/nested.txt", dir, "link-sub/nested.txt");
openv("link-sub/ dir", dir, "link-sub/", O_DIRECTORY);
openv("link-sub nofollow as dir", dir, "link-sub", O_DIRECTORY, 0, NOFOLLOW);
showPstat("escape nofollow", dir, "escape", NOFOLLOW);
showPstat("dangling follow", dir, "dangling", FOLLOW);
showPstat("dangling nofollow", dir, "dangling", NOFOLLOW);
showPstat("link-sub follow", dir, "link-sub", FOLLOW);
showPstat("link-sub nofollow", dir, "link-sub", NOFOLLOW);
showPstat("sym-r2 nofollow", dir, "sym-r2", NOFOLLOW);
check("unlink sym-up", unlink(dir, "sym-up"));

// --- hard links ---
check("link r2.txt -> hard.txt", link(dir, "r2.txt", "hard.txt"));
showPstat("hard.txt", dir, "hard.txt");
showPstat("r2.txt (nlink 2)", dir, "r2.txt");
check("link over existing", link(dir, "r2.txt", "hard.txt"));
check("link a directory", link(dir, "sub", "sub-hard"));
check("link missing", link(dir, "nope", "nope-hard"));
check("link symlink itself (nofollow)", link(dir, "sym-r2", "sym-hard", NOFOLLOW));
showPstat("sym-hard nofollow", dir, "sym-hard", NOFOLLOW);

// --- `..` and odd paths inside the grant ---
showPstat("sub/..", dir, "sub/..");
showPstat("sub/../hello.txt", dir, "sub/../hello.txt");
showPstat("sub/deeper/../../digits.txt", dir, "sub/deeper/../../digits.txt");
showPstat("./sub/./nested.txt", dir, "./sub/./nested.txt");
showPstat("sub//nested.txt", dir, "sub//nested.txt");
showPstat("hello.txt/", dir, "hello.txt/");
showPstat("sub/", dir, "sub/");
showPstat("link-sub/../hello.txt", dir, "link-sub/../hello.txt");
openv("sub/../hello.txt", dir, "sub/../hello.txt");

// Through a subdirectory fd: paths resolve relative to it (leaving it: group dirs-escape).
const sfd = openv("sub as dir fd", dir, "sub", O_DIRECTORY);
showFdstatType("sub dir fd", sfd);
showPstat("nested.txt via sub fd", <u32>sfd, "nested.txt");
check("mkdir via sub fd", mkdir(<u32>sfd, "made-via-fd"));
close(sfd);

showDir("sandbox at end", dir, ".");
showDir("sub at end", dir, "sub");

/* wasi_ops.c: the guest of the generated WASI differential (tests/wasi_gen.rs). An
 * interpreter of raw WASI preview1 calls: it reads a whole script from stdin first
 * (so a script's fd_read of stdin sees end of file, under any runtime), then runs it,
 * one call per line, and prints one line per call:
 *
 *     <the script line> -> <WASI errno name> [results]
 *
 * Descriptor arguments (F) are slots of a guest-side table, so the output never shows
 * a runtime's own fd numbers: `N` is slot N (slots 0..2 start as stdio, slot 3 as the
 * first preopen, the others empty), `#N` is the raw fd N (for invalid fds such as #99).
 * An empty slot stands for an fd no runtime hands out. path_open stores its new fd in
 * the slot the script names; fd_close empties its slot; fd_renumber F T moves F's file
 * to T's fd and empties F.
 *
 * Calls (numbers in C syntax: 0x.. hex, negative deltas allowed; PATH '' is empty):
 *   path_open F DEST LOOKUP PATH OFLAGS BASE INHERITING FDFLAGS
 *   fd_read F LEN | fd_pread F LEN OFFSET | fd_write F DATA | fd_pwrite F DATA OFFSET
 *   fd_seek F DELTA WHENCE | fd_tell F | fd_close F | fd_renumber F T
 *   fd_fdstat_get F | fd_fdstat_set_flags F FLAGS | fd_fdstat_set_rights F BASE INH
 *   fd_filestat_get F | fd_filestat_set_size F SIZE | fd_filestat_set_times F ATIM MTIM FST
 *   path_filestat_get F LOOKUP PATH | path_filestat_set_times F LOOKUP PATH ATIM MTIM FST
 *   path_create_directory F PATH | path_remove_directory F PATH | path_unlink_file F PATH
 *   path_rename F PATH F2 PATH2 | path_link F LOOKUP PATH F2 PATH2
 *   path_symlink TARGET F PATH | path_readlink F PATH BUFLEN
 *   fd_readdir F BUFLEN   (reads the whole directory in BUFLEN-byte calls; prints the
 *                          sorted name:type list, never inodes or cookies)
 *   fd_advise F OFFSET LEN ADVICE | fd_allocate F OFFSET LEN | fd_sync F | fd_datasync F
 *   fd_prestat_get F | fd_prestat_dir_name F LEN
 * Times print as raw nanoseconds, except ones within ten minutes of the realtime clock,
 * which print as "recent" (a file the script wrote or stamped with a NOW flag). Inodes,
 * devices, atime and ctime are never printed.
 * Exit status: 0 after the last line ("end"), 2 for a malformed script line.
 *
 * Context for judging a failed call (tests/wasi_gen.rs classifies differences by the
 * README's rules): every descriptor argument is looked up with fd_fdstat_get before
 * the call. A failed fd_* call on a directory ends its line with " on=dir"; a call
 * answered ENOTCAPABLE ends it with " rights=BASE/INHERITING" of its first descriptor
 * argument (and " rights2=..." of its second), "?" for one that is not open.
 */
#include "../../wasi/common.h"

#include <stdint.h>

#define NSLOTS 16
#define EMPTY_FD 0x7ffffff0u

static __wasi_fd_t slots[NSLOTS];
static const char *line_text;

/* The descriptor arguments of the current call, looked up before it ran. */
static int noted;
static int noted_ok[2];
static __wasi_fdstat_t noted_st[2];
static __wasi_errno_t last_errno;

static void bad(const char *why) {
    printf("\nbad script line (%s): %s\n", why, line_text ? line_text : "?");
    fflush(stdout);
    exit(2);
}

/* ---- argument parsing --------------------------------------------------------- */

static char *toks[16];
static int ntoks;
static int next_tok;

static const char *arg_str(void) {
    if (next_tok >= ntoks)
        bad("missing argument");
    const char *t = toks[next_tok++];
    return strcmp(t, "''") == 0 ? "" : t;
}

static uint64_t arg_u64(void) {
    const char *t = arg_str();
    char *end;
    uint64_t v = strtoull(t, &end, 0);
    if (*t == 0 || *end != 0)
        bad("not a number");
    return v;
}

static int64_t arg_i64(void) {
    const char *t = arg_str();
    char *end;
    int64_t v = strtoll(t, &end, 0);
    if (*t == 0 || *end != 0)
        bad("not a number");
    return v;
}

static int arg_slot(void) {
    uint64_t s = arg_u64();
    if (s >= NSLOTS)
        bad("slot out of range");
    return (int)s;
}

/* A descriptor argument: a slot, or `#N` for the raw fd N. */
static __wasi_fd_t note_fd(__wasi_fd_t fd) {
    if (noted < 2) {
        noted_ok[noted] = __wasi_fd_fdstat_get(fd, &noted_st[noted]) == 0;
        noted++;
    }
    return fd;
}

static __wasi_fd_t arg_fd(void) {
    const char *t = arg_str();
    char *end;
    if (t[0] == '#') {
        uint64_t v = strtoull(t + 1, &end, 10);
        if (t[1] == 0 || *end != 0)
            bad("bad raw fd");
        return note_fd((__wasi_fd_t)v);
    }
    uint64_t s = strtoull(t, &end, 10);
    if (*t == 0 || *end != 0 || s >= NSLOTS)
        bad("bad slot");
    return note_fd(slots[s]);
}

/* The slot a descriptor argument names, or -1 for a raw fd. */
static int tok_slot(const char *t) {
    return t[0] == '#' ? -1 : atoi(t);
}

/* ---- printing ------------------------------------------------------------------ */

static __wasi_timestamp_t now_ns;

static void put_errno(__wasi_errno_t e) {
    last_errno = e;
    printf(" -> %s", errno_name(e));
}

/* The context of a failed call (see the top comment). */
static void put_context(const char *op) {
    if (last_errno == 0 || noted == 0)
        return;
    if (!strncmp(op, "fd_", 3) && strcmp(op, "fd_close") && strcmp(op, "fd_renumber") &&
        noted_ok[0] && noted_st[0].fs_filetype == __WASI_FILETYPE_DIRECTORY)
        printf(" on=dir");
    if (last_errno != __WASI_ERRNO_NOTCAPABLE)
        return;
    for (int i = 0; i < noted; i++) {
        printf(" rights%s=", i ? "2" : "");
        if (noted_ok[i])
            printf("0x%llx/0x%llx", (unsigned long long)noted_st[i].fs_rights_base,
                   (unsigned long long)noted_st[i].fs_rights_inheriting);
        else
            printf("?");
    }
}

static const char *type_name(__wasi_filetype_t t) {
    switch (t) {
    case __WASI_FILETYPE_UNKNOWN: return "unknown";
    case __WASI_FILETYPE_BLOCK_DEVICE: return "block";
    case __WASI_FILETYPE_CHARACTER_DEVICE: return "char";
    case __WASI_FILETYPE_DIRECTORY: return "dir";
    case __WASI_FILETYPE_REGULAR_FILE: return "file";
    case __WASI_FILETYPE_SOCKET_DGRAM: return "dgram";
    case __WASI_FILETYPE_SOCKET_STREAM: return "stream";
    case __WASI_FILETYPE_SYMBOLIC_LINK: return "symlink";
    default: return "type?";
    }
}

static void put_time(const char *what, __wasi_timestamp_t t) {
    uint64_t d = t > now_ns ? t - now_ns : now_ns - t;
    if (d < 600ull * 1000000000ull)
        printf(" %s=recent", what);
    else
        printf(" %s=%llu", what, (unsigned long long)t);
}

/* Bytes, printable ASCII as is and everything else as \xNN, in quotes. */
static void put_bytes(const uint8_t *b, size_t n) {
    putchar(' ');
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
            putchar(b[i]);
        else
            printf("\\x%02x", b[i]);
    }
    putchar('"');
}

/* Type, size (not for directories: a filesystem's own number), links and mtime. */
static void put_filestat(const __wasi_filestat_t *st) {
    printf(" %s", type_name(st->filetype));
    if (st->filetype != __WASI_FILETYPE_DIRECTORY)
        printf(" size=%llu", (unsigned long long)st->size);
    printf(" nlink=%llu", (unsigned long long)st->nlink);
    put_time("mtim", st->mtim);
}

/* ---- the calls ----------------------------------------------------------------- */

static void do_path_open(void) {
    __wasi_fd_t dir = arg_fd();
    int dest = arg_slot();
    __wasi_lookupflags_t lf = (__wasi_lookupflags_t)arg_u64();
    const char *path = arg_str();
    __wasi_oflags_t of = (__wasi_oflags_t)arg_u64();
    __wasi_rights_t base = arg_u64(), inh = arg_u64();
    __wasi_fdflags_t ff = (__wasi_fdflags_t)arg_u64();
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, lf, path, of, base, inh, ff, &fd);
    put_errno(e);
    if (e == 0) {
        slots[dest] = fd;
        printf(" slot %d", dest);
    }
}

static void do_read(int positional) {
    __wasi_fd_t fd = arg_fd();
    uint64_t len = arg_u64();
    uint64_t off = positional ? arg_u64() : 0;
    uint8_t buf[256];
    if (len > sizeof buf)
        bad("length over 256");
    __wasi_iovec_t iov = {buf, (size_t)len};
    __wasi_size_t n = 0;
    __wasi_errno_t e = positional ? __wasi_fd_pread(fd, &iov, 1, off, &n) : __wasi_fd_read(fd, &iov, 1, &n);
    put_errno(e);
    if (e == 0) {
        printf(" n=%u", (unsigned)n);
        put_bytes(buf, n <= len ? n : len);
    }
}

static void do_write(int positional) {
    __wasi_fd_t fd = arg_fd();
    const char *data = arg_str();
    uint64_t off = positional ? arg_u64() : 0;
    __wasi_ciovec_t iov = {(const uint8_t *)data, strlen(data)};
    __wasi_size_t n = 0;
    fflush(stdout); /* a write to #1 lands after everything printed so far */
    __wasi_errno_t e = positional ? __wasi_fd_pwrite(fd, &iov, 1, off, &n) : __wasi_fd_write(fd, &iov, 1, &n);
    put_errno(e);
    if (e == 0)
        printf(" n=%u", (unsigned)n);
}

static void do_seek(void) {
    __wasi_fd_t fd = arg_fd();
    int64_t delta = arg_i64();
    uint64_t whence = arg_u64();
    __wasi_filesize_t pos = 0;
    __wasi_errno_t e = __wasi_fd_seek(fd, delta, (__wasi_whence_t)whence, &pos);
    put_errno(e);
    if (e == 0)
        printf(" pos=%llu", (unsigned long long)pos);
}

static void do_tell(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_filesize_t pos = 0;
    __wasi_errno_t e = __wasi_fd_tell(fd, &pos);
    put_errno(e);
    if (e == 0)
        printf(" pos=%llu", (unsigned long long)pos);
}

static void do_close(void) {
    const char *t = toks[next_tok];
    __wasi_fd_t fd = arg_fd();
    __wasi_errno_t e = __wasi_fd_close(fd);
    put_errno(e);
    if (e == 0 && tok_slot(t) >= 0)
        slots[tok_slot(t)] = EMPTY_FD;
}

static void do_renumber(void) {
    const char *tf = toks[next_tok];
    __wasi_fd_t from = arg_fd();
    __wasi_fd_t to = arg_fd();
    __wasi_errno_t e = __wasi_fd_renumber(from, to);
    put_errno(e);
    if (e == 0 && from != to && tok_slot(tf) >= 0)
        slots[tok_slot(tf)] = EMPTY_FD;
}

static void do_fdstat_get(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
    put_errno(e);
    if (e == 0)
        printf(" %s flags=0x%x base=0x%llx inheriting=0x%llx", type_name(st.fs_filetype),
               (unsigned)st.fs_flags, (unsigned long long)st.fs_rights_base,
               (unsigned long long)st.fs_rights_inheriting);
}

static void do_fdstat_set_flags(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_fdflags_t ff = (__wasi_fdflags_t)arg_u64();
    put_errno(__wasi_fd_fdstat_set_flags(fd, ff));
}

static void do_fdstat_set_rights(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_rights_t base = arg_u64(), inh = arg_u64();
    put_errno(__wasi_fd_fdstat_set_rights(fd, base, inh));
}

static void do_filestat_get(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
    put_errno(e);
    if (e == 0)
        put_filestat(&st);
}

static void do_set_size(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t size = arg_u64();
    put_errno(__wasi_fd_filestat_set_size(fd, size));
}

static void do_fd_set_times(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t at = arg_u64(), mt = arg_u64(), fl = arg_u64();
    put_errno(__wasi_fd_filestat_set_times(fd, at, mt, (__wasi_fstflags_t)fl));
}

static void do_path_filestat_get(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_lookupflags_t lf = (__wasi_lookupflags_t)arg_u64();
    const char *path = arg_str();
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(fd, lf, path, &st);
    put_errno(e);
    if (e == 0)
        put_filestat(&st);
}

static void do_path_set_times(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_lookupflags_t lf = (__wasi_lookupflags_t)arg_u64();
    const char *path = arg_str();
    uint64_t at = arg_u64(), mt = arg_u64(), fl = arg_u64();
    put_errno(__wasi_path_filestat_set_times(fd, lf, path, at, mt, (__wasi_fstflags_t)fl));
}

static void do_path1(__wasi_errno_t (*call)(__wasi_fd_t, const char *)) {
    __wasi_fd_t fd = arg_fd();
    const char *path = arg_str();
    put_errno(call(fd, path));
}

static void do_rename(void) {
    __wasi_fd_t fd = arg_fd();
    const char *a = arg_str();
    __wasi_fd_t fd2 = arg_fd();
    const char *b = arg_str();
    put_errno(__wasi_path_rename(fd, a, fd2, b));
}

static void do_link(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_lookupflags_t lf = (__wasi_lookupflags_t)arg_u64();
    const char *a = arg_str();
    __wasi_fd_t fd2 = arg_fd();
    const char *b = arg_str();
    put_errno(__wasi_path_link(fd, lf, a, fd2, b));
}

static void do_symlink(void) {
    const char *target = arg_str();
    __wasi_fd_t fd = arg_fd();
    const char *path = arg_str();
    put_errno(__wasi_path_symlink(target, fd, path));
}

static void do_readlink(void) {
    __wasi_fd_t fd = arg_fd();
    const char *path = arg_str();
    uint64_t len = arg_u64();
    uint8_t buf[256];
    if (len > sizeof buf)
        bad("length over 256");
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_path_readlink(fd, path, buf, (__wasi_size_t)len, &n);
    put_errno(e);
    if (e == 0) {
        printf(" n=%u", (unsigned)n);
        put_bytes(buf, n <= len ? n : len);
    }
}

/* One directory entry as the guest keeps it: "name:type". */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void do_readdir(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t buflen = arg_u64();
    static uint8_t buf[4096];
    if (buflen > sizeof buf)
        bad("length over 4096");
    static char names[64][300];
    char *order[64];
    int count = 0, calls = 0;
    const char *stop = NULL;
    __wasi_dircookie_t cookie = 0;
    __wasi_errno_t e = 0;
    for (;;) {
        __wasi_size_t used = 0;
        if (++calls > 200) {
            stop = "too many calls";
            break;
        }
        e = __wasi_fd_readdir(fd, buf, (__wasi_size_t)buflen, cookie, &used);
        if (e != 0)
            break;
        if (used > buflen) {
            stop = "bufused over buflen";
            break;
        }
        size_t at = 0;
        int whole = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used)
                break;
            if (count == 64) {
                stop = "over 64 entries";
                break;
            }
            size_t nl = d.d_namlen < 200 ? d.d_namlen : 200;
            memcpy(names[count], buf + at + sizeof d, nl);
            names[count][nl] = 0;
            snprintf(names[count] + nl, 300 - nl, ":%s", type_name(d.d_type));
            count++;
            whole++;
            cookie = d.d_next;
            at += sizeof d + d.d_namlen;
        }
        if (stop)
            break;
        if (used < buflen)
            break; /* the end of the directory */
        if (whole == 0) {
            stop = "an entry does not fit the buffer";
            break;
        }
    }
    put_errno(e);
    if (e != 0 && count == 0)
        return;
    for (int i = 0; i < count; i++)
        order[i] = names[i];
    qsort(order, (size_t)count, sizeof order[0], cmp_str);
    printf(" [");
    for (int i = 0; i < count; i++)
        printf(i ? " %s" : "%s", order[i]);
    printf("]");
    if (stop)
        printf(" (%s)", stop);
}

static void do_advise(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t off = arg_u64(), len = arg_u64(), adv = arg_u64();
    put_errno(__wasi_fd_advise(fd, off, len, (__wasi_advice_t)adv));
}

static void do_allocate(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t off = arg_u64(), len = arg_u64();
    put_errno(__wasi_fd_allocate(fd, off, len));
}

static void do_fd1(__wasi_errno_t (*call)(__wasi_fd_t)) {
    __wasi_fd_t fd = arg_fd();
    put_errno(call(fd));
}

static void do_prestat_get(void) {
    __wasi_fd_t fd = arg_fd();
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    put_errno(e);
    if (e == 0)
        printf(" tag=%u name_len=%u", (unsigned)ps.tag, (unsigned)ps.u.dir.pr_name_len);
}

static void do_prestat_dir_name(void) {
    __wasi_fd_t fd = arg_fd();
    uint64_t len = arg_u64();
    uint8_t buf[256];
    if (len > sizeof buf)
        bad("length over 256");
    memset(buf, '.', sizeof buf);
    __wasi_errno_t e = __wasi_fd_prestat_dir_name(fd, buf, (__wasi_size_t)len);
    put_errno(e);
    if (e == 0)
        put_bytes(buf, (size_t)len);
}

/* ---- the interpreter ------------------------------------------------------------ */

static void run_line(char *line) {
    line_text = line;
    const char *first = line + strspn(line, " \t");
    if (*first == '#' || *first == 0)
        return; /* blank lines and comments print nothing */
    static char copy[1024];
    if (strlen(line) >= sizeof copy)
        bad("line too long");
    strcpy(copy, line);
    ntoks = 0;
    next_tok = 1;
    for (char *p = strtok(copy, " \t"); p; p = strtok(NULL, " \t")) {
        if (ntoks == 16)
            bad("too many arguments");
        toks[ntoks++] = p;
    }
    const char *op = toks[0];
    noted = 0;
    last_errno = 0;
    printf("%s", line);
    if (!strcmp(op, "path_open")) do_path_open();
    else if (!strcmp(op, "fd_read")) do_read(0);
    else if (!strcmp(op, "fd_pread")) do_read(1);
    else if (!strcmp(op, "fd_write")) do_write(0);
    else if (!strcmp(op, "fd_pwrite")) do_write(1);
    else if (!strcmp(op, "fd_seek")) do_seek();
    else if (!strcmp(op, "fd_tell")) do_tell();
    else if (!strcmp(op, "fd_close")) do_close();
    else if (!strcmp(op, "fd_renumber")) do_renumber();
    else if (!strcmp(op, "fd_fdstat_get")) do_fdstat_get();
    else if (!strcmp(op, "fd_fdstat_set_flags")) do_fdstat_set_flags();
    else if (!strcmp(op, "fd_fdstat_set_rights")) do_fdstat_set_rights();
    else if (!strcmp(op, "fd_filestat_get")) do_filestat_get();
    else if (!strcmp(op, "fd_filestat_set_size")) do_set_size();
    else if (!strcmp(op, "fd_filestat_set_times")) do_fd_set_times();
    else if (!strcmp(op, "path_filestat_get")) do_path_filestat_get();
    else if (!strcmp(op, "path_filestat_set_times")) do_path_set_times();
    else if (!strcmp(op, "path_create_directory")) do_path1(__wasi_path_create_directory);
    else if (!strcmp(op, "path_remove_directory")) do_path1(__wasi_path_remove_directory);
    else if (!strcmp(op, "path_unlink_file")) do_path1(__wasi_path_unlink_file);
    else if (!strcmp(op, "path_rename")) do_rename();
    else if (!strcmp(op, "path_link")) do_link();
    else if (!strcmp(op, "path_symlink")) do_symlink();
    else if (!strcmp(op, "path_readlink")) do_readlink();
    else if (!strcmp(op, "fd_readdir")) do_readdir();
    else if (!strcmp(op, "fd_advise")) do_advise();
    else if (!strcmp(op, "fd_allocate")) do_allocate();
    else if (!strcmp(op, "fd_sync")) do_fd1(__wasi_fd_sync);
    else if (!strcmp(op, "fd_datasync")) do_fd1(__wasi_fd_datasync);
    else if (!strcmp(op, "fd_prestat_get")) do_prestat_get();
    else if (!strcmp(op, "fd_prestat_dir_name")) do_prestat_dir_name();
    else bad("unknown call");
    if (next_tok != ntoks)
        bad("extra arguments");
    put_context(op);
    printf("\n");
    fflush(stdout);
}

int main(void) {
    /* The whole script first: stdin is then at its end for the script's own reads. */
    static char script[1 << 20];
    size_t len = 0;
    for (;;) {
        size_t n = fread(script + len, 1, sizeof script - 1 - len, stdin);
        if (n == 0)
            break;
        len += n;
        if (len == sizeof script - 1) {
            fprintf(stderr, "script over 1 MiB\n");
            return 2;
        }
    }
    script[len] = 0;
    for (int i = 0; i < NSLOTS; i++)
        slots[i] = i <= 3 ? (__wasi_fd_t)i : EMPTY_FD;
    if (__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &now_ns) != 0)
        now_ns = 0;
    for (char *line = script; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        run_line(line);
        if (!nl)
            break;
        line = nl + 1;
    }
    printf("end\n");
    return 0;
}

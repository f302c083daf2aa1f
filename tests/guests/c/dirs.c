/* dirs.c: directories and paths through libc in the grant "sandbox": mkdir, rmdir,
 * unlink, rename (onto files, empty and non-empty directories, into itself),
 * readdir (sorted names with types), symlink/readlink, link, trailing slashes, "..",
 * paths through the link-sub symlink, the escaping symlink, absolute and empty paths,
 * 255/256-byte names and deep paths. One line per check. */
#include "util.h"
#include <dirent.h>
#include <limits.h>

/* Sorted "name(type)" list of a directory through opendir/readdir. */
static void list(const char *what, const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    char names[64][300];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char t = e->d_type == DT_REG ? 'f' : e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' : '?';
        snprintf(names[n++], sizeof names[0], "%s(%c)", e->d_name, t);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("%s:", what);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

/* "what: f 13" (type and size) after stat, or the errno. */
static void st(const char *what, const char *path, int follow) {
    struct stat s;
    int rc = follow ? stat(path, &s) : lstat(path, &s);
    if (rc < 0)
        printf("%s: %s\n", what, errno_name((unsigned)errno));
    else
        printf("%s: %c %lld\n", what, type_letter(s.st_mode), S_ISDIR(s.st_mode) ? 0LL : (long long)s.st_size);
}

static void creating(void) {
    rep("mkdir d1", mkdir("sandbox/d1", 0755));
    rep("mkdir d1 again", mkdir("sandbox/d1", 0755));
    rep("mkdir in missing parent", mkdir("sandbox/nope/x", 0755));
    rep("mkdir under a file", mkdir("sandbox/hello.txt/x", 0755));
    rep("mkdir over a file", mkdir("sandbox/hello.txt", 0755));
    rep("mkdir over a symlink", mkdir("sandbox/link-sub", 0755));
    rep("mkdir over dangling symlink", mkdir("sandbox/dangling", 0755));
    rep("mkdir with trailing slash", mkdir("sandbox/d2/", 0755));
    rep("mkdir with trailing slashes", mkdir("sandbox/d3//", 0755));
    rep("mkdir sandbox itself", mkdir("sandbox", 0755));
    rep("mkdir .", mkdir("sandbox/.", 0755));
    put_file("sandbox/d1/f.txt", "in d1\n");
    list("list d1", "sandbox/d1");
}

static void removing(void) {
    rep("rmdir non-empty", rmdir("sandbox/sub"));
    rep("rmdir a file", rmdir("sandbox/hello.txt"));
    rep("rmdir missing", rmdir("sandbox/missing"));
    rep("rmdir symlink to dir", rmdir("sandbox/link-sub"));
    rep("rmdir .", rmdir("sandbox/sub/deeper/."));
    rep("unlink a dir", unlink("sandbox/d3"));
    rep("unlink missing", unlink("sandbox/missing"));
    rep("unlink file with trailing slash", unlink("sandbox/empty.txt/"));
    rep("unlink dangling symlink", unlink("sandbox/dangling"));
    rep("remove() dir", remove("sandbox/d3"));
    list("list after removals", "sandbox");
}

static void renaming(void) {
    put_file("sandbox/r1.txt", "r1\n");
    put_file("sandbox/r2.txt", "r2\n");
    rep("rename file to new name", rename("sandbox/r1.txt", "sandbox/r3.txt"));
    rep("rename file over existing file", rename("sandbox/r3.txt", "sandbox/r2.txt"));
    show_file("r2 after rename over", "sandbox/r2.txt");
    rep("rename missing", rename("sandbox/r1.txt", "sandbox/r4.txt"));
    rep("rename file to itself", rename("sandbox/r2.txt", "sandbox/r2.txt"));
    rep("rename file over dir", rename("sandbox/r2.txt", "sandbox/d1"));
    rep("rename file over empty dir", rename("sandbox/r2.txt", "sandbox/sub/deeper"));
    mkdir("sandbox/e1", 0755);
    mkdir("sandbox/e2", 0755);
    rep("rename dir over empty dir", rename("sandbox/e1", "sandbox/e2"));
    rep("rename dir over non-empty dir", rename("sandbox/e2", "sandbox/d1"));
    rep("rename dir over file", rename("sandbox/e2", "sandbox/r2.txt"));
    rep("rename dir into itself", rename("sandbox/d1", "sandbox/d1/inner"));
    rep("rename dir with trailing slash", rename("sandbox/e2/", "sandbox/e3/"));
    rep("rename file with trailing slash src", rename("sandbox/r2.txt/", "sandbox/r5.txt"));
    rep("rename file with trailing slash dst", rename("sandbox/r2.txt", "sandbox/r5.txt/"));
    rep("rename into missing dir", rename("sandbox/r2.txt", "sandbox/nodir/r.txt"));
    rep("rename symlink", rename("sandbox/link-hello", "sandbox/link-hello2"));
    st("lstat renamed symlink", "sandbox/link-hello2", 0);
    st("stat renamed symlink", "sandbox/link-hello2", 1);
    rep("rename into subdir", rename("sandbox/r2.txt", "sandbox/sub/r2.txt"));
    rep("rename .", rename("sandbox/sub/.", "sandbox/sub2"));
    rep("rename over ..", rename("sandbox/e3", "sandbox/sub/.."));
    list("list after renames", "sandbox");
    list("list sub after renames", "sandbox/sub");
}

static void links(void) {
    char buf[128];
    ssize_t n;
    rep("symlink new", symlink("hello.txt", "sandbox/ln1"));
    rep("symlink over existing", symlink("hello.txt", "sandbox/empty.txt"));
    rep("symlink to dir", symlink("sub/deeper", "sandbox/ln-deeper"));
    rep("symlink dotdot target", symlink("../outside.txt", "sandbox/ln-out"));
    rep("symlink trailing slash name", symlink("hello.txt", "sandbox/ln2/"));
    rep("symlink empty target", symlink("", "sandbox/ln-empty"));
    n = readlink("sandbox/ln1", buf, sizeof buf);
    printf("readlink ln1: %s\n", n < 0 ? errno_name((unsigned)errno) : (buf[n] = 0, buf));
    n = readlink("sandbox/escape", buf, sizeof buf);
    printf("readlink escape: %s\n", n < 0 ? errno_name((unsigned)errno) : (buf[n] = 0, buf));
    n = readlink("sandbox/hello.txt", buf, sizeof buf);
    printf("readlink file: %s\n", n < 0 ? errno_name((unsigned)errno) : "ok");
    n = readlink("sandbox/missing", buf, sizeof buf);
    printf("readlink missing: %s\n", n < 0 ? errno_name((unsigned)errno) : "ok");
    n = readlink("sandbox/ln1", buf, 3);
    printf("readlink into 3 bytes: %zd \"%.*s\"\n", n, n > 0 ? (int)n : 0, buf);
    show_file("read through ln1", "sandbox/ln1");
    show_file("read through ln-deeper/../nested.txt", "sandbox/ln-deeper/../nested.txt");
    list("list ln-deeper", "sandbox/ln-deeper");

    rep("link", link("sandbox/hello.txt", "sandbox/hard.txt"));
    struct stat s;
    if (stat("sandbox/hard.txt", &s) == 0)
        printf("nlink after link: %llu\n", (unsigned long long)s.st_nlink);
    rep("link over existing", link("sandbox/hello.txt", "sandbox/empty.txt"));
    rep("link a dir", link("sandbox/sub", "sandbox/sub-hard"));
    rep("link missing", link("sandbox/missing", "sandbox/m2"));
    rep("link to symlink (linkat nofollow)", link("sandbox/ln1", "sandbox/ln1-hard"));
    st("lstat ln1-hard", "sandbox/ln1-hard", 0);
    /* No linkat(AT_SYMLINK_FOLLOW) here: this wasi-libc, once chdir is linked in, hands
     * path_link the new path as the old one too. raw_path.c calls path_link directly. */
    rep("link escape", link("sandbox/escape", "sandbox/esc-hard"));
    st("lstat esc-hard", "sandbox/esc-hard", 0);
    rep("unlink hard.txt", unlink("sandbox/hard.txt"));
    if (stat("sandbox/hello.txt", &s) == 0)
        printf("nlink after unlink: %llu\n", (unsigned long long)s.st_nlink);
}

static void paths(void) {
    st("stat sub/", "sandbox/sub/", 1);
    st("stat sub/.", "sandbox/sub/.", 1);
    st("stat sub/./deeper/..", "sandbox/sub/./deeper/..", 1);
    st("stat hello.txt/", "sandbox/hello.txt/", 1);
    st("stat hello.txt/.", "sandbox/hello.txt/.", 1);
    st("lstat link-sub", "sandbox/link-sub", 0);
    st("stat link-sub/nested.txt", "sandbox/link-sub/nested.txt", 1);
    st("stat link-sub/../hello.txt", "sandbox/link-sub/../hello.txt", 1);
    st("stat sub/../hello.txt", "sandbox/sub/../hello.txt", 1);
    st("stat sub//nested.txt", "sandbox/sub//nested.txt", 1);
    st("lstat escape", "sandbox/escape", 0);
    st("stat dangling", "sandbox/dangling", 1);
    st("lstat dangling", "sandbox/dangling", 0);
    show_file("open dangling", "sandbox/dangling");
    rep("open O_CREAT through dangling", open("sandbox/dangling", O_WRONLY | O_CREAT, 0644));
    rep("open O_NOFOLLOW link-hello", open("sandbox/link-hello", O_RDONLY | O_NOFOLLOW));
    show_file("open link-sub/nested.txt", "sandbox/link-sub/nested.txt");
    show_file("open absolute /sandbox/hello.txt", "/sandbox/hello.txt");
    show_file("open empty path", "");
    show_file("open outside.txt", "outside.txt");
    show_file("open /outside.txt", "/outside.txt");
    show_file("open ./sandbox/hello.txt", "./sandbox/hello.txt");
    rep("chdir sandbox/sub", chdir("sandbox/sub"));
    show_file("open nested.txt after chdir", "nested.txt");
    show_file("open ../hello.txt after chdir", "../hello.txt");
    char cwd[PATH_MAX];
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : errno_name((unsigned)errno));
    rep("chdir /", chdir("/"));
}

static void long_names(void) {
    char name[300], path[400];
    memset(name, 'n', 255);
    name[255] = 0;
    snprintf(path, sizeof path, "sandbox/%s", name);
    int fd = rep("create 255-byte name", open(path, O_WRONLY | O_CREAT, 0644));
    if (fd >= 0)
        close(fd);
    st("stat 255-byte name", path, 1);
    rep("unlink 255-byte name", unlink(path));
    memset(name, 'm', 256);
    name[256] = 0;
    snprintf(path, sizeof path, "sandbox/%s", name);
    rep("create 256-byte name", open(path, O_WRONLY | O_CREAT, 0644));
    rep("mkdir 256-byte name", mkdir(path, 0755));
    st("stat 256-byte name", path, 1);

    /* 60 nested directories, a file at the bottom. */
    static char deep[8192];
    strcpy(deep, "sandbox/deep");
    int ok = 1;
    for (int i = 0; i < 60 && ok; i++) {
        if (mkdir(deep, 0755) < 0) {
            printf("mkdir deep level %d: %s\n", i, errno_name((unsigned)errno));
            ok = 0;
        }
        strcat(deep, "/d");
    }
    printf("deep mkdirs: %s\n", ok ? "ok" : "failed");
    strcat(deep, "ile.txt");
    put_file(deep, "deep\n");
    show_file("deep file", deep);
    /* The same file through ".." steps: d/d/../d/../d/... */
    static char zig[16384];
    strcpy(zig, "sandbox/deep");
    for (int i = 0; i < 59; i++)
        strcat(zig, "/d/../d");
    strcat(zig, "/dile.txt");
    show_file("deep file through ..", zig);
    /* A path longer than PATH_MAX (4096). */
    static char huge[6000];
    strcpy(huge, "sandbox/sub");
    while (strlen(huge) < 5000)
        strcat(huge, "/.");
    strcat(huge, "/nested.txt");
    show_file("open 5000-byte path", huge);
}

/* Group "trailing-slash" (README rule trailing-slash): aotc follows POSIX, a
 * trailing slash names a directory and resolves a final symlink; Wasmtime answers
 * EINVAL for rmdir d2/, EISDIR for unlink link-sub/ and describes the symlink itself
 * for lstat link-sub/. */
static void trailing_slash(void) {
    rep("mkdir d2", mkdir("sandbox/d2", 0755));
    rep("rmdir trailing slash", rmdir("sandbox/d2/"));
    rep("unlink symlink to dir with slash", unlink("sandbox/link-sub/"));
    st("lstat link-sub/", "sandbox/link-sub/", 0);
    list("list after", "sandbox");
}

/* Group "escape" (README rule escape-errno): paths leaving the grant (absolute
 * symlink targets, "..", symlinks out) are ENOTCAPABLE under aotc, EPERM under
 * Wasmtime. */
static void escapes(void) {
    rep("symlink absolute target", symlink("/etc/passwd", "sandbox/ln-abs"));
    show_file("read through ln-abs", "sandbox/ln-abs");
    rep("symlink dotdot target", symlink("../outside.txt", "sandbox/ln-out"));
    show_file("read through ln-out", "sandbox/ln-out");
    st("stat sandbox/..", "sandbox/..", 1);
    st("stat sandbox/../outside.txt", "sandbox/../outside.txt", 1);
    st("stat sub/../../outside.txt", "sandbox/sub/../../outside.txt", 1);
    st("stat escape", "sandbox/escape", 1);
    show_file("open escape", "sandbox/escape");
    rep("chdir sandbox/sub", chdir("sandbox/sub"));
    show_file("open ../../outside.txt after chdir", "../../outside.txt");
}

/* argv[1] picks the group: "main" (the default), "trailing-slash" or "escape". */
int main(int argc, char **argv) {
    const char *group = argc > 1 ? argv[1] : "main";
    if (!strcmp(group, "trailing-slash")) {
        trailing_slash();
        return 0;
    }
    if (!strcmp(group, "escape")) {
        escapes();
        return 0;
    }
    creating();
    removing();
    renaming();
    links();
    /* Before paths(), which ends inside a chdir to sandbox/sub. */
    long_names();
    paths();
    list("final list", "/sandbox");
    return 0;
}

/* meta.c: metadata through libc in the grant "sandbox": stat/lstat/fstat (types,
 * sizes, link counts, the fixture's fixed times), utimensat/futimens (exact times,
 * UTIME_NOW, UTIME_OMIT, AT_SYMLINK_NOFOLLOW), and descriptor flags with fcntl
 * (F_GETFL access modes, O_APPEND and O_NONBLOCK through F_SETFL, F_GETFD).
 * One line per check; times are printed only as relations or values we set. */
#include "util.h"
#include <time.h>

#define FIXED 1000000000LL

static void show_stat(const char *what, const char *path, int follow) {
    struct stat s;
    int rc = follow ? stat(path, &s) : lstat(path, &s);
    if (rc < 0) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    printf("%s: type %c size %lld nlink %llu mtime==fixed %s ctime>=fixed %s\n", what,
           type_letter(s.st_mode), S_ISDIR(s.st_mode) ? 0LL : (long long)s.st_size,
           S_ISDIR(s.st_mode) ? 0ULL : (unsigned long long)s.st_nlink,
           s.st_mtim.tv_sec == FIXED && s.st_mtim.tv_nsec == 0 ? "yes" : "no",
           s.st_ctim.tv_sec >= FIXED ? "yes" : "no");
}

static void times_of(const char *what, const char *path, int follow) {
    struct stat s;
    int rc = follow ? stat(path, &s) : lstat(path, &s);
    if (rc < 0) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", what, (long long)s.st_atim.tv_sec,
           s.st_atim.tv_nsec, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
}

/* Whether a file's mtime lies within 10 s of the realtime clock. */
static void mtime_now(const char *what, const char *path) {
    struct stat s;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (stat(path, &s) < 0) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    long long d = (long long)now.tv_sec - (long long)s.st_mtim.tv_sec;
    printf("%s: mtime near now %s\n", what, d >= -10 && d <= 10 ? "yes" : "no");
}

static void stats(void) {
    show_stat("stat hello.txt", "sandbox/hello.txt", 1);
    show_stat("stat empty.txt", "sandbox/empty.txt", 1);
    show_stat("stat sub", "sandbox/sub", 1);
    show_stat("lstat link-hello", "sandbox/link-hello", 0);
    show_stat("stat link-hello", "sandbox/link-hello", 1);
    show_stat("lstat link-sub", "sandbox/link-sub", 0);
    show_stat("stat link-sub", "sandbox/link-sub", 1);
    show_stat("lstat dangling", "sandbox/dangling", 0);
    show_stat("stat dangling", "sandbox/dangling", 1);
    show_stat("lstat escape", "sandbox/escape", 0);
    show_stat("stat missing", "sandbox/missing", 1);
    show_stat("stat sandbox", "sandbox", 1);
    show_stat("stat sandbox/.", "sandbox/.", 1);
    int fd = open("sandbox/digits.txt", O_RDONLY);
    struct stat s;
    if (fd >= 0 && fstat(fd, &s) == 0)
        printf("fstat digits.txt: type %c size %lld\n", type_letter(s.st_mode), (long long)s.st_size);
    close(fd);
    fd = open("sandbox/sub", O_RDONLY | O_DIRECTORY);
    if (fd >= 0 && fstat(fd, &s) == 0)
        printf("fstat sub: type %c\n", type_letter(s.st_mode));
    struct stat s2;
    if (fd >= 0 && fstatat(fd, "nested.txt", &s2, 0) == 0)
        printf("fstatat sub nested.txt: type %c size %lld\n", type_letter(s2.st_mode), (long long)s2.st_size);
    close(fd);
    rep("fstat closed fd", fstat(fd, &s));
    struct stat a, b;
    if (stat("sandbox/hello.txt", &a) == 0 && stat("sandbox/link-hello", &b) == 0)
        printf("link-hello same file as hello.txt: %s\n",
               a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "yes" : "no");
    if (stat("sandbox/hello.txt", &a) == 0 && stat("sandbox/digits.txt", &b) == 0)
        printf("digits.txt same file as hello.txt: %s\n", a.st_ino == b.st_ino ? "yes" : "no");
}

static void set_times(void) {
    struct timespec t[2] = {{1234567890, 500000000}, {1111111111, 250000000}};
    rep("utimensat exact", utimensat(AT_FDCWD, "sandbox/hello.txt", t, 0));
    times_of("times hello.txt", "sandbox/hello.txt", 1);
    struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    rep("utimensat omit/now", utimensat(AT_FDCWD, "sandbox/hello.txt", omit_now, 0));
    struct stat s;
    stat("sandbox/hello.txt", &s);
    printf("atime kept: %s\n", s.st_atim.tv_sec == 1234567890 && s.st_atim.tv_nsec == 500000000 ? "yes" : "no");
    mtime_now("mtime after UTIME_NOW", "sandbox/hello.txt");
    struct timespec t2[2] = {{2000000000, 0}, {0, UTIME_OMIT}};
    rep("utimensat set atime omit mtime", utimensat(AT_FDCWD, "sandbox/empty.txt", t2, 0));
    times_of("times empty.txt", "sandbox/empty.txt", 1);
    struct timespec t3[2] = {{1500000000, 1}, {1500000000, 999999999}};
    rep("utimensat nofollow link-hello", utimensat(AT_FDCWD, "sandbox/link-hello", t3, AT_SYMLINK_NOFOLLOW));
    times_of("times link-hello (lstat)", "sandbox/link-hello", 0);
    times_of("times digits via no change", "sandbox/digits.txt", 1);
    rep("utimensat follow link-sub", utimensat(AT_FDCWD, "sandbox/link-sub", t3, 0));
    times_of("times sub", "sandbox/sub", 1);
    /* Only the mtime: reading a symlink moves its atime. */
    struct stat ls;
    if (lstat("sandbox/link-sub", &ls) == 0)
        printf("link-sub (lstat) mtime unchanged: %s\n", ls.st_mtim.tv_sec == FIXED ? "yes" : "no");
    rep("utimensat NULL (now)", utimensat(AT_FDCWD, "sandbox/digits.txt", NULL, 0));
    mtime_now("digits after NULL", "sandbox/digits.txt");
    rep("utimensat missing", utimensat(AT_FDCWD, "sandbox/missing", t, 0));
    rep("utimensat escape nofollow", utimensat(AT_FDCWD, "sandbox/escape", t, AT_SYMLINK_NOFOLLOW));
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    rep("utimensat bad nsec", utimensat(AT_FDCWD, "sandbox/empty.txt", bad, 0));
    struct timespec neg[2] = {{-1, 0}, {-86400, 0}};
    rep("utimensat before 1970", utimensat(AT_FDCWD, "sandbox/empty.txt", neg, 0));
    times_of("times empty.txt", "sandbox/empty.txt", 1);
    int fd = open("sandbox/sub/nested.txt", O_RDONLY);
    struct timespec t4[2] = {{1600000000, 123}, {1700000000, 456}};
    rep("futimens on O_RDONLY fd", futimens(fd, t4));
    times_of("times nested.txt", "sandbox/sub/nested.txt", 1);
    close(fd);
    fd = open("sandbox/sub", O_RDONLY | O_DIRECTORY);
    rep("futimens on dir fd", futimens(fd, t4));
    times_of("times sub", "sandbox/sub", 1);
    close(fd);
}

static const char *accmode(int fl) {
    switch (fl & O_ACCMODE) {
    case O_RDONLY: return "O_RDONLY";
    case O_WRONLY: return "O_WRONLY";
    case O_RDWR: return "O_RDWR";
    default: return "other";
    }
}

static void flags(const char *what, int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        printf("%s: %s\n", what, errno_name((unsigned)errno));
    else
        printf("%s: %s%s%s\n", what, accmode(fl), fl & O_APPEND ? "|O_APPEND" : "",
               fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
}

static void fcntls(void) {
    int r = open("sandbox/digits.txt", O_RDONLY);
    int w = open("sandbox/digits.txt", O_WRONLY);
    int rw = open("sandbox/digits.txt", O_RDWR | O_APPEND);
    int d = open("sandbox/sub", O_RDONLY | O_DIRECTORY);
    flags("F_GETFL O_RDONLY", r);
    flags("F_GETFL O_WRONLY", w);
    flags("F_GETFL O_RDWR|O_APPEND", rw);
    flags("F_GETFL dir", d);
    flags("F_GETFL stdin", 0);
    flags("F_GETFL stdout", 1);
    rep("F_SETFL O_APPEND on O_WRONLY", fcntl(w, F_SETFL, O_APPEND));
    flags("F_GETFL after", w);
    write(w, "APP", 3);
    printf("tell after appending write: %lld\n", (long long)lseek(w, 0, SEEK_CUR));
    rep("F_SETFL 0 (clear O_APPEND)", fcntl(w, F_SETFL, 0));
    flags("F_GETFL after clear", w);
    lseek(w, 0, SEEK_SET);
    write(w, "X", 1);
    rep("F_SETFL O_NONBLOCK on file", fcntl(r, F_SETFL, O_NONBLOCK));
    flags("F_GETFL after O_NONBLOCK", r);
    rep("F_SETFL O_NONBLOCK on dir", fcntl(d, F_SETFL, O_NONBLOCK));
    flags("F_GETFL dir after", d);
    printf("F_GETFD: %d\n", fcntl(r, F_GETFD));
    rep("F_SETFD FD_CLOEXEC", fcntl(r, F_SETFD, FD_CLOEXEC));
    rep("F_GETFL closed fd", fcntl(99, F_GETFL));
    close(r);
    close(w);
    close(rw);
    close(d);
    show_file("digits.txt after", "sandbox/digits.txt");
}

/* Group "escape" (README rule escape-errno): paths that leave the grant, refused
 * with ENOTCAPABLE by aotc and EPERM by Wasmtime. */
static void escapes(void) {
    show_stat("stat escape", "sandbox/escape", 1);
    int fd = open("sandbox/sub", O_RDONLY | O_DIRECTORY);
    struct stat s;
    if (fd >= 0)
        rep("fstatat sub ..", fstatat(fd, "..", &s, 0));
    close(fd);
    struct timespec t[2] = {{1234567890, 500000000}, {1111111111, 250000000}};
    rep("utimensat escape", utimensat(AT_FDCWD, "sandbox/escape", t, 0));
}

/* argv[1] picks the group: "main" (the default) or "escape". */
int main(int argc, char **argv) {
    const char *group = argc > 1 ? argv[1] : "main";
    if (!strcmp(group, "escape")) {
        escapes();
        return 0;
    }
    stats();
    set_times();
    fcntls();
    return 0;
}

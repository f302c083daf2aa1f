/* files.c: regular files through libc (stdio and POSIX fds) in the grant "sandbox":
 * create, write, read, append, truncate, seek/tell, pread/pwrite, holes, large
 * writes, and the error paths (missing files, O_EXCL, wrong access mode, files
 * opened as directories and directories as files). One line per check. */
#include "util.h"

static void stdio_part(void) {
    FILE *f = fopen("sandbox/new.txt", "w");
    printf("fopen w: %s\n", f ? "ok" : errno_name((unsigned)errno));
    if (f) {
        fputs("first line\n", f);
        fprintf(f, "%d %s\n", 42, "second");
        printf("fclose: %d\n", fclose(f));
    }
    show_file("after w", "sandbox/new.txt");
    f = fopen("sandbox/new.txt", "a");
    if (f) {
        fputs("appended\n", f);
        printf("ftell after append: %ld\n", ftell(f));
        fclose(f);
    }
    show_file("after a", "sandbox/new.txt");
    f = fopen("sandbox/new.txt", "r+");
    if (f) {
        char line[64];
        printf("fgets: %s", fgets(line, sizeof line, f) ? line : "(null)\n");
        fseek(f, 0, SEEK_SET);
        fputs("FIRST", f);
        fseek(f, 0, SEEK_END);
        printf("ftell at end: %ld\n", ftell(f));
        fclose(f);
    }
    show_file("after r+", "sandbox/new.txt");
    f = fopen("sandbox/no-such.txt", "r");
    printf("fopen missing r: %s\n", f ? "opened" : errno_name((unsigned)errno));
    f = fopen("sandbox/no-dir/x.txt", "w");
    printf("fopen w in missing dir: %s\n", f ? "opened" : errno_name((unsigned)errno));
    f = fopen("sandbox/sub", "w");
    printf("fopen w on dir: %s\n", f ? "opened" : errno_name((unsigned)errno));
    f = fopen("sandbox/digits.txt", "rb");
    if (f) {
        char buf[8] = {0};
        size_t n = fread(buf, 1, 5, f);
        printf("fread 5: %zu \"%.5s\"\n", n, buf);
        fseek(f, -4, SEEK_END);
        n = fread(buf, 1, 8, f);
        printf("fread at end-4: %zu\n", n);
        printf("feof: %d\n", feof(f) != 0);
        fclose(f);
    }
}

static void fd_part(void) {
    int fd = open("sandbox/hello.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    rep("open O_CREAT|O_EXCL existing", fd);
    fd = rep("open O_CREAT|O_EXCL new", open("sandbox/excl.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    if (fd >= 0) {
        printf("write: %zd\n", write(fd, "abc", 3));
        char c;
        rep("read on O_WRONLY", read(fd, &c, 1));
        close(fd);
    }
    rep("open missing O_RDONLY", open("sandbox/missing", O_RDONLY));
    rep("open missing O_WRONLY (no O_CREAT)", open("sandbox/missing", O_WRONLY));
    rep("open dir O_WRONLY", open("sandbox/sub", O_WRONLY));
    rep("open dir O_RDWR", open("sandbox/sub", O_RDWR));
    rep("open file O_DIRECTORY", open("sandbox/hello.txt", O_RDONLY | O_DIRECTORY));
    fd = rep("open dir O_RDONLY", open("sandbox/sub", O_RDONLY));
    if (fd >= 0) {
        char buf[4];
        rep("read on dir", read(fd, buf, sizeof buf));
        rep("write on dir", write(fd, "x", 1));
        rep("lseek on dir", lseek(fd, 0, SEEK_CUR));
        close(fd);
    }

    fd = rep("open hello O_RDONLY", open("sandbox/hello.txt", O_RDONLY));
    if (fd >= 0) {
        rep("write on O_RDONLY", write(fd, "x", 1));
        close(fd);
    }

    /* O_TRUNC on a copy of digits.txt. */
    put_file("sandbox/trunc.txt", "0123456789");
    fd = rep("open O_TRUNC", open("sandbox/trunc.txt", O_WRONLY | O_TRUNC));
    if (fd >= 0) {
        struct stat st;
        fstat(fd, &st);
        printf("size after O_TRUNC: %lld\n", (long long)st.st_size);
        close(fd);
    }

    /* Seek, tell, holes, ftruncate. */
    fd = rep("open rw create", open("sandbox/seek.bin", O_RDWR | O_CREAT, 0600));
    if (fd >= 0) {
        printf("write 10: %zd\n", write(fd, "0123456789", 10));
        printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        printf("seek set 3: %lld\n", (long long)lseek(fd, 3, SEEK_SET));
        char b[4] = {0};
        printf("read 3: %zd \"%.3s\"\n", read(fd, b, 3), b);
        printf("seek cur -2: %lld\n", (long long)lseek(fd, -2, SEEK_CUR));
        printf("seek end -1: %lld\n", (long long)lseek(fd, -1, SEEK_END));
        rep("seek to -1", lseek(fd, -1, SEEK_SET));
        printf("tell after failed seeks: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        printf("seek past end 20: %lld\n", (long long)lseek(fd, 20, SEEK_SET));
        printf("read at 20: %zd\n", read(fd, b, 3));
        printf("write at 20: %zd\n", write(fd, "Z", 1));
        struct stat st;
        fstat(fd, &st);
        printf("size with hole: %lld\n", (long long)st.st_size);
        rep("ftruncate 5", ftruncate(fd, 5));
        fstat(fd, &st);
        printf("size after ftruncate 5: %lld\n", (long long)st.st_size);
        printf("tell after ftruncate: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        rep("ftruncate 8 (grow)", ftruncate(fd, 8));
        rep("ftruncate -1", ftruncate(fd, -1));
        char p[4] = {0};
        printf("pread 3 at 4: %zd \"%c\\x%02x\\x%02x\"\n", pread(fd, p, 3, 4), p[0], p[1], p[2]);
        printf("pwrite 2 at 6: %zd\n", pwrite(fd, "xy", 2, 6));
        printf("tell after pread/pwrite: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        rep("pread at -1", pread(fd, p, 1, -1));
        close(fd);
        show_file("seek.bin", "sandbox/seek.bin");
    }

    /* O_APPEND: every write lands at the end, whatever the offset. */
    fd = rep("open O_APPEND", open("sandbox/hello.txt", O_WRONLY | O_APPEND));
    if (fd >= 0) {
        printf("tell at open: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        lseek(fd, 0, SEEK_SET);
        printf("write: %zd\n", write(fd, "more\n", 5));
        printf("tell after append: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
        printf("pwrite at 0 on O_APPEND: %zd\n", pwrite(fd, "P", 1, 0));
        close(fd);
    }
    show_file("hello after append", "sandbox/hello.txt");

    /* A large write and read back. */
    static char big[200000], back[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + i / 251);
    fd = open("sandbox/big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t done = 0;
        while (done < sizeof big) {
            ssize_t n = write(fd, big + done, sizeof big - done);
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        printf("big written: %zu\n", done);
        lseek(fd, 0, SEEK_SET);
        done = 0;
        while (done < sizeof back) {
            ssize_t n = read(fd, back + done, sizeof back - done);
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        printf("big read: %zu equal: %s\n", done, memcmp(big, back, sizeof big) ? "no" : "yes");
        close(fd);
    }
    rep("close twice", close(fd));
    rep("read closed fd", read(fd, back, 1));
    rep("unlink big", unlink("sandbox/big.bin"));
}

/* Group "rights" (README rule rights): ftruncate on a read-only fd lacks
 * fd_filestat_set_size, ENOTCAPABLE under aotc, EINVAL under Wasmtime. */
static void rights_part(void) {
    int fd = rep("open hello O_RDONLY", open("sandbox/hello.txt", O_RDONLY));
    if (fd >= 0) {
        rep("ftruncate on O_RDONLY", ftruncate(fd, 0));
        close(fd);
    }
    show_file("hello.txt after", "sandbox/hello.txt");
}

/* argv[1] picks the group: "main" (the default) or "rights". */
int main(int argc, char **argv) {
    const char *group = argc > 1 ? argv[1] : "main";
    if (!strcmp(group, "rights")) {
        rights_part();
        return 0;
    }
    stdio_part();
    fd_part();
    return 0;
}

/* files.c: file descriptor basics in the read-write grant `rw` (through wasi-libc):
 * seek and tell, sparse writes, pread/pwrite leaving the position alone, fstat and
 * stat sizes and file types, and the errnos of a few misuses. Prints "name=value"
 * lines; tests/wasi_basic.rs has the expected list. The host provides rw/sub/ and
 * rw/link -> target.txt (6 bytes). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* errno as a WASI errno name (wasi-libc errno values are WASI's). */
#define ERR() errno_name((unsigned)errno)

static const char *type_of(mode_t m) {
    return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" : "other";
}

int main(void) {
    char buf[64];
    int fd = open("rw/f.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("open=%s\n", ERR());
        return 1;
    }
    printf("write=%zd\n", write(fd, "0123456789", 10));
    printf("seek_set=%lld\n", (long long)lseek(fd, 3, SEEK_SET));
    ssize_t n = read(fd, buf, 2);
    printf("read=%.*s\n", (int)(n > 0 ? n : 0), buf);
    printf("seek_cur=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    __wasi_filesize_t pos = 0;
    printf("fd_tell=%s %llu\n", errno_name(__wasi_fd_tell((__wasi_fd_t)fd, &pos)), (unsigned long long)pos);
    printf("seek_end=%lld\n", (long long)lseek(fd, -2, SEEK_END));
    n = read(fd, buf, 4);
    printf("read_at_end=%.*s\n", (int)(n > 0 ? n : 0), buf);
    printf("read_eof=%zd\n", read(fd, buf, 4));
    printf("seek_past_end=%lld\n", (long long)lseek(fd, 20, SEEK_SET));
    printf("write_past_end=%zd\n", write(fd, "X", 1));
    struct stat st;
    printf("fstat=%d %s %lld\n", fstat(fd, &st), type_of(st.st_mode), (long long)st.st_size);
    printf("pwrite=%zd\n", pwrite(fd, "abc", 3, 100));
    printf("pos_after_pwrite=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    n = pread(fd, buf, 3, 100);
    printf("pread=%.*s\n", (int)(n > 0 ? n : 0), buf);
    n = pread(fd, buf, 10, 0);
    printf("pread_start=%.*s\n", (int)(n > 0 ? n : 0), buf);
    printf("pread_past_eof=%zd\n", pread(fd, buf, 3, 200));
    printf("pos_after_pread=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    fstat(fd, &st);
    printf("size_after_pwrite=%lld\n", (long long)st.st_size);
    errno = 0;
    printf("seek_negative=%lld %s\n", (long long)lseek(fd, -1, SEEK_SET), ERR());
    close(fd);

    errno = 0;
    printf("seek_stdout=%lld %s\n", (long long)lseek(1, 0, SEEK_CUR), ERR());

    printf("stat_file=%d %s %lld\n", stat("rw/f.bin", &st), type_of(st.st_mode), (long long)st.st_size);
    printf("stat_dir=%d %s\n", stat("rw/sub", &st), type_of(st.st_mode));
    printf("lstat_link=%d %s\n", lstat("rw/link", &st), type_of(st.st_mode));
    printf("stat_link=%d %s %lld\n", stat("rw/link", &st), type_of(st.st_mode), (long long)st.st_size);
    int d = open("rw/sub", O_RDONLY | O_DIRECTORY);
    printf("fstat_dir=%d %s\n", d >= 0 ? fstat(d, &st) : -1, d >= 0 ? type_of(st.st_mode) : ERR());
    if (d >= 0)
        close(d);

    errno = 0;
    printf("stat_missing=%d %s\n", stat("rw/missing", &st), ERR());
    errno = 0;
    printf("open_dir_for_writing=%d %s\n", open("rw/sub", O_WRONLY), ERR());
    errno = 0;
    printf("open_under_file=%d %s\n", open("rw/f.bin/x", O_RDONLY), ERR());
    errno = 0;
    printf("open_excl_existing=%d %s\n", open("rw/f.bin", O_WRONLY | O_CREAT | O_EXCL, 0644), ERR());
    errno = 0;
    printf("read_bad_fd=%zd %s\n", read(99, buf, 1), ERR());
    return 0;
}

/* path_open_modes.c: path_open called directly with the rights programs ask for, for
 * tests/wasi_compat.rs (issue 11): which opens succeed depends on the host open mode
 * the rights choose. Each result is a `case=errno` line on stdout.
 *
 * Needs one read-write grant at fd 3 (empty); creates `m.txt` beneath it.
 *
 *   dot_dir_preopen_rights  "." with O_DIRECTORY and the preopen's own rights (from
 *                           fd_fdstat_get of fd 3), as Rust's std re-opens it; then
 *                           fd_readdir on the new fd (dot_readdir)
 *   dot_preopen_rights      the same without O_DIRECTORY
 *   dot_dir_write           "." with O_DIRECTORY and fd_write (EISDIR)
 *   dot_dir_read_write      "." with O_DIRECTORY and fd_read|fd_write (EISDIR)
 *   dot_write               "." with fd_write only (EISDIR)
 *   file_create             m.txt created with fd_write, then fd_write (file_write)
 *   file_datasync_only      m.txt with fd_datasync only, then fd_datasync
 *                           (file_datasync)
 *   file_sync_rights        m.txt with the sync, seek, tell, advise, stat rights (no
 *                           read or write), then fd_sync (file_sync)
 *   file_read               m.txt with fd_read, then fd_read (file_read_bytes: count)
 *   file_setsize_only       m.txt with fd_filestat_set_size only, then
 *                           fd_filestat_set_size(2) (file_setsize)
 *   dot_setsize             "." with fd_filestat_set_size only (a directory)
 */
#include <stdio.h>
#include <wasi/api.h>

#define DIR 3

static void out(const char *key, unsigned v) { printf("%s=%u\n", key, v); }

static void shut(__wasi_fd_t fd) {
    __wasi_errno_t e = __wasi_fd_close(fd);
    (void)e;
}

int main(void) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(DIR, &st);
    if (e != 0) {
        out("setup", e);
        return 1;
    }
    __wasi_fd_t fd;
    char buf[16];
    __wasi_size_t n;

    e = __wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY, st.fs_rights_base,
                         st.fs_rights_inheriting, 0, &fd);
    out("dot_dir_preopen_rights", e);
    if (e == 0) {
        out("dot_readdir", __wasi_fd_readdir(fd, (uint8_t *)buf, sizeof buf, 0, &n));
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, ".", 0, st.fs_rights_base, st.fs_rights_inheriting, 0, &fd);
    out("dot_preopen_rights", e);
    if (e == 0)
        shut(fd);
    e = __wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    out("dot_dir_write", e);
    e = __wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY,
                         __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    out("dot_dir_read_write", e);
    e = __wasi_path_open(DIR, 0, ".", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    out("dot_write", e);

    e = __wasi_path_open(DIR, 0, "m.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0,
                         &fd);
    out("file_create", e);
    if (e == 0) {
        __wasi_ciovec_t c = {(const uint8_t *)"hello", 5};
        out("file_write", __wasi_fd_write(fd, &c, 1, &n));
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, "m.txt", 0, __WASI_RIGHTS_FD_DATASYNC, 0, 0, &fd);
    out("file_datasync_only", e);
    if (e == 0) {
        out("file_datasync", __wasi_fd_datasync(fd));
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, "m.txt", 0,
                         __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_SEEK |
                             __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_ADVISE |
                             __WASI_RIGHTS_FD_FILESTAT_GET,
                         0, 0, &fd);
    out("file_sync_rights", e);
    if (e == 0) {
        out("file_sync", __wasi_fd_sync(fd));
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, "m.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    out("file_read", e);
    if (e == 0) {
        __wasi_iovec_t v = {(uint8_t *)buf, sizeof buf};
        n = 0;
        e = __wasi_fd_read(fd, &v, 1, &n);
        out("file_read_bytes", e == 0 ? n : 1000 + e);
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, "m.txt", 0, __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, 0, 0, &fd);
    out("file_setsize_only", e);
    if (e == 0) {
        out("file_setsize", __wasi_fd_filestat_set_size(fd, 2));
        shut(fd);
    }
    e = __wasi_path_open(DIR, 0, ".", 0, __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, 0, 0, &fd);
    out("dot_setsize", e);
    if (e == 0)
        shut(fd);
    return 0;
}

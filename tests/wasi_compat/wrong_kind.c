/* wrong_kind.c: every WASI call that needs one kind of descriptor, called with
 * another (stdio, a directory, a regular file), for tests/wasi_compat.rs. Each result
 * is a `call@kind=errno` line on stdout; the test compares them with Wasmtime's.
 *
 * Needs one read-write grant at fd 3. Creates the file `wk.txt` beneath it.
 */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define STDIN 0
#define STDOUT 1
#define DIR 3

static void out(const char *call, const char *kind, __wasi_errno_t e) {
    printf("%s@%s=%u\n", call, kind, (unsigned)e);
}

#define R(call, kind, expr) out(call, kind, (expr))

int main(void) {
    __wasi_fd_t file;
    __wasi_errno_t e = __wasi_path_open(DIR, 0, "wk.txt", __WASI_OFLAGS_CREAT,
                                        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE |
                                            __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL,
                                        0, 0, &file);
    if (e != 0) {
        printf("setup=%u\n", (unsigned)e);
        return 1;
    }
    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    __wasi_filestat_t st;
    __wasi_prestat_t pre;
    __wasi_fd_t fd_out;
    __wasi_roflags_t ro;

    R("fd_read", "dir", __wasi_fd_read(DIR, &iov, 1, &n));
    R("fd_read", "stdout", __wasi_fd_read(STDOUT, &iov, 1, &n));
    R("fd_write", "dir", __wasi_fd_write(DIR, &ciov, 1, &n));
    R("fd_write", "stdin", __wasi_fd_write(STDIN, &ciov, 1, &n));
    R("fd_pread", "stdin", __wasi_fd_pread(STDIN, &iov, 1, 0, &n));
    R("fd_pread", "dir", __wasi_fd_pread(DIR, &iov, 1, 0, &n));
    R("fd_pwrite", "stdout", __wasi_fd_pwrite(STDOUT, &ciov, 1, 0, &n));
    R("fd_pwrite", "dir", __wasi_fd_pwrite(DIR, &ciov, 1, 0, &n));
    R("fd_seek", "stdin", __wasi_fd_seek(STDIN, 0, __WASI_WHENCE_SET, &pos));
    R("fd_seek", "dir", __wasi_fd_seek(DIR, 0, __WASI_WHENCE_SET, &pos));
    R("fd_tell", "stdin", __wasi_fd_tell(STDIN, &pos));
    R("fd_tell", "dir", __wasi_fd_tell(DIR, &pos));
    R("fd_readdir", "stdin", __wasi_fd_readdir(STDIN, (uint8_t *)buf, sizeof buf, 0, &n));
    R("fd_readdir", "file", __wasi_fd_readdir(file, (uint8_t *)buf, sizeof buf, 0, &n));
    R("fd_filestat_set_size", "stdout", __wasi_fd_filestat_set_size(STDOUT, 0));
    R("fd_filestat_set_size", "dir", __wasi_fd_filestat_set_size(DIR, 0));
    R("fd_allocate", "stdout", __wasi_fd_allocate(STDOUT, 0, 1));
    R("fd_allocate", "dir", __wasi_fd_allocate(DIR, 0, 1));
    R("fd_datasync", "stdout", __wasi_fd_datasync(STDOUT));
    R("fd_datasync", "dir", __wasi_fd_datasync(DIR));
    R("fd_sync", "stdout", __wasi_fd_sync(STDOUT));
    R("fd_sync", "dir", __wasi_fd_sync(DIR));
    R("fd_advise", "stdout", __wasi_fd_advise(STDOUT, 0, 0, __WASI_ADVICE_NORMAL));
    R("fd_advise", "dir", __wasi_fd_advise(DIR, 0, 0, __WASI_ADVICE_NORMAL));
    R("fd_filestat_set_times", "stdout",
      __wasi_fd_filestat_set_times(STDOUT, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    R("fd_fdstat_set_flags", "stdout", __wasi_fd_fdstat_set_flags(STDOUT, 0));
    R("fd_filestat_get", "dir", __wasi_fd_filestat_get(DIR, &st));
    R("fd_prestat_get", "stdin", __wasi_fd_prestat_get(STDIN, &pre));
    R("fd_prestat_get", "file", __wasi_fd_prestat_get(file, &pre));
    R("fd_prestat_dir_name", "file", __wasi_fd_prestat_dir_name(file, (uint8_t *)buf, 1));
    R("path_open", "stdin", __wasi_path_open(STDIN, 0, "x", 0, 0, 0, 0, &fd_out));
    R("path_open", "file", __wasi_path_open(file, 0, "x", 0, 0, 0, 0, &fd_out));
    R("path_create_directory", "stdin", __wasi_path_create_directory(STDIN, "x"));
    R("path_create_directory", "file", __wasi_path_create_directory(file, "x"));
    R("path_filestat_get", "stdin", __wasi_path_filestat_get(STDIN, 0, "x", &st));
    R("path_filestat_get", "file", __wasi_path_filestat_get(file, 0, "x", &st));
    R("path_filestat_set_times", "file",
      __wasi_path_filestat_set_times(file, 0, "x", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    R("path_readlink", "file", __wasi_path_readlink(file, "x", (uint8_t *)buf, sizeof buf, &n));
    R("path_remove_directory", "file", __wasi_path_remove_directory(file, "x"));
    R("path_unlink_file", "file", __wasi_path_unlink_file(file, "x"));
    R("path_rename", "file", __wasi_path_rename(file, "x", DIR, "y"));
    R("path_rename", "file_target", __wasi_path_rename(DIR, "wk.txt", file, "y"));
    R("path_symlink", "file", __wasi_path_symlink("x", file, "y"));
    R("path_link", "file", __wasi_path_link(file, 0, "x", DIR, "y"));
    R("sock_accept", "stdin", __wasi_sock_accept(STDIN, 0, &fd_out));
    R("sock_accept", "dir", __wasi_sock_accept(DIR, 0, &fd_out));
    R("sock_accept", "file", __wasi_sock_accept(file, 0, &fd_out));
    R("sock_recv", "stdin", __wasi_sock_recv(STDIN, &iov, 1, 0, &n, &ro));
    R("sock_recv", "dir", __wasi_sock_recv(DIR, &iov, 1, 0, &n, &ro));
    R("sock_recv", "file", __wasi_sock_recv(file, &iov, 1, 0, &n, &ro));
    R("sock_send", "stdout", __wasi_sock_send(STDOUT, &ciov, 1, 0, &n));
    R("sock_send", "dir", __wasi_sock_send(DIR, &ciov, 1, 0, &n));
    R("sock_send", "file", __wasi_sock_send(file, &ciov, 1, 0, &n));
    R("sock_shutdown", "stdin", __wasi_sock_shutdown(STDIN, __WASI_SDFLAGS_WR));
    R("sock_shutdown", "stdout", __wasi_sock_shutdown(STDOUT, __WASI_SDFLAGS_WR));
    R("sock_shutdown", "dir", __wasi_sock_shutdown(DIR, __WASI_SDFLAGS_WR));
    R("sock_shutdown", "file", __wasi_sock_shutdown(file, __WASI_SDFLAGS_WR));
    R("fd_close", "closed", __wasi_fd_close(99));
    R("sock_shutdown", "closed", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    R("fd_readdir", "closed", __wasi_fd_readdir(99, (uint8_t *)buf, sizeof buf, 0, &n));
    R("path_open", "closed", __wasi_path_open(99, 0, "x", 0, 0, 0, 0, &fd_out));
    return 0;
}

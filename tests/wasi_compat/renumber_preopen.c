/* renumber_preopen.c: fd_renumber onto and from granted directories, for
 * tests/wasi_compat.rs (issue 11). Each result is a `key=value` line on stdout.
 *
 * Needs two grants: fd 3 (read-write, named "a") and fd 4 (named "b", read-write
 * when compared with Wasmtime, read-only to check that a moved grant keeps its
 * rights).
 *
 *   g_open               g.txt created beneath fd 3 (read|write); its number is G
 *   b_over_g             fd_renumber(4, G): the grant "b" moves onto G
 *   prestat_G, name_G    fd_prestat_get(G) and the name it reports ("b")
 *   prestat_4            fd_prestat_get(4) after the move (closed: EBADF)
 *   moved_create         path_open(G, "new.txt", O_CREAT, fd_write): the moved
 *                        grant's rights (read-only: ENOTCAPABLE)
 *   f_open               f.txt created beneath fd 3 (read|write); its number is F
 *   f_over_3             fd_renumber(F, 3): the file replaces the grant "a"
 *   prestat_3            fd_prestat_get(3): a file is no grant (EBADF)
 *   type_3               the filetype fd_fdstat_get(3) reports (4: regular file)
 *   write_3              fd_write(3, "x"): the file's own right
 *   open_3               path_open(3, "g.txt"): a file is no directory (ENOTDIR)
 *   close_F              fd_close(F): the old number is free (EBADF)
 */
#include <stdio.h>
#include <wasi/api.h>

static void out(const char *key, unsigned v) { printf("%s=%u\n", key, v); }

static void shut(__wasi_fd_t fd) {
    __wasi_errno_t e = __wasi_fd_close(fd);
    (void)e;
}

#define RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)

int main(void) {
    __wasi_fd_t g, f, n;
    __wasi_errno_t e = __wasi_path_open(3, 0, "g.txt", __WASI_OFLAGS_CREAT, RW, 0, 0, &g);
    out("g_open", e);
    if (e != 0)
        return 1;
    out("b_over_g", __wasi_fd_renumber(4, g));
    __wasi_prestat_t ps;
    e = __wasi_fd_prestat_get(g, &ps);
    out("prestat_G", e);
    if (e == 0 && ps.u.dir.pr_name_len < 16) {
        char name[16] = {0};
        e = __wasi_fd_prestat_dir_name(g, (uint8_t *)name, ps.u.dir.pr_name_len);
        printf("name_G=%s\n", e == 0 ? name : "?");
    }
    out("prestat_4", __wasi_fd_prestat_get(4, &ps));
    e = __wasi_path_open(g, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &n);
    out("moved_create", e);
    if (e == 0)
        shut(n);

    e = __wasi_path_open(3, 0, "f.txt", __WASI_OFLAGS_CREAT, RW, 0, 0, &f);
    out("f_open", e);
    if (e != 0)
        return 1;
    out("f_over_3", __wasi_fd_renumber(f, 3));
    out("prestat_3", __wasi_fd_prestat_get(3, &ps));
    __wasi_fdstat_t st;
    e = __wasi_fd_fdstat_get(3, &st);
    out("type_3", e == 0 ? st.fs_filetype : 1000 + e);
    __wasi_ciovec_t c = {(const uint8_t *)"x", 1};
    __wasi_size_t w;
    out("write_3", __wasi_fd_write(3, &c, 1, &w));
    e = __wasi_path_open(3, 0, "g.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &n);
    out("open_3", e);
    if (e == 0)
        shut(n);
    out("close_F", __wasi_fd_close(f));
    return 0;
}

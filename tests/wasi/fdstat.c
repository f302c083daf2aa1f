/* fdstat.c: fd_fdstat_get and fd_prestat_get on the standard streams, the one
 * preopened directory, and a descriptor that does not exist. Prints:
 *   fdN=<errno> type=<filetype> read=<0|1> write=<0|1>   for fds 0, 1, 2, 3
 *   fd99=<errno>                                          (expect EBADF)
 *   prestat3=<errno> <name>                               (the preopen's name)
 *   prestat4=<errno>                                      (expect EBADF: no second grant)
 */
#include "common.h"

int main(void) {
    for (__wasi_fd_t fd = 0; fd <= 3; fd++) {
        __wasi_fdstat_t st;
        __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
        printf("fd%u=%s type=%u read=%d write=%d\n", (unsigned)fd, errno_name(e), e ? 0u : (unsigned)st.fs_filetype,
               e ? 0 : !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ),
               e ? 0 : !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
    }
    __wasi_fdstat_t st;
    printf("fd99=%s\n", errno_name(__wasi_fd_fdstat_get(99, &st)));
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(3, &ps);
    char name[64] = {0};
    if (e == 0 && ps.u.dir.pr_name_len < sizeof name)
        e = __wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len);
    printf("prestat3=%s %s\n", errno_name(e), name);
    printf("prestat4=%s\n", errno_name(__wasi_fd_prestat_get(4, &ps)));
    return 0;
}

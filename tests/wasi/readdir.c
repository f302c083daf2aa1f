/* readdir.c: lists the read-only grant `ro` three ways with opendir/readdir:
 * straight through ("A <type> <name>"), then from a telldir() cookie taken after
 * the 5th entry via seekdir() ("S <name>"), then again after rewinddir()
 * ("R <name>"). type is f (regular), d (directory), l (symlink) or ? (other).
 * "." and ".." are printed when the runtime returns them; the test decides. */
#include <dirent.h>

#include "common.h"

static char type_char(unsigned char t) {
    return t == DT_REG ? 'f' : t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : '?';
}

int main(void) {
    DIR *d = opendir("ro");
    if (!d) {
        printf("opendir failed\n");
        return 1;
    }
    long cookie = -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        printf("A %c %s\n", type_char(e->d_type), e->d_name);
        if (++n == 5)
            cookie = telldir(d);
    }
    if (cookie < 0) {
        printf("fewer than 5 entries\n");
        return 1;
    }
    seekdir(d, cookie);
    while ((e = readdir(d)) != NULL)
        printf("S %s\n", e->d_name);
    rewinddir(d);
    while ((e = readdir(d)) != NULL)
        printf("R %s\n", e->d_name);
    closedir(d);
    printf("done\n");
    return 0;
}

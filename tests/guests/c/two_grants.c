/* two_grants.c: two grants, "a" and "b2" (host directory b): libc paths resolve to
 * the right one, rename and link across grants (whatever errno the engine gives),
 * a symlink in one grant pointing into the other (an escape: refused), and each
 * grant's sorted listing afterwards. */
#include "util.h"
#include <dirent.h>

static void list(const char *what, const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    char names[64][64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    printf("%s:", what);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

/* Group "escape" (README rule escape-errno): reaching grant b2 from grant a through
 * ".." or a symlink leaves a, ENOTCAPABLE under aotc, EPERM under Wasmtime. */
static void escapes(void) {
    put_file("b2/only-b.txt", "in b\n");
    show_file("a/../b2/only-b.txt", "a/../b2/only-b.txt");
    rep("symlink in a into b", symlink("../b/only-b.txt", "a/to-b"));
    show_file("read a/to-b", "a/to-b");
    show_file("read a/escape", "a/escape");
}

/* argv[1] picks the group: "main" (the default) or "escape". */
int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "escape")) {
        escapes();
        return 0;
    }
    printf("grant a at fd %d, b2 at fd %d\n", find_preopen("a"), find_preopen("b2"));
    printf("no grant named b: %s\n", find_preopen("b") < 0 ? "yes" : "no");
    put_file("a/only-a.txt", "in a\n");
    put_file("b2/only-b.txt", "in b\n");
    show_file("a/only-a.txt", "a/only-a.txt");
    show_file("b2/only-b.txt", "b2/only-b.txt");
    show_file("b/only-b.txt (host name)", "b/only-b.txt");
    rep("rename file a -> b2", rename("a/hello.txt", "b2/from-a.txt"));
    rep("rename dir a -> b2", rename("a/sub", "b2/sub-from-a"));
    rep("rename file b2 -> a over existing", rename("b2/digits.txt", "a/digits.txt"));
    rep("link across grants", link("a/empty.txt", "b2/empty-link.txt"));
    rep("symlink in a into b", symlink("../b/only-b.txt", "a/to-b"));
    list("a", "a");
    list("b2", "b2");
    return 0;
}

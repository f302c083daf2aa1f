/* sandbox-demo.c: what a read-only grant means. Reads data/input.txt, then tries
 * every kind of write into data/ and several ways out of it, printing one line per
 * attempt, then exits with status 7 (through proc_exit).
 *
 * Build (from the examples/ directory; the manifest grants data/ read-only):
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 sandbox-demo.c -o sandbox-demo.wasm
 *   aotc sandbox-demo.wasm -o sandbox-demo --manifest sandbox-demo.toml
 * Run it in a scratch copy, with a symlink in data/ that points outside of it:
 *   rm -rf /tmp/demo && mkdir /tmp/demo && cp -r data /tmp/demo/
 *   echo 'host secret' > /tmp/demo/secret.txt
 *   ln -s ../secret.txt /tmp/demo/data/link-out
 *   (cd /tmp/demo && "$OLDPWD/sandbox-demo"); echo "exit status $?"
 * Expected output (exit status 7, the host tree unchanged):
 *   read data/input.txt: ok (79 bytes)
 *   write data/out.txt: refused (Capabilities insufficient)
 *   truncate data/input.txt: refused (Capabilities insufficient)
 *   append data/input.txt: refused (Capabilities insufficient)
 *   unlink data/input.txt: refused (Capabilities insufficient)
 *   rename data/input.txt -> data/renamed.txt: refused (Capabilities insufficient)
 *   mkdir data/newdir: refused (Capabilities insufficient)
 *   symlink data/newlink -> input.txt: refused (Capabilities insufficient)
 *   read ../secret.txt: refused (Capabilities insufficient)
 *   read data/../secret.txt: refused (Capabilities insufficient)
 *   read data/../../etc/passwd: refused (Capabilities insufficient)
 *   read /etc/passwd: refused (Capabilities insufficient)
 *   read data/link-out: refused (Capabilities insufficient)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Prints "<what>: ok" or "<what>: refused (<reason>)" for a call that returned rc. */
static void report(const char *what, int rc) {
    if (rc < 0)
        printf("%s: refused (%s)\n", what, strerror(errno));
    else
        printf("%s: ok\n", what);
}

/* Reads a whole file and reports how many bytes it had. */
static void try_read(const char *path) {
    char what[128];
    snprintf(what, sizeof what, "read %s", path);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        report(what, -1);
        return;
    }
    char buf[512];
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    if (n < 0) {
        report(what, -1);
    } else {
        printf("%s: ok (%ld bytes)\n", what, total);
    }
    close(fd);
}

/* Opens with the given flags; a descriptor that opens is closed again. */
static void try_open(const char *what, const char *path, int flags) {
    int fd = open(path, flags, 0644);
    report(what, fd);
    if (fd >= 0)
        close(fd);
}

int main(void) {
    try_read("data/input.txt");

    FILE *f = fopen("data/out.txt", "w");
    report("write data/out.txt", f ? 0 : -1);
    if (f)
        fclose(f);
    /* O_TRUNC with a read-only open: truncation is a write all the same. */
    try_open("truncate data/input.txt", "data/input.txt", O_RDONLY | O_TRUNC);
    try_open("append data/input.txt", "data/input.txt", O_WRONLY | O_APPEND);
    report("unlink data/input.txt", unlink("data/input.txt"));
    report("rename data/input.txt -> data/renamed.txt",
           rename("data/input.txt", "data/renamed.txt"));
    report("mkdir data/newdir", mkdir("data/newdir", 0755));
    report("symlink data/newlink -> input.txt", symlink("input.txt", "data/newlink"));

    /* Ways out: parent directories, an absolute path, a symlink pointing outside. */
    try_read("../secret.txt");
    try_read("data/../secret.txt");
    try_read("data/../../etc/passwd");
    try_read("/etc/passwd");
    try_read("data/link-out");

    fflush(stdout);
    exit(7);
}

/* wc.c: counts the lines, words and bytes of one file named on the command line,
 * like `wc FILE`. Needs the file's directory granted read-only.
 *
 * Build and run (from the examples/ directory):
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 wc.c -o wc.wasm
 *   aotc wc.wasm -o wc --allow-dir data:ro
 *   ./wc data/input.txt
 * Expected output:
 *   3 15 79 data/input.txt
 * Errors (no argument, unreadable file) go to stderr with exit status 1.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: wc FILE\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "wc: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    unsigned long lines = 0, words = 0, bytes = 0;
    int in_word = 0, c;
    while ((c = getc(f)) != EOF) {
        bytes++;
        if (c == '\n')
            lines++;
        if (isspace(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "wc: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    fclose(f);
    printf("%lu %lu %lu %s\n", lines, words, bytes, argv[1]);
    return 0;
}

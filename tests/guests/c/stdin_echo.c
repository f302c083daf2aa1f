/* stdin_echo.c: standard input to standard output. Reads stdin line by line with
 * fgets, echoes each line numbered with its length, counts bytes and lines, checks
 * that reads after end-of-file keep returning 0, and writes a summary to stderr. */
#include "util.h"

int main(void) {
    char line[256];
    int lines = 0;
    long bytes = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        int nl = n > 0 && line[n - 1] == '\n';
        if (nl)
            line[--n] = 0;
        printf("%d (%zu%s): %s\n", ++lines, n, nl ? "" : ", no newline", line);
        bytes += (long)n + nl;
    }
    printf("eof: %s, error: %s\n", feof(stdin) ? "yes" : "no", ferror(stdin) ? "yes" : "no");
    char c;
    printf("read(0) after eof: %zd\n", read(0, &c, 1));
    printf("read(0) again: %zd\n", read(0, &c, 1));
    printf("write(1) 0 bytes: %zd\n", write(1, "", 0));
    fflush(stdout);
    rep("write to stdin", write(0, "x", 1));
    rep("read from stdout", read(1, &c, 1));
    fprintf(stderr, "lines %d bytes %ld\n", lines, bytes);
    return 0;
}

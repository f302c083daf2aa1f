/* args_env.c: the command line and environment through libc: argc, every argv
 * entry (quoted, bytes escaped), the sorted environ list, getenv of present,
 * empty and absent names, and setenv/unsetenv staying inside the process. */
#include "util.h"

extern char **environ;

static void quoted(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 32 && *p < 127 && *p != '"' && *p != '\\')
            putchar(*p);
        else
            printf("\\x%02x", *p);
    }
    putchar('"');
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]: ", i);
        quoted(argv[i]);
        printf("\n");
    }
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    int n = 0;
    while (environ[n])
        n++;
    char **sorted = malloc(sizeof(char *) * (size_t)(n + 1));
    memcpy(sorted, environ, sizeof(char *) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(char *), cmp);
    printf("environ count: %d\n", n);
    for (int i = 0; i < n; i++) {
        printf("env: ");
        quoted(sorted[i]);
        printf("\n");
    }
    const char *names[] = {"GREETING", "EMPTY", "EQUALS", "PATH", "HOME", "NOT_SET"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("getenv %s: ", names[i]);
        if (v)
            quoted(v);
        else
            printf("(unset)");
        printf("\n");
    }
    rep("setenv NEW", setenv("NEW", "value", 1));
    printf("getenv NEW: %s\n", getenv("NEW"));
    rep("unsetenv GREETING", unsetenv("GREETING"));
    printf("getenv GREETING after unsetenv: %s\n", getenv("GREETING") ? "set" : "(unset)");
    rep("setenv with = in name", setenv("A=B", "x", 1));
    return 0;
}

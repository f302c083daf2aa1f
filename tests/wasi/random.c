/* random.c: random_get from inside the guest. Prints two 32-byte draws in hex
 * (a=..., b=...), the number of distinct byte values in a 64 KiB draw
 * (distinct=N; a real source gives 256), and the result of a zero-length draw
 * (empty=ESUCCESS). */
#include "common.h"

static void hex(const char *name, const uint8_t *b, size_t n) {
    printf("%s=", name);
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static uint8_t big[65536];

int main(void) {
    uint8_t a[32], b[32];
    if (__wasi_random_get(a, sizeof a) != 0 || __wasi_random_get(b, sizeof b) != 0) {
        printf("random_get failed\n");
        return 1;
    }
    hex("a", a, sizeof a);
    hex("b", b, sizeof b);
    if (__wasi_random_get(big, sizeof big) != 0) {
        printf("random_get failed\n");
        return 1;
    }
    int seen[256] = {0}, distinct = 0;
    for (size_t i = 0; i < sizeof big; i++)
        if (!seen[big[i]]++)
            distinct++;
    printf("distinct=%d\n", distinct);
    printf("empty=%s\n", errno_name(__wasi_random_get(big, 0)));
    return 0;
}

// tests/parallel.rs: a program using much of wasi-libc (formatted output of
// integers and floats, qsort through a function pointer, malloc/realloc/free, string
// functions, strtod), compiled as one module and split into partitions; both
// executables must print exactly the same.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    char name[16];
    double weight;
    int rank;
};

static int by_weight(const void *a, const void *b) {
    const struct item *x = a, *y = b;
    if (x->weight != y->weight) return x->weight < y->weight ? -1 : 1;
    return strcmp(x->name, y->name);
}

static unsigned next(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

int main(void) {
    unsigned seed = 42;
    size_t cap = 4, n = 0;
    struct item *items = malloc(cap * sizeof *items);
    for (int i = 0; i < 200; i++) {
        if (n == cap) {
            cap *= 2;
            items = realloc(items, cap * sizeof *items);
        }
        struct item *it = &items[n++];
        snprintf(it->name, sizeof it->name, "item-%03u", next(&seed) % 1000);
        char text[32];
        snprintf(text, sizeof text, "%u.%03u", next(&seed) % 100, next(&seed) % 1000);
        it->weight = strtod(text, NULL);
        it->rank = i;
    }
    qsort(items, n, sizeof *items, by_weight);
    double total = 0;
    for (size_t i = 0; i < n; i++) total += items[i].weight * (double)(i + 1);
    printf("lightest %s %.3f rank %d\n", items[0].name, items[0].weight, items[0].rank);
    printf("heaviest %s %.3f rank %d\n", items[n - 1].name, items[n - 1].weight,
           items[n - 1].rank);
    printf("weighted total %.6e, %zu items, %s\n", total, n,
           strstr(items[n / 2].name, "item-") ? "named" : "unnamed");
    free(items);
    return 0;
}

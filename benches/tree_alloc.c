/* tree_alloc: malloc-heavy workload. Builds and frees many binary trees of varying
   depth (binary-trees style) plus a randomly shaped binary search tree with inserts
   and deletions, every node from malloc/free. Measures the allocator (wasi-libc's
   dlmalloc in wasm vs glibc malloc natively) and pointer chasing. */
#include "common.h"
#define MAXDEPTH 18
#define BST_OPS 1500000
#define EXPECT 0x162e55b7ca5e1bb8ULL
typedef struct node { struct node *l, *r; uint32_t key; } node;
static node *make(int d) {
  node *n = malloc(sizeof *n);
  n->key = (uint32_t)d;
  if (d > 0) { n->l = make(d - 1); n->r = make(d - 1); } else n->l = n->r = NULL;
  return n;
}
static uint64_t check(node *n) { return n ? 1 + check(n->l) + check(n->r) : 0; }
static uint64_t keysum(node *n) { return n ? n->key + 3 * keysum(n->l) + 5 * keysum(n->r) : 0; }
static void freet(node *n) { if (n) { freet(n->l); freet(n->r); free(n); } }
static node *bst_insert(node *t, uint32_t k) {
  node **pp = &t;
  while (*pp) { if (k == (*pp)->key) return t; pp = k < (*pp)->key ? &(*pp)->l : &(*pp)->r; }
  node *n = malloc(sizeof *n); n->l = n->r = NULL; n->key = k; *pp = n;
  return t;
}
static node *bst_delete(node *t, uint32_t k) {
  node **pp = &t;
  while (*pp && (*pp)->key != k) pp = k < (*pp)->key ? &(*pp)->l : &(*pp)->r;
  node *n = *pp;
  if (!n) return t;
  if (!n->l) *pp = n->r;
  else if (!n->r) *pp = n->l;
  else {
    node **sp = &n->r;
    while ((*sp)->l) sp = &(*sp)->l;
    node *s = *sp; *sp = s->r; s->l = n->l; s->r = n->r; *pp = s;
  }
  free(n);
  return t;
}
int main(void) {
  uint64_t h = 0;
  for (int d = 4; d <= MAXDEPTH; d += 2) {
    int iters = 1 << (MAXDEPTH - d + 4);
    uint64_t c = 0;
    for (int i = 0; i < iters; i++) { node *t = make(d); c += check(t); freet(t); }
    h = mix64(h, c);
  }
  node *t = NULL;
  for (int i = 0; i < BST_OPS; i++) {
    uint32_t k = rng32() % 200000;
    if (rng32() & 1) t = bst_insert(t, k); else t = bst_delete(t, k);
  }
  h = mix64(h, check(t)); h = mix64(h, keysum(t));
  if (t) freet(t);
  return bench_check("tree_alloc", h, EXPECT);
}

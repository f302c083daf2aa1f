/* bfs: graph search. Breadth-first search over a random sparse directed graph in CSR
   form (V vertices, V*DEG edges, built in the program) from SOURCES start vertices,
   summing distances. Measures irregular, cache-missing memory access and a queue. */
#include "common.h"
#define V (1 << 20)
#define DEG 8
#define SOURCES 16
#define EXPECT 0x86f3120091e9c703ULL
static uint32_t off[V + 1], adj[V * DEG], queue[V];
static int32_t dist[V];
int main(void) {
  for (uint32_t v = 0; v <= V; v++) off[v] = v * DEG;
  for (uint32_t e = 0; e < V * DEG; e++) {
    uint32_t v = e / DEG, r = rng32();
    adj[e] = (r & 3) ? (v + 1 + (r >> 20)) % V : (r >> 8) % V; /* mostly local, some long edges */
  }
  uint64_t h = 0;
  for (int s = 0; s < SOURCES; s++) {
    memset(dist, 0xff, sizeof dist);
    uint32_t src = rng32() % V, qh = 0, qt = 0;
    dist[src] = 0; queue[qt++] = src;
    uint64_t sum = 0, reached = 0;
    while (qh < qt) {
      uint32_t v = queue[qh++];
      int32_t dv = dist[v];
      sum += (uint64_t)dv; reached++;
      for (uint32_t e = off[v]; e < off[v + 1]; e++) {
        uint32_t w = adj[e];
        if (dist[w] < 0) { dist[w] = dv + 1; queue[qt++] = w; }
      }
    }
    h = mix64(h, sum * 1000003 + reached);
  }
  return bench_check("bfs", h, EXPECT);
}

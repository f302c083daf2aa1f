// A C library built as a WASI reactor (clang -mexec-model=reactor) whose exports
// read the executable's arguments through WASI's args_sizes_get/args_get, as a
// reactor run by `wasmtime run --invoke NAME module.wasm ARGS` does: `print_args`
// takes no parameters, so `aotc --invoke print_args` must leave every argument to
// args_get; `count_args(k)` has a parameter, so its one argument is `k` (and args_get
// still sees the whole argv). Used by tests/reactor.rs, which compares the output
// with Wasmtime's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int constructed;

__attribute__((constructor)) static void construct(void) { constructed = 1; }

// The argv args_get reports, in a block from malloc (argv[argc] = NULL).
static char **read_args(size_t *argc) {
  size_t size;
  if (__wasi_args_sizes_get(argc, &size) != 0)
    abort();
  char **argv = calloc(*argc + 1, sizeof(char *));
  char *buf = malloc(size ? size : 1);
  if (!argv || !buf || __wasi_args_get((uint8_t **)argv, (uint8_t *)buf) != 0)
    abort();
  return argv;
}

__attribute__((export_name("print_args"))) void print_args(void) {
  size_t argc;
  char **argv = read_args(&argc);
  printf("constructed=%d argc=%zu\n", constructed, argc);
  for (size_t i = 0; i < argc; i++)
    printf("argv[%zu]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  // No exit() runs after a reactor's function returns: flush what stdio buffered.
  fflush(stdout);
}

// k * 1000 + argc, where argc counts argv[0] and k itself.
__attribute__((export_name("count_args"))) int count_args(int k) {
  size_t argc;
  read_args(&argc);
  return k * 1000 + (int)argc;
}

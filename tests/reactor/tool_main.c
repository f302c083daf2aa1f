// A C library built as a WASI reactor (clang -mexec-model=reactor, malloc exported)
// whose exported `tool_main` is a C main: `aotc --invoke-main tool_main` must pass it
// the executable's argv exactly as a command's main would get it, after the module's
// constructors ran (through `_initialize`). Used by tests/reactor.rs.
#include <stdio.h>
#include <string.h>

static int constructed;

__attribute__((constructor)) static void construct(void) { constructed = 1; }

__attribute__((export_name("tool_main"))) int tool_main(int argc, char **argv) {
  printf("constructed=%d argc=%d\n", constructed, argc);
  for (int i = 1; i < argc; i++)
    printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc]=%s\n", argv[argc] ? "set" : "NULL");
  // No exit() runs after a reactor's function returns: flush what stdio buffered.
  fflush(stdout);
  return argc == 4 ? 0 : 3;
}

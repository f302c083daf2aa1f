/* hello.c: the smallest aotc program. Prints one line and exits 0.
 *
 * Build and run (from the examples/ directory):
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 hello.c -o hello.wasm
 *   aotc hello.wasm -o hello
 *   ./hello
 * Expected output:
 *   Hello, world!
 */
#include <stdio.h>

int main(void) {
    puts("Hello, world!");
    return 0;
}

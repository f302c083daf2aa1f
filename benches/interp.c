/* interp: big-switch interpreter dispatch. A stack/register bytecode VM with ~24
   opcodes in one switch inside a loop, running a generated program (nested loops, a
   small PRNG, arithmetic, memory ops, calls). Measures indirect-branch dispatch and
   branch prediction. */
#include "common.h"
#define ITERS 3000000
#define EXPECT 0xc2dd8ada4bd84810ULL
enum { HALT, LI, MOV, ADD, SUB, MUL, XOR, AND, OR, SHL, SHR, ADDI, LD, ST, JMP, JNZ, JLT, CALL, RET, INC, DEC, ROT, NEG, NOP };
typedef struct { uint8_t op, a, b, c; int32_t imm; } insn;
static uint64_t mem[1024];
static uint64_t run(const insn *code) {
  uint64_t r[16] = {0};
  int pc = 0, sp = 0, stack[64];
  for (;;) {
    const insn *i = &code[pc++];
    switch (i->op) {
    case HALT: return r[0] ^ r[1] ^ r[2];
    case LI: r[i->a] = (uint64_t)(int64_t)i->imm; break;
    case MOV: r[i->a] = r[i->b]; break;
    case ADD: r[i->a] = r[i->b] + r[i->c]; break;
    case SUB: r[i->a] = r[i->b] - r[i->c]; break;
    case MUL: r[i->a] = r[i->b] * r[i->c]; break;
    case XOR: r[i->a] = r[i->b] ^ r[i->c]; break;
    case AND: r[i->a] = r[i->b] & r[i->c]; break;
    case OR: r[i->a] = r[i->b] | r[i->c]; break;
    case SHL: r[i->a] = r[i->b] << (r[i->c] & 63); break;
    case SHR: r[i->a] = r[i->b] >> (r[i->c] & 63); break;
    case ADDI: r[i->a] = r[i->b] + (uint64_t)(int64_t)i->imm; break;
    case LD: r[i->a] = mem[(r[i->b] + i->imm) & 1023]; break;
    case ST: mem[(r[i->b] + i->imm) & 1023] = r[i->a]; break;
    case JMP: pc = i->imm; break;
    case JNZ: if (r[i->a]) pc = i->imm; break;
    case JLT: if (r[i->a] < r[i->b]) pc = i->imm; break;
    case CALL: stack[sp++] = pc; pc = i->imm; break;
    case RET: pc = stack[--sp]; break;
    case INC: r[i->a]++; break;
    case DEC: r[i->a]--; break;
    case ROT: r[i->a] = (r[i->b] << 13) | (r[i->b] >> 51); break;
    case NEG: r[i->a] = -r[i->b]; break;
    case NOP: break;
    }
  }
}
#define I(o, a, b, c, imm) (insn){o, a, b, c, imm}
int main(void) {
  /* r0 acc, r1 x (prng), r3 outer counter, r4 limit, r5 inner counter, r6 tmp, r7 const */
  insn code[] = {
    /* 0 */ I(LI, 0, 0, 0, 1), I(LI, 1, 0, 0, 12345), I(LI, 3, 0, 0, 0), I(LI, 4, 0, 0, ITERS),
    /* 4 outer: */ I(LI, 5, 0, 0, 8),
    /* 5 inner: */ I(CALL, 0, 0, 0, 20), I(ADD, 0, 0, 1, 0), I(AND, 6, 1, 7, 0), I(JNZ, 6, 0, 0, 10),
    /* 9 */ I(NEG, 0, 0, 0, 0),
    /* 10 */ I(ST, 0, 1, 0, 0), I(LD, 6, 0, 0, 3), I(XOR, 0, 0, 6, 0), I(DEC, 5, 0, 0, 0), I(JNZ, 5, 0, 0, 5),
    /* 15 */ I(INC, 3, 0, 0, 0), I(JLT, 3, 4, 0, 4), I(HALT, 0, 0, 0, 0), I(NOP, 0, 0, 0, 0), I(NOP, 0, 0, 0, 0),
    /* 20 prng: */ I(LI, 7, 0, 0, 13), I(SHL, 6, 1, 7, 0), I(XOR, 1, 1, 6, 0), I(LI, 7, 0, 0, 7), I(SHR, 6, 1, 7, 0),
    /* 25 */ I(XOR, 1, 1, 6, 0), I(LI, 7, 0, 0, 17), I(SHL, 6, 1, 7, 0), I(XOR, 1, 1, 6, 0), I(ROT, 6, 1, 0, 0),
    /* 30 */ I(MUL, 0, 0, 6, 0), I(ADDI, 0, 0, 0, 3), I(LI, 7, 0, 0, 4), I(RET, 0, 0, 0, 0),
  };
  uint64_t h = run(code);
  return bench_check("interp", h, EXPECT);
}

//! aotc's own LLVM passes and the pipeline runner that knows them (C++, against the
//! LLVM 19 the compiler links; built by build.rs with LLVM's own C++ flags).
//!
//! Sandbox-critical: `aotc-copy-loops` (see `CopyLoops`) lets a loop's memory
//! accesses happen through one `memmove`/`memset` instead, and must only do so
//! when every byte touched lies inside linear memory (the checks that ensure it
//! are in `CopyHelper`, the function the shortcut calls).
//!
//! `aotc-versioned-loop-vectorize<options>` is LLVM's loop vectoriser preceded by
//! loop versioning by array. In native code two arrays are two objects and LLVM's
//! LoopAccessAnalysis (LAA) checks each pair of arrays once before vectorising a loop
//! over them. In aotc's IR every access is `memory base + offset`: one object. LAA
//! then cannot tell the arrays apart, and when it falls back to runtime checks it
//! checks every pointer against every other one, including the neighbours of an
//! unrolled body (`C[j]` against `C[j+1]`), whose ranges always overlap: the vector
//! loop it builds is never entered. This pass groups a loop's pointers the way LAA
//! groups them for distinct objects (pointers whose ranges over the loop differ by a
//! constant form one group), and when that gives fewer groups than LAA's own checks,
//! versions the loop: one range check per pair of groups of which one is written
//! (plus LAA's no-wrap predicates), and in the checked copy each access carries
//! alias scopes saying it does not touch the other groups. The vectoriser then
//! analyses each group on its own. The unchecked copy, which runs when ranges do
//! overlap, is the original loop and is not vectorised again. Every versioning the
//! vectoriser did not use is undone, so loops it leaves scalar stay as they were;
//! for those it used, trips too short for the vector loop are sent to the original
//! loop before the checks run (`skipChecksForShortTrips`).
//!
//! Before anything else, the same pass rolls loops the wasm producer unrolled
//! back into one element per iteration (`LoopReroll`; sandbox-critical too, as it
//! rewrites the addresses of loads and stores), and after the vectoriser unrolls
//! again those it left scalar.
//!
//! Before versioning, the same pass moves loads whose value a loop carries to its
//! next iteration above the stores before them that provably write other bytes
//! (`hoistCarriedLoads`): the vectoriser cannot move those stores after the load,
//! which a carried value (a fixed-order recurrence) needs.
//!
//! Soundness rests on LLVM's own pieces: LAA's ranges (start and end of each
//! pointer over all iterations, with the predicates that make them exact), the
//! runtime checks `addRuntimeChecks` emits for them, and `LoopVersioning`'s
//! cloning. The scopes are only attached inside the copy those checks guard.
//!
//! `aotc-copy-loops` gives loops that only copy or fill linear memory a guarded
//! `memmove`/`memset` shortcut (see `CopyLoops`); it runs just before the
//! vectoriser above.
//!
//! `aotc_llvm_run_pipeline` parses and runs a textual pipeline the way LLVM's C
//! API `LLVMRunPasses` does, with these passes' names registered.

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/AliasAnalysis.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopAccessAnalysis.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/MemoryLocation.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Verifier.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/LoopVersioning.h"
#include "llvm/Transforms/Utils/UnrollLoop.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Transforms/Vectorize/LoopVectorize.h"
#include "llvm-c/TargetMachine.h"

#include <cstdlib>
#include <cstring>
#include <deque>

using namespace llvm;

namespace {

/// Loops with more instructions than this are left alone: versioning copies the
/// loop, and the loops this is for (unrolled array kernels) are small.
constexpr unsigned MaxLoopInstructions = 400;
/// At most this many range checks per loop (LLVM's vectoriser allows 8 by default).
constexpr unsigned MaxChecks = 8;
/// Most a trip count recomputed before a versioning's checks may cost (in
/// TargetTransformInfo's basic units; LLVM's own budget for cheap expansions is 4).
constexpr unsigned MaxTripCountCost = 8;

/// The loop attribute LLVM's vectoriser sets on loops it has dealt with.
constexpr const char *IsVectorisedMark = "llvm.loop.isvectorized";

/// Whether `L` carries the vectoriser's "already vectorised" mark (which it also
/// puts on the scalar loop it keeps beside a vector loop).
bool markedVectorised(const Loop &L) {
  return getOptionalIntLoopAttribute(&L, IsVectorisedMark).value_or(0) != 0;
}

/// Whether the vectoriser has been told to leave `L` alone.
bool vectorisationDisabled(const Loop &L) {
  return markedVectorised(L) ||
         getOptionalBoolLoopAttribute(&L, "llvm.loop.vectorize.enable") ==
             false;
}

unsigned instructionCount(const Loop &L) {
  unsigned Count = 0;
  for (const BasicBlock *Block : L.blocks())
    Count += Block->size();
  return Count;
}

/// Appends the innermost loops of `Loops` (only single-block ones if
/// `SingleBlockOnly`) to `Innermost`.
void collectInnermostLoops(LoopInfo &Loops, bool SingleBlockOnly,
                           SmallVectorImpl<Loop *> &Innermost) {
  for (Loop *L : Loops.getLoopsInPreorder())
    if (L->isInnermost() && (!SingleBlockOnly || L->getNumBlocks() == 1))
      Innermost.push_back(L);
}

/// Collects the innermost loops of `F` (only single-block ones if
/// `SingleBlockOnly`) and puts each in loop-simplify and LCSSA form, which loop
/// versioning and SCEV expansion need. Returns whether that changed the IR.
bool simplifiedInnermostLoops(LoopInfo &Loops, DominatorTree &Dominators,
                              ScalarEvolution &Scev,
                              AssumptionCache &Assumptions,
                              bool SingleBlockOnly,
                              SmallVectorImpl<Loop *> &Innermost) {
  collectInnermostLoops(Loops, SingleBlockOnly, Innermost);
  bool Changed = false;
  for (Loop *L : Innermost) {
    Changed |= simplifyLoop(L, &Dominators, &Loops, &Scev, &Assumptions,
                            nullptr, false);
    Changed |= formLCSSARecursively(*L, Dominators, &Loops, &Scev);
  }
  return Changed;
}

/// The named metadata the translator writes (`LINEAR_MEMORIES` in
/// aotc/src/translate/module_cx.rs): `!{ptr descriptor, i64 size_offset}` for each
/// 32-bit, unshared linear memory.
constexpr const char *LinearMemoriesName = "aotc.linear.memories";

/// What the translator says about one linear memory (`!aotc.linear.memories`).
struct LinearMemory {
  /// Byte offset of the size field in the memory's descriptor.
  uint64_t SizeOffset = 0;
  /// The memory never grows to 4 GiB, so an address an access used without
  /// trapping is below 4 GiB - 64 KiB.
  bool BelowFourGiB = false;
};

using LinearMemories = DenseMap<const GlobalVariable *, LinearMemory>;

/// The listed linear memories, by descriptor.
LinearMemories linearMemories(const Module &M) {
  LinearMemories Memories;
  const NamedMDNode *List = M.getNamedMetadata(LinearMemoriesName);
  if (!List)
    return Memories;
  for (const MDNode *Entry : List->operands()) {
    if (Entry->getNumOperands() != 3)
      continue;
    auto *Descriptor =
        mdconst::dyn_extract_or_null<GlobalVariable>(Entry->getOperand(0));
    auto *SizeOffset =
        mdconst::dyn_extract_or_null<ConstantInt>(Entry->getOperand(1));
    auto *BelowFourGiB =
        mdconst::dyn_extract_or_null<ConstantInt>(Entry->getOperand(2));
    if (Descriptor && SizeOffset && BelowFourGiB)
      Memories[Descriptor] = {SizeOffset->getZExtValue(),
                              BelowFourGiB->isOne()};
  }
  return Memories;
}

/// The linear memory `Base` is the base pointer of (a load of its descriptor's
/// first field): its descriptor and what is known about it.
std::optional<std::pair<GlobalVariable *, LinearMemory>>
memoryOf(Value *Base, const LinearMemories &Memories) {
  auto *Load = dyn_cast<LoadInst>(Base);
  if (!Load || !Load->isSimple())
    return std::nullopt;
  auto *Descriptor = dyn_cast<GlobalVariable>(Load->getPointerOperand());
  if (!Descriptor)
    return std::nullopt;
  auto Found = Memories.find(Descriptor);
  if (Found == Memories.end())
    return std::nullopt;
  return std::make_pair(Descriptor, Found->second);
}

/// A wasm access's address as aotc emits it and LLVM reshapes it: i8 GEPs by
/// constants over one i8 GEP from `Base` by `zext(Narrow)` (Narrow an i32) plus
/// or disjoint-or a constant, or by some other index `Wide`; `Base + zext(Narrow)
/// + Constant` (or `Base + Wide + Constant`) exactly, in 64-bit arithmetic.
struct WasmAddress {
  Value *Base = nullptr;
  Value *Narrow = nullptr;
  Value *Wide = nullptr;
  int64_t Constant = 0;
};

/// `Pointer` as a `WasmAddress`; the instructions it passes go to `Parts`.
std::optional<WasmAddress>
wasmAddress(Value *Pointer, SmallVectorImpl<Instruction *> *Parts = nullptr) {
  using namespace PatternMatch;
  WasmAddress Address;
  while (auto *Gep = dyn_cast<GetElementPtrInst>(Pointer)) {
    if (Gep->getNumIndices() != 1 ||
        !Gep->getSourceElementType()->isIntegerTy(8))
      return std::nullopt;
    if (Parts)
      Parts->push_back(Gep);
    Value *Index = Gep->getOperand(1);
    Pointer = Gep->getPointerOperand();
    if (auto *Constant = dyn_cast<ConstantInt>(Index)) {
      if (!Constant->getValue().isSignedIntN(33))
        return std::nullopt;
      Address.Constant += Constant->getSExtValue();
      continue;
    }
    Address.Base = Pointer;
    Value *Extended = nullptr;
    const APInt *Constant = nullptr;
    if (match(Index, m_ZExt(m_Value(Extended))) ||
        match(Index, m_Add(m_ZExt(m_Value(Extended)), m_APInt(Constant))) ||
        match(Index,
              m_DisjointOr(m_ZExt(m_Value(Extended)), m_APInt(Constant)))) {
      if (!Extended->getType()->isIntegerTy(32) ||
          (Constant && !Constant->isSignedIntN(33)))
        return std::nullopt;
      if (Parts) {
        Value *Ext = Index;
        if (Constant) {
          Parts->push_back(cast<Instruction>(Index));
          Ext = cast<Instruction>(Index)->getOperand(0);
        }
        if (auto *ExtInst = dyn_cast<Instruction>(Ext))
          Parts->push_back(ExtInst);
      }
      Address.Narrow = Extended;
      Address.Constant += Constant ? Constant->getSExtValue() : 0;
    } else {
      Address.Wide = Index;
    }
    return Address;
  }
  return std::nullopt;
}

/// Whether two loads or stores (`First`, `Second`) of the same iteration touch
/// distinct bytes: alias analysis says so, ScalarEvolution puts the two
/// addresses a constant distance apart that clears both sizes (`a[i+1]` against
/// `b[i]` when both arrays are offsets from the one memory base), or both are
/// `base + zext(x) + c` whose i32 parts differ by a constant that clears both
/// sizes whichever way the 32-bit difference wraps.
bool provablyDisjoint(Instruction &First, Instruction &Second,
                      AAResults &Aliases, ScalarEvolution &Scev) {
  if (Aliases.isNoAlias(MemoryLocation::get(&First),
                        MemoryLocation::get(&Second)))
    return true;
  const DataLayout &Layout = First.getModule()->getDataLayout();
  TypeSize FirstSize = Layout.getTypeStoreSize(getLoadStoreType(&First));
  TypeSize SecondSize = Layout.getTypeStoreSize(getLoadStoreType(&Second));
  if (FirstSize.isScalable() || SecondSize.isScalable())
    return false;
  // `Bytes` = first address - second address.
  auto Clears = [&](int64_t Bytes) {
    return Bytes >= int64_t(SecondSize.getFixedValue()) ||
           -Bytes >= int64_t(FirstSize.getFixedValue());
  };
  Value *FirstPointer = getLoadStorePointerOperand(&First);
  Value *SecondPointer = getLoadStorePointerOperand(&Second);
  const auto *Distance = dyn_cast<SCEVConstant>(Scev.getMinusSCEV(
      Scev.getSCEV(FirstPointer), Scev.getSCEV(SecondPointer)));
  if (Distance && Distance->getAPInt().getSignificantBits() <= 48)
    return Clears(Distance->getAPInt().getSExtValue());
  auto FirstAddress = wasmAddress(FirstPointer);
  auto SecondAddress = wasmAddress(SecondPointer);
  if (!FirstAddress || !SecondAddress ||
      FirstAddress->Base != SecondAddress->Base || !FirstAddress->Narrow ||
      !SecondAddress->Narrow)
    return false;
  const auto *NarrowDistance = dyn_cast<SCEVConstant>(
      Scev.getMinusSCEV(Scev.getSCEV(FirstAddress->Narrow),
                        Scev.getSCEV(SecondAddress->Narrow)));
  if (!NarrowDistance)
    return false;
  // zext(x) - zext(y) is d or d - 2^32, d = (x - y) mod 2^32.
  int64_t Unsigned = int64_t(NarrowDistance->getAPInt().getZExtValue());
  int64_t Constants = FirstAddress->Constant - SecondAddress->Constant;
  return Clears(Unsigned + Constants) &&
         Clears(Unsigned - (int64_t(1) << 32) + Constants);
}

/// Moves `Load`, with the pure instructions computing its address, up past the
/// stores before it in its block that provably write other bytes (see
/// `provablyDisjoint`); stops at anything else that writes memory or has side
/// effects, and at a store it cannot separate from. Returns whether it moved.
///
/// Memory as seen after a trap may change (a store that came before a faulting
/// load may not have happened), as it does in every vectorised loop; the values
/// loaded, and which accesses trap, do not.
bool hoistPastDisjointStores(LoadInst &Load, AAResults &Aliases,
                             ScalarEvolution &Scev) {
  SmallPtrSet<Instruction *, 8> Moving;
  Moving.insert(&Load);
  Instruction *Highest = nullptr;
  for (Instruction *Before = Load.getPrevNode();
       Before && !isa<PHINode>(Before); Before = Before->getPrevNode()) {
    bool Feeds = any_of(Before->users(), [&](User *U) {
      auto *UserInst = dyn_cast<Instruction>(U);
      return UserInst && Moving.contains(UserInst);
    });
    if (Feeds) {
      if (Before->mayReadOrWriteMemory() ||
          !isSafeToSpeculativelyExecute(Before))
        break;
      Moving.insert(Before);
      continue;
    }
    if (auto *Store = dyn_cast<StoreInst>(Before)) {
      if (!Store->isSimple() ||
          !provablyDisjoint(Load, *Store, Aliases, Scev))
        break;
      Highest = Store;
      continue;
    }
    if (Before->mayWriteToMemory() || Before->mayHaveSideEffects())
      break;
  }
  if (!Highest)
    return false;
  // Moved in their order, so each still follows what it uses.
  for (Instruction *Next = Highest->getNextNode();;) {
    Instruction *Current = Next;
    Next = Current->getNextNode();
    if (Moving.contains(Current))
      Current->moveBefore(Highest);
    if (Current == &Load)
      return true;
  }
}

/// In each single-block innermost loop of `F`, hoists every load whose value the
/// loop carries to its next iteration through a phi (`a[i+1]` kept in a register
/// to serve as the next iteration's `a[i]`, as C compilers do) past the disjoint
/// stores before it. LLVM's vectoriser handles such a carried value (a
/// fixed-order recurrence) only when every use of the phi can move after the
/// load, and a store cannot: moving the load up instead lets it vectorise.
/// Returns whether the IR changed.
bool hoistCarriedLoads(Function &F, FunctionAnalysisManager &Analyses) {
  LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
  if (Loops.empty())
    return false;
  ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);
  AAResults &Aliases = Analyses.getResult<AAManager>(F);
  SmallVector<Loop *, 8> SingleBlock;
  collectInnermostLoops(Loops, true, SingleBlock);
  bool Changed = false;
  for (Loop *L : SingleBlock) {
    if (vectorisationDisabled(*L))
      continue;
    BasicBlock *Body = L->getHeader();
    for (PHINode &Carried : Body->phis()) {
      auto *Load = dyn_cast<LoadInst>(Carried.getIncomingValueForBlock(Body));
      if (Load && Load->isSimple() && Load->getParent() == Body)
        Changed |= hoistPastDisjointStores(*Load, Aliases, Scev);
    }
  }
  return Changed;
}

/// Rolls a single-block loop whose body is `Factor` copies of one iteration (a
/// wasm producer's partial or runtime unrolling: clang unrolls small wasm loops
/// by 2 or 4) back into one iteration per trip, so the vectoriser sees the
/// loop native code has and picks its own width; vectorising the unrolled body
/// instead strides every access by the factor and pays shuffles for it.
///
/// The body splits into copies 0..Factor-1 by its stores: copy g's stores are
/// copy 0's at addresses g rolled steps further. Each copy's expression tree
/// must equal copy 0's operand by operand, except that
/// - an integer linear in the inductions (built from them by add, sub, mul and
///   shl by constants, trunc, disjoint or) may instead be copy 0's plus g times
///   its rolled step (`rolledStep`; ScalarEvolution compares);
/// - an address may be copy 0's with its i32 part shifted so, or with the
///   shift moved between the i32 part and the constant where no sum can wrap
///   (`matchAddress`);
/// - where copy 0 reads a carried phi, copy g reads the same carried value g
///   sub-iterations later (`a[i+1]` loaded by copy 0 and kept as the next
///   trip's `a[i-1]` and `a[i]`).
/// The rolled body is copy 0 with the inductions stepping by step / Factor and
/// each carried value rebuilt as a chain of phis; copies 1.. are deleted.
/// Memory operations then run in the order copy 0, copy 1, ..., so any pair
/// that changes order must be two loads or touch distinct bytes. The exit test
/// must be `==`/`!=` of a linear value against a loop invariant; the rolled
/// loop compares with the invariant plus Factor - 1 rolled steps, and the
/// rolled trips times the rolled step must fit the value's width, so no
/// earlier trip meets it. Semantics are unchanged, traps included (which
/// access traps first may move within one original iteration, as in any
/// vectorised loop; memory after a trap is not observable). A rolled loop the
/// vectoriser leaves scalar is unrolled again (`VersionedLoopVectorize`).
class LoopReroll {
public:
  /// Rolls `L` by the largest factor that fits. Returns that factor, or 0 when
  /// it left the loop alone.
  static unsigned run(Loop &L, ScalarEvolution &Scev, AAResults &Aliases,
                      const LinearMemories &Memories) {
    for (unsigned Factor : {8u, 4u, 2u}) {
      LoopReroll Reroll(L, Factor, Scev, Aliases, Memories);
      if (Reroll.analyse()) {
        Reroll.transform();
        return Factor;
      }
    }
    return 0;
  }

private:
  LoopReroll(Loop &L, unsigned Factor, ScalarEvolution &Scev,
             AAResults &Aliases, const LinearMemories &Memories)
      : L(L), Body(L.getHeader()), Factor(Factor), Scev(Scev),
        Aliases(Aliases), Memories(Memories) {}

  struct Induction {
    PHINode *Phi;
    Instruction *Next;
    APInt Step;
  };
  /// Copy `Group` of copy 0's `Original`.
  struct Role {
    Instruction *Original;
    unsigned Group;
  };
  /// A carried phi: copy 0's `Carried` value, as it was `Delay` sub-iterations
  /// before the current one.
  struct CarriedRole {
    Instruction *Carried;
    unsigned Delay;
  };
  /// Copy `Group` uses `Operand` where copy 0 uses the carried phi `Phi`.
  struct PhiUse {
    PHINode *Phi;
    unsigned Group;
    Value *Operand;
  };

  Loop &L;
  BasicBlock *Body;
  unsigned Factor;
  ScalarEvolution &Scev;
  AAResults &Aliases;
  const LinearMemories &Memories;
  BranchInst *Exit = nullptr;
  ICmpInst *ExitTest = nullptr;
  /// Which side of the exit test is the loop's value (the other is invariant),
  /// and how much its step per rolled trip is.
  unsigned ExitOperand = 0;
  APInt ExitStep;
  SmallVector<Induction, 2> Inductions;
  SmallVector<PHINode *, 4> CarriedPhis;
  DenseMap<PHINode *, CarriedRole> Carried;
  /// Copy 0: its stores' expression trees, phis excluded.
  SmallPtrSet<Instruction *, 32> First;
  /// Copies 1..Factor-1, each with its copy-0 original.
  DenseMap<Instruction *, Role> Copies;
  /// The address arithmetic of copies 1.. (matched as addresses, not one by
  /// one), deleted with them; may repeat.
  SmallVector<Instruction *, 16> CopyAddresses;
  /// What rolling deletes: `Copies` and `CopyAddresses`, once matched.
  SmallPtrSet<Instruction *, 32> Dying;
  /// Copy 0's address arithmetic: recomputed for every copy once rolled.
  SmallPtrSet<Instruction *, 16> FirstAddresses;
  SmallVector<Instruction *, 32> Trail;
  SmallVector<PhiUse, 8> PhiUses;
  /// Per carried value: the phis holding it `Delay` sub-iterations late (in
  /// the order the loop's phis are met, so the rolled loop's phis are too).
  MapVector<Instruction *, SmallVector<PHINode *, 4>> Chains;
  DenseMap<Value *, bool> LinearMemo;

  bool inLoop(Value *V) const {
    auto *Inst = dyn_cast<Instruction>(V);
    return Inst && Inst->getParent() == Body;
  }

  const SCEVAddRecExpr *recurrence(Value *V) const {
    if (!V->getType()->isIntegerTy())
      return nullptr;
    auto *Rec = dyn_cast<SCEVAddRecExpr>(Scev.getSCEV(V));
    if (!Rec || Rec->getLoop() != &L || !Rec->isAffine() ||
        !isa<SCEVConstant>(Rec->getStepRecurrence(Scev)))
      return nullptr;
    return Rec;
  }

  const Induction *inductionOf(Value *V) const {
    for (const Induction &Ind : Inductions)
      if (Ind.Phi == V)
        return &Ind;
    return nullptr;
  }

  /// Whether `V` is computed from inductions and loop invariants by
  /// operations that distribute over addition (so it may be recomputed with
  /// the rolled inductions): add, sub, mul and shl by invariants, trunc, and
  /// `or disjoint` (an add; the rolled loop gets an add).
  bool linear(Value *V) {
    if (!inLoop(V))
      return true;
    if (isa<PHINode>(V))
      return inductionOf(V) != nullptr;
    auto Memo = LinearMemo.find(V);
    if (Memo != LinearMemo.end())
      return Memo->second;
    auto *Inst = cast<Instruction>(V);
    bool Result = false;
    switch (Inst->getOpcode()) {
    case Instruction::Or:
      if (!cast<PossiblyDisjointInst>(Inst)->isDisjoint())
        break;
      [[fallthrough]];
    case Instruction::Add:
    case Instruction::Sub:
      Result = linear(Inst->getOperand(0)) && linear(Inst->getOperand(1));
      break;
    case Instruction::Mul:
      Result = (!inLoop(Inst->getOperand(0)) && linear(Inst->getOperand(1))) ||
               (!inLoop(Inst->getOperand(1)) && linear(Inst->getOperand(0)));
      break;
    case Instruction::Shl:
      Result = !inLoop(Inst->getOperand(1)) && linear(Inst->getOperand(0));
      break;
    case Instruction::Trunc:
      Result = linear(Inst->getOperand(0));
      break;
    default:
      break;
    }
    LinearMemo[V] = Result;
    return Result;
  }

  /// How much linear `V` grows per rolled trip: its expression applied to the
  /// inductions' rolled steps (exact in wrapping arithmetic, which dividing
  /// its own step by Factor is not). None when an operand it scales by is not
  /// a constant.
  std::optional<APInt> rolledStep(Value *V) {
    unsigned Width = V->getType()->getIntegerBitWidth();
    if (!inLoop(V))
      return APInt(Width, 0);
    if (const Induction *Ind = inductionOf(V))
      return Ind->Step.sdiv(Factor);
    auto *Inst = dyn_cast<Instruction>(V);
    if (!Inst || !linear(Inst))
      return std::nullopt;
    auto Operand = [&](unsigned I) { return rolledStep(Inst->getOperand(I)); };
    bool Binary = Inst->getNumOperands() == 2;
    auto *Constant0 =
        Binary ? dyn_cast<ConstantInt>(Inst->getOperand(0)) : nullptr;
    auto *Constant1 =
        Binary ? dyn_cast<ConstantInt>(Inst->getOperand(1)) : nullptr;
    std::optional<APInt> A, B;
    switch (Inst->getOpcode()) {
    case Instruction::Add:
    case Instruction::Or:
      if ((A = Operand(0)) && (B = Operand(1)))
        return *A + *B;
      return std::nullopt;
    case Instruction::Sub:
      if ((A = Operand(0)) && (B = Operand(1)))
        return *A - *B;
      return std::nullopt;
    case Instruction::Mul:
      if (Constant1 && (A = Operand(0)))
        return *A * Constant1->getValue();
      if (Constant0 && (B = Operand(1)))
        return *B * Constant0->getValue();
      return std::nullopt;
    case Instruction::Shl:
      if (Constant1 && Constant1->getValue().ult(Width) && (A = Operand(0)))
        return A->shl(Constant1->getValue());
      return std::nullopt;
    case Instruction::Trunc:
      if ((A = Operand(0)))
        return A->trunc(Width);
      return std::nullopt;
    default:
      return std::nullopt;
    }
  }

  /// Whether `Copy` is copy 0's linear `Original` shifted by `Group`
  /// sub-iterations.
  bool shifted(Value *Original, Value *Copy, unsigned Group) {
    if (Original->getType() != Copy->getType() ||
        !Original->getType()->isIntegerTy() || !linear(Original))
      return false;
    std::optional<APInt> Step = rolledStep(Original);
    if (!Step)
      return false;
    return Scev.getAddExpr(Scev.getSCEV(Original),
                           Scev.getConstant(*Step * Group)) ==
           Scev.getSCEV(Copy);
  }

  /// `Pointer` as a `WasmAddress` from outside the loop by an i32, with the
  /// loop's instructions it passes in `Parts`.
  std::optional<WasmAddress>
  addressOf(Value *Pointer, SmallVectorImpl<Instruction *> &Parts) const {
    SmallVector<Instruction *, 4> Passed;
    std::optional<WasmAddress> Address = wasmAddress(Pointer, &Passed);
    if (!Address || !Address->Narrow || inLoop(Address->Base))
      return std::nullopt;
    for (Instruction *Inst : Passed)
      if (inLoop(Inst))
        Parts.push_back(Inst);
    return Address;
  }

  /// Whether copy `Group`'s address `Copy` is the bytes the rolled loop's
  /// copy-0 address `Original` computes `Group` sub-iterations later, that is
  /// `base + zext(x) + c` with x shifted by `Group` steps. Either the copy's
  /// i32 part is x shifted (same c), or the two differ in where the constants
  /// sit: then both must be a proven value p (`Proven`) plus small constants,
  /// `zext(p + u + shift) + c` against `zext(p + v) + c'`, equal when
  /// u + shift + c == v + c' as neither sum wraps. Records the copy's
  /// arithmetic.
  bool matchAddress(Value *Original, Value *Copy, unsigned Group) {
    SmallVector<Instruction *, 4> OriginalParts, CopyParts;
    std::optional<WasmAddress> Want = addressOf(Original, OriginalParts);
    std::optional<WasmAddress> Got = addressOf(Copy, CopyParts);
    if (!Want || !Got || Want->Base != Got->Base)
      return false;
    if ((Want->Constant != Got->Constant ||
         !shifted(Want->Narrow, Got->Narrow, Group)) &&
        !sameAfterProvenAccess(*Want, *Got, Group))
      return false;
    for (Instruction *Part : CopyParts)
      if (!First.contains(Part))
        CopyAddresses.push_back(Part);
    FirstAddresses.insert(OriginalParts.begin(), OriginalParts.end());
    return true;
  }

  /// i32 values copy 0 used as addresses of a memory that never reaches 4 GiB
  /// (at a constant offset >= 0): in the rolled loop such an access ran, without
  /// trapping, in each original iteration's first sub-iteration, so the value
  /// is below 4 GiB - 64 KiB and adding less than 64 KiB to it cannot wrap.
  SmallVector<const SCEV *, 8> Proven;

  void collectProven() {
    for (Instruction *Inst : First) {
      Value *Pointer = getLoadStorePointerOperand(Inst);
      SmallVector<Instruction *, 4> Parts;
      std::optional<WasmAddress> Address =
          Pointer ? addressOf(Pointer, Parts) : std::nullopt;
      if (!Address || Address->Constant < 0)
        continue;
      auto Memory = memoryOf(Address->Base, Memories);
      if (Memory && Memory->second.BelowFourGiB)
        Proven.push_back(Scev.getSCEV(Address->Narrow));
    }
  }

  /// The `matchAddress` case where copy 0's `zext(x) + c` and the copy's
  /// `zext(y) + c'` are x = p + u and y = p + v for a proven p.
  bool sameAfterProvenAccess(const WasmAddress &Want, const WasmAddress &Got,
                             unsigned Group) {
    std::optional<APInt> Step = rolledStep(Want.Narrow);
    if (!Step)
      return false;
    constexpr int64_t Slack = 64 * 1024;
    auto Small = [](int64_t V) { return V >= 0 && V < Slack; };
    int64_t Shift = Step->getSExtValue() * Group;
    for (const SCEV *P : Proven) {
      auto *U = dyn_cast<SCEVConstant>(
          Scev.getMinusSCEV(Scev.getSCEV(Want.Narrow), P));
      auto *V = dyn_cast<SCEVConstant>(
          Scev.getMinusSCEV(Scev.getSCEV(Got.Narrow), P));
      if (!U || !V)
        continue;
      int64_t UValue = U->getAPInt().getSExtValue();
      int64_t VValue = V->getAPInt().getSExtValue();
      if (Small(UValue) && Small(VValue) && Small(UValue + Shift) &&
          UValue + Shift + Want.Constant == VValue + Got.Constant)
        return true;
    }
    return false;
  }

  /// Undoes what matching recorded since `Trail`, `PhiUses` and
  /// `CopyAddresses` had these sizes.
  void rollBack(size_t TrailSize, size_t PhiUseSize, size_t AddressesSize) {
    while (Trail.size() > TrailSize)
      Copies.erase(Trail.pop_back_val());
    PhiUses.resize(PhiUseSize);
    CopyAddresses.resize(AddressesSize);
  }

  /// Whether `Copy` (in copy `Group`) is copy 0's `Original`; records the
  /// correspondence.
  bool matchValues(Value *Original, Value *Copy, unsigned Group) {
    if (!inLoop(Original))
      return Original == Copy;
    if (shifted(Original, Copy, Group))
      return true;
    if (auto *Phi = dyn_cast<PHINode>(Original)) {
      if (!Carried.count(Phi) || !plausibleCarried(Phi, Copy, Group))
        return false;
      PhiUses.push_back({Phi, Group, Copy});
      return true;
    }
    if (Original->getType()->isPointerTy())
      return matchAddress(Original, Copy, Group);
    auto *Inst = cast<Instruction>(Original);
    auto *CopyInst = dyn_cast<Instruction>(Copy);
    if (!CopyInst || !inLoop(CopyInst) || isa<PHINode>(CopyInst) ||
        First.contains(CopyInst))
      return false;
    auto Known = Copies.find(CopyInst);
    if (Known != Copies.end())
      return Known->second.Original == Inst && Known->second.Group == Group;
    if (!Inst->isSameOperationAs(CopyInst))
      return false;
    Copies[CopyInst] = {Inst, Group};
    Trail.push_back(CopyInst);
    size_t TrailSize = Trail.size(), PhiUseSize = PhiUses.size(),
           AddressesSize = CopyAddresses.size();
    auto Operands = [&](bool Swap) {
      for (unsigned I = 0, E = Inst->getNumOperands(); I != E; ++I) {
        unsigned J = Swap ? 1 - I : I;
        if (!matchValues(Inst->getOperand(I), CopyInst->getOperand(J), Group))
          return false;
      }
      return true;
    };
    if (Operands(false))
      return true;
    rollBack(TrailSize, PhiUseSize, AddressesSize);
    if (Inst->isCommutative() && Inst->getNumOperands() == 2 && Operands(true))
      return true;
    rollBack(TrailSize - 1, PhiUseSize, AddressesSize);
    return false;
  }

  /// The lowest copy whose stores' expression trees reach each instruction
  /// (phis stop the walk): an instruction's own copy, as later copies reach an
  /// earlier copy's values only where copy 0 reads a carried phi.
  DenseMap<Instruction *, unsigned> LowestCopy;

  void markLowestCopies(ArrayRef<SmallVector<StoreInst *, 8>> Groups) {
    for (unsigned G = Groups.size(); G-- > 0;)
      for (StoreInst *Root : Groups[G]) {
        SmallVector<Instruction *, 16> Work{Root};
        while (!Work.empty()) {
          Instruction *Inst = Work.pop_back_val();
          auto Known = LowestCopy.find(Inst);
          if (isa<PHINode>(Inst) ||
              (Known != LowestCopy.end() && Known->second <= G))
            continue;
          LowestCopy[Inst] = G;
          for (Value *Operand : Inst->operands())
            if (inLoop(Operand))
              Work.push_back(cast<Instruction>(Operand));
        }
      }
  }

  /// A carried phi's delay from the copy its next value belongs to, or 0.
  unsigned delayOf(PHINode *Phi) const {
    auto Known = LowestCopy.find(
        cast<Instruction>(Phi->getIncomingValueForBlock(Body)));
    return Known == LowestCopy.end() ? 0 : Factor - Known->second;
  }

  /// What can be checked of copy `Group` using `Copy` where copy 0 uses the
  /// carried `Phi` before every correspondence is known (settles operand
  /// order in commutative operations; `carriedValuesAgree` checks the rest).
  bool plausibleCarried(PHINode *Phi, Value *Copy, unsigned Group) const {
    unsigned Delay = delayOf(Phi);
    if (!Delay)
      return false;
    if (Group < Delay) {
      auto *CopyPhi = dyn_cast<PHINode>(Copy);
      return CopyPhi && Carried.count(CopyPhi) &&
             delayOf(CopyPhi) == Delay - Group;
    }
    auto *Inst = dyn_cast<Instruction>(Copy);
    if (!Inst || !inLoop(Inst) || isa<PHINode>(Inst))
      return false;
    auto Known = LowestCopy.find(Inst);
    return Known != LowestCopy.end() && Known->second == Group - Delay;
  }

  /// The copy and carried value `V` (in the loop) stands for, if any.
  std::optional<Role> roleOf(Instruction *V) const {
    if (First.contains(V))
      return Role{V, 0};
    auto Known = Copies.find(V);
    if (Known != Copies.end())
      return Known->second;
    return std::nullopt;
  }

  bool analyse() {
    if (!L.isInnermost() || L.getNumBlocks() != 1 || !L.getLoopPreheader() ||
        !L.getExitBlock() || !L.hasDedicatedExits() ||
        vectorisationDisabled(L) || instructionCount(L) > MaxLoopInstructions)
      return false;
    Exit = dyn_cast<BranchInst>(Body->getTerminator());
    if (!Exit || !Exit->isConditional())
      return false;
    ExitTest = dyn_cast<ICmpInst>(Exit->getCondition());
    if (!ExitTest || !ExitTest->isEquality() || !ExitTest->hasOneUse() ||
        !inLoop(ExitTest))
      return false;

    for (PHINode &Phi : Body->phis()) {
      auto *Next = dyn_cast<Instruction>(Phi.getIncomingValueForBlock(Body));
      if (!Next || !inLoop(Next))
        return false;
      if (const SCEVAddRecExpr *Rec = recurrence(&Phi)) {
        APInt Step =
            cast<SCEVConstant>(Rec->getStepRecurrence(Scev))->getAPInt();
        if (Step.srem(Factor) != 0 ||
            Scev.getSCEV(Next) != Rec->getPostIncExpr(Scev))
          return false;
        Inductions.push_back({&Phi, Next, Step});
        continue;
      }
      if (isa<PHINode>(Next))
        return false;
      CarriedPhis.push_back(&Phi);
      Carried[&Phi] = {nullptr, 0};
    }
    if (!exitOnLinearValue())
      return false;

    SmallVector<StoreInst *, 8> Stores;
    for (Instruction &Inst : *Body) {
      if (auto *Store = dyn_cast<StoreInst>(&Inst)) {
        if (!Store->isSimple())
          return false;
        Stores.push_back(Store);
      } else if (auto *Load = dyn_cast<LoadInst>(&Inst)) {
        if (!Load->isSimple())
          return false;
      } else if (Inst.mayReadOrWriteMemory() || Inst.mayHaveSideEffects()) {
        return false;
      }
    }
    SmallVector<SmallVector<StoreInst *, 8>, 8> Groups;
    if (Stores.empty() || !groupStores(Stores, Groups))
      return false;

    markLowestCopies(Groups);
    for (StoreInst *Root : Groups[0])
      markFirst(Root);
    collectProven();
    for (unsigned G = 1; G < Factor; ++G)
      for (unsigned R = 0; R < Groups[0].size(); ++R)
        if (!matchValues(Groups[0][R], Groups[G][R], G))
          return false;
    Dying.insert(CopyAddresses.begin(), CopyAddresses.end());
    for (auto &Entry : Copies)
      Dying.insert(Entry.first);
    return carriedValuesAgree() && everythingAccounted() && orderIsLegal();
  }

  /// Checks the exit test compares a value linear in the inductions with a
  /// loop invariant, and that rolling cannot meet the exit value early: the
  /// rolled loop tests the same value one step per sub-iteration, against the
  /// invariant plus (Factor - 1) such steps (see `transform`).
  bool exitOnLinearValue() {
    for (unsigned Side = 0; Side < 2; ++Side) {
      Value *Tested = ExitTest->getOperand(Side);
      if (inLoop(ExitTest->getOperand(1 - Side)) || !linear(Tested))
        continue;
      std::optional<APInt> Step = rolledStep(Tested);
      auto *Max =
          dyn_cast<SCEVConstant>(Scev.getConstantMaxBackedgeTakenCount(&L));
      if (!Step || Step->isZero() || !Max)
        return false;
      // rolled trips * |rolled step| <= 2^width: the tested values up to the
      // exit are then distinct.
      unsigned Width = Step->getBitWidth();
      APInt Trips = (Max->getAPInt().zext(130) + 1) * Factor;
      if ((Trips * Step->abs().zext(130)).ugt(APInt::getOneBitSet(130, Width)))
        return false;
      ExitOperand = Side;
      ExitStep = *Step;
      return true;
    }
    return false;
  }

  /// Splits `Stores` into `Factor` groups of the same size, group g's r-th
  /// store addressing g * step / Factor bytes after group 0's r-th.
  bool groupStores(ArrayRef<StoreInst *> Stores,
                   SmallVectorImpl<SmallVector<StoreInst *, 8>> &Groups) {
    if (Stores.size() % Factor != 0)
      return false;
    struct Place {
      Value *Base;
      const SCEVAddRecExpr *Rec;
      int64_t Constant;
    };
    SmallVector<Place, 8> Places;
    for (StoreInst *Store : Stores) {
      SmallVector<Instruction *, 4> Parts;
      auto Address = addressOf(Store->getPointerOperand(), Parts);
      if (!Address)
        return false;
      const SCEVAddRecExpr *Rec = recurrence(Address->Narrow);
      if (!Rec)
        return false;
      Places.push_back({Address->Base, Rec, Address->Constant});
    }
    Groups.resize(Factor);
    SmallVector<bool, 8> Taken(Stores.size(), false);
    for (unsigned S = 0; S < Stores.size(); ++S) {
      if (Taken[S])
        continue;
      APInt Step = cast<SCEVConstant>(Places[S].Rec->getStepRecurrence(Scev))
                       ->getAPInt();
      if (Step.srem(Factor) != 0)
        continue;
      int64_t Stride = Step.sdiv(Factor).getSExtValue();
      SmallVector<unsigned, 8> Members{S};
      for (unsigned G = 1; G < Factor; ++G) {
        for (unsigned T = 0; T < Stores.size(); ++T) {
          if (Taken[T] || T == S || Places[T].Base != Places[S].Base ||
              Places[T].Rec->getType() != Places[S].Rec->getType() ||
              Stores[T]->getValueOperand()->getType() !=
                  Stores[S]->getValueOperand()->getType() ||
              Places[T].Rec->getStepRecurrence(Scev) !=
                  Places[S].Rec->getStepRecurrence(Scev))
            continue;
          auto *Distance = dyn_cast<SCEVConstant>(Scev.getMinusSCEV(
              Places[T].Rec->getStart(), Places[S].Rec->getStart()));
          if (Distance && Distance->getAPInt().getSExtValue() +
                                  Places[T].Constant - Places[S].Constant ==
                              int64_t(G) * Stride) {
            Members.push_back(T);
            break;
          }
        }
        if (Members.size() != G + 1)
          break;
      }
      if (Members.size() != Factor)
        continue;
      for (unsigned G = 0; G < Factor; ++G) {
        Taken[Members[G]] = true;
        Groups[G].push_back(Stores[Members[G]]);
      }
    }
    return Groups[0].size() * Factor == Stores.size();
  }

  void markFirst(Instruction *Root) {
    SmallVector<Instruction *, 16> Work{Root};
    while (!Work.empty()) {
      Instruction *Inst = Work.pop_back_val();
      if (isa<PHINode>(Inst) || !First.insert(Inst).second)
        continue;
      for (Value *Operand : Inst->operands())
        if (auto *OperandInst = dyn_cast<Instruction>(Operand);
            OperandInst && inLoop(OperandInst))
          Work.push_back(OperandInst);
    }
  }

  /// Gives each carried phi its value and delay, and checks every copy uses
  /// the carried value it should.
  bool carriedValuesAgree() {
    for (PHINode *Phi : CarriedPhis) {
      auto Source = roleOf(cast<Instruction>(Phi->getIncomingValueForBlock(Body)));
      if (!Source)
        return false;
      unsigned Delay = Factor - Source->Group;
      Carried[Phi] = {Source->Original, Delay};
      SmallVector<PHINode *, 4> &Chain = Chains[Source->Original];
      if (Chain.size() < Delay)
        Chain.resize(Delay, nullptr);
      PHINode *&Slot = Chain[Delay - 1];
      Value *Start = Phi->getIncomingValueForBlock(L.getLoopPreheader());
      if (Slot && Slot->getIncomingValueForBlock(L.getLoopPreheader()) != Start)
        return false;
      if (!Slot)
        Slot = Phi;
    }
    for (auto &Entry : Chains)
      for (PHINode *Phi : Entry.second)
        if (!Phi)
          return false;
    for (const PhiUse &Use : PhiUses) {
      CarriedRole Want = Carried[Use.Phi];
      if (Use.Group >= Want.Delay) {
        auto *Inst = dyn_cast<Instruction>(Use.Operand);
        std::optional<Role> Got = Inst && inLoop(Inst) ? roleOf(Inst) : std::nullopt;
        if (!Got || Got->Original != Want.Carried ||
            Got->Group != Use.Group - Want.Delay)
          return false;
        continue;
      }
      auto *Phi = dyn_cast<PHINode>(Use.Operand);
      if (!Phi || !inLoop(Phi) || !Carried.count(Phi))
        return false;
      CarriedRole Got = Carried[Phi];
      if (Got.Carried != Want.Carried || Got.Delay != Want.Delay - Use.Group)
        return false;
    }
    return true;
  }

  /// Every instruction is loop control, an induction, a carried phi, in a copy
  /// or its address arithmetic, or linear in the inductions; what copies 1..
  /// compute is used only by them (the last copy's values also after the
  /// loop), carried phis only by copies.
  bool everythingAccounted() {
    for (Instruction &Inst : *Body) {
      if (&Inst == Exit || &Inst == ExitTest)
        continue;
      bool Outside = any_of(Inst.users(), [&](User *U) { return !inLoop(U); });
      if (auto *Phi = dyn_cast<PHINode>(&Inst)) {
        if (Outside)
          return false;
        if (Carried.count(Phi) &&
            !all_of(Phi->users(), [&](User *U) {
              auto *UserInst = cast<Instruction>(U);
              return First.contains(UserInst) || Dying.contains(UserInst) ||
                     isa<PHINode>(UserInst);
            }))
          return false;
        continue;
      }
      if (Dying.contains(&Inst)) {
        auto Known = Copies.find(&Inst);
        bool LastCopy =
            Known != Copies.end() && Known->second.Group == Factor - 1;
        for (User *U : Inst.users()) {
          auto *UserInst = cast<Instruction>(U);
          if (!inLoop(UserInst) ? !LastCopy
                                : !Dying.contains(UserInst) &&
                                      !(isa<PHINode>(UserInst) &&
                                        Carried.count(cast<PHINode>(UserInst))))
            return false;
        }
        continue;
      }
      bool IsNext = any_of(Inductions,
                           [&](const Induction &I) { return I.Next == &Inst; });
      if (Outside && !IsNext)
        return false;
      if (First.contains(&Inst) || IsNext)
        continue;
      if (Inst.mayReadOrWriteMemory() || !linear(&Inst))
        return false;
    }
    return true;
  }

  /// Whether running copy 0's memory operations, then copy 1's, ..., keeps
  /// every pair that changes order commutable.
  bool orderIsLegal() {
    DenseMap<Instruction *, unsigned> Position;
    for (Instruction &Inst : *Body)
      Position[&Inst] = Position.size();
    SmallVector<std::pair<Instruction *, std::pair<unsigned, unsigned>>, 16>
        Accesses;
    for (Instruction &Inst : *Body) {
      if (!isa<LoadInst>(Inst) && !isa<StoreInst>(Inst))
        continue;
      std::optional<Role> Got = roleOf(&Inst);
      if (!Got)
        return false;
      Accesses.push_back({&Inst, {Got->Group, Position[Got->Original]}});
    }
    for (unsigned I = 0; I < Accesses.size(); ++I)
      for (unsigned J = I + 1; J < Accesses.size(); ++J) {
        if (Accesses[I].second < Accesses[J].second)
          continue;
        Instruction &A = *Accesses[I].first, &B = *Accesses[J].first;
        if (isa<LoadInst>(A) && isa<LoadInst>(B))
          continue;
        if (!provablyDisjoint(A, B, Aliases, Scev))
          return false;
      }
    return true;
  }

  void transform() {
    Scev.forgetLoop(&L);
    BasicBlock *Preheader = L.getLoopPreheader();
    IRBuilder<> Builder(Body->getFirstNonPHI());
    // Inductions step by step / Factor. The old next value (the induction
    // plus its full step) stays for copy 0's uses of it, which meant that;
    // after the loop the last rolled value is the old last one.
    for (Induction &Ind : Inductions) {
      Builder.SetInsertPoint(ExitTest);
      Value *Next = Builder.CreateAdd(
          Ind.Phi, ConstantInt::get(Ind.Phi->getType(), Ind.Step.sdiv(Factor)),
          Ind.Phi->getName() + ".rolled");
      for (Use &U : make_early_inc_range(Ind.Next->uses()))
        if (!inLoop(U.getUser()))
          U.set(Next);
      Ind.Phi->setIncomingValueForBlock(Body, Next);
    }
    // The exit test sees its value once per sub-iteration: it exits when the
    // value reaches the old exit value plus Factor - 1 rolled steps.
    Value *ExitValue = ExitTest->getOperand(1 - ExitOperand);
    Builder.SetInsertPoint(Preheader->getTerminator());
    ExitTest->setOperand(
        1 - ExitOperand,
        Builder.CreateAdd(ExitValue,
                          ConstantInt::get(ExitValue->getType(),
                                           ExitStep * (Factor - 1)),
                          "rolled.exit"));
    // The loop's linear values and copy 0's address arithmetic now compute
    // every copy's values: their no-wrap and disjointness promises held only
    // for copy 0's (and the next values' for whole trips).
    // (An address's GEP keeps `inbounds`: each address it computes is one a
    // copy computed.)
    SmallVector<Instruction *, 16> Recomputed;
    for (Instruction &Inst : *Body)
      if (!isa<PHINode>(Inst) && !isa<GetElementPtrInst>(Inst) &&
          !Dying.contains(&Inst) &&
          (linear(&Inst) || FirstAddresses.contains(&Inst)))
        Recomputed.push_back(&Inst);
    for (Instruction *Inst : Recomputed) {
      if (auto *Or = dyn_cast<PossiblyDisjointInst>(Inst);
          Or && Or->isDisjoint()) {
        Builder.SetInsertPoint(Inst);
        Value *Add = Builder.CreateAdd(Inst->getOperand(0), Inst->getOperand(1));
        Inst->replaceAllUsesWith(Add);
        First.erase(Inst);
        Inst->eraseFromParent();
        continue;
      }
      Inst->dropPoisonGeneratingFlags();
    }
    for (auto &Entry : Copies) {
      Entry.second.Original->andIRFlags(Entry.first);
      Entry.second.Original->setAAMetadata(
          Entry.second.Original->getAAMetadata().merge(
              Entry.first->getAAMetadata()));
    }
    // Carried values: a chain of phis, the d-th holding the value d
    // sub-iterations late, starting from the old phi of that delay.
    Builder.SetInsertPoint(Body, Body->begin());
    DenseMap<PHINode *, PHINode *> Rolled;
    for (auto &Entry : Chains) {
      Value *Previous = Entry.first;
      for (PHINode *Old : Entry.second) {
        PHINode *New = Builder.CreatePHI(Old->getType(), 2, Old->getName());
        New->addIncoming(Old->getIncomingValueForBlock(Preheader), Preheader);
        New->addIncoming(Previous, Body);
        Rolled[Old] = New;
        Previous = New;
      }
    }
    for (PHINode *Old : CarriedPhis) {
      CarriedRole Role = Carried[Old];
      Old->replaceAllUsesWith(Rolled[Chains[Role.Carried][Role.Delay - 1]]);
    }
    // After the loop the last copy's values are copy 0's last values.
    for (auto &Entry : Copies)
      for (Use &U : make_early_inc_range(Entry.first->uses()))
        if (!inLoop(U.getUser()))
          U.set(Entry.second.Original);
    for (PHINode *Old : CarriedPhis)
      Old->eraseFromParent();
    for (Instruction *Inst : Dying)
      Inst->dropAllReferences();
    for (Instruction *Inst : Dying)
      Inst->eraseFromParent();
    for (bool Changed = true; Changed;) {
      Changed = false;
      for (Instruction &Inst : make_early_inc_range(reverse(*Body)))
        if (isInstructionTriviallyDead(&Inst)) {
          Inst.eraseFromParent();
          Changed = true;
        }
    }
  }
};

/// A loop `LoopReroll` rolled: its header and the factor it rolled by.
struct RolledLoop {
  WeakVH Header;
  unsigned Factor;
};

/// Rolls every unrolled single-block innermost loop of `F` it can
/// (`LoopReroll`), recording each in `Rolled`. Returns whether the IR changed.
bool rerollLoops(Function &F, FunctionAnalysisManager &Analyses,
                 SmallVectorImpl<RolledLoop> &Rolled) {
  LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
  if (Loops.empty())
    return false;
  ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);
  AAResults &Aliases = Analyses.getResult<AAManager>(F);
  SmallVector<Loop *, 8> SingleBlock;
  collectInnermostLoops(Loops, true, SingleBlock);
  LinearMemories Memories = linearMemories(*F.getParent());
  bool Changed = false;
  for (Loop *L : SingleBlock)
    if (unsigned Factor = LoopReroll::run(*L, Scev, Aliases, Memories)) {
      Rolled.push_back({L->getHeader(), Factor});
      Changed = true;
      Scev.forgetAllLoops();
    }
  return Changed;
}

/// A loop versioned by array: the branch choosing between the copies (true: the
/// ranges overlap, take the original) and the two loops' headers.
struct Version {
  WeakTrackingVH Check;
  WeakVH CheckedHeader;
  WeakVH OriginalHeader;
};

/// `aotc-versioned-loop-vectorize<options>`: rolls loops the producer unrolled
/// (`rerollLoops`), moves carried loads above disjoint stores
/// (`hoistCarriedLoads`), versions innermost loops by array, runs LLVM's loop
/// vectoriser (same options as its `loop-vectorize`), and undoes every
/// versioning the vectoriser did not use and every rolling of a loop it left
/// scalar, so such a loop keeps no second copy and no check (moved loads stay
/// moved), is unrolled as the producer had it, and remains open to the late
/// vectoriser.
class VersionedLoopVectorize
    : public PassInfoMixin<VersionedLoopVectorize> {
public:
  explicit VersionedLoopVectorize(LoopVectorizeOptions Options)
      : Options(Options) {}

  PreservedAnalyses run(Function &F, FunctionAnalysisManager &Analyses) {
    SmallVector<RolledLoop, 4> Rolled;
    bool Rerolled = rerollLoops(F, Analyses, Rolled);
    if (Rerolled)
      Analyses.invalidate(F, PreservedAnalyses::none());
    bool Hoisted = hoistCarriedLoads(F, Analyses) || Rerolled;
    if (Hoisted)
      Analyses.invalidate(F, PreservedAnalyses::none());
    SmallVector<Version, 4> Versions;
    bool Versioned = versionLoops(F, Analyses, Versions);
    if (Versioned)
      Analyses.invalidate(F, PreservedAnalyses::none());
    PreservedAnalyses Vectorised = LoopVectorizePass(Options).run(F, Analyses);
    if (Versioned) {
      Analyses.invalidate(F, Vectorised);
      undoUnused(F, Analyses.getResult<LoopAnalysis>(F),
                 Analyses.getResult<ScalarEvolutionAnalysis>(F),
                 Analyses.getResult<TargetIRAnalysis>(F),
                 Analyses.getResult<DominatorTreeAnalysis>(F), Versions);
    }
    if (Rerolled) {
      if (!Versioned)
        Analyses.invalidate(F, Vectorised);
      unrollUnvectorised(F, Analyses, Rolled);
    }
    return Hoisted || Versioned ? PreservedAnalyses::none() : Vectorised;
  }

private:
  LoopVectorizeOptions Options;

  /// Unrolls each rolled loop the vectoriser left scalar back by its factor:
  /// as a scalar loop the producer's unrolled body was the faster one.
  static void unrollUnvectorised(Function &F, FunctionAnalysisManager &Analyses,
                                 ArrayRef<RolledLoop> Rolled) {
    LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
    ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);
    DominatorTree &Dominators = Analyses.getResult<DominatorTreeAnalysis>(F);
    AssumptionCache &Assumptions = Analyses.getResult<AssumptionAnalysis>(F);
    const TargetTransformInfo &Target = Analyses.getResult<TargetIRAnalysis>(F);
    OptimizationRemarkEmitter &Remarks =
        Analyses.getResult<OptimizationRemarkEmitterAnalysis>(F);
    for (const RolledLoop &Entry : Rolled) {
      auto *Header = dyn_cast_or_null<BasicBlock>(Entry.Header);
      Loop *L = Header ? Loops.getLoopFor(Header) : nullptr;
      if (!L || L->getHeader() != Header || markedVectorised(*L))
        continue;
      UnrollLoopOptions Unroll{};
      Unroll.Count = Entry.Factor;
      Unroll.Force = true;
      UnrollLoop(L, Unroll, &Loops, &Scev, &Dominators, &Assumptions, &Target,
                 &Remarks, /*PreserveLCSSA=*/true);
    }
  }

  static bool versionLoops(Function &F, FunctionAnalysisManager &Analyses,
                           SmallVectorImpl<Version> &Versions) {
    LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
    if (Loops.empty())
      return false;
    DominatorTree &Dominators = Analyses.getResult<DominatorTreeAnalysis>(F);
    ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);
    AssumptionCache &Assumptions = Analyses.getResult<AssumptionAnalysis>(F);
    LoopAccessInfoManager &Accesses =
        Analyses.getResult<LoopAccessAnalysis>(F);

    SmallVector<Loop *, 8> Innermost;
    bool Changed = simplifiedInnermostLoops(Loops, Dominators, Scev,
                                            Assumptions, false, Innermost);
    if (Changed)
      Accesses.clear();

    for (Loop *L : Innermost) {
      if (versionByArray(*L, Loops, Dominators, Scev, Accesses, Versions)) {
        Changed = true;
        // Versioning changed the CFG the cached access analyses describe.
        Accesses.clear();
      }
    }
    return Changed;
  }

  static bool versionByArray(Loop &L, LoopInfo &Loops,
                             DominatorTree &Dominators, ScalarEvolution &Scev,
                             LoopAccessInfoManager &Accesses,
                             SmallVectorImpl<Version> &Versions) {
    // LoopVersioning requires one exit edge (it re-parents the exit block's
    // dominator), not only one exit block.
    if (!L.isLoopSimplifyForm() || !L.isLCSSAForm(Dominators) ||
        !L.getExitBlock() || !L.getExitingBlock() || vectorisationDisabled(L) ||
        instructionCount(L) > MaxLoopInstructions)
      return false;

    const LoopAccessInfo &Info = Accesses.getInfo(L);
    const RuntimePointerChecking *Checking = Info.getRuntimePointerChecking();
    // Only loops LAA accepts with runtime checks: anything else (calls, unknown
    // dependences it cannot check, uncountable loops) is not ours to fix.
    if (!Info.canVectorizeMemory() || !Checking->Need ||
        Checking->Pointers.empty())
      return false;

    // The checking groups are built over LAA's pointer records. The records are
    // only read (the group constructor takes them by non-const reference).
    RuntimePointerChecking &Records =
        const_cast<RuntimePointerChecking &>(*Checking);
    std::deque<RuntimeCheckingPtrGroup> Groups;
    for (unsigned Index = 0; Index < Records.Pointers.size(); ++Index) {
      bool Joined = false;
      for (RuntimeCheckingPtrGroup &Group : Groups)
        if (Group.addPointer(Index, Records)) {
          Joined = true;
          break;
        }
      if (!Joined)
        Groups.emplace_back(Index, Records);
    }
    if (Groups.size() >= Checking->CheckingGroups.size())
      return false; // LAA's own grouping is as good: the vectoriser copes.

    auto IsWritten = [&](const RuntimeCheckingPtrGroup &Group) {
      for (unsigned Member : Group.Members)
        if (Checking->Pointers[Member].IsWritePtr)
          return true;
      return false;
    };
    SmallVector<RuntimePointerCheck, 8> Checks;
    for (size_t I = 0; I < Groups.size(); ++I)
      for (size_t J = I + 1; J < Groups.size(); ++J)
        if (IsWritten(Groups[I]) || IsWritten(Groups[J]))
          Checks.push_back({&Groups[I], &Groups[J]});
    if (Checks.empty() || Checks.size() > MaxChecks)
      return false;

    LoopVersioning Versioning(Info, Checks, &L, &Loops, &Dominators, &Scev);
    Versioning.versionLoop();
    annotateChecked(L, Groups, Checks, *Checking);
    Loop *Original = Versioning.getNonVersionedLoop();
    // The copy that runs when arrays overlap keeps LAA's pointer-by-pointer
    // checks, which would fail there: it is not vectorised (unless the versioning
    // is undone).
    addStringMetadataToLoop(Original, IsVectorisedMark, 1);
    BasicBlock *CheckBlock =
        Original->getLoopPreheader()->getSinglePredecessor();
    Versions.push_back(
        {CheckBlock->getTerminator(), L.getHeader(), Original->getHeader()});
    return true;
  }

  /// Sends every versioned loop the vectoriser did not transform back to its
  /// original copy (the checked copy becomes dead code for SimplifyCFG) and
  /// lifts the original's do-not-vectorise mark.
  static void undoUnused(Function &F, LoopInfo &Loops, ScalarEvolution &Scev,
                         const TargetTransformInfo &Target,
                         DominatorTree &Dominators,
                         ArrayRef<Version> Versions) {
    for (const Version &V : Versions) {
      auto *Check = dyn_cast_or_null<BranchInst>(V.Check);
      auto *CheckedHeader = dyn_cast_or_null<BasicBlock>(V.CheckedHeader);
      auto *OriginalHeader = dyn_cast_or_null<BasicBlock>(V.OriginalHeader);
      if (!Check || !Check->isConditional() || !CheckedHeader ||
          !OriginalHeader)
        continue;
      Loop *Checked = Loops.getLoopFor(CheckedHeader);
      Loop *Original = Loops.getLoopFor(OriginalHeader);
      if (Checked && markedVectorised(*Checked)) {
        // vectorised: the versioning pays for itself, on long enough trips
        if (Original && Original->getLoopPreheader())
          skipChecksForShortTrips(*Check, *Checked,
                                  *Original->getLoopPreheader(), Scev, Target,
                                  Dominators);
        continue;
      }
      Check->setCondition(ConstantInt::getTrue(F.getContext()));
      if (Original)
        Original->setLoopID(makePostTransformationMetadata(
            F.getContext(), Original->getLoopID(), {IsVectorisedMark},
            {}));
    }
  }

  /// For a versioning the vectoriser used: its vector loop runs only for trips
  /// of at least VF x IC iterations, which it tests after the check block, so a
  /// shorter trip paid for every range check and no-wrap predicate first (about
  /// 50 instructions in `lz`'s byte copy, entered for a few bytes at a time).
  /// Repeats that trip-count test before the check block and sends short trips
  /// to the original loop (as correct as the checked copy's scalar loop, which
  /// they would have run). Leaves the IR alone unless the vectoriser's test is
  /// the plain `count <u K` branching to `Scalar`'s preheader and the count is
  /// cheap and safe to compute before the check block. Keeps `Dominators` (also
  /// ScalarEvolution's) up to date.
  static void skipChecksForShortTrips(BranchInst &Check, Loop &Scalar,
                                      BasicBlock &OriginalPreheader,
                                      ScalarEvolution &Scev,
                                      const TargetTransformInfo &Target,
                                      DominatorTree &Dominators) {
    BasicBlock *ScalarPreheader = Scalar.getLoopPreheader();
    BasicBlock *CheckBlock = Check.getParent();
    BasicBlock *CheckedEntry = Check.getSuccessor(1);
    if (!ScalarPreheader || !OriginalPreheader.phis().empty() ||
        Check.getSuccessor(0) != &OriginalPreheader ||
        CheckedEntry->getSinglePredecessor() != CheckBlock)
      return;
    // The check block's values will no longer dominate the original loop:
    // only the checked path may use them.
    for (Instruction &Inst : *CheckBlock)
      for (const Use &U : Inst.uses()) {
        auto *User = cast<Instruction>(U.getUser());
        BasicBlock *At = User->getParent();
        if (auto *Phi = dyn_cast<PHINode>(User))
          At = Phi->getIncomingBlock(U);
        if (At != CheckBlock && !Dominators.dominates(CheckedEntry, At))
          return;
      }
    // The checked path runs through single-successor blocks to the
    // vectoriser's iteration check.
    BasicBlock *Block = CheckedEntry;
    BranchInst *IterationCheck = nullptr;
    for (unsigned Steps = 0; Steps < 4 && !IterationCheck; ++Steps) {
      auto *Branch = dyn_cast<BranchInst>(Block->getTerminator());
      if (!Branch)
        return;
      if (Branch->isConditional())
        IterationCheck = Branch;
      else
        Block = Branch->getSuccessor(0);
    }
    if (!IterationCheck || IterationCheck->getSuccessor(0) != ScalarPreheader)
      return;
    auto *Compare = dyn_cast<ICmpInst>(IterationCheck->getCondition());
    if (!Compare || Compare->getPredicate() != ICmpInst::ICMP_ULT ||
        !isa<ConstantInt>(Compare->getOperand(1)))
      return;
    const SCEV *Trips = Scev.getSCEV(Compare->getOperand(0));
    Instruction *Top = &*CheckBlock->getFirstInsertionPt();
    SCEVExpander Expander(Scev, CheckBlock->getDataLayout(), "aotc.trips");
    if (!Expander.isSafeToExpandAt(Trips, Top) ||
        Expander.isHighCostExpansion({Trips}, &Scalar, MaxTripCountCost,
                                     &Target, Top))
      return;
    Value *Count = Expander.expandCodeFor(Trips, Trips->getType(), Top);
    auto *Short = new ICmpInst(Top, ICmpInst::ICMP_ULT, Count,
                               Compare->getOperand(1), "aotc.short.trip");
    BasicBlock *Checks = CheckBlock->splitBasicBlock(Top, "aotc.range.checks");
    CheckBlock->getTerminator()->eraseFromParent();
    BranchInst::Create(&OriginalPreheader, Checks, Short, CheckBlock);
    // The next versioning's decision, and ScalarEvolution's expansions, query
    // dominance in the changed function.
    Dominators.recalculate(*CheckBlock->getParent());
  }

  /// Gives each group an alias scope and each access in the checked loop `L` the
  /// scope of its group plus, as `noalias`, the scopes of the groups its group was
  /// checked against.
  static void annotateChecked(Loop &L,
                              const std::deque<RuntimeCheckingPtrGroup> &Groups,
                              ArrayRef<RuntimePointerCheck> Checks,
                              const RuntimePointerChecking &Checking) {
    LLVMContext &Context = L.getHeader()->getContext();
    MDBuilder Scopes(Context);
    MDNode *Domain =
        Scopes.createAnonymousAliasScopeDomain("aotc.memory.versioning");
    DenseMap<const RuntimeCheckingPtrGroup *, MDNode *> Scope;
    DenseMap<const Value *, const RuntimeCheckingPtrGroup *> GroupOf;
    for (const RuntimeCheckingPtrGroup &Group : Groups) {
      Scope[&Group] = Scopes.createAnonymousAliasScope(Domain);
      for (unsigned Member : Group.Members)
        GroupOf[Checking.Pointers[Member].PointerValue] = &Group;
    }
    DenseMap<const RuntimeCheckingPtrGroup *, SmallVector<Metadata *, 4>>
        Disjoint;
    for (const RuntimePointerCheck &Check : Checks) {
      Disjoint[Check.first].push_back(Scope[Check.second]);
      Disjoint[Check.second].push_back(Scope[Check.first]);
    }

    for (BasicBlock *Block : L.blocks())
      for (Instruction &Inst : *Block) {
        if (!isa<LoadInst>(Inst) && !isa<StoreInst>(Inst))
          continue;
        auto Found = GroupOf.find(getLoadStorePointerOperand(&Inst));
        if (Found == GroupOf.end())
          continue;
        const RuntimeCheckingPtrGroup *Group = Found->second;
        Inst.setMetadata(
            LLVMContext::MD_alias_scope,
            MDNode::concatenate(Inst.getMetadata(LLVMContext::MD_alias_scope),
                                MDNode::get(Context, {Scope[Group]})));
        auto Others = Disjoint.find(Group);
        if (Others != Disjoint.end())
          Inst.setMetadata(
              LLVMContext::MD_noalias,
              MDNode::concatenate(Inst.getMetadata(LLVMContext::MD_noalias),
                                  MDNode::get(Context, Others->second)));
      }
  }
};

/// Copies shorter than this stay in their loop: the checks and the call would
/// cost more than they save.
constexpr uint64_t MinCopyBytes = 64;
/// Most bytes one iteration of a copy loop may move (unrolled bodies are far
/// smaller; the bound keeps every offset product far from overflow).
constexpr int64_t MaxCopyStride = 1024;

/// A memory access's address as SCEV parts: `Base + Constant + Offset`, with
/// `Offset` an i64 expression that is not a sum with a constant.
struct SplitAddress {
  Value *Base = nullptr;
  const SCEV *Constant = nullptr;
  const SCEV *Offset = nullptr;
};

/// `Expression` as `Constant + Rest` (Constant zero when it is no sum with a
/// constant); none when it is a sum of more than one non-constant term.
std::optional<std::pair<const SCEV *, const SCEV *>>
splitConstantTerm(const SCEV *Expression, ScalarEvolution &Scev) {
  auto *Sum = dyn_cast<SCEVAddExpr>(Expression);
  if (!Sum)
    return std::make_pair(Scev.getZero(Expression->getType()), Expression);
  if (Sum->getNumOperands() != 2 || !isa<SCEVConstant>(Sum->getOperand(0)))
    return std::nullopt;
  return std::make_pair(Sum->getOperand(0), Sum->getOperand(1));
}

std::optional<SplitAddress> splitAddress(Value *Pointer, ScalarEvolution &Scev) {
  const SCEV *Address = Scev.getSCEV(Pointer);
  auto *Base = dyn_cast<SCEVUnknown>(Scev.getPointerBase(Address));
  if (!Base)
    return std::nullopt;
  const SCEV *Offset = Scev.removePointerBase(Address);
  if (!Offset->getType()->isIntegerTy(64))
    return std::nullopt;
  auto Terms = splitConstantTerm(Offset, Scev);
  if (!Terms)
    return std::nullopt;
  return SplitAddress{Base->getValue(), Terms->first, Terms->second};
}

/// One load or store of a copy loop, at `memory base + Start + Step * i` in
/// iteration `i` (exactly, once `NarrowStart`'s recurrence is known not to wrap).
struct CopyAccess {
  /// The memory base the address is an offset from.
  Value *Base = nullptr;
  /// i64 offset from the base in the first iteration.
  const SCEV *Start = nullptr;
  int64_t Step = 0;
  /// When the offset zero-extends a 32-bit recurrence SCEV could not prove free
  /// of wrapping: that recurrence's first value as an exact i64 (`zext(x) + c`
  /// for an i32 start `x + c`, the constant taken as signed), which the rewrite
  /// checks stays within 32 bits over the whole loop. Null otherwise.
  const SCEV *NarrowStart = nullptr;
  uint64_t Bytes = 0;
  /// Position in the loop body (program order).
  unsigned Position = 0;
  /// Offset from the same family's first access (stores from stores, loads from
  /// loads).
  int64_t Offset = 0;
};

/// How many times a single-block loop's back edge is taken, as an i64 value
/// computed before the loop, with the conditions under which it is exact.
/// ScalarEvolution counts most loops; the ones it cannot are wasm's unrolled
/// copy loops, which count a byte total down by the stride until it is zero or
/// below the stride, unable to prove the total a multiple or the subtraction free
/// of wrapping. Those are counted here, under a runtime check that the count is
/// exact (the divisibility, or the absence of wrapping).
class TripCount {
public:
  /// Counts `L` (single block, its terminator the only exit), or nothing.
  static std::optional<TripCount> of(Loop &L, ScalarEvolution &Scev) {
    const SCEV *Taken = Scev.getBackedgeTakenCount(&L);
    if (!isa<SCEVCouldNotCompute>(Taken)) {
      if (Taken->getType()->getIntegerBitWidth() > 64)
        return std::nullopt;
      TripCount Count;
      Count.Taken = Taken;
      return Count;
    }
    // continue while `Counter Pred Bound`
    auto *Branch = dyn_cast<BranchInst>(L.getHeader()->getTerminator());
    if (!Branch || !Branch->isConditional())
      return std::nullopt;
    auto *Compare = dyn_cast<ICmpInst>(Branch->getCondition());
    if (!Compare)
      return std::nullopt;
    CmpInst::Predicate Pred = Compare->getPredicate();
    if (Branch->getSuccessor(0) != L.getHeader())
      Pred = CmpInst::getInversePredicate(Pred);
    const SCEV *Counter = Scev.getSCEV(Compare->getOperand(0));
    const SCEV *Bound = Scev.getSCEV(Compare->getOperand(1));
    if (!isa<SCEVAddRecExpr>(Counter)) {
      std::swap(Counter, Bound);
      Pred = CmpInst::getSwappedPredicate(Pred);
    }
    auto *Recurrence = dyn_cast<SCEVAddRecExpr>(Counter);
    if (!Recurrence || Recurrence->getLoop() != &L || !Recurrence->isAffine() ||
        !Scev.isLoopInvariant(Bound, &L) ||
        Recurrence->getType()->getIntegerBitWidth() > 32)
      return std::nullopt;
    auto *Step = dyn_cast<SCEVConstant>(Recurrence->getStepRecurrence(Scev));
    if (!Step || Step->getAPInt().isZero())
      return std::nullopt;
    TripCount Count;
    Count.Start = Recurrence->getStart();
    Count.Bound = Bound;
    Count.Step = Step->getAPInt().getSExtValue();
    Count.Pred = Pred;
    bool Down = Count.Step < 0;
    if (Down && (Pred == CmpInst::ICMP_ULT || Pred == CmpInst::ICMP_ULE)) {
      // Counting down while below a bound near 2^32 (clang's `i >= 0` as
      // `i - c <u -c'`): v <u b exactly when (v - b) mod 2^w >=u -b, so count
      // v - b down to -b (b + 1 for <=). A bound of 0 (never, or always true)
      // fails the no-wrap check of `emit`, leaving the loop alone.
      const SCEV *Below = Pred == CmpInst::ICMP_ULT
                              ? Bound
                              : Scev.getAddExpr(Bound, Scev.getOne(Bound->getType()));
      Count.Start = Scev.getMinusSCEV(Count.Start, Below);
      Count.Bound = Scev.getNegativeSCEV(Below);
      Count.Pred = CmpInst::ICMP_UGE;
      Pred = Count.Pred;
    }
    bool Counts =
        (Pred == CmpInst::ICMP_NE && isPowerOf2_64(Count.stride())) ||
        (Down && (Pred == CmpInst::ICMP_UGT || Pred == CmpInst::ICMP_UGE)) ||
        (!Down && (Pred == CmpInst::ICMP_ULT || Pred == CmpInst::ICMP_ULE));
    if (!Counts)
      return std::nullopt;
    return Count;
  }

  /// What `emit` expands: all must be expandable before the loop.
  SmallVector<const SCEV *, 2> invariants() const {
    if (Taken)
      return {Taken};
    return {Start, Bound};
  }

  /// Emits the count (i64) before `At`, appending to `Conditions` what must
  /// hold for it to be exact.
  Value *emit(IRBuilder<> &Builder, SCEVExpander &Expander, Instruction *At,
              SmallVectorImpl<Value *> &Conditions) const {
    Type *I64 = Builder.getInt64Ty();
    auto Const = [&](uint64_t Value) { return ConstantInt::get(I64, Value); };
    if (Taken) {
      Value *Count = Builder.CreateZExtOrTrunc(
          Expander.expandCodeFor(Taken, Taken->getType(), At), I64);
      // More iterations than this cannot fit a 32-bit memory, and the bound
      // keeps every later sum below 2^64.
      Conditions.push_back(Builder.CreateICmpULT(Count, Const(1ull << 32)));
      return Count;
    }
    unsigned Width = Start->getType()->getIntegerBitWidth();
    uint64_t Max = Width == 64 ? ~0ull : (1ull << Width) - 1;
    Value *First = Builder.CreateZExt(
        Expander.expandCodeFor(Start, Start->getType(), At), I64);
    Value *Limit = Builder.CreateZExt(
        Expander.expandCodeFor(Bound, Bound->getType(), At), I64);
    bool Down = Step < 0;
    uint64_t Stride = stride();
    Value *StrideValue = Const(Stride);
    // How far the counter is from the bound, in its direction.
    Value *Gap = Down ? Builder.CreateSub(First, Limit)
                      : Builder.CreateSub(Limit, First);
    if (Pred == CmpInst::ICMP_NE) {
      // The first i with first + step * i == bound (mod 2^width) is
      // distance / stride, when the stride divides the distance.
      Value *Distance = Builder.CreateAnd(Gap, Const(Max));
      Conditions.push_back(Builder.CreateICmpEQ(
          Builder.CreateAnd(Distance, Const(Stride - 1)), Const(0)));
      return Builder.CreateUDiv(Distance, StrideValue);
    }
    // Counting toward the bound without wrapping: the first i at which the
    // counter has passed it. `Strict` when equality already ends the loop
    // (continue while >, or while <).
    bool Strict = Pred == CmpInst::ICMP_UGT || Pred == CmpInst::ICMP_ULT;
    Value *Ahead = Down ? Builder.CreateICmpUGT(First, Limit)
                        : Builder.CreateICmpULT(First, Limit);
    if (!Strict)
      Ahead = Builder.CreateOr(Ahead, Builder.CreateICmpEQ(First, Limit));
    // Strict: ceil(gap / stride) = (gap - 1) / stride + 1; else gap / stride + 1.
    Value *Passed = Strict ? Builder.CreateSub(Gap, Const(1)) : Gap;
    Value *Steps =
        Builder.CreateAdd(Builder.CreateUDiv(Passed, StrideValue), Const(1));
    Value *Count = Builder.CreateSelect(Ahead, Steps, Const(0));
    // The counter's value in that iteration did not wrap.
    Value *Travel = Builder.CreateMul(Count, StrideValue);
    Conditions.push_back(
        Down ? Builder.CreateICmpULE(Travel, First)
             : Builder.CreateICmpULE(Travel, Builder.CreateSub(Const(Max), First)));
    return Count;
  }

private:
  /// The counter's step, as a magnitude.
  uint64_t stride() const { return Step < 0 ? -uint64_t(Step) : uint64_t(Step); }

  /// Counted by ScalarEvolution (exact, no conditions).
  const SCEV *Taken = nullptr;
  /// Otherwise: the counter `{Start,+,Step}` continues while `Pred Bound`.
  const SCEV *Start = nullptr;
  const SCEV *Bound = nullptr;
  int64_t Step = 0;
  CmpInst::Predicate Pred = CmpInst::BAD_ICMP_PREDICATE;
};

/// The call `aotc-copy-loops` puts in front of a copy or fill loop:
/// `i1 (i64 destination, i64 source_or_byte, i64 length)` moves (or fills) the
/// bytes and returns true when both ranges lie within the memory's current size
/// and are equal, disjoint, or the destination trails the source in the copy's
/// direction by at least the loop's minimum distance; otherwise it touches
/// nothing and returns false. One helper per memory, direction, kind and
/// distance (`!aotc.copy.helper` on it says which), so that a call passes three
/// values only.
///
/// Why a call: with the checks and the libc call inline, a function holding a
/// copy loop (wasi-libc's `memcpy`) kept its values in callee-saved registers
/// and saved them on every call, short copies included. The helper is
/// `preserve_mostcc`, so callers keep their values in scratch registers across
/// it, and only the long copies that reach it pay for saving registers.
///
/// Sandbox-critical: these checks are what keeps the shortcut inside linear
/// memory. The helper is only declared while the pipeline runs (a function pass
/// must not add function bodies under the call graph) and is defined by
/// `defineAll` once it has finished.
struct CopyHelper {
  static constexpr const char *MetadataName = "aotc.copy.helper";

  static Function *declare(Module &M, GlobalVariable *Memory,
                           uint64_t SizeOffset, int64_t MinTrail,
                           bool Backward, bool Fill) {
    std::string Name = (Twine("aotc.copy.checked.") + Memory->getName() + "." +
                        (Fill ? "fill" : Backward ? "down" : "up") + "." +
                        Twine(MinTrail))
                           .str();
    if (Function *Existing = M.getFunction(Name))
      return Existing;
    LLVMContext &Context = M.getContext();
    Type *I64 = Type::getInt64Ty(Context);
    auto *Type =
        FunctionType::get(Type::getInt1Ty(Context), {I64, I64, I64}, false);
    Function *Helper =
        Function::Create(Type, GlobalValue::ExternalLinkage, Name, M);
    Helper->setCallingConv(CallingConv::PreserveMost);
    Helper->setDoesNotThrow();
    Helper->setWillReturn();
    Helper->setDoesNotFreeMemory();
    Helper->setNoSync();
    Helper->setMemoryEffects(MemoryEffects::unknown().getWithModRef(
        IRMemLocation::InaccessibleMem, ModRefInfo::NoModRef));
    auto Int = [&](uint64_t Value) {
      return ConstantAsMetadata::get(ConstantInt::get(I64, Value));
    };
    Helper->setMetadata(
        MetadataName,
        MDNode::get(Context, {ConstantAsMetadata::get(Memory), Int(SizeOffset),
                              Int(uint64_t(MinTrail)), Int(Backward),
                              Int(Fill)}));
    return Helper;
  }

  /// Gives every declared helper still called its body; drops the others.
  static void defineAll(Module &M) {
    SmallVector<Function *, 4> Helpers;
    for (Function &F : M)
      if (F.isDeclaration() && F.getMetadata(MetadataName))
        Helpers.push_back(&F);
    for (Function *Helper : Helpers) {
      if (Helper->use_empty())
        Helper->eraseFromParent();
      else
        define(*Helper);
    }
  }

private:
  static void define(Function &Helper) {
    MDNode *Facts = Helper.getMetadata(MetadataName);
    auto *Memory =
        mdconst::extract<GlobalVariable>(Facts->getOperand(0));
    auto Int = [&](unsigned Index) {
      return mdconst::extract<ConstantInt>(Facts->getOperand(Index))
          ->getZExtValue();
    };
    uint64_t SizeOffset = Int(1), MinTrail = Int(2);
    bool Backward = Int(3), Fill = Int(4);
    Helper.setMetadata(MetadataName, nullptr);
    Helper.setLinkage(GlobalValue::InternalLinkage);
    Helper.addFnAttr(Attribute::NoInline);
    // Compiled like the wasm functions that call it (CPU, stack probes, unwind
    // tables for the runtime's backtraces).
    const Function *Caller = cast<CallBase>(Helper.user_back())->getFunction();
    for (StringRef Kind : {"target-cpu", "target-features", "probe-stack"})
      if (Caller->hasFnAttribute(Kind))
        Helper.addFnAttr(Caller->getFnAttribute(Kind));
    Helper.setUWTableKind(Caller->getUWTableKind());

    LLVMContext &Context = Helper.getContext();
    Argument *Destination = Helper.getArg(0), *Second = Helper.getArg(1),
             *Length = Helper.getArg(2);
    BasicBlock *Entry = BasicBlock::Create(Context, "entry", &Helper);
    BasicBlock *Move = BasicBlock::Create(Context, "move", &Helper);
    BasicBlock *Refuse = BasicBlock::Create(Context, "refuse", &Helper);
    IRBuilder<> Builder(Entry);
    Type *I64 = Builder.getInt64Ty();
    Type *I8 = Builder.getInt8Ty();
    Value *Base = Builder.CreateLoad(Builder.getPtrTy(), Memory, "base");
    Value *Size = Builder.CreateLoad(
        I64, Builder.CreateConstInBoundsGEP1_64(I8, Memory, SizeOffset), "size");
    auto Within = [&](Value *From) {
      return Builder.CreateAnd(
          Builder.CreateICmpULE(From, Size),
          Builder.CreateICmpULE(Length, Builder.CreateSub(Size, From)));
    };
    Value *Take = Within(Destination);
    if (!Fill) {
      // Equal, disjoint, or trailing by enough in the copy's direction.
      Value *Leader = Backward ? Destination : Second;
      Value *Trailer = Backward ? Second : Destination;
      Value *Apart = Builder.CreateOr(
          {Builder.CreateICmpEQ(Destination, Second),
           Builder.CreateICmpUGE(
               Leader, Builder.CreateAdd(Trailer, ConstantInt::get(I64, MinTrail))),
           Builder.CreateICmpUGE(Trailer, Builder.CreateAdd(Leader, Length))});
      Take = Builder.CreateAnd({Take, Within(Second), Apart});
    }
    Builder.CreateCondBr(Take, Move, Refuse);

    Builder.SetInsertPoint(Move);
    Value *To = Builder.CreateGEP(I8, Base, Destination);
    if (Fill)
      Builder.CreateMemSet(To, Builder.CreateTrunc(Second, I8), Length,
                           Align(1));
    else
      Builder.CreateMemMove(To, Align(1), Builder.CreateGEP(I8, Base, Second),
                            Align(1), Length);
    Builder.CreateRet(Builder.getTrue());

    Builder.SetInsertPoint(Refuse);
    Builder.CreateRet(Builder.getFalse());
  }
};

/// `aotc-copy-loops`: a loop that only copies memory forward or backward, one
/// contiguous block of bytes per iteration (a wasm byte or word copy loop, often
/// unrolled by the producer, as wasi-libc's `memmove` and `memcpy` are), is given a
/// guarded shortcut: one `memmove` of the whole range, taken when it provably
/// leaves memory exactly as the loop would. Why: in aotc's IR all of linear memory
/// is one object, so nothing tells LLVM the source and destination are distinct,
/// and a byte loop over overlapping ranges (`memmove(p, p + 3, n)`) can never be
/// vectorised by a range check; native code calls the C library's vector memmove.
///
/// Sandbox-critical: the shortcut touches memory directly, so it is taken only
/// when both ranges lie within the memory's current size (read from its descriptor
/// before the loop), every 32-bit address recurrence stays within 32 bits, and the
/// ranges are equal, disjoint, or overlap so that the loop never reads a byte it
/// wrote (the destination trails the source in the copy's direction by at least
/// the distance the body's own load/store order needs). Otherwise the original
/// loop runs, with its exact traps. What the loop leaves in registers (induction
/// variables' final values) the shortcut computes from the trip count.
///
/// A fill loop (stores of loop-invariant values only, tiling the block the same
/// way) gets a `memset` shortcut, taken when every stored value repeats one byte
/// (checked at run time: `fill(p, 1u, n)` stays a loop, `0x01010101u` does not).
class CopyLoops : public PassInfoMixin<CopyLoops> {
public:
  PreservedAnalyses run(Function &F, FunctionAnalysisManager &Analyses) {
    LinearMemories Memories =
        linearMemories(*F.getParent());
    if (Memories.empty())
      return PreservedAnalyses::all();
    LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
    DominatorTree &Dominators = Analyses.getResult<DominatorTreeAnalysis>(F);
    ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);
    AssumptionCache &Assumptions = Analyses.getResult<AssumptionAnalysis>(F);

    SmallVector<Loop *, 8> Candidates;
    bool Changed = simplifiedInnermostLoops(Loops, Dominators, Scev,
                                            Assumptions, true, Candidates);
    // Each rewrite only adds blocks outside the loop it rewrites and a branch
    // around it; the other candidates and their analyses are untouched.
    for (Loop *L : Candidates)
      Changed |= rewrite(*L, Memories, Scev, Dominators, Loops);
    // An internal error here must stop the compiler, never become a binary.
    if (Changed && verifyFunction(F))
      report_fatal_error(Twine("aotc-copy-loops left invalid IR in ") +
                             F.getName() + " (an aotc bug: please report it)",
                         false);
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }

private:
  /// Reads `Pointer`'s address as a CopyAccess of loop `L`.
  static std::optional<CopyAccess> access(Instruction &Inst, Value *Pointer,
                                          Type *Accessed, const Loop &L,
                                          ScalarEvolution &Scev) {
    const DataLayout &Layout = Inst.getModule()->getDataLayout();
    TypeSize Size = Layout.getTypeStoreSize(Accessed);
    if (Size.isScalable() || Layout.getTypeSizeInBits(Accessed) != Size * 8)
      return std::nullopt; // i1 and friends: not a plain copy of bytes
    std::optional<SplitAddress> Split = splitAddress(Pointer, Scev);
    if (!Split)
      return std::nullopt;
    Type *I64 = Type::getInt64Ty(Inst.getContext());
    const SCEV *Constant = Split->Constant;
    const SCEV *Offset = Split->Offset;
    const SCEVAddRecExpr *Narrow = nullptr;
    if (auto *Extended = dyn_cast<SCEVZeroExtendExpr>(Offset)) {
      Narrow = dyn_cast<SCEVAddRecExpr>(Extended->getOperand());
      if (!Narrow || Narrow->getType()->getIntegerBitWidth() != 32)
        return std::nullopt;
      Offset = Narrow;
    }
    auto *Recurrence = dyn_cast<SCEVAddRecExpr>(Offset);
    if (!Recurrence || Recurrence->getLoop() != &L || !Recurrence->isAffine())
      return std::nullopt;
    auto *Step = dyn_cast<SCEVConstant>(Recurrence->getStepRecurrence(Scev));
    if (!Step)
      return std::nullopt;
    CopyAccess Result;
    Result.Base = Split->Base;
    Result.Step = Step->getAPInt().getSExtValue();
    const SCEV *Start = Recurrence->getStart();
    if (Narrow) {
      // `x + c` in i32 is `zext(x) + c` in i64 exactly when the checks hold;
      // peeling `c` lets accesses `x + 1`, `x + 2`, ... share one base `x`.
      const SCEV *Peeled = Scev.getZero(I64);
      if (auto *Sum = dyn_cast<SCEVAddExpr>(Start))
        if (auto *C = dyn_cast<SCEVConstant>(Sum->getOperand(0))) {
          Peeled = Scev.getConstant(I64, C->getAPInt().getSExtValue(), true);
          SmallVector<const SCEV *, 4> Rest(drop_begin(Sum->operands()));
          Start = Scev.getAddExpr(Rest);
        }
      Start = Scev.getAddExpr(Scev.getZeroExtendExpr(Start, I64), Peeled);
      Result.NarrowStart = Start;
    }
    Result.Start = Scev.getAddExpr(Start, Constant);
    Result.Bytes = Size.getFixedValue();
    return Result;
  }

  /// Fills in `Offset` of each access relative to the first; false unless the
  /// accesses share base and step and lie at constant distances.
  static bool relativeOffsets(MutableArrayRef<CopyAccess> Family,
                              ScalarEvolution &Scev) {
    for (CopyAccess &Access : Family) {
      if (Access.Base != Family[0].Base || Access.Step != Family[0].Step)
        return false;
      auto *Distance = dyn_cast<SCEVConstant>(
          Scev.getMinusSCEV(Access.Start, Family[0].Start));
      if (!Distance || Distance->getAPInt().getSignificantBits() > 32)
        return false;
      Access.Offset = Distance->getAPInt().getSExtValue();
    }
    return true;
  }

  static bool rewrite(Loop &L,
                      const LinearMemories &Memories,
                      ScalarEvolution &Scev, DominatorTree &Dominators,
                      LoopInfo &Loops) {
    BasicBlock *Body = L.getHeader();
    BasicBlock *Preheader = L.getLoopPreheader();
    BasicBlock *Exit = L.getExitBlock();
    if (L.getNumBlocks() != 1 || !Preheader || !Exit ||
        L.getExitingBlock() != Body || !L.isLCSSAForm(Dominators) ||
        Body->size() > MaxLoopInstructions ||
        !isa<BranchInst>(Preheader->getTerminator()))
      return false;

    // The body: loads whose only use is a store of the loaded value, those
    // stores, and instructions that neither touch memory nor have effects.
    // A fill loop stores loop-invariant values (`Fills`, one per store) and
    // loads nothing; a copy loop stores only values it loaded.
    SmallVector<CopyAccess, 8> Stores, Loads;
    SmallVector<Value *, 8> Fills;
    DenseMap<const LoadInst *, unsigned> LoadPositions;
    unsigned Position = 0;
    for (Instruction &Inst : *Body) {
      ++Position;
      if (auto *Store = dyn_cast<StoreInst>(&Inst)) {
        Value *Stored = Store->getValueOperand();
        std::optional<CopyAccess> Written = access(
            *Store, Store->getPointerOperand(), Stored->getType(), L, Scev);
        if (!Store->isSimple() || !Written)
          return false;
        Written->Position = Position;
        Stores.push_back(*Written);
        if (L.isLoopInvariant(Stored)) {
          Fills.push_back(Stored);
          continue;
        }
        auto *Load = dyn_cast<LoadInst>(Stored);
        if (!Load || Load->getParent() != Body || !Load->isSimple() ||
            !Load->hasOneUse())
          return false;
        std::optional<CopyAccess> Read = access(
            *Load, Load->getPointerOperand(), Load->getType(), L, Scev);
        if (!Read)
          return false;
        // In one block the load (the store's operand) came first.
        Read->Position = LoadPositions.lookup(Load);
        Loads.push_back(*Read);
        continue;
      }
      if (auto *Load = dyn_cast<LoadInst>(&Inst)) {
        // Its store (checked when reached) must be its only user.
        if (!Load->hasOneUse() || !isa<StoreInst>(Load->user_back()))
          return false;
        LoadPositions[Load] = Position;
        continue;
      }
      if (Inst.mayReadOrWriteMemory() || Inst.mayHaveSideEffects())
        return false;
    }
    bool Fill = !Fills.empty();
    if (Stores.empty() || (Fill && !Loads.empty()))
      return false;
    if (Fill)
      for (Value *Stored : Fills)
        if (!Stored->getType()->isIntegerTy() &&
            !Stored->getType()->isFloatingPointTy())
          return false;
    if (!relativeOffsets(Stores, Scev) ||
        (!Fill &&
         (!relativeOffsets(Loads, Scev) || Stores[0].Base != Loads[0].Base ||
          Stores[0].Step != Loads[0].Step)))
      return false;
    int64_t Step = Stores[0].Step;
    int64_t Stride = Step < 0 ? -Step : Step;
    if (Step == 0 || Stride > MaxCopyStride)
      return false;
    // Each load sits where its store does, relative to the families' first
    // members, and the stores tile one block of exactly `Stride` bytes.
    SmallVector<std::pair<int64_t, uint64_t>, 8> Tiles;
    for (size_t I = 0; I < Stores.size(); ++I) {
      if (!Fill && Stores[I].Offset != Loads[I].Offset)
        return false;
      Tiles.push_back({Stores[I].Offset, Stores[I].Bytes});
    }
    llvm::sort(Tiles);
    int64_t Lowest = Tiles[0].first, End = Lowest;
    for (auto [Offset, Bytes] : Tiles) {
      if (Offset != End)
        return false;
      End += static_cast<int64_t>(Bytes);
    }
    if (End - Lowest != Stride)
      return false;
    // How far the destination must trail the source (in the direction of the
    // copy) so that no load reads what an earlier store of the same iteration
    // wrote; later iterations read beyond everything written before.
    int64_t MinTrail = 1;
    for (const CopyAccess &Write : Stores)
      for (const CopyAccess &Read : Loads)
        if (Write.Position < Read.Position) {
          int64_t Needed =
              Step > 0 ? Write.Offset + int64_t(Write.Bytes) - Read.Offset
                       : Read.Offset + int64_t(Read.Bytes) - Write.Offset;
          MinTrail = std::max(MinTrail, Needed);
        }

    auto Memory = memoryOf(Stores[0].Base, Memories);
    auto *BaseLoad = dyn_cast<Instruction>(Stores[0].Base);
    if (!Memory || !BaseLoad || L.contains(BaseLoad))
      return false;
    // A loop that can never copy MinCopyBytes (a remainder loop after an
    // unrolled one) would only pay for the length test.
    const SCEV *MostTaken = Scev.getConstantMaxBackedgeTakenCount(&L);
    if (auto *Most = dyn_cast<SCEVConstant>(MostTaken))
      if (Most->getAPInt().ult(MinCopyBytes) &&
          (Most->getAPInt().getZExtValue() + 1) * uint64_t(Stride) <
              MinCopyBytes)
        return false;
    std::optional<TripCount> Trips = TripCount::of(L, Scev);
    if (!Trips)
      return false;
    Instruction *CheckAt = Preheader->getTerminator();
    const DataLayout &Layout = Body->getModule()->getDataLayout();
    SCEVExpander Expander(Scev, Layout, "aotc.copy");
    const SCEV *DestinationStart = Scev.getAddExpr(
        Stores[0].Start, Scev.getConstant(Stores[0].Start->getType(),
                                          Lowest - Stores[0].Offset, true));
    const SCEV *SourceStart =
        Fill ? DestinationStart
             : Scev.getAddExpr(Loads[0].Start,
                               Scev.getConstant(Loads[0].Start->getType(),
                                                Lowest - Loads[0].Offset, true));
    SmallVector<const SCEV *, 2> NarrowStarts;
    for (const auto *Family : {&Stores, &Loads})
      for (const CopyAccess &Access : *Family)
        if (Access.NarrowStart && !is_contained(NarrowStarts, Access.NarrowStart))
          NarrowStarts.push_back(Access.NarrowStart);
    SmallVector<const SCEV *, 8> Needed = {DestinationStart, SourceStart};
    append_range(Needed, NarrowStarts);
    append_range(Needed, Trips->invariants());

    // The values the loop leaves for code after it (the exit block's LCSSA
    // phis): loop-invariant, or a recurrence evaluated at the last iteration.
    SmallVector<std::pair<PHINode *, const SCEV *>, 4> ExitValues;
    for (PHINode &Phi : Exit->phis()) {
      Value *Left = Phi.getIncomingValueForBlock(Body);
      auto *Defined = dyn_cast<Instruction>(Left);
      if (!Defined || !L.contains(Defined)) {
        ExitValues.push_back({&Phi, nullptr});
        continue;
      }
      if (!Scev.isSCEVable(Left->getType()))
        return false;
      const SCEV *Final = Scev.getSCEV(Left);
      if (auto *Recurrence = dyn_cast<SCEVAddRecExpr>(Final)) {
        if (Recurrence->getLoop() != &L || !Recurrence->isAffine() ||
            !Recurrence->getType()->isIntegerTy())
          return false;
        Needed.push_back(Recurrence->getStart());
        Needed.push_back(Recurrence->getStepRecurrence(Scev));
      } else if (Scev.isLoopInvariant(Final, &L)) {
        Needed.push_back(Final);
      } else {
        return false;
      }
      ExitValues.push_back({&Phi, Final});
    }
    for (const SCEV *Value : Needed)
      if (!Expander.isSafeToExpandAt(Value, CheckAt))
        return false;

    // Before the loop: the length, and only for a long enough copy the checks
    // (a short one, as LZ77 match copies mostly are, goes straight to the loop).
    LLVMContext &Context = Body->getContext();
    IRBuilder<> Builder(CheckAt);
    Type *I64 = Builder.getInt64Ty();
    auto Const = [&](uint64_t Value) { return ConstantInt::get(I64, Value); };
    SmallVector<Value *, 12> Conditions;
    Value *Taken = Trips->emit(Builder, Expander, CheckAt, Conditions);
    Value *Length = Builder.CreateMul(Builder.CreateAdd(Taken, Const(1)),
                                      Const(Stride), "aotc.copy.bytes");
    Value *Long = Builder.CreateICmpUGE(Length, Const(MinCopyBytes));
    BasicBlock *Checks = BasicBlock::Create(Context, "aotc.copy.check",
                                            Body->getParent(), Body);
    BranchInst *ChecksEnd = BranchInst::Create(Body, Checks);
    // The expander consults the dominator tree and the loops (it keeps LCSSA
    // form, by the loop each block is in): new blocks enter both at once.
    Dominators.addNewBlock(Checks, Preheader);
    Loop *Parent = L.getParentLoop();
    if (Parent)
      Parent->addBasicBlockToLoop(Checks, Loops);
    Instruction *PreheaderEnd = CheckAt;
    CheckAt = ChecksEnd;
    Builder.SetInsertPoint(ChecksEnd);
    // Distance from the first iteration's block to the last one's.
    Value *Span = Builder.CreateSub(Length, Const(Stride));
    auto Lowest64 = [&](const SCEV *Start) {
      Value *First = Expander.expandCodeFor(Start, I64, CheckAt);
      return Step > 0 ? First : Builder.CreateSub(First, Span);
    };
    Value *Destination = Lowest64(DestinationStart);
    Value *Source = Lowest64(SourceStart);
    // Every 32-bit address recurrence stays within 32 bits (and so equals its
    // exact i64 form) over all iterations.
    for (const SCEV *NarrowStart : NarrowStarts) {
      Value *First = Expander.expandCodeFor(NarrowStart, I64, CheckAt);
      Conditions.push_back(Builder.CreateICmpULE(First, Const(0xFFFFFFFFull)));
      Conditions.push_back(
          Step > 0 ? Builder.CreateICmpULE(Builder.CreateAdd(First, Span),
                                           Const(0xFFFFFFFFull))
                   : Builder.CreateICmpUGE(First, Span));
    }
    // A fill is a memset when every stored value repeats one byte.
    Value *FillByte = nullptr;
    for (Value *Stored : Fills) {
      unsigned Bits = Layout.getTypeSizeInBits(Stored->getType());
      Type *Int = Builder.getIntNTy(Bits);
      Value *Pattern = Builder.CreateBitCast(Stored, Int);
      Value *Byte = Builder.CreateTrunc(Pattern, Builder.getInt8Ty());
      Value *Splat = Builder.CreateMul(
          Builder.CreateZExt(Byte, Int),
          ConstantInt::get(Int, APInt::getSplat(Bits, APInt(8, 1))));
      Conditions.push_back(Builder.CreateICmpEQ(Pattern, Splat));
      if (FillByte)
        Conditions.push_back(Builder.CreateICmpEQ(Byte, FillByte));
      else
        FillByte = Byte;
    }
    // The range and overlap checks and the move itself happen in the helper
    // (see `CopyHelper`), called once the conditions above hold.
    BasicBlock *Call = Checks;
    if (!Conditions.empty()) {
      Call = BasicBlock::Create(Context, "aotc.copy.call", Body->getParent(),
                                Body);
      Dominators.addNewBlock(Call, Checks);
      if (Parent)
        Parent->addBasicBlockToLoop(Call, Loops);
      BranchInst::Create(Body, Call);
    }
    Value *Holds = Conditions.empty()
                       ? nullptr
                       : Builder.CreateAnd(ArrayRef<Value *>(Conditions));
    Builder.SetInsertPoint(Call->getTerminator());
    CallInst *Take = Builder.CreateCall(
        CopyHelper::declare(*Body->getModule(), Memory->first,
                            Memory->second.SizeOffset, MinTrail, Step < 0,
                            Fill),
        {Destination, Fill ? Builder.CreateZExt(FillByte, I64) : Source,
         Length},
        "aotc.copy.done");
    Take->setCallingConv(CallingConv::PreserveMost);

    BasicBlock *Shortcut = BasicBlock::Create(Context, "aotc.copy.shortcut",
                                              Body->getParent(), Body);
    Dominators.addNewBlock(Shortcut, Call);
    if (Parent)
      Parent->addBasicBlockToLoop(Shortcut, Loops);
    Builder.SetInsertPoint(Shortcut);
    BranchInst *ToExit = Builder.CreateBr(Exit);
    Builder.SetInsertPoint(ToExit);
    for (auto [Phi, Final] : ExitValues) {
      Value *Incoming = Phi->getIncomingValueForBlock(Body);
      if (auto *Recurrence = dyn_cast_or_null<SCEVAddRecExpr>(Final)) {
        // start + step * (iterations - 1), in the value's own width, as the
        // loop computes it.
        Type *Ty = Recurrence->getType();
        Value *First =
            Expander.expandCodeFor(Recurrence->getStart(), Ty, ToExit);
        Value *Increment = Expander.expandCodeFor(
            Recurrence->getStepRecurrence(Scev), Ty, ToExit);
        Incoming = Builder.CreateAdd(
            First, Builder.CreateMul(Increment,
                                     Builder.CreateZExtOrTrunc(Taken, Ty)));
      } else if (Final) {
        Incoming = Expander.expandCodeFor(Final, Phi->getType(), ToExit);
      }
      Phi->addIncoming(Incoming, Shortcut);
    }
    // The branches, last (the expander may still refer to the old ends).
    PreheaderEnd->eraseFromParent();
    BranchInst::Create(Checks, Body, Long, Preheader);
    if (Call != Checks) {
      ChecksEnd->eraseFromParent();
      BranchInst::Create(Call, Body, Holds, Checks);
    }
    Call->getTerminator()->eraseFromParent();
    BranchInst::Create(Shortcut, Body, Take, Call);
    for (PHINode &Phi : Body->phis()) {
      Value *Entering = Phi.getIncomingValueForBlock(Preheader);
      Phi.addIncoming(Entering, Checks);
      if (Call != Checks)
        Phi.addIncoming(Entering, Call);
    }

    // Keep the analyses the later candidates use exact.
    Dominators.changeImmediateDominator(Exit, Preheader);
    for (PHINode &Phi : Exit->phis())
      Scev.forgetValue(&Phi);
    Scev.forgetLoop(&L);
    return true;
  }
};

/// The largest step (bytes per iteration, either direction) of an address
/// recurrence `aotc-widen-addresses` computes in 64 bits: a memory below 4 GiB
/// ends at least 64 KiB before 2^32, and the runtime keeps 64 KiB of guard below
/// every such memory's base (aotc_abi's `MEMORY_GUARD_BELOW`); this is half of
/// either (`PROVEN_ADDRESS_SLACK`, the margin the translator's address facts use).
constexpr int64_t MaxWidenedStep = 32 * 1024;

/// A wasm address recurrence as ScalarEvolution writes its zero extension:
/// `zext(i32 {s, +, c})`, or `d + 2^t * zext(i(32-t) {s, +, c})` once
/// IndVarSimplify has widened the loop counter and masked the low bits it knows
/// (`and i64 (iv + k), 0xfffffff8` with d = 0 or 8). When no value of the
/// expression reaches 2^32 (SCEV's unsigned range), it is the zero extension of
/// the 32-bit recurrence `{d + 2^t s, +, 2^t c}`, wrapping at 2^32 as wasm does:
/// 2^t times a t-bit-short number wraps exactly at 2^32.
struct NarrowAddress {
  const Loop *L = nullptr;
  /// The exact first value, zext(d + 2^t s), as an i64 expression.
  const SCEV *Start = nullptr;
  /// The 32-bit recurrence's step, 2^t c, as a signed number (it fits in 32
  /// bits, so its sign is the 32-bit one).
  int64_t Step = 0;
  /// For a plain `d + zext(i32 {s, +, c})` (t = 0): d and s.
  const SCEV *Displacement = nullptr;
  const SCEV *NarrowStart = nullptr;
};

std::optional<NarrowAddress> narrowAddress(const SCEV *Offset,
                                           ScalarEvolution &Scev) {
  if (!Offset->getType()->isIntegerTy(64) ||
      Scev.getUnsignedRangeMax(Offset).ugt(0xffffffffu))
    return std::nullopt;
  auto Terms = splitConstantTerm(Offset, Scev);
  if (!Terms)
    return std::nullopt;
  auto [Constant, Rest] = *Terms;
  uint64_t Scale = 1;
  if (auto *Product = dyn_cast<SCEVMulExpr>(Rest)) {
    auto *Factor = dyn_cast<SCEVConstant>(Product->getOperand(0));
    if (Product->getNumOperands() != 2 || !Factor ||
        !Factor->getAPInt().isPowerOf2() ||
        Factor->getAPInt().getZExtValue() >= (uint64_t(1) << 32))
      return std::nullopt;
    Scale = Factor->getAPInt().getZExtValue();
    Rest = Product->getOperand(1);
  }
  auto *Extended = dyn_cast<SCEVZeroExtendExpr>(Rest);
  if (!Extended)
    return std::nullopt;
  auto *Recurrence = dyn_cast<SCEVAddRecExpr>(Extended->getOperand());
  // Exactly 32 bits once scaled: a narrower one would wrap below 2^32.
  if (!Recurrence || !Recurrence->isAffine() ||
      Recurrence->getType()->getIntegerBitWidth() + Log2_64(Scale) != 32)
    return std::nullopt;
  auto *Step = dyn_cast<SCEVConstant>(Recurrence->getOperand(1));
  if (!Step)
    return std::nullopt;
  Type *I64 = Offset->getType();
  NarrowAddress Narrow;
  Narrow.L = Recurrence->getLoop();
  Narrow.Start = Scev.getAddExpr(
      Constant,
      Scev.getMulExpr(Scev.getConstant(I64, Scale),
                      Scev.getZeroExtendExpr(Recurrence->getStart(), I64)));
  Narrow.Step = Step->getAPInt().getSExtValue() * int64_t(Scale);
  if (Scale == 1) {
    Narrow.Displacement = Constant;
    Narrow.NarrowStart = Recurrence->getStart();
  }
  return Narrow;
}

/// `aotc-widen-addresses` (sandbox-critical: it changes how addresses are
/// computed). A wasm address that moves through a loop, `x + 4*i` in i32, wraps
/// around 2^32, so the translator's `zext(x + 4*i)` cannot become an x86
/// addressing mode or a pointer induction variable: each access needs its own
/// 32-bit add. This pass computes such an address as the 64-bit recurrence
/// `zext(x) + 4*i` instead, where that is the same number.
///
/// Let the 32-bit recurrence be `{s, +, c}` in loop L, 0 < |c| <=
/// MaxWidenedStep, and let a load or store of a memory below 4 GiB at
/// `base + k + zext(recurrence)` (k >= 0 constant) sit in a block that dominates
/// every latch of L: every completed iteration performed that access without
/// trapping, so its address was below the memory size (< 2^32 - 64 KiB) and,
/// for a descending one, not below the base. The zero extension is any
/// instruction whose SCEV is this one (NarrowAddress: a zext, or IndVarSimplify's
/// mask of a widened counter); it is the value, not its form, that is replaced.
///
/// Ascending (c > 0), by induction over iterations: the 64-bit value starts at
/// zext(s) < 2^32; if it is below 2^32 in iteration j, the 32-bit value equals
/// it, the access did not trap, so the value is below 2^32 - 64 KiB and the next
/// one below 2^32 - 64 KiB + c < 2^32. In every iteration that runs the two
/// agree, so every use of the zero extension inside L may take the 64-bit value.
///
/// Descending (c < 0): the 64-bit value never exceeds 2^32, and differs from the
/// 32-bit one only once it is negative, where the 32-bit value has wrapped to
/// the top of the range, out of bounds. The previous iteration's access did not
/// trap, so the value then was not negative and now is at least c >= -32 KiB.
/// The zero extension is replaced only where such a value is caught: in GEPs
/// whose users all load or store at exactly `base + value` (a negative value
/// faults in the runtime's 64 KiB guard below the base, the trap wasm takes at
/// the wrapped address), and in uses an access of this iteration at
/// `base + k + value` dominates (it did not trap, so the value is not negative;
/// its own address is the 32-bit form, or one of these two cases).
class WidenAddresses : public PassInfoMixin<WidenAddresses> {
public:
  PreservedAnalyses run(Function &F, FunctionAnalysisManager &Analyses) {
    LinearMemories Memories = linearMemories(*F.getParent());
    LoopInfo &Loops = Analyses.getResult<LoopAnalysis>(F);
    if (Loops.empty() || Memories.empty())
      return PreservedAnalyses::all();
    DominatorTree &Dominators = Analyses.getResult<DominatorTreeAnalysis>(F);
    ScalarEvolution &Scev = Analyses.getResult<ScalarEvolutionAnalysis>(F);

    // The zero extensions some access proves equal to their 64-bit form, with
    // their recurrences and those accesses.
    struct ProvenAddress {
      NarrowAddress Address;
      SmallVector<Instruction *, 2> Accesses;
    };
    DenseMap<const SCEV *, ProvenAddress> Proven;
    for (BasicBlock &Block : F) {
      if (!Loops.getLoopFor(&Block))
        continue;
      for (Instruction &Inst : Block)
        for (auto &[Extended, Address] :
             provenBy(Inst, Memories, Scev, Dominators)) {
          ProvenAddress &Entry = Proven[Extended];
          Entry.Address = Address;
          Entry.Accesses.push_back(&Inst);
        }
    }
    if (Proven.empty())
      return PreservedAnalyses::all();

    // Every instruction computing one of them (a zext, or the `and` that
    // masks a widened counter), whatever its form: equal SCEVs, equal values.
    // Taken down before any rewrite: once one is rewritten, SCEV sees the
    // others that use it through the new recurrence.
    SmallVector<std::pair<Instruction *, const ProvenAddress *>, 16> Narrow;
    for (BasicBlock &Block : F) {
      if (!Loops.getLoopFor(&Block))
        continue;
      for (Instruction &Inst : Block) {
        if (isa<PHINode>(Inst) || !Inst.getType()->isIntegerTy(64))
          continue;
        auto Found = Proven.find(Scev.getSCEV(&Inst));
        if (Found != Proven.end())
          Narrow.push_back({&Inst, &Found->second});
      }
    }

    // 32-bit addresses `x` some access used, at `base + k + zext(x)` (k >= 0)
    // of a memory below 4 GiB, with the blocks of those accesses.
    DenseMap<const SCEV *, SmallVector<const BasicBlock *, 2>> UsedAddresses;
    for (BasicBlock &Block : F)
      for (Instruction &Inst : Block)
        if (const SCEV *Used = usedAddress(Inst, Memories, Scev))
          UsedAddresses[Used].push_back(&Block);

    const DataLayout &Layout = F.getParent()->getDataLayout();
    SCEVExpander Expander(Scev, Layout, "aotc.wide");
    Expander.disableCanonicalMode();
    Type *I64 = Type::getInt64Ty(F.getContext());
    bool Changed = false;
    SmallVector<WeakTrackingVH, 16> Replaced;
    for (auto [Extension, Entry] : Narrow) {
      const NarrowAddress &Address = Entry->Address;
      const Loop *L = Address.L;
      // Only inside the loop: there the reasoning above holds.
      if (!L->contains(Extension) || !L->getLoopPreheader())
        continue;
      bool Descending = Address.Step < 0;
      SmallVector<Use *, 8> Widened;
      for (Use &U : Extension->uses())
        if (!Descending ||
            onlyAddresses(U, Memories) ||
            dominatedByAccess(U, Entry->Accesses, Dominators))
          Widened.push_back(&U);
      if (Widened.empty())
        continue;
      const SCEV *Wide = Scev.getAddRecExpr(
          startAfterEarlierAccess(Address, UsedAddresses, Dominators, Scev),
          Scev.getConstant(I64, Address.Step, /*isSigned=*/true),
          L,
          Descending ? SCEV::FlagAnyWrap : SCEV::FlagNUW);
      if (!Expander.isSafeToExpandAt(Wide, Extension))
        continue;
      Value *Value64 = Expander.expandCodeFor(Wide, I64, Extension);
      Scev.forgetValue(Extension);
      for (Use *U : Widened)
        U->set(Value64);
      Replaced.push_back(Extension);
      Changed = true;
    }
    Expander.clear();
    // Last: a candidate may be another's operand.
    RecursivelyDeleteTriviallyDeadInstructionsPermissive(Replaced);
    if (!Changed)
      return PreservedAnalyses::all();
    // An internal error here must stop the compiler, never become a binary.
    if (verifyFunction(F))
      report_fatal_error(Twine("aotc-widen-addresses left invalid IR in ") +
                             F.getName() + " (an aotc bug: please report it)",
                         false);
    PreservedAnalyses Kept;
    Kept.preserveSet<CFGAnalyses>();
    return Kept;
  }

private:
  /// The address of `Inst` when it loads or stores a memory below 4 GiB (an
  /// access that did not trap used an address below 4 GiB - 64 KiB).
  static std::optional<SplitAddress>
  smallMemoryAccess(Instruction &Inst, const LinearMemories &Memories,
                    ScalarEvolution &Scev) {
    Value *Pointer = getLoadStorePointerOperand(&Inst);
    if (!Pointer)
      return std::nullopt;
    std::optional<SplitAddress> Split = splitAddress(Pointer, Scev);
    if (!Split)
      return std::nullopt;
    auto Memory = memoryOf(Split->Base, Memories);
    if (!Memory || !Memory->second.BelowFourGiB)
      return std::nullopt;
    return Split;
  }

  /// `x` when `Inst` loads or stores a memory below 4 GiB at
  /// `base + k + zext(i32 x)`, k >= 0 constant.
  static const SCEV *usedAddress(Instruction &Inst,
                                 const LinearMemories &Memories,
                                 ScalarEvolution &Scev) {
    std::optional<SplitAddress> Split = smallMemoryAccess(Inst, Memories, Scev);
    if (!Split || cast<SCEVConstant>(Split->Constant)->getAPInt().isNegative())
      return nullptr;
    auto *Extended = dyn_cast<SCEVZeroExtendExpr>(Split->Offset);
    if (!Extended || !Extended->getOperand()->getType()->isIntegerTy(32))
      return nullptr;
    return Extended->getOperand();
  }

  /// The widened recurrence's start, `d + zext(x + c)`, as `d + zext(x) + c`
  /// when 0 < c < 64 KiB and an access at `base + k + zext(x)` ran before the
  /// loop (its block dominates the preheader, so it lies outside the loop and
  /// ran, with this x, whenever the loop is entered). It did not trap, so
  /// x < 2^32 - 64 KiB and x + c does not wrap: the two are the same number.
  /// Why: the starts of
  /// `x + 4`, `x + 8`, ... then differ by constants, and the loop needs one
  /// register for all of them instead of one each (wasi-libc's `memcpy` saved
  /// two more callee-saved registers on every call for its misaligned loops).
  static const SCEV *startAfterEarlierAccess(
      const NarrowAddress &Address,
      const DenseMap<const SCEV *, SmallVector<const BasicBlock *, 2>>
          &UsedAddresses,
      const DominatorTree &Dominators, ScalarEvolution &Scev) {
    auto *Sum = dyn_cast_or_null<SCEVAddExpr>(Address.NarrowStart);
    if (!Sum)
      return Address.Start;
    auto *Added = dyn_cast<SCEVConstant>(Sum->getOperand(0));
    if (!Added || Added->getAPInt().isNegative() ||
        Added->getAPInt().getZExtValue() >= 65536)
      return Address.Start;
    SmallVector<const SCEV *, 4> Rest(drop_begin(Sum->operands()));
    const SCEV *Used = Scev.getAddExpr(Rest);
    auto Found = UsedAddresses.find(Used);
    const BasicBlock *Preheader = Address.L->getLoopPreheader();
    if (Found == UsedAddresses.end() ||
        none_of(Found->second, [&](const BasicBlock *Block) {
          return Dominators.dominates(Block, Preheader);
        }))
      return Address.Start;
    Type *I64 = Address.Start->getType();
    return Scev.getAddExpr(
        Address.Displacement, Scev.getZeroExtendExpr(Used, I64),
        Scev.getConstant(I64, Added->getAPInt().getZExtValue()));
  }

  /// If `Inst` is a load or store of a memory below 4 GiB at
  /// `base + k + zext(r)` in a block that runs in every iteration of r's loop,
  /// r a 32-bit recurrence (a NarrowAddress) with a constant step
  /// 0 < |step| <= MaxWidenedStep, and k >= 0: each such `zext(r)`, with r. An offset
  /// `d + zext(r)` gives up to two, `zext(r)` with k = d and, when it is a
  /// NarrowAddress itself, the whole offset with k = 0.
  static SmallVector<std::pair<const SCEV *, NarrowAddress>, 2>
  provenBy(Instruction &Inst, const LinearMemories &Memories,
           ScalarEvolution &Scev, const DominatorTree &Dominators) {
    SmallVector<std::pair<const SCEV *, NarrowAddress>, 2> Proven;
    std::optional<SplitAddress> Split = smallMemoryAccess(Inst, Memories, Scev);
    if (!Split)
      return Proven;
    auto RunsEveryIteration = [&](const Loop *L) {
      if (!L->contains(&Inst))
        return false;
      SmallVector<BasicBlock *, 4> Latches;
      L->getLoopLatches(Latches);
      return all_of(Latches, [&](BasicBlock *Latch) {
        return Dominators.dominates(Inst.getParent(), Latch);
      });
    };
    auto Consider = [&](const SCEV *Offset) {
      std::optional<NarrowAddress> Narrow = narrowAddress(Offset, Scev);
      if (Narrow && Narrow->Step != 0 &&
          std::abs(Narrow->Step) <= MaxWidenedStep &&
          RunsEveryIteration(Narrow->L))
        Proven.push_back({Offset, *Narrow});
    };
    if (!cast<SCEVConstant>(Split->Constant)->getAPInt().isNegative())
      Consider(Split->Offset);
    if (!Split->Constant->isZero())
      Consider(Scev.getAddExpr(Split->Constant, Split->Offset));
    return Proven;
  }

  /// Whether `U` is the index of `gep i8, base, U` (base a memory below 4 GiB)
  /// whose every user loads or stores at exactly that address.
  static bool onlyAddresses(const Use &U, const LinearMemories &Memories) {
    auto *Address = dyn_cast<GetElementPtrInst>(U.getUser());
    if (!Address || Address->getNumIndices() != 1 ||
        U.getOperandNo() != 1 ||
        !Address->getSourceElementType()->isIntegerTy(8))
      return false;
    auto Memory = memoryOf(Address->getPointerOperand(), Memories);
    if (!Memory || !Memory->second.BelowFourGiB)
      return false;
    return all_of(Address->uses(), [](const Use &Access) {
      const User *Accessor = Access.getUser();
      return Access.getOperandNo() ==
             (isa<LoadInst>(Accessor)    ? LoadInst::getPointerOperandIndex()
              : isa<StoreInst>(Accessor) ? StoreInst::getPointerOperandIndex()
                                         : ~0u);
    });
  }

  /// Whether one of `Accesses` runs before `U` whenever `U` does.
  static bool dominatedByAccess(const Use &U, ArrayRef<Instruction *> Accesses,
                                const DominatorTree &Dominators) {
    return any_of(Accesses, [&](Instruction *Access) {
      return Dominators.dominates(Access, U);
    });
  }
};

/// Parses `aotc-versioned-loop-vectorize<...>`'s options, which are
/// `loop-vectorize`'s: `[no-]interleave-forced-only;[no-]vectorize-forced-only`.
std::optional<LoopVectorizeOptions> parseVectorizeOptions(StringRef Name) {
  constexpr StringRef Pass = "aotc-versioned-loop-vectorize";
  if (!Name.consume_front(Pass))
    return std::nullopt;
  LoopVectorizeOptions Options;
  if (Name.empty())
    return Options;
  if (!Name.consume_front("<") || !Name.consume_back(">"))
    return std::nullopt;
  SmallVector<StringRef, 4> Parts;
  Name.split(Parts, ';', -1, false);
  for (StringRef Part : Parts) {
    bool Enable = !Part.consume_front("no-");
    if (Part == "interleave-forced-only")
      Options.setInterleaveOnlyWhenForced(Enable);
    else if (Part == "vectorize-forced-only")
      Options.setVectorizeOnlyWhenForced(Enable);
    else
      return std::nullopt;
  }
  return Options;
}

char *copyMessage(const std::string &Message) { return strdup(Message.c_str()); }

} // namespace

/// Runs the textual pass pipeline `pipeline` over `module` for `machine`'s target.
/// Returns null on success, or a message (free it with
/// `aotc_llvm_free_message`) when the pipeline does not parse.
extern "C" char *aotc_llvm_run_pipeline(LLVMModuleRef module,
                                        LLVMTargetMachineRef machine,
                                        const char *pipeline) {
  Module &M = *unwrap(module);
  // The C API's TargetMachine handle is the C++ object itself.
  TargetMachine *Machine = reinterpret_cast<TargetMachine *>(machine);

  PassInstrumentationCallbacks Callbacks;
  PassBuilder Builder(Machine, PipelineTuningOptions(), std::nullopt,
                      &Callbacks);
  Builder.registerPipelineParsingCallback(
      [](StringRef Name, FunctionPassManager &Passes,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name == "aotc-copy-loops") {
          Passes.addPass(CopyLoops());
          return true;
        }
        if (Name == "aotc-widen-addresses") {
          Passes.addPass(WidenAddresses());
          return true;
        }
        std::optional<LoopVectorizeOptions> Options =
            parseVectorizeOptions(Name);
        if (!Options)
          return false;
        Passes.addPass(VersionedLoopVectorize(*Options));
        return true;
      });

  LoopAnalysisManager LoopAnalyses;
  FunctionAnalysisManager FunctionAnalyses;
  CGSCCAnalysisManager CgsccAnalyses;
  ModuleAnalysisManager ModuleAnalyses;
  Builder.registerModuleAnalyses(ModuleAnalyses);
  Builder.registerCGSCCAnalyses(CgsccAnalyses);
  Builder.registerFunctionAnalyses(FunctionAnalyses);
  Builder.registerLoopAnalyses(LoopAnalyses);
  Builder.crossRegisterProxies(LoopAnalyses, FunctionAnalyses, CgsccAnalyses,
                               ModuleAnalyses);
  StandardInstrumentations Instrumentation(M.getContext(), false, false);
  Instrumentation.registerCallbacks(Callbacks, &ModuleAnalyses);

  ModulePassManager Passes;
  if (Error Failure = Builder.parsePassPipeline(Passes, pipeline))
    return copyMessage(toString(std::move(Failure)));
  Passes.run(M, ModuleAnalyses);
  CopyHelper::defineAll(M);
  return nullptr;
}

extern "C" void aotc_llvm_free_message(char *message) { free(message); }

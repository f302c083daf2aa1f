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

/// Whether the bytes `Load` reads and the bytes `Store` writes in the same
/// iteration are distinct: alias analysis says so, or ScalarEvolution puts the
/// two addresses a constant distance apart that clears both sizes (`a[i+1]`
/// against `b[i]` when both arrays are offsets from the one memory base).
bool provablyDisjoint(LoadInst &Load, StoreInst &Store, AAResults &Aliases,
                      ScalarEvolution &Scev) {
  if (Aliases.isNoAlias(MemoryLocation::get(&Load),
                        MemoryLocation::get(&Store)))
    return true;
  const auto *Distance = dyn_cast<SCEVConstant>(
      Scev.getMinusSCEV(Scev.getSCEV(Load.getPointerOperand()),
                        Scev.getSCEV(Store.getPointerOperand())));
  if (!Distance || Distance->getAPInt().getSignificantBits() > 48)
    return false;
  const DataLayout &Layout = Load.getModule()->getDataLayout();
  TypeSize LoadSize = Layout.getTypeStoreSize(Load.getType());
  TypeSize StoreSize =
      Layout.getTypeStoreSize(Store.getValueOperand()->getType());
  if (LoadSize.isScalable() || StoreSize.isScalable())
    return false;
  int64_t Bytes = Distance->getAPInt().getSExtValue();
  return Bytes >= int64_t(StoreSize.getFixedValue()) ||
         -Bytes >= int64_t(LoadSize.getFixedValue());
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

/// A loop versioned by array: the branch choosing between the copies (true: the
/// ranges overlap, take the original) and the two loops' headers.
struct Version {
  WeakTrackingVH Check;
  WeakVH CheckedHeader;
  WeakVH OriginalHeader;
};

/// `aotc-versioned-loop-vectorize<options>`: moves carried loads above disjoint
/// stores (`hoistCarriedLoads`), versions innermost loops by array, runs LLVM's
/// loop vectoriser (same options as its `loop-vectorize`), and undoes
/// every versioning the vectoriser did not use, so a loop it leaves scalar keeps
/// no second copy and no check (moved loads stay moved) and remains open to the
/// late vectoriser.
class VersionedLoopVectorize
    : public PassInfoMixin<VersionedLoopVectorize> {
public:
  explicit VersionedLoopVectorize(LoopVectorizeOptions Options)
      : Options(Options) {}

  PreservedAnalyses run(Function &F, FunctionAnalysisManager &Analyses) {
    bool Hoisted = hoistCarriedLoads(F, Analyses);
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
    return Hoisted || Versioned ? PreservedAnalyses::none() : Vectorised;
  }

private:
  LoopVectorizeOptions Options;

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

/// The named metadata the translator writes (`LINEAR_MEMORIES` in
/// aotc/src/translate/module_cx.rs): `!{ptr descriptor, i64 size_offset}` for each
/// 32-bit, unshared linear memory.
constexpr const char *LinearMemoriesName = "aotc.linear.memories";
/// Copies shorter than this stay in their loop: the checks and the call would
/// cost more than they save.
constexpr uint64_t MinCopyBytes = 64;
/// Most bytes one iteration of a copy loop may move (unrolled bodies are far
/// smaller; the bound keeps every offset product far from overflow).
constexpr int64_t MaxCopyStride = 1024;

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

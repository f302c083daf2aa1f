//! aotc's own LLVM pass and the pipeline runner that knows it (C++, against the
//! LLVM 19 the compiler links; built by build.rs with LLVM's own C++ flags).
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
//! vectoriser did not use is undone, so loops it leaves scalar stay as they were.
//!
//! Soundness rests on LLVM's own pieces: LAA's ranges (start and end of each
//! pointer over all iterations, with the predicates that make them exact), the
//! runtime checks `addRuntimeChecks` emits for them, and `LoopVersioning`'s
//! cloning. The scopes are only attached inside the copy those checks guard.
//!
//! `aotc_llvm_run_pipeline` parses and runs a textual pipeline the way LLVM's C
//! API `LLVMRunPasses` does, with this pass's name registered.

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopAccessAnalysis.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
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
#include "llvm/Transforms/Utils/LoopVersioning.h"
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

/// A loop versioned by array: the branch choosing between the copies (true: the
/// ranges overlap, take the original) and the two loops' headers.
struct Version {
  WeakTrackingVH Check;
  WeakVH CheckedHeader;
  WeakVH OriginalHeader;
};

/// `aotc-versioned-loop-vectorize<options>`: versions innermost loops by array,
/// runs LLVM's loop vectoriser (same options as its `loop-vectorize`), and undoes
/// every versioning the vectoriser did not use, so a loop it leaves scalar stays
/// exactly as it was (no second copy, no check) and remains open to the late
/// vectoriser.
class VersionedLoopVectorize
    : public PassInfoMixin<VersionedLoopVectorize> {
public:
  explicit VersionedLoopVectorize(LoopVectorizeOptions Options)
      : Options(Options) {}

  PreservedAnalyses run(Function &F, FunctionAnalysisManager &Analyses) {
    SmallVector<Version, 4> Versions;
    bool Changed = versionLoops(F, Analyses, Versions);
    if (Changed)
      Analyses.invalidate(F, PreservedAnalyses::none());
    PreservedAnalyses Vectorised = LoopVectorizePass(Options).run(F, Analyses);
    if (!Changed)
      return Vectorised;
    Analyses.invalidate(F, Vectorised);
    undoUnused(F, Analyses.getResult<LoopAnalysis>(F), Versions);
    return PreservedAnalyses::none();
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
    for (Loop *L : Loops.getLoopsInPreorder())
      if (L->isInnermost())
        Innermost.push_back(L);

    // LoopVersioning needs simplified loops in LCSSA form, as the vectoriser does.
    bool Changed = false;
    for (Loop *L : Innermost) {
      Changed |= simplifyLoop(L, &Dominators, &Loops, &Scev, &Assumptions,
                              nullptr, false);
      Changed |= formLCSSARecursively(*L, Dominators, &Loops, &Scev);
    }
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
  static void undoUnused(Function &F, LoopInfo &Loops,
                         ArrayRef<Version> Versions) {
    for (const Version &V : Versions) {
      auto *Check = dyn_cast_or_null<BranchInst>(V.Check);
      auto *CheckedHeader = dyn_cast_or_null<BasicBlock>(V.CheckedHeader);
      auto *OriginalHeader = dyn_cast_or_null<BasicBlock>(V.OriginalHeader);
      if (!Check || !Check->isConditional() || !CheckedHeader ||
          !OriginalHeader)
        continue;
      Loop *Checked = Loops.getLoopFor(CheckedHeader);
      if (Checked && markedVectorised(*Checked))
        continue; // vectorised: the versioning pays for itself
      Check->setCondition(ConstantInt::getTrue(F.getContext()));
      if (Loop *Original = Loops.getLoopFor(OriginalHeader))
        Original->setLoopID(makePostTransformationMetadata(
            F.getContext(), Original->getLoopID(), {IsVectorisedMark},
            {}));
    }
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
  return nullptr;
}

extern "C" void aotc_llvm_free_message(char *message) { free(message); }

//! Partitioning a module for parallel code generation: which defined functions go
//! into which LLVM module, and with how much optimisation effort.
//!
//! Invariants:
//! - A plan is a pure function of the function body sizes, their efforts (from
//!   `complexity`) and the [`Split`] request: never of the number of threads, so
//!   `-j1` and `-j16` produce the same objects.
//! - Every defined function is in exactly one partition; each partition lists its
//!   functions in increasing index order, and is non-empty.
//! - Partition 0 is a full-effort partition; it owns the module state (memory,
//!   tables, globals, segments, entry points, function infos; the manifest when it is
//!   embedded, else it is linked from an object of its own). In a split
//!   module with at least [`OWNER_ALONE_FUNCS`] functions it holds only that state,
//!   at minimal effort: it declares every function, which then costs as much as a
//!   partition's bodies.
//! - Regular partitions are contiguous runs of the function index space (callers stay
//!   near their callees, which compilers tend to emit next to each other), cut so that
//!   their body bytes are as even as the function sizes allow.
//! - Functions whose effort is lowered ([`Effort::Capped`], [`Effort::Minimal`]: big
//!   or pathological bodies, see `complexity`) are taken out of the runs and compiled
//!   alone, each in a partition of its own at that effort, whenever the output is
//!   split-able, whatever its size: one function cannot dominate compile time or
//!   memory.
//! - [`Split::Whole`] (one LLVM module: textual output, the JIT) keeps every function
//!   in one partition; the lowered ones are listed in [`Plan::optnone`] and get no
//!   IR optimisation and fast instruction selection there.
//! - Otherwise the regular functions of a module smaller than
//!   [`Limits::split_min_bytes`] stay in one full-effort partition unless splitting
//!   is forced: small modules keep whole-module optimisation and cross-function
//!   inlining.

/// How to split a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// One LLVM module with everything (the in-process JIT, IR/asm output).
    Whole,
    /// Split when the module's code is large enough (sizes from [`Limits`]).
    Auto,
    /// Exactly this many regular partitions (plus capped ones), whatever the size;
    /// for tests. `Forced(1)` is the same as `Auto` for a small module.
    Forced(usize),
}

/// How much optimisation a partition gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// The requested level (`-O0` … `-O3`).
    Full,
    /// At most `-O1` for the IR pipeline, and `-O0` code generation (fast instruction
    /// selection and register allocation: greedy register allocation is what makes
    /// a huge function slow to compile).
    Capped,
    /// No IR optimisation and `-O0` code generation: for shapes on which even the
    /// `-O1` pipeline is superlinear.
    Minimal,
}

impl Effort {
    /// The IR pipeline level (`default<On>`) for a requested level.
    pub fn ir_level(self, requested: u8) -> u8 {
        match self {
            Effort::Full => requested,
            Effort::Capped => requested.min(1),
            Effort::Minimal => 0,
        }
    }

    /// The code generator's level for a requested level.
    pub fn codegen_level(self, requested: u8) -> u8 {
        match self {
            Effort::Full => requested,
            Effort::Capped | Effort::Minimal => 0,
        }
    }
}

/// Size thresholds of the planner, in bytes of wasm function bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Modules with less code stay whole under [`Split::Auto`].
    pub split_min_bytes: u64,
    /// Target size of a regular partition under [`Split::Auto`].
    pub part_bytes: u64,
}

/// The limits aotc uses; README "Compile speed" gives the measurements behind them.
pub const LIMITS: Limits = Limits {
    split_min_bytes: 1 << 20,
    part_bytes: 384 << 10,
};

/// From this many functions, a split module's partition 0 holds no bodies (a
/// million-function module: the owner's declarations and name table alone peak at
/// 1.3 GB; with a run of bodies on top, above 2 GB at `-O2`).
pub const OWNER_ALONE_FUNCS: usize = 1 << 16;

/// How much cheaper a capped partition is to compile than a full-effort one of the
/// same size (measured: Yosys' 223 KiB function, 8.2 s at -O2, 2.5 s capped).
const CAPPED_COST_DIVISOR: u64 = 3;
/// The same for a minimal-effort partition (blocks100000: 35 s capped, 10 s minimal).
const MINIMAL_COST_DIVISOR: u64 = 9;

/// One LLVM module's share of a wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Defined-function indices (0 = the first function with a body), increasing.
    pub funcs: Vec<u32>,
    pub effort: Effort,
    /// Sum of the functions' body sizes.
    pub bytes: u64,
}

impl Part {
    /// Estimated compile time, in units of full-effort body bytes.
    pub fn cost(&self) -> u64 {
        match self.effort {
            Effort::Full => self.bytes,
            Effort::Capped => self.bytes / CAPPED_COST_DIVISOR,
            Effort::Minimal => self.bytes / MINIMAL_COST_DIVISOR,
        }
    }
}

/// A partitioning of a module's defined functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub parts: Vec<Part>,
    /// Functions to compile without IR optimisation (`optnone`) in the module that
    /// holds them: the lowered-effort functions of a [`Split::Whole`] plan.
    pub optnone: Vec<u32>,
}

impl Plan {
    /// Whether the module is split (module state must then be shared by symbol).
    pub fn is_split(&self) -> bool {
        self.parts.len() > 1
    }

    /// Partition indices in the order workers should take them: partition 0 first
    /// (it checks the imports, so an error is reported before much work is done),
    /// then the most expensive first (longest-processing-time-first keeps every core
    /// busy to the end), ties by index.
    pub fn schedule(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (1..self.parts.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.parts[i].cost()), i));
        order.insert(0, 0);
        order
    }
}

/// Plans the partitions of a module whose defined functions have body sizes `sizes`
/// and the efforts `efforts` (same length).
pub fn plan(sizes: &[u32], efforts: &[Effort], split: Split, limits: &Limits) -> Plan {
    let effort = |i: u32| efforts.get(i as usize).copied().unwrap_or(Effort::Full);
    let all: Vec<u32> = (0..sizes.len() as u32).collect();
    let lowered: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&i| effort(i) != Effort::Full)
        .collect();
    let whole = |optnone: Vec<u32>| Plan {
        parts: vec![Part {
            funcs: all.clone(),
            effort: Effort::Full,
            bytes: sizes.iter().map(|&s| u64::from(s)).sum(),
        }],
        optnone,
    };
    if split == Split::Whole {
        return whole(lowered);
    }
    let regular: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&i| effort(i) == Effort::Full)
        .collect();
    let regular_bytes: u64 = regular.iter().map(|&i| u64::from(sizes[i as usize])).sum();
    let count = match split {
        Split::Auto if regular_bytes < limits.split_min_bytes => 1,
        Split::Auto => regular_bytes.div_ceil(limits.part_bytes.max(1)) as usize,
        Split::Forced(n) => n,
        Split::Whole => unreachable!("handled above"),
    }
    .clamp(1, regular.len().max(1));

    let mut parts = cut_runs(&regular, sizes, count);
    parts.extend(lowered.iter().map(|&g| Part {
        funcs: vec![g],
        effort: effort(g),
        bytes: u64::from(sizes[g as usize]),
    }));
    let owner_alone = parts.len() > 1 && sizes.len() >= OWNER_ALONE_FUNCS;
    if owner_alone || parts.first().is_none_or(|p| p.effort != Effort::Full) {
        // Only lowered functions (or none at all), or so many functions that owning
        // the state is a partition's worth of work: an empty full-effort partition 0
        // owns the module state.
        // A huge module's owner holds no bodies, only `aotc_instantiate` (run once)
        // and tables over every function: minimal effort (at `-O2`, the module passes
        // over a million declarations peaked at 2.6 GB; at `-O0`, 1.5 GB).
        let effort = if owner_alone {
            Effort::Minimal
        } else {
            Effort::Full
        };
        parts.insert(
            0,
            Part {
                funcs: Vec::new(),
                effort,
                bytes: 0,
            },
        );
    }
    if parts.len() == 1 {
        return whole(Vec::new());
    }
    Plan {
        parts,
        optnone: Vec::new(),
    }
}

/// Cuts `funcs` (increasing indices) into at most `count` contiguous, non-empty runs
/// of about equal bytes: run k ends at the first function where the running total
/// reaches (k+1)/count of the whole.
fn cut_runs(funcs: &[u32], sizes: &[u32], count: usize) -> Vec<Part> {
    let total: u64 = funcs.iter().map(|&i| u64::from(sizes[i as usize])).sum();
    let mut parts: Vec<Part> = Vec::with_capacity(count);
    let mut current = Part {
        funcs: Vec::new(),
        effort: Effort::Full,
        bytes: 0,
    };
    let mut running = 0u64;
    for (n, &f) in funcs.iter().enumerate() {
        let size = u64::from(sizes[f as usize]);
        current.funcs.push(f);
        current.bytes += size;
        running += size;
        let k = parts.len() as u64 + 1;
        let left = funcs.len() - n - 1;
        let runs_left = count - parts.len() - 1;
        // Cut when this run has its share, or when every remaining function must
        // start a run of its own to reach `count` runs.
        let has_share = running * count as u64 >= k * total;
        if runs_left > 0 && left > 0 && (has_share || left == runs_left) {
            parts.push(std::mem::replace(
                &mut current,
                Part {
                    funcs: Vec::new(),
                    effort: Effort::Full,
                    bytes: 0,
                },
            ));
        }
    }
    if !current.funcs.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        split_min_bytes: 1000,
        part_bytes: 300,
    };

    /// Plans with efforts by size alone: 200 bytes and up is capped.
    fn plan_by_size(sizes: &[u32], split: Split, limits: &Limits) -> Plan {
        let efforts: Vec<Effort> = sizes
            .iter()
            .map(|&s| {
                if s >= 200 {
                    Effort::Capped
                } else {
                    Effort::Full
                }
            })
            .collect();
        super::plan(sizes, &efforts, split, limits)
    }

    /// Every function exactly once, in order within parts, no empty regular part.
    fn check_cover(plan: &Plan, n: usize) {
        let mut seen = vec![false; n];
        for (i, p) in plan.parts.iter().enumerate() {
            assert!(p.funcs.windows(2).all(|w| w[0] < w[1]), "{plan:?}");
            assert!(i == 0 || !p.funcs.is_empty(), "{plan:?}");
            for &f in &p.funcs {
                assert!(!seen[f as usize], "{f} twice in {plan:?}");
                seen[f as usize] = true;
            }
        }
        assert!(seen.iter().all(|&s| s), "{plan:?}");
        let owner = &plan.parts[0];
        assert!(
            owner.effort == Effort::Full
                || (owner.funcs.is_empty() && plan.parts.len() > 1 && n >= OWNER_ALONE_FUNCS),
            "{plan:?}"
        );
    }

    #[test]
    fn small_modules_stay_whole() {
        let sizes = vec![10u32; 50];
        let plan = plan_by_size(&sizes, Split::Auto, &SMALL);
        assert_eq!(plan.parts.len(), 1);
        assert!(!plan.is_split());
        assert_eq!(plan.parts[0].bytes, 500);
        check_cover(&plan, 50);
        assert_eq!(plan_by_size(&sizes, Split::Whole, &SMALL), plan);
        assert_eq!(plan_by_size(&sizes, Split::Forced(1), &SMALL), plan);
        assert_eq!(plan_by_size(&[], Split::Auto, &SMALL).parts.len(), 1);
    }

    #[test]
    fn big_modules_split_into_balanced_contiguous_runs() {
        // 3000 bytes in functions of 1..=40 bytes: 10 parts of about 300.
        let sizes: Vec<u32> = (0..150u32).map(|i| 1 + (i * 7) % 40).collect();
        let total: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
        let plan = plan_by_size(&sizes, Split::Auto, &SMALL);
        check_cover(&plan, sizes.len());
        let want = total.div_ceil(SMALL.part_bytes) as usize;
        assert_eq!(plan.parts.len(), want);
        let mut next = 0u32;
        for p in &plan.parts {
            assert_eq!(p.effort, Effort::Full);
            assert_eq!(p.funcs.first(), Some(&next), "contiguous: {plan:?}");
            next = p.funcs.last().unwrap() + 1;
            // Each run is within one function of its share.
            let share = total / want as u64;
            assert!(p.bytes.abs_diff(share) <= 40, "{} vs {share}", p.bytes);
        }
    }

    #[test]
    fn forced_split_gives_the_count_even_when_small() {
        let sizes = vec![5u32; 12];
        for n in 2..=12 {
            let plan = plan_by_size(&sizes, Split::Forced(n), &SMALL);
            check_cover(&plan, 12);
            assert_eq!(plan.parts.len(), n, "{plan:?}");
        }
        // More parts than functions: one function each.
        let plan = plan_by_size(&sizes, Split::Forced(40), &SMALL);
        assert_eq!(plan.parts.len(), 12);
        // Skewed sizes still give the count, each part non-empty.
        let skewed = [150, 1, 1, 1, 1, 1];
        let plan = plan_by_size(&skewed, Split::Forced(4), &SMALL);
        check_cover(&plan, skewed.len());
        assert_eq!(plan.parts.len(), 4);
    }

    #[test]
    fn giants_get_capped_partitions_of_their_own() {
        let mut sizes = vec![50u32; 40];
        sizes[3] = 250;
        sizes[17] = 400;
        sizes[30] = 199; // just under the threshold
        sizes[31] = 200; // at it
        let plan = plan_by_size(&sizes, Split::Auto, &SMALL);
        check_cover(&plan, sizes.len());
        let capped: Vec<Vec<u32>> = plan
            .parts
            .iter()
            .filter(|p| p.effort == Effort::Capped)
            .map(|p| p.funcs.clone())
            .collect();
        assert_eq!(capped, [vec![3], vec![17], vec![31]]);
        for p in &plan.parts {
            if p.effort == Effort::Full {
                assert!(!p.funcs.iter().any(|f| [3, 17, 31].contains(f)));
            }
        }
        assert!(plan.parts.iter().any(|p| p.funcs.contains(&30)));
        // The regular runs are balanced without the giants.
        let regular: Vec<u64> = plan
            .parts
            .iter()
            .filter(|p| p.effort == Effort::Full)
            .map(|p| p.bytes)
            .collect();
        let regular_bytes: u64 = 36 * 50 + 199;
        let want = regular_bytes.div_ceil(SMALL.part_bytes);
        assert_eq!(regular.len() as u64, want, "{regular:?}");
        assert_eq!(regular.iter().sum::<u64>(), regular_bytes);
        // Within the largest regular function (199) of an even share.
        assert!(
            regular
                .iter()
                .all(|&b| b.abs_diff(regular_bytes / want) <= 199),
            "{regular:?}"
        );
    }

    #[test]
    fn only_giants_still_have_an_owner_partition() {
        let sizes = [500u32, 600, 700];
        let plan = plan_by_size(&sizes, Split::Auto, &SMALL);
        check_cover(&plan, 3);
        assert_eq!(plan.parts[0].funcs, Vec::<u32>::new());
        assert_eq!(plan.parts.len(), 4);
    }

    #[test]
    fn schedule_takes_the_owner_then_expensive_parts_first() {
        let part = |bytes, effort| Part {
            funcs: vec![0],
            effort,
            bytes,
        };
        let plan = Plan {
            optnone: Vec::new(),
            parts: vec![
                part(10, Effort::Full),
                part(30, Effort::Full),
                part(20, Effort::Full),
                part(30, Effort::Full),
                part(75, Effort::Capped),
                part(5, Effort::Full),
            ],
        };
        // Capped 75 costs 25: after 30, 30, before 20.
        assert_eq!(plan.schedule(), [0, 1, 3, 4, 2, 5]);
    }

    #[test]
    fn lowered_functions_are_apart_even_in_small_modules_and_optnone_when_whole() {
        let sizes = [10u32, 20, 30, 40];
        let efforts = [Effort::Full, Effort::Minimal, Effort::Full, Effort::Capped];
        let plan = super::plan(&sizes, &efforts, Split::Auto, &SMALL);
        check_cover(&plan, 4);
        let shape: Vec<(Vec<u32>, Effort)> = plan
            .parts
            .iter()
            .map(|p| (p.funcs.clone(), p.effort))
            .collect();
        assert_eq!(
            shape,
            [
                (vec![0, 2], Effort::Full),
                (vec![1], Effort::Minimal),
                (vec![3], Effort::Capped)
            ]
        );
        assert!(plan.optnone.is_empty());
        let whole = super::plan(&sizes, &efforts, Split::Whole, &SMALL);
        assert_eq!(whole.parts.len(), 1);
        assert_eq!(whole.optnone, [1, 3]);
        // Nothing lowered: one partition either way.
        let full = [Effort::Full; 4];
        assert!(!super::plan(&sizes, &full, Split::Auto, &SMALL).is_split());
    }

    #[test]
    fn the_owner_of_a_huge_module_holds_no_bodies() {
        let sizes = vec![10u32; OWNER_ALONE_FUNCS];
        let plan = plan_by_size(&sizes, Split::Forced(4), &SMALL);
        check_cover(&plan, sizes.len());
        assert!(plan.parts[0].funcs.is_empty());
        assert_eq!(plan.parts[0].effort, Effort::Minimal);
        assert_eq!(plan.parts.len(), 5);
        // One fewer function: the owner takes the first run, as usual.
        let plan = plan_by_size(&sizes[1..], Split::Forced(4), &SMALL);
        assert!(!plan.parts[0].funcs.is_empty());
        assert_eq!(plan.parts.len(), 4);
    }

    #[test]
    fn plans_do_not_depend_on_anything_but_sizes() {
        let sizes: Vec<u32> = (0..5000u32).map(|i| (i * 2654435761u32) % 3000).collect();
        let a = plan_by_size(&sizes, Split::Auto, &LIMITS);
        let b = plan_by_size(&sizes, Split::Auto, &LIMITS);
        assert_eq!(a, b);
    }
}

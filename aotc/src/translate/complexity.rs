//! How hard each function is for LLVM, measured before LLVM sees it, and the
//! optimisation effort that keeps compile time and memory bounded.
//!
//! LLVM's optimisers and its greedy register allocator are fast on the code
//! compilers emit, but several are superlinear on shapes a hostile (or unusual)
//! module can have in one function: thousands of values live at once (the register
//! allocator and instruction scheduler: 20,000 live i64s took 90 s and 8.7 GB at
//! `-O2`), deep nesting and long chains of branches (`SimplifyCFG`: 100,000 nested
//! `if`s took 250 s), a `br_table` with a million targets (`-O1`: 19 s). One linear
//! pass over each body ([`shapes`]) measures these, and [`Shape::effort`] maps them to
//! an [`Effort`] with thresholds set where the measured cost stays small.
//!
//! Invariants:
//! - The scan reads the module without validating it and never fails: an unreadable
//!   module gets no shapes (its compilation fails later, in validation). For a valid
//!   module the operand stack heights are exact (the arity of every operator, the
//!   stack reset after unconditional branches, block results at `end`).
//! - The result depends only on the module's bytes, so plans stay reproducible.
//! - Linear time and memory in the module's size (plus the control depth).

use wasmparser::{
    BlockType, FrameKind, FunctionBody, ModuleArity, Operator, Parser, Payload, RefType, SubType,
    TypeRef,
};

use super::partition::Effort;

/// What one function body looks like to the code generator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Body size in bytes.
    pub bytes: u32,
    /// Parameters plus declared locals.
    pub locals: u32,
    /// Highest operand stack height.
    pub max_stack: u32,
    /// Deepest control nesting (the function body is depth 1).
    pub max_depth: u32,
    /// Sum over every block, loop, if and try of its nesting depth: quadratic in the
    /// depth of a nest, which is how nesting costs the CFG simplifier.
    pub nest_area: u64,
    /// Branch edges: every `br_if`, `if`, and each target of a `br_table`.
    pub branches: u64,
}

/// Values live at once from which the register allocator and scheduler get slow
/// (`-O2`: 5,000 took 5.4 s and 610 MB; 2,000 stay under a second).
pub const LIVE_VALUES_CAPPED: u32 = 2_048;
/// Body size from which a function is compiled alone with capped effort (Yosys'
/// 223 KiB function: 8.2 s at `-O2`, 2.5 s capped).
pub const CAPPED_BYTES: u32 = 128 << 10;
/// Nesting area from which even `-O1` is slow (10,000 nested `if`s, an area of
/// 5·10⁷, take 0.8 s at `-O2`; 20,000 take 3.4 s in `SimplifyCFG` alone).
pub const NEST_AREA_MINIMAL: u64 = 1 << 25;
/// Branch edges from which even `-O1` is slow (a million-target `br_table`: 19 s;
/// 100,000 blocks with a `br_if` each: 35 s).
pub const BRANCHES_MINIMAL: u64 = 1 << 15;
/// Body size from which even `-O1` is slow (about 12 s per MiB on machine-made code).
pub const MINIMAL_BYTES: u32 = 1 << 20;

impl Shape {
    /// The effort this function gets: [`Effort::Minimal`] for shapes on which LLVM's
    /// optimisers are superlinear, [`Effort::Capped`] for big bodies and many live
    /// values, else [`Effort::Full`].
    pub fn effort(&self) -> Effort {
        let live = self.locals.saturating_add(self.max_stack);
        if self.nest_area >= NEST_AREA_MINIMAL
            || self.branches >= BRANCHES_MINIMAL
            || self.bytes >= MINIMAL_BYTES
        {
            Effort::Minimal
        } else if self.bytes >= CAPPED_BYTES || live >= LIVE_VALUES_CAPPED {
            Effort::Capped
        } else {
            Effort::Full
        }
    }
}

/// The shape of every function body of `wasm`, in order; empty when the module
/// cannot be read.
pub fn shapes(wasm: &[u8]) -> Vec<Shape> {
    scan(wasm).unwrap_or_default()
}

fn scan(wasm: &[u8]) -> wasmparser::Result<Vec<Shape>> {
    let mut types = Types::default();
    let mut out = Vec::new();
    let mut defined = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    types.subtypes.extend(group?.into_types());
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import?.ty {
                        TypeRef::Func(t) => types.funcs.push(t),
                        TypeRef::Tag(t) => types.tags.push(t.func_type_idx),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                defined = types.funcs.len();
                for t in reader {
                    types.funcs.push(t?);
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    types.tags.push(tag?.func_type_idx);
                }
            }
            Payload::CodeSectionEntry(body) => {
                let ty = types.funcs.get(defined + out.len()).copied().unwrap_or(0);
                out.push(shape(&types, ty, &body)?);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The module's types, as far as operator arities need them.
#[derive(Default)]
struct Types {
    subtypes: Vec<SubType>,
    /// Type index of every function, imports first.
    funcs: Vec<u32>,
    /// Type index of every tag, imports first.
    tags: Vec<u32>,
}

/// An open block while scanning a body.
struct Frame {
    ty: BlockType,
    kind: FrameKind,
    /// Operand stack height below the block's parameters.
    base: u32,
}

/// [`ModuleArity`] over [`Types`] and the open blocks.
struct Arity<'a> {
    types: &'a Types,
    frames: Vec<Frame>,
}

impl ModuleArity for Arity<'_> {
    fn sub_type_at(&self, type_idx: u32) -> Option<&SubType> {
        self.types.subtypes.get(type_idx as usize)
    }
    fn tag_type_arity(&self, at: u32) -> Option<(u32, u32)> {
        let ty = *self.types.tags.get(at as usize)?;
        self.sub_type_arity(self.sub_type_at(ty)?)
    }
    fn type_index_of_function(&self, function_idx: u32) -> Option<u32> {
        self.types.funcs.get(function_idx as usize).copied()
    }
    fn func_type_of_cont_type(&self, _: &wasmparser::ContType) -> Option<&wasmparser::FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, rt: &RefType) -> Option<&SubType> {
        self.sub_type_at(rt.type_index()?.as_module_index()?)
    }
    fn control_stack_height(&self) -> u32 {
        self.frames.len() as u32
    }
    fn label_block(&self, depth: u32) -> Option<(BlockType, FrameKind)> {
        let i = self.frames.len().checked_sub(1 + depth as usize)?;
        let f = &self.frames[i];
        Some((f.ty, f.kind))
    }
}

fn shape(types: &Types, ty: u32, body: &FunctionBody<'_>) -> wasmparser::Result<Shape> {
    let range = body.range();
    let mut s = Shape {
        bytes: (range.end - range.start) as u32,
        ..Shape::default()
    };
    let mut cx = Arity {
        types,
        frames: Vec::new(),
    };
    let params = cx
        .sub_type_at(ty)
        .and_then(|t| cx.sub_type_arity(t))
        .map_or(0, |(p, _)| p);
    s.locals = params;
    for local in body.get_locals_reader()? {
        s.locals = s.locals.saturating_add(local?.0);
    }
    cx.frames.push(Frame {
        ty: BlockType::FuncType(ty),
        kind: FrameKind::Block,
        base: 0,
    });
    s.max_depth = 1;
    let mut height = 0u32;
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let op = reader.read()?;
        let (pops, pushes) = op.operator_arity(&cx).unwrap_or((0, 0));
        let floor = cx.frames.last().map_or(0, |f| f.base);
        let popped = height.saturating_sub(pops).max(floor);
        let block = |cx: &Arity, bt: BlockType| cx.block_type_arity(bt).unwrap_or((0, 0));
        match op {
            Operator::Block { blockty }
            | Operator::Loop { blockty }
            | Operator::If { blockty }
            | Operator::Try { blockty } => {
                let kind = match op {
                    Operator::Loop { .. } => FrameKind::Loop,
                    Operator::If { .. } => FrameKind::If,
                    Operator::Try { .. } => FrameKind::LegacyTry,
                    _ => FrameKind::Block,
                };
                open(&mut cx, &mut s, blockty, kind, popped, &mut height);
                if kind == FrameKind::If {
                    s.branches += 1;
                }
            }
            Operator::TryTable { try_table } => {
                s.branches += try_table.catches.len() as u64;
                open(
                    &mut cx,
                    &mut s,
                    try_table.ty,
                    FrameKind::TryTable,
                    popped,
                    &mut height,
                );
            }
            Operator::Else | Operator::CatchAll => {
                if let Some(f) = cx.frames.last() {
                    height = f.base.saturating_add(block(&cx, f.ty).0);
                }
            }
            Operator::Catch { tag_index } => {
                let params = cx.tag_type_arity(tag_index).map_or(0, |(p, _)| p);
                height = cx
                    .frames
                    .last()
                    .map_or(0, |f| f.base)
                    .saturating_add(params);
            }
            Operator::End | Operator::Delegate { .. } => {
                if let Some(f) = cx.frames.pop() {
                    height = f.base.saturating_add(block(&cx, f.ty).1);
                }
            }
            Operator::BrTable { targets } => {
                s.branches += u64::from(targets.len()) + 1;
                height = floor;
            }
            Operator::BrIf { .. } | Operator::BrOnNull { .. } | Operator::BrOnNonNull { .. } => {
                s.branches += 1;
                height = popped.saturating_add(pushes);
            }
            Operator::Unreachable
            | Operator::Br { .. }
            | Operator::Return
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. } => height = floor,
            _ => height = popped.saturating_add(pushes),
        }
        s.max_stack = s.max_stack.max(height);
    }
    Ok(s)
}

/// Enters a block whose parameters sit on the stack above `base` (the height once
/// the block's operands, and an `if`'s condition, are popped).
fn open(
    cx: &mut Arity<'_>,
    s: &mut Shape,
    ty: BlockType,
    kind: FrameKind,
    base: u32,
    height: &mut u32,
) {
    let params = cx.block_type_arity(ty).map_or(0, |(p, _)| p);
    cx.frames.push(Frame { ty, kind, base });
    let depth = cx.frames.len() as u32;
    s.max_depth = s.max_depth.max(depth);
    s.nest_area += u64::from(depth);
    *height = base.saturating_add(params);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes_of(wat: &str) -> Vec<Shape> {
        shapes(&wat::parse_str(wat).unwrap())
    }

    #[test]
    fn counts_locals_depth_and_stack() {
        let s = shapes_of(
            r#"(module (func (param i32 i64) (result i32) (local i32 i32 f64)
                 (block (loop (if (local.get 0) (then (nop)))))
                 i32.const 1 i32.const 2 i32.const 3 i32.add i32.add))"#,
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].locals, 5);
        assert_eq!(s[0].max_depth, 4);
        assert_eq!(s[0].nest_area, 2 + 3 + 4);
        assert_eq!(s[0].max_stack, 3);
        assert_eq!(s[0].branches, 1);
        assert_eq!(s[0].effort(), Effort::Full);
    }

    #[test]
    fn block_results_and_unreachable_code_keep_heights_exact() {
        let s = shapes_of(
            r#"(module (type $t (func (param i32 i32) (result i32)))
                 (func (result i32)
                   i32.const 1 i32.const 2
                   (block (type $t) i32.add)
                   (block (result i32) i32.const 7 br 0 i32.const 8 i32.const 9 i32.add)
                   i32.add))"#,
        );
        // Live code reaches 2; the dead `8 9` after `br` count from the block's base
        // (1), as if reachable: an overestimate, never an underestimate.
        assert_eq!(s[0].max_stack, 3);
    }

    #[test]
    fn calls_use_their_signature() {
        let s = shapes_of(
            r#"(module (func $f (param i32 i32 i32) (result i32) i32.const 0)
                 (func (result i32) i32.const 1 i32.const 2 i32.const 3 call $f))"#,
        );
        assert_eq!(s[1].max_stack, 3);
    }

    #[test]
    fn pathological_shapes_lower_the_effort() {
        let nested = format!(
            "(module (func (param i32) {} {}))",
            "local.get 0 if ".repeat(9000),
            "end ".repeat(9000)
        );
        let s = shapes_of(&nested);
        assert!(s[0].nest_area >= NEST_AREA_MINIMAL, "{:?}", s[0]);
        assert_eq!(s[0].effort(), Effort::Minimal);

        let pushes = format!(
            "(module (func (param i64) (result i64) {} {}))",
            "local.get 0 ".repeat(3000),
            "i64.add ".repeat(2999)
        );
        let s = shapes_of(&pushes);
        assert_eq!(s[0].max_stack, 3000);
        assert_eq!(s[0].effort(), Effort::Capped);

        let targets = "0 ".repeat(40_000);
        let table = format!("(module (func (param i32) (block local.get 0 br_table {targets} 0)))");
        assert_eq!(shapes_of(&table)[0].effort(), Effort::Minimal);
    }

    #[test]
    fn unreadable_modules_have_no_shapes() {
        assert!(shapes(b"\0asm\x01\0\0\0\x0a\x05garbage").is_empty());
        assert!(shapes(b"not wasm").is_empty());
    }
}

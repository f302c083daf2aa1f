//! What an executable runs once the module is instantiated: the body of
//! `aotc_run_start`, for each kind of [`Entry`].
//!
//! - [`Entry::Start`]: a WASI command's `_start`.
//! - [`Entry::Invoke`]: `_initialize` if exported, then one or more exported
//!   functions, one after the other on the same instance, each one's results printed
//!   by the runtime (`aotc_abi::invoke`) before the next is called. When any of them
//!   has parameters, the command line's arguments are those parameters, in order,
//!   parsed as numbers (all of them before `_initialize`); when none has, the
//!   arguments are left alone for the module's `args_get` (as `wasmtime run --invoke`
//!   does); `args_get` sees the whole argv either way.
//! - [`Entry::InvokeMain`]: `_initialize` if exported, then an exported
//!   `(i32, i32) -> i32` function called like C's `main(argc, argv)`: the arguments are
//!   copied into guest memory allocated with the module's exported `malloc`, laid out by
//!   the runtime's own `args_sizes_get`/`args_get` (so exactly as WASI `args_get` lays
//!   them out), `argv[argc]` is 0; its result is the exit status (`proc_exit`).
//!
//! Invariants: [`resolve`] is the one place that decides whether a module and an entry
//! fit together, and it runs before any function body is translated, so every mistake
//! is one clear error line early. Wasm functions are called without being inlined into
//! the entry (a trap must be attributed to a wasm function), and `--invoke` arguments
//! are checked before `_initialize` runs, so a usage error has no side effects.

use anyhow::{bail, Result};
use inkwell::builder::Builder;
use inkwell::module::Linkage;
use inkwell::types::FunctionType;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValueEnum, CallSiteValue, FunctionValue, IntValue, PointerValue,
};
use inkwell::{AddressSpace, IntPredicate};
use wasmparser::{ExternalKind, ValType};

use super::abi_types::field;
use super::module_cx::{enum_attr, llvm_type, ModuleCx};
use super::module_info::{ModuleInfo, Signature};
use aotc_abi::invoke::{sym_invoke, InvokeType, MainFailure, SLOT_BYTES};
use aotc_abi::sym;

/// The function an executable calls after instantiating the module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Entry {
    /// A WASI command: `_start`.
    #[default]
    Start,
    /// `--invoke NAME` (repeatable, never empty): `_initialize` (if exported), then
    /// each `NAME` in order with its arguments from the command line (or, when none
    /// has parameters, the arguments as the module's WASI argv); results printed one
    /// per line.
    Invoke(Vec<String>),
    /// `--invoke-main NAME`: `_initialize` (if exported), then `NAME(argc, argv)`;
    /// its result is the exit status.
    InvokeMain(String),
}

impl Entry {
    /// How `aotc inspect` shows the entry (the `entry` build fact).
    pub fn describe(&self) -> String {
        match self {
            Entry::Start => "_start".to_string(),
            Entry::Invoke(names) => names
                .iter()
                .map(|name| format!("--invoke {}", show(name)))
                .collect::<Vec<_>>()
                .join(" "),
            Entry::InvokeMain(name) => format!("--invoke-main {}", show(name)),
        }
    }
}

/// The functions an entry calls, as function indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// `_initialize`, when exported and not itself an invoked function.
    pub initialize: Option<u32>,
    /// `_start` or the (first) invoked function.
    pub target: u32,
    /// The functions of later `--invoke`s, in order.
    pub then: Vec<u32>,
    /// The exported `malloc` (`--invoke-main` only).
    pub malloc: Option<u32>,
}

/// An export name for a message: as is when plain, else quoted with escapes.
fn show(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic() && c != '`') {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

fn describe(sig: &Signature) -> String {
    let list = |ts: &[ValType]| ts.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    format!(
        "({}) -> ({})",
        list(&sig.params).join(", "),
        list(&sig.results).join(", ")
    )
}

/// The module's function exports, in export order.
fn function_exports<'i>(info: &'i ModuleInfo) -> Vec<&'i str> {
    info.exports
        .iter()
        .filter(|e| e.kind == ExternalKind::Func)
        .map(|e| e.name.as_str())
        .collect()
}

/// `a, b, c` — at most `max` names, then how many more.
fn name_list(names: &[&str], max: usize) -> String {
    let mut shown: Vec<String> = names.iter().take(max).map(|n| show(n)).collect();
    if names.len() > max {
        shown.push(format!("and {} more", names.len() - max));
    }
    shown.join(", ")
}

fn kind_word(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

/// The exported function `name`, or an error listing the function exports.
fn find_function(info: &ModuleInfo, flag: &str, name: &str) -> Result<u32> {
    if let Some(&index) = info.func_exports.get(name) {
        return Ok(index);
    }
    let exports = function_exports(info);
    let listed = if exports.is_empty() {
        "it exports no functions".to_string()
    } else {
        format!(
            "its function exports are: {}",
            name_list(&exports, MAX_LISTED)
        )
    };
    match info.exports.iter().find(|e| e.name == name) {
        Some(e) => bail!(
            "{flag} {}: the module's export `{}` is a {}, not a function; {listed}",
            show(name),
            show(name),
            kind_word(e.kind)
        ),
        None => bail!(
            "{flag} {}: the module exports no function `{}`; {listed}",
            show(name),
            show(name)
        ),
    }
}

/// How many export names an error lists.
const MAX_LISTED: usize = 12;

/// `_initialize`, checked, unless it is one of `targets` itself.
fn initializer(info: &ModuleInfo, targets: &[u32]) -> Result<Option<u32>> {
    let Some(&init) = info.func_exports.get("_initialize") else {
        return Ok(None);
    };
    let sig = info.signature_of_func(init);
    if !sig.params.is_empty() || !sig.results.is_empty() {
        bail!(
            "the module's `_initialize` export must take no parameters and return nothing, \
             but its type is {}",
            describe(sig)
        );
    }
    Ok((!targets.contains(&init)).then_some(init))
}

/// Checks that a command module has what `entry` calls (`_start`, or an export of a
/// suitable type, `malloc` for `--invoke-main`). Errors are one line that says what
/// the module offers instead.
pub fn check_entry(info: &ModuleInfo, entry: &Entry) -> Result<()> {
    resolve(info, entry).map(drop)
}

/// Checks that `entry` fits the module and finds the functions it calls.
pub(crate) fn resolve(info: &ModuleInfo, entry: &Entry) -> Result<Resolved> {
    match entry {
        Entry::Start => {
            let Some(&start) = info.func_exports.get("_start") else {
                bail!("{}", no_start_message(info));
            };
            let sig = info.signature_of_func(start);
            if !sig.params.is_empty() || !sig.results.is_empty() {
                bail!("the module's `_start` export must take no parameters and return nothing");
            }
            Ok(Resolved {
                initialize: None,
                target: start,
                then: Vec::new(),
                malloc: None,
            })
        }
        Entry::Invoke(names) => {
            let mut targets = Vec::with_capacity(names.len());
            for name in names {
                targets.push(invoke_target(info, name)?);
            }
            let Some((&target, then)) = targets.split_first() else {
                bail!("internal compiler error: --invoke without a function name");
            };
            Ok(Resolved {
                initialize: initializer(info, &targets)?,
                target,
                then: then.to_vec(),
                malloc: None,
            })
        }
        Entry::InvokeMain(name) => {
            let target = find_function(info, "--invoke-main", name)?;
            let sig = info.signature_of_func(target);
            let main_like = Signature {
                params: vec![ValType::I32, ValType::I32],
                results: vec![ValType::I32],
            };
            if *sig != main_like {
                bail!(
                    "--invoke-main {}: the function has type {}, but it must be \
                     (i32, i32) -> (i32), called like C's main(argc, argv) (use --invoke \
                     for other functions)",
                    show(name),
                    describe(sig)
                );
            }
            let malloc_like = Signature {
                params: vec![ValType::I32],
                results: vec![ValType::I32],
            };
            let malloc = match info.func_exports.get("malloc") {
                Some(&m) if *info.signature_of_func(m) == malloc_like => m,
                Some(&m) => bail!(
                    "--invoke-main {}: the module's `malloc` export has type {}, not \
                     (i32) -> (i32), so the arguments cannot be placed in its memory",
                    show(name),
                    describe(info.signature_of_func(m))
                ),
                None => bail!(
                    "--invoke-main {}: the module exports no `malloc` function \
                     ((i32) -> (i32)) to place the arguments in its memory (use --invoke \
                     to call a function with arguments given as numbers)",
                    show(name)
                ),
            };
            if info.memories.is_empty() {
                bail!(
                    "--invoke-main {}: the module has no linear memory to pass the \
                     arguments in",
                    show(name)
                );
            }
            if info.memories[0].memory64 {
                // The argument block is written through u32 offsets the guard region
                // of a 32-bit memory covers; a 64-bit memory has no such guard.
                bail!(
                    "--invoke-main {}: memory 0 is a 64-bit memory (memory64); the                      arguments can only be passed in a 32-bit one",
                    show(name)
                );
            }
            Ok(Resolved {
                initialize: initializer(info, &[target])?,
                target,
                then: Vec::new(),
                malloc: Some(malloc),
            })
        }
    }
}

/// The exported function an `--invoke NAME` calls, checked: values of every
/// parameter and result type must have a text form.
fn invoke_target(info: &ModuleInfo, name: &str) -> Result<u32> {
    let target = find_function(info, "--invoke", name)?;
    let sig = info.signature_of_func(target);
    for (what, types) in [("parameter", &sig.params), ("result", &sig.results)] {
        if let Some((i, t)) = types
            .iter()
            .enumerate()
            .find(|(_, t)| invoke_type(**t).is_none())
        {
            bail!(
                "--invoke {}: {what} {} has type {t} (the function's type is {}); \
                 --invoke passes and prints only i32, i64, f32, f64 and v128 values",
                show(name),
                i + 1,
                describe(sig)
            );
        }
    }
    Ok(target)
}

/// The error for a module without `_start` compiled without `--invoke*`.
fn no_start_message(info: &ModuleInfo) -> String {
    let exports = function_exports(info);
    if exports.is_empty() {
        return "the module exports no `_start` function, so it is not a WASI command, and \
                no other function either: there is nothing to run"
            .to_string();
    }
    let use_flags = "choose the function the executable calls with --invoke NAME (or \
                     --invoke-main NAME for a C-style main(argc, argv))";
    if info.func_exports.contains_key("_initialize") {
        let others: Vec<&str> = exports
            .iter()
            .copied()
            .filter(|n| *n != "_initialize")
            .collect();
        format!(
            "the module exports no `_start` function: it is a WASI reactor (a library), \
             not a command; it exports `_initialize` and {} other function{}: {}; {use_flags}",
            others.len(),
            if others.len() == 1 { "" } else { "s" },
            name_list(&others, MAX_LISTED)
        )
    } else {
        format!(
            "the module exports no `_start` function, so it is not a WASI command; it \
             exports {} function{}: {}; {use_flags}",
            exports.len(),
            if exports.len() == 1 { "" } else { "s" },
            name_list(&exports, MAX_LISTED)
        )
    }
}

fn invoke_type(t: ValType) -> Option<InvokeType> {
    match t {
        ValType::I32 => Some(InvokeType::I32),
        ValType::I64 => Some(InvokeType::I64),
        ValType::F32 => Some(InvokeType::F32),
        ValType::F64 => Some(InvokeType::F64),
        ValType::V128 => Some(InvokeType::V128),
        ValType::Ref(_) => None,
    }
}

/// Defines the body of `aotc_run_start` (`f`, taking the context pointer) for `entry`.
pub(crate) fn emit_run_start<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    f: FunctionValue<'ctx>,
    entry: &Entry,
) -> Result<()> {
    let resolved = resolve(cx.info, entry)?;
    // Unwind tables, so a trap's backtrace walks through the entry instead of
    // stopping at it (and repeating the last wasm frame).
    f.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(cx.llcx, "uwtable", 2),
    );
    let b = cx.llcx.create_builder();
    b.position_at_end(cx.llcx.append_basic_block(f, "entry"));
    match entry {
        Entry::Start => {
            call_wasm(cx, &b, resolved.target, &[])?;
            b.build_return(None)?;
        }
        Entry::Invoke(names) => emit_invoke(cx, &b, names, &resolved)?,
        Entry::InvokeMain(name) => emit_invoke_main(cx, &b, f, name, &resolved)?,
    }
    Ok(())
}

/// The LLVM function of wasm function `index`.
fn wasm_function<'ctx>(cx: &ModuleCx<'_, 'ctx>, index: u32) -> Result<FunctionValue<'ctx>> {
    cx.function(index)
}

/// Calls wasm function `index` without letting LLVM inline it into the entry: the
/// entry is not a wasm function, so a trap inside inlined code could not be attributed.
pub(super) fn call_wasm<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &Builder<'ctx>,
    index: u32,
    args: &[BasicMetadataValueEnum<'ctx>],
) -> Result<CallSiteValue<'ctx>> {
    let f = wasm_function(cx, index)?;
    let call = b.build_call(f, args, "")?;
    call.set_call_convention(f.get_call_conventions());
    call.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(cx.llcx, "noinline", 0),
    );
    Ok(call)
}

/// The runtime function `name` of type `ty`, declared once (a WASI function the
/// module imports is declared already, with the same type).
pub(super) fn runtime_function<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    name: &str,
    ty: FunctionType<'ctx>,
    noreturn: bool,
) -> FunctionValue<'ctx> {
    if let Some(f) = cx.module.get_function(name) {
        return f;
    }
    let f = cx.module.add_function(name, ty, Some(Linkage::External));
    f.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(cx.llcx, "nounwind", 0),
    );
    if noreturn {
        f.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            enum_attr(cx.llcx, "noreturn", 0),
        );
    }
    f
}

/// A private NUL-terminated string constant.
fn c_string<'ctx>(cx: &ModuleCx<'_, 'ctx>, s: &str) -> PointerValue<'ctx> {
    let bytes = cx.llcx.const_string(s.as_bytes(), true);
    let g = cx.private_constant("aotc.entry_name", &bytes);
    g.set_unnamed_addr(true);
    g.as_pointer_value()
}

/// A private constant with one `InvokeType` code per value type.
fn type_codes<'ctx>(cx: &ModuleCx<'_, 'ctx>, types: &[ValType]) -> Result<PointerValue<'ctx>> {
    let i8t = cx.llcx.i8_type();
    let codes = types
        .iter()
        .map(|&t| match invoke_type(t) {
            Some(code) => Ok(i8t.const_int(code as u64, false)),
            None => bail!("internal compiler error: --invoke type {t} passed the checks"),
        })
        .collect::<Result<Vec<_>>>()?;
    let g = cx.private_constant("aotc.invoke_types", &i8t.const_array(&codes));
    g.set_unnamed_addr(true);
    Ok(g.as_pointer_value())
}

/// `--invoke` of `names` (resolved to `resolved.target` then `resolved.then`): all
/// arguments parsed first, in one runtime call over every parameter in order (its
/// messages name the functions joined by ` + `), then `_initialize`, then each
/// function, its results printed before the next is called. Parameters take slots
/// `0..params`, results are stored after them, so no later function's arguments are
/// overwritten.
fn emit_invoke<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &Builder<'ctx>,
    names: &[String],
    resolved: &Resolved,
) -> Result<()> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i32t = llcx.i32_type();
    let i64t = llcx.i64_type();
    let targets: Vec<u32> = std::iter::once(resolved.target)
        .chain(resolved.then.iter().copied())
        .collect();
    let sigs: Vec<Signature> = targets
        .iter()
        .map(|&t| cx.info.signature_of_func(t).clone())
        .collect();
    let params: Vec<ValType> = sigs.iter().flat_map(|s| s.params.clone()).collect();
    let most_results = sigs.iter().map(|s| s.results.len()).max().unwrap_or(0);
    let count = (params.len() + most_results).max(1);
    let slots_ty = llcx.i8_type().array_type((count * SLOT_BYTES) as u32);
    let slots = b.build_alloca(slots_ty, "slots")?;
    slots
        .as_instruction()
        .expect("alloca is an instruction")
        .set_alignment(SLOT_BYTES as u32)
        .map_err(anyhow::Error::msg)?;
    let slot = |i: usize| -> Result<PointerValue<'ctx>> {
        // SAFETY (of the generated code): i < count, inside the alloca.
        Ok(unsafe {
            b.build_in_bounds_gep(
                llcx.i8_type(),
                slots,
                &[i64t.const_int((i * SLOT_BYTES) as u64, false)],
                "slot",
            )?
        })
    };

    // Arguments first: a usage error must come before `_initialize` has any effect.
    // Without parameters nothing is parsed or counted: the arguments are the module's
    // argv, for its `args_get`.
    if !params.is_empty() {
        let args_fn = runtime_function(
            cx,
            sym_invoke::ARGS,
            llcx.void_type()
                .fn_type(&[ptr.into(), ptr.into(), i32t.into(), ptr.into()], false),
            false,
        );
        let label = names.join(" + ");
        b.build_call(
            args_fn,
            &[
                c_string(cx, &label).into(),
                type_codes(cx, &params)?.into(),
                i32t.const_int(params.len() as u64, false).into(),
                slots.into(),
            ],
            "",
        )?;
    }
    if let Some(init) = resolved.initialize {
        call_wasm(cx, b, init, &[])?;
    }
    let mut next_param = 0;
    for (&target, sig) in targets.iter().zip(&sigs) {
        let mut args: Vec<BasicMetadataValueEnum> = Vec::with_capacity(sig.params.len());
        for &t in &sig.params {
            let v = b.build_load(llvm_type(llcx, t)?, slot(next_param)?, "arg")?;
            args.push(v.into());
            next_param += 1;
        }
        let call = call_wasm(cx, b, target, &args)?;
        emit_print_results(cx, b, call, &sig.results, |i| slot(params.len() + i))?;
    }
    b.build_return(None)?;
    Ok(())
}

/// Stores the results of `call` (of types `types`) into `slot(0..)` and has the
/// runtime print them, one per line.
fn emit_print_results<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &Builder<'ctx>,
    call: CallSiteValue<'ctx>,
    types: &[ValType],
    slot: impl Fn(usize) -> Result<PointerValue<'ctx>>,
) -> Result<()> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i32t = llcx.i32_type();
    let results: Vec<BasicValueEnum> = match types.len() {
        0 => return Ok(()),
        1 => vec![call
            .try_as_basic_value()
            .basic()
            .expect("a function with one result returns a value")],
        n => {
            let agg = call
                .try_as_basic_value()
                .basic()
                .expect("a function with results returns a value")
                .into_struct_value();
            (0..n)
                .map(|i| b.build_extract_value(agg, i as u32, "").map_err(Into::into))
                .collect::<Result<Vec<_>>>()?
        }
    };
    for (i, v) in results.iter().enumerate() {
        b.build_store(slot(i)?, *v)?;
    }
    let results_fn = runtime_function(
        cx,
        sym_invoke::RESULTS,
        llcx.void_type()
            .fn_type(&[ptr.into(), i32t.into(), ptr.into()], false),
        false,
    );
    b.build_call(
        results_fn,
        &[
            type_codes(cx, types)?.into(),
            i32t.const_int(types.len() as u64, false).into(),
            slot(0)?.into(),
        ],
        "",
    )?;
    Ok(())
}

fn emit_invoke_main<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &Builder<'ctx>,
    f: FunctionValue<'ctx>,
    name: &str,
    resolved: &Resolved,
) -> Result<()> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i32t = llcx.i32_type();
    let i64t = llcx.i64_type();
    let vmctx = cx.vmctx.as_pointer_value();
    let malloc = resolved
        .malloc
        .expect("resolve finds malloc for --invoke-main");
    let wasi = |wasi_name: &str, noreturn: bool| {
        let params = [ptr.into(), i32t.into(), i32t.into()];
        let ty = if noreturn {
            llcx.void_type().fn_type(&params[..2], false)
        } else {
            i32t.fn_type(&params, false)
        };
        runtime_function(
            cx,
            &format!("{}{wasi_name}", sym::WASI_PREFIX),
            ty,
            noreturn,
        )
    };
    let failed = runtime_function(
        cx,
        sym_invoke::MAIN_FAILED,
        llcx.void_type()
            .fn_type(&[ptr.into(), i32t.into(), i32t.into()], false),
        true,
    );
    let name_ptr = c_string(cx, name);
    // Ends the process through the runtime unless `ok`.
    let fail_unless = |ok: IntValue<'ctx>, failure: MainFailure, detail: IntValue<'ctx>| {
        let bad = llcx.append_basic_block(f, "args_failed");
        let good = llcx.append_basic_block(f, "args_ok");
        b.build_conditional_branch(ok, good, bad)?;
        b.position_at_end(bad);
        b.build_call(
            failed,
            &[
                name_ptr.into(),
                i32t.const_int(failure as u64, false).into(),
                detail.into(),
            ],
            "",
        )?;
        b.build_unreachable()?;
        b.position_at_end(good);
        anyhow::Ok(())
    };
    let alloc = |size: IntValue<'ctx>| -> Result<IntValue<'ctx>> {
        let p = call_wasm(cx, b, malloc, &[size.into()])?
            .try_as_basic_value()
            .basic()
            .expect("malloc returns a value")
            .into_int_value();
        let ok = b.build_int_compare(IntPredicate::NE, p, i32t.const_zero(), "")?;
        fail_unless(ok, MainFailure::Malloc, size)?;
        Ok(p)
    };
    let wasi_call = |wasi_name: &str, a: IntValue<'ctx>, c: IntValue<'ctx>| -> Result<()> {
        let errno = b
            .build_call(
                wasi(wasi_name, false),
                &[vmctx.into(), a.into(), c.into()],
                "",
            )?
            .try_as_basic_value()
            .basic()
            .expect("WASI functions return an errno")
            .into_int_value();
        let ok = b.build_int_compare(IntPredicate::EQ, errno, i32t.const_zero(), "")?;
        fail_unless(ok, MainFailure::Args, errno)
    };
    let four = i32t.const_int(4, false);

    if let Some(init) = resolved.initialize {
        call_wasm(cx, b, init, &[])?;
    }
    // The memory's base never moves (reserved up front); guest addresses are u32.
    let base_ptr = b.build_struct_gep(cx.abi.vmctx_header, vmctx, field::VMCTX_MEMORY_BASE, "")?;
    let base = b.build_load(ptr, base_ptr, "base")?.into_pointer_value();
    let host = |guest: IntValue<'ctx>| -> Result<PointerValue<'ctx>> {
        let offset = b.build_int_z_extend(guest, i64t, "")?;
        // SAFETY (of the generated code): a u32 offset stays inside the memory's
        // reservation; beyond its size it faults into an out-of-bounds trap.
        Ok(unsafe { b.build_gep(llcx.i8_type(), base, &[offset], "")? })
    };

    // Two u32s for the sizes, then the pointer array (argc + 1 entries, the last 0)
    // and the strings, filled by the runtime's own args functions.
    let sizes = alloc(i32t.const_int(8, false))?;
    let size_at = b.build_int_add(sizes, four, "")?;
    wasi_call("args_sizes_get", sizes, size_at)?;
    let argc = b.build_load(i32t, host(sizes)?, "argc")?.into_int_value();
    let buf_size = b
        .build_load(i32t, host(size_at)?, "buf_size")?
        .into_int_value();
    let slots = b.build_int_add(argc, i32t.const_int(1, false), "")?;
    let argv = alloc(b.build_int_mul(slots, four, "")?)?;
    // malloc(0) may return 0 legitimately: ask for at least one byte.
    let one = i32t.const_int(1, false);
    let empty = b.build_int_compare(IntPredicate::EQ, buf_size, i32t.const_zero(), "")?;
    let buf_request = b.build_select(empty, one, buf_size, "")?.into_int_value();
    let buf = alloc(buf_request)?;
    wasi_call("args_get", argv, buf)?;
    let last = b.build_int_add(argv, b.build_int_mul(argc, four, "")?, "")?;
    b.build_store(host(last)?, i32t.const_zero())?;

    let status = call_wasm(cx, b, resolved.target, &[argc.into(), argv.into()])?
        .try_as_basic_value()
        .basic()
        .expect("main returns a value")
        .into_int_value();
    b.build_call(wasi("proc_exit", true), &[vmctx.into(), status.into()], "")?;
    b.build_unreachable()?;
    Ok(())
}

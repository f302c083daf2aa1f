//! The part of the runtime that generated code needs in every setting (sandbox-critical:
//! linear memory reservations and table bounds): the `aotc_rt_memory_*` and
//! `aotc_rt_table_*` functions, wasm exceptions as native ones (`exn`: allocation,
//! raising, the personality routine), the wait queue of `memory.atomic.wait/notify`
//! (`wait`) and the small syscall helpers they use.
//!
//! wasi-rt links it into every executable; aotc's in-process JIT (and with it the spec
//! harness) links the same code, so there is one implementation of memory and table
//! semantics. `no_std`, no allocation beyond libc's.
#![no_std]

pub mod exn;
pub mod memory;
pub mod sys;
pub mod table;
pub mod wait;

//! Trap codes and the spec's messages for them, listed once.
//!
//! Generated code passes a code to the runtime's trap function; the runtime prints
//! `wasm trap: <message>`. The spec test harness matches the same messages.

macro_rules! traps {
    ($( $(#[$doc:meta])* $name:ident = $code:literal => $msg:literal, )*) => {
        /// Why a wasm program trapped.
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum TrapCode {
            $( $(#[$doc])* $name = $code, )*
        }

        impl TrapCode {
            /// Every trap code, in code order.
            pub const ALL: &'static [TrapCode] = &[$(TrapCode::$name),*];

            /// The message the WebAssembly spec (and its test suite) uses.
            pub const fn message(self) -> &'static str {
                match self { $( TrapCode::$name => $msg, )* }
            }

            /// The code for a raw value, if it is one.
            pub const fn from_u32(v: u32) -> Option<TrapCode> {
                match v { $( $code => Some(TrapCode::$name), )* _ => None }
            }
        }
    };
}

traps! {
    /// `unreachable` executed.
    Unreachable = 1 => "unreachable",
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 2 => "integer divide by zero",
    /// Signed division overflow, or float-to-int truncation out of range.
    IntegerOverflow = 3 => "integer overflow",
    /// Float-to-int truncation of a NaN.
    BadConversionToInteger = 4 => "invalid conversion to integer",
    /// Load, store or bulk memory operation outside the memory.
    OutOfBoundsMemory = 5 => "out of bounds memory access",
    /// Table access outside the table.
    OutOfBoundsTable = 6 => "out of bounds table access",
    /// `call_indirect` index outside the table.
    UndefinedElement = 7 => "undefined element",
    /// `call_indirect` through a null entry.
    UninitializedElement = 8 => "uninitialized element",
    /// `call_indirect` signature check failed.
    IndirectCallTypeMismatch = 9 => "indirect call type mismatch",
    /// The wasm call stack overflowed.
    StackExhausted = 10 => "call stack exhausted",
    /// `throw_ref` of a null exception reference.
    NullExnRef = 11 => "null exception reference",
    /// A wasm exception no handler caught (the JIT's report of it; executables print
    /// the tag and the function instead).
    UncaughtException = 12 => "uncaught exception",
    /// An atomic access whose effective address is not a multiple of its size.
    UnalignedAtomic = 13 => "unaligned atomic",
    /// `memory.atomic.wait32/64` on a memory that is not shared.
    ExpectedSharedMemory = 14 => "expected shared memory",
    /// `call_ref` or `return_call_ref` of a null function reference.
    NullFunctionReference = 15 => "null function reference",
    /// `ref.as_non_null` of a null reference.
    NullReference = 16 => "null reference",
}

/// Exit status of a process that trapped (as Wasmtime and WasmEdge do).
pub const TRAP_EXIT_STATUS: i32 = 134;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for &t in TrapCode::ALL {
            assert_eq!(TrapCode::from_u32(t as u32), Some(t));
            assert!(!t.message().is_empty());
        }
        assert_eq!(TrapCode::from_u32(0), None);
    }
}

//! aotc command.
fn main() {}

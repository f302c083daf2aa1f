// Ways a Rust program ends, chosen by argv[1]: "ok" (return from main), "exit N"
// (std::process::exit), "panic" (panic=abort on wasm32-wasi: the message goes to stderr
// and the module traps), "abort" (std::process::abort), "err" (main returns Err, status
// 1), "partial" (unflushed partial line, then exit 3). Each prints something first so the
// output before the end is compared too.

use std::io::Write;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("ok");
    println!("mode: {}", mode);
    eprintln!("on stderr before ending");
    match mode {
        "ok" => Ok(()),
        "exit" => {
            let n: i32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
            std::process::exit(n)
        }
        "panic" => panic!("deliberate panic with {}", 42),
        "abort" => std::process::abort(),
        "err" => Err("main returned an error".to_string()),
        "partial" => {
            print!("no newline yet");
            let _ = std::io::stderr().write_all(b"partial stderr");
            std::process::exit(3)
        }
        other => {
            eprintln!("unknown mode {:?}", other);
            std::process::exit(2)
        }
    }
}

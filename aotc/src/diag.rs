//! Diagnostics of the `aotc` command: one error type, [`Diag`], carrying a one-line
//! message and at most one line of help.
//!
//! Invariant: whatever goes in comes out as single lines. Messages from elsewhere
//! (the translator, the linker, LLVM, the `wat` crate) may span several lines, so
//! [`one_line`] folds them before they are stored; `main` prints
//! `aotc: error: <message>` and, when present, `help: <help>`, and nothing else.

use std::fmt;

/// A user-facing error: what went wrong, and optionally what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    message: String,
    help: Option<String>,
}

/// Result type of the driver modules.
pub type Result<T, E = Diag> = std::result::Result<T, E>;

impl Diag {
    /// An error with `message` (folded to one line).
    pub fn new(message: impl fmt::Display) -> Diag {
        Diag {
            message: one_line(&message.to_string()),
            help: None,
        }
    }

    /// Adds (or replaces) the help line.
    pub fn with_help(mut self, help: impl fmt::Display) -> Diag {
        self.help = Some(one_line(&help.to_string()));
        self
    }

    /// Prefixes the message with `context: `.
    pub fn context(mut self, context: impl fmt::Display) -> Diag {
        self.message = format!("{}: {}", one_line(&context.to_string()), self.message);
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Converts an error from a library (anyhow chain included) into one line.
    pub fn from_anyhow(err: &anyhow::Error) -> Diag {
        Diag::new(format!("{err:#}"))
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

/// Returns an `Err(Diag)` from the current function.
#[macro_export]
#[doc(hidden)]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::diag::Diag::new(format!($($arg)*)))
    };
}

/// Folds text onto one line: line breaks become `; `, other control characters are
/// escaped, runs of blanks shrink to one space. Nothing is cut (see [`shorten`]).
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str("; ");
        }
        let mut last_blank = false;
        for c in line.chars() {
            if c == ' ' || c == '\t' {
                if !last_blank {
                    out.push(' ');
                }
                last_blank = true;
                continue;
            }
            last_blank = false;
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// Cuts `text` to at most `max` characters, marking the cut with ` …`. For output of
/// other programs (a linker can print pages); never for aotc's own messages, which
/// must stay complete (a list of unknown imports, for one).
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str(" …");
    out
}

/// Quotes a user-supplied value for a message: `` `value` ``, with control characters
/// escaped so hostile or binary input cannot garble the terminal.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('`');
    for c in value.chars() {
        if c.is_control() {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    s.push('`');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_lines_and_blanks() {
        assert_eq!(one_line("a\n\n  b\tc   d\n"), "a; b c d");
        assert_eq!(one_line("x\u{1b}[31my"), "x\\u{1b}[31my");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn shortens_only_when_asked() {
        let long = "x".repeat(1000);
        assert_eq!(one_line(&long), long);
        let short = shorten(&long, 400);
        assert_eq!(short.chars().count(), 402);
        assert!(short.ends_with(" …"));
        assert_eq!(shorten("abc", 3), "abc");
    }
    #[test]
    fn quote_escapes_controls() {
        assert_eq!(quote("a\nb"), "`a\\nb`");
        assert_eq!(quote("\0"), "`\\u{0}`");
    }

    #[test]
    fn diag_keeps_one_line() {
        let d = Diag::new("first\nsecond").with_help("try\nthis");
        assert_eq!(d.message(), "first; second");
        assert_eq!(d.help(), Some("try; this"));
        assert_eq!(d.context("ctx").message(), "ctx: first; second");
    }
}

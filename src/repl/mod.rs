//! The consumer REPL: command parsing, completion and message rendering.

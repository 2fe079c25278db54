//! JSON text that is safe on a terminal and still means the same value.
//!
//! serde_json escapes the C0 controls inside strings but writes DEL and the
//! C1 controls (U+0080–U+009F, U+009B CSI among them) as they are, and a
//! record passed through as received may hold any of them. These helpers
//! write them as `\u007f`, `\u009b`: the same JSON value, nothing a terminal
//! obeys.

use std::io::{self, Write};

use serde_json::ser::Formatter;

/// Writes `json` with every control byte gone, keeping its JSON value.
///
/// In valid JSON, C0 control bytes only occur as whitespace between tokens
/// (a raw control inside a string is invalid), so they become spaces, which
/// also keeps the text on one line; DEL and C1 only occur inside strings, so
/// they become `\u` escapes. Text that is not valid JSON comes out just as
/// free of controls.
pub fn write_terminal_safe<W: Write + ?Sized>(out: &mut W, json: &str) -> io::Result<()> {
    let bytes = json.as_bytes();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(found) = next_suspect(bytes, at) {
        at = found;
        let byte = bytes[at];
        let (replacement, width): (&[u8], usize) = match byte {
            0x00..=0x1f => (b" ", 1),
            0x7f => (b"\\u007f", 1),
            // U+0080..=U+009F are 0xc2 0x80..=0xc2 0x9f in UTF-8.
            0xc2 if matches!(bytes.get(at + 1), Some(0x80..=0x9f)) => {
                out.write_all(&bytes[plain_from..at])?;
                write!(out, "\\u{:04x}", bytes[at + 1])?;
                at += 2;
                plain_from = at;
                continue;
            }
            // Another character starting with 0xc2 (U+00A0..=U+00BF).
            _ => {
                at += 1;
                continue;
            }
        };
        out.write_all(&bytes[plain_from..at])?;
        out.write_all(replacement)?;
        at += width;
        plain_from = at;
    }
    out.write_all(&bytes[plain_from..])
}

/// A byte that may start something to rewrite: a C0 control, DEL, or 0xc2
/// (the first byte of every C1 control).
fn suspect(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f || byte == 0xc2
}

/// Where the next suspect byte at or after `from` is. Records are almost
/// always free of them, so whole chunks are tested at once with a test that
/// has no branch per byte (the compiler turns it into vector instructions),
/// and only a chunk that holds one is searched byte by byte.
fn next_suspect(bytes: &[u8], from: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(CHUNK);
    let mut offset = from;
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &b| any | suspect(b)) {
            return chunk.iter().position(|&b| suspect(b)).map(|i| offset + i);
        }
        offset += CHUNK;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| suspect(b))
        .map(|i| offset + i)
}

/// Writes a piece of a JSON string that serde_json leaves unescaped, with
/// DEL and the C1 controls escaped as `\u00XX`.
pub fn write_string_fragment<W: Write + ?Sized>(out: &mut W, fragment: &str) -> io::Result<()> {
    let mut plain_from = 0;
    for (at, c) in fragment.char_indices() {
        if matches!(c, '\x7f' | '\u{80}'..='\u{9f}') {
            out.write_all(&fragment.as_bytes()[plain_from..at])?;
            write!(out, "\\u{:04x}", u32::from(c))?;
            plain_from = at + c.len_utf8();
        }
    }
    out.write_all(&fragment.as_bytes()[plain_from..])
}

/// serde_json's compact output (the trait's defaults) with DEL and C1
/// escaped in strings too.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompactSafe;

impl Formatter for CompactSafe {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        write_string_fragment(writer, fragment)
    }
}

/// `value` as compact JSON with no control characters at all.
pub fn write_value<W, T>(out: &mut W, value: &T) -> io::Result<()>
where
    W: Write,
    T: serde::Serialize + ?Sized,
{
    let mut serializer = serde_json::Serializer::with_formatter(out, CompactSafe);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::sanitize::is_control;

    fn safe(json: &str) -> String {
        let mut out = Vec::new();
        write_terminal_safe(&mut out, json).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn controls_become_escapes_or_spaces_and_the_value_stays() {
        let json = "{\"a\":\r\n\t\"x\u{7f}y\u{9b}2J\u{85}\u{a0}é\",\"b\":[1,\n2]}";
        let out = safe(json);
        assert_eq!(
            out,
            "{\"a\":   \"x\\u007fy\\u009b2J\\u0085\u{a0}é\",\"b\":[1, 2]}"
        );
        assert!(!out.chars().any(is_control));
        let before: serde_json::Value = serde_json::from_str(json).unwrap();
        let after: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn every_place_in_and_between_chunks_is_checked() {
        // The byte-at-a-time rewrite the chunked search must agree with.
        fn reference(json: &str) -> String {
            let mut out = String::new();
            for c in json.chars() {
                match c {
                    '\x00'..='\x1f' => out.push(' '),
                    '\x7f' | '\u{80}'..='\u{9f}' => {
                        out.push_str(&format!("\\u{:04x}", u32::from(c)))
                    }
                    c => out.push(c),
                }
            }
            out
        }
        for hostile in ["\n", "\x7f", "\u{9b}", "\u{a0}"] {
            for at in 0..100 {
                let json = format!("{}{hostile}{}", "a".repeat(at), "b".repeat(100 - at));
                assert_eq!(safe(&json), reference(&json), "{hostile:?} at {at}");
            }
        }
    }

    #[test]
    fn ordinary_json_is_copied_byte_for_byte() {
        let json = r#"{"topic":"t","payload":{"s":"température","n":[1,2.5,null]}}"#;
        assert_eq!(safe(json), json);
    }

    #[test]
    fn serialised_strings_escape_every_control() {
        let mut out = Vec::new();
        write_value(&mut out, "\x1b]52;c;AAAA\x07 \u{9b}1049h \u{7f}").unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, r#""\u001b]52;c;AAAA\u0007 \u009b1049h \u007f""#);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "\x1b]52;c;AAAA\x07 \u{9b}1049h \u{7f}");
    }
}

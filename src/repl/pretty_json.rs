//! Payloads as indented JSON for people: serde_json's pretty printer over
//! the parsed value (`preserve_order` keeps the producer's field order),
//! with every control escaped, nesting cut below [`MAX_DEPTH`] levels and
//! the text cut after [`MAX_SHOWN`] bytes, so the work and the output stay
//! linear in the payload's size whatever its shape. Text that serde_json
//! cannot read (nested deeper than its limit of 128, say) is shown as text.
//!
//! `serde_json::to_string_pretty` alone cannot replace the formatter below:
//! it writes DEL and the C1 controls (U+0080–U+009F, CSI among them) raw,
//! as JSON allows, and has no bound on depth or length. The formatter
//! wraps its `PrettyFormatter` to add exactly those three things.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};

use super::sanitize::{self, json::write_string_fragment};

/// Levels of nesting shown; deeper arrays and objects show as `[…]`/`{…}`.
pub const MAX_DEPTH: usize = 64;
/// Bytes of a payload's text shown; the rest is counted in a note.
pub const MAX_SHOWN: usize = 64 * 1024;

/// Appends `json` indented with two spaces per level, followed by a note
/// on a line of its own for anything left out. No trailing newline.
pub fn push_payload(out: &mut String, json: &str) {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => push_value(out, &value),
        Err(e) => {
            sanitize::push_visible_bounded(out, json, MAX_SHOWN);
            let _ = write!(out, "\n(shown as text: not readable as JSON: {e})");
        }
    }
}

fn push_value(out: &mut String, value: &serde_json::Value) {
    let mut text = Capped::new(MAX_SHOWN);
    let mut cut = Cut::default();
    let written = {
        let formatter = Readable::new(&mut cut);
        let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
        value.serialize(&mut serializer)
    };
    if let Err(e) = written {
        // Writing to memory does not fail; say so should it ever.
        let _ = write!(out, "(the payload could not be shown: {e})");
        return;
    }
    let (shown, left_out) = text.finish();
    out.push_str(&shown);
    if left_out > 0 {
        let _ = write!(
            out,
            "…\n(cut after {} KB: {left_out} more bytes not shown)",
            MAX_SHOWN / 1024
        );
    }
    if cut.parts > 0 {
        let _ = write!(
            out,
            "\n({} part(s) nested deeper than {MAX_DEPTH} levels shown as […] or {{…}}: \
             {} bytes not shown)",
            cut.parts, cut.bytes
        );
    }
}

/// What the depth limit left out.
#[derive(Debug, Default, Clone, Copy)]
struct Cut {
    parts: usize,
    bytes: usize,
}

/// serde_json's pretty printer with DEL and C1 escaped in strings and
/// everything below [`MAX_DEPTH`] counted instead of written. The pretty
/// printer still sees every call, so its indentation stays right after a
/// hidden part.
struct Readable<'a> {
    pretty: PrettyFormatter<'static>,
    depth: usize,
    hidden: Counter,
    cut: &'a mut Cut,
}

impl<'a> Readable<'a> {
    fn new(cut: &'a mut Cut) -> Self {
        Self {
            pretty: PrettyFormatter::new(),
            depth: 0,
            hidden: Counter::default(),
            cut,
        }
    }

    fn hiding(&self) -> bool {
        self.depth > MAX_DEPTH
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, marker: &str) -> io::Result<()> {
        self.depth += 1;
        if self.depth == MAX_DEPTH + 1 {
            self.cut.parts += 1;
            writer.write_all(marker.as_bytes())?;
        }
        Ok(())
    }

    fn close(&mut self) {
        if self.depth == MAX_DEPTH + 1 {
            self.cut.bytes += std::mem::take(&mut self.hidden.0);
        }
        self.depth -= 1;
    }
}

/// Forwards a call to the pretty printer, into the counter while hiding.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<W>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()>
        where
            W: ?Sized + Write,
        {
            if self.hiding() {
                self.pretty.$name(&mut self.hidden $(, $arg)*)
            } else {
                self.pretty.$name(writer $(, $arg)*)
            }
        }
    )*};
}

impl Formatter for Readable<'_> {
    forward! {
        write_null();
        write_bool(value: bool);
        write_i8(value: i8);
        write_i16(value: i16);
        write_i32(value: i32);
        write_i64(value: i64);
        write_i128(value: i128);
        write_u8(value: u8);
        write_u16(value: u16);
        write_u32(value: u32);
        write_u64(value: u64);
        write_u128(value: u128);
        write_f32(value: f32);
        write_f64(value: f64);
        write_number_str(value: &str);
        begin_string();
        end_string();
        write_char_escape(char_escape: CharEscape);
        write_byte_array(value: &[u8]);
        begin_array_value(first: bool);
        end_array_value();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
        write_raw_fragment(fragment: &str);
    }

    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        if self.hiding() {
            self.pretty
                .write_string_fragment(&mut self.hidden, fragment)
        } else {
            write_string_fragment(writer, fragment)
        }
    }

    fn begin_array<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        self.open(writer, "[…]")?;
        if self.hiding() {
            self.pretty.begin_array(&mut self.hidden)
        } else {
            self.pretty.begin_array(writer)
        }
    }

    fn end_array<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        let written = if self.hiding() {
            self.pretty.end_array(&mut self.hidden)
        } else {
            self.pretty.end_array(writer)
        };
        self.close();
        written
    }

    fn begin_object<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        self.open(writer, "{…}")?;
        if self.hiding() {
            self.pretty.begin_object(&mut self.hidden)
        } else {
            self.pretty.begin_object(writer)
        }
    }

    fn end_object<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        let written = if self.hiding() {
            self.pretty.end_object(&mut self.hidden)
        } else {
            self.pretty.end_object(writer)
        };
        self.close();
        written
    }
}

/// A writer that only counts.
#[derive(Debug, Default)]
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that keeps the first `limit` bytes and counts the rest.
struct Capped {
    kept: Vec<u8>,
    limit: usize,
    left_out: usize,
}

impl Capped {
    fn new(limit: usize) -> Self {
        Self {
            kept: Vec::new(),
            limit,
            left_out: 0,
        }
    }

    /// The kept text, cut back to a character boundary, and the bytes left out.
    fn finish(self) -> (String, usize) {
        match String::from_utf8(self.kept) {
            Ok(text) => (text, self.left_out),
            Err(e) => {
                // Only the cut can split a character; everything written
                // before it is serde_json's valid UTF-8.
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                let split = bytes.len() - valid;
                bytes.truncate(valid);
                let text = String::from_utf8_lossy(&bytes).into_owned();
                (text, self.left_out + split)
            }
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit - self.kept.len();
        let kept = buf.len().min(room);
        self.kept.extend_from_slice(&buf[..kept]);
        self.left_out += buf.len() - kept;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::sanitize::is_control;

    fn shown(json: &str) -> String {
        let mut out = String::new();
        push_payload(&mut out, json);
        out
    }

    #[test]
    fn indents_and_keeps_field_order() {
        let json = r#"{"z":1,"a":{"list":[1,2],"empty":{},"none":[]},"s":"a,b:{\"c\"}"}"#;
        assert_eq!(
            shown(json),
            r#"{
  "z": 1,
  "a": {
    "list": [
      1,
      2
    ],
    "empty": {},
    "none": []
  },
  "s": "a,b:{\"c\"}"
}"#
        );
        assert_eq!(shown("42"), "42");
    }

    #[test]
    fn strings_and_keys_show_controls_as_escapes() {
        let json = "{\"\\u001b]0;title\\u0007\":\"\\u001b[2J\u{9b}?1049h\u{7f}\u{85}\"}";
        let out = shown(json);
        assert!(!out.chars().any(|c| is_control(c) && c != '\n'), "{out:?}");
        assert!(out.contains(r#""\u001b]0;title\u0007": "\u001b[2J\u009b?1049h\u007f\u0085""#));
    }

    #[test]
    fn nesting_below_the_limit_is_cut_with_a_note() {
        let depth = MAX_DEPTH + 10;
        let json = format!(
            "{}{{\"deep\":true}}{}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let out = shown(&json);
        let (text, note) = out.rsplit_once('\n').unwrap();
        assert!(!text.contains("deep"), "{text}");
        // The part below the limit sits where it belongs, and the brackets
        // around it still pair up and line up.
        let marker = format!("\n{}[…]\n", "  ".repeat(MAX_DEPTH));
        assert!(text.contains(&marker), "{text}");
        assert_eq!(text.matches('[').count(), text.matches(']').count());
        assert!(text.ends_with("\n  ]\n]"), "{text}");
        let expected =
            format!("(1 part(s) nested deeper than {MAX_DEPTH} levels shown as […] or {{…}}: ");
        assert!(note.starts_with(&expected), "{note}");
        assert!(note.ends_with(" bytes not shown)"), "{note}");
    }

    #[test]
    fn nesting_beyond_the_parser_shows_bounded_text() {
        let depth = 20_000;
        let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let out = shown(&json);
        assert!(out.starts_with("[[[["), "{}", &out[..100]);
        assert!(out.contains("(shown as text: not readable as JSON: recursion limit exceeded"));
        assert!(out.len() < 2 * depth + 200);
    }

    #[test]
    fn long_payloads_are_cut_with_a_note() {
        let items: Vec<String> = (0..100_000).map(|i| format!("\"é{i}\"")).collect();
        let json = format!("[{}]", items.join(","));
        let out = shown(&json);
        let (text, note) = out.rsplit_once('\n').unwrap();
        assert!(text.len() <= MAX_SHOWN + "…".len(), "{}", text.len());
        assert!(text.ends_with('…'));
        assert!(note.starts_with("(cut after 64 KB: "), "{note}");
        assert!(note.ends_with(" more bytes not shown)"), "{note}");
    }
}

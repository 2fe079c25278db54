//! Sinks that write `tail`'s messages to a stream (stdout).

use std::io::{self, Write};

use super::render::{self, Style};
use crate::actors::consumer_session::pump::Sink;
use crate::actors::consumer_session::record::Received;

/// One JSON envelope per line. Envelopes already on one line are copied
/// through as they came; the stream is flushed once per batch, before the
/// batch's offsets are stored.
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> Sink for JsonLines<W> {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        for message in batch {
            message.write_json_line(&mut self.out)?;
        }
        self.out.flush()
    }
}

/// Messages as the REPL shows them.
pub struct Readable<W: Write> {
    out: W,
    style: Style,
    text: String,
}

impl<W: Write> Readable<W> {
    pub fn new(out: W, style: Style) -> Self {
        Self {
            out,
            style,
            text: String::new(),
        }
    }
}

impl<W: Write> Sink for Readable<W> {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        for message in batch {
            self.text.clear();
            render::message(&mut self.text, self.style, message.into());
            self.out.write_all(self.text.as_bytes())?;
        }
        self.out.flush()
    }
}

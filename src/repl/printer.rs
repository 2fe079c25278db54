//! The REPL's printer: one thread that writes what the session shows, above
//! the line being typed (rustyline's external printer), or straight to
//! stdout when there is no terminal.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use rustyline::ExternalPrinter;

use super::render::{self, Style};
use crate::actors::consumer::pump::Sink;
use crate::actors::consumer::record::Received;

/// Text waiting to be printed, in chunks; when the terminal falls this far
/// behind, the session waits for it rather than piling up memory.
const QUEUE: usize = 256;
/// Largest text printed in one go; more would make the prompt flicker less
/// but delay the first lines.
const MAX_CHUNK: usize = 256 * 1024;

/// A handle for printing; cheap to clone.
#[derive(Clone)]
pub struct Printer {
    queue: SyncSender<String>,
}

/// A terminal printer that rustyline hands out, boxed so any terminal's works.
pub type TerminalPrinter = Box<dyn ExternalPrinter + Send>;

impl Printer {
    /// Starts the printer thread. It ends when every handle is dropped.
    pub fn spawn(terminal: Option<TerminalPrinter>) -> io::Result<(Printer, JoinHandle<()>)> {
        let (queue, texts) = mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || print_loop(texts, terminal))?;
        Ok((Printer { queue }, thread))
    }

    /// Queues `text` (ending in a newline); fails once the printer is gone.
    pub fn print(&self, text: String) -> io::Result<()> {
        match self.queue.try_send(text) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(text)) => self.queue.send(text).map_err(|_| gone()),
            Err(TrySendError::Disconnected(_)) => Err(gone()),
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the printer has stopped")
}

fn print_loop(texts: Receiver<String>, mut terminal: Option<TerminalPrinter>) {
    while let Ok(mut text) = texts.recv() {
        // Everything already queued goes out in one redraw of the prompt.
        while text.len() < MAX_CHUNK {
            match texts.try_recv() {
                Ok(more) => text.push_str(&more),
                Err(_) => break,
            }
        }
        let printed = match terminal.as_mut() {
            Some(terminal) => terminal.print(text).map_err(io::Error::other),
            None => {
                let mut stdout = io::stdout().lock();
                stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
            }
        };
        if let Err(e) = printed {
            log::error!("printing failed: {e}");
            return;
        }
    }
}

/// Shows the session's messages through the printer, one text per batch.
pub struct PrinterSink {
    pub printer: Printer,
    pub style: Style,
}

impl Sink for PrinterSink {
    fn deliver(&mut self, batch: &[Received<'_>]) -> io::Result<()> {
        let mut text = String::with_capacity(batch.len() * 256);
        for message in batch {
            render::message(&mut text, self.style, message.into());
        }
        self.printer.print(text)
    }

    fn notice(&mut self, text: &str) {
        let _ = self.printer.print(self.style.notice(text));
    }
}

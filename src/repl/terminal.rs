//! The terminal's settings as the shell handed them over.

use nix::sys::termios::{self, SetArg, Termios};

/// Standard input's terminal settings from before line editing began.
///
/// rustyline switches the terminal to raw mode while it reads a line and
/// switches it back when the read returns. A signal that ends the consumer
/// while a read waits never lets it return, and would leave the user's shell
/// without echo or line editing; putting these settings back prevents that.
pub struct SavedTerminal(Option<Termios>);

impl SavedTerminal {
    /// Saves standard input's settings; nothing when it is not a terminal.
    pub fn save() -> Self {
        Self(termios::tcgetattr(std::io::stdin()).ok())
    }

    /// Puts the saved settings back once pending output has been written.
    pub fn restore(&self) {
        if let Some(settings) = &self.0 {
            if let Err(e) = termios::tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, settings) {
                log::warn!("could not restore the terminal's settings: {e}");
            }
        }
    }
}

//! The one logger of the producer tests' process.
//!
//! A process has a single `log` logger, and the producer tests share one
//! process, so none of them may install its own: every daemon started by
//! [`super::start_producer_with`] installs this one. It keeps the
//! `topicgate` lines at info and above, for the tests that count what the
//! daemon says, and prints every line as env_logger would (`RUST_LOG`,
//! shown with `--nocapture`). Tests run side by side, so a test counts only
//! lines that name something of its own: its admin address or topic name.

use std::sync::{Mutex, Once, OnceLock};

use log::{LevelFilter, Log, Metadata, Record};

struct Capture {
    lines: Mutex<Vec<String>>,
    print: env_logger::Logger,
}

impl Capture {
    fn keeps(metadata: &Metadata) -> bool {
        metadata.level() <= log::Level::Info && metadata.target().starts_with("topicgate")
    }
}

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata) -> bool {
        Self::keeps(metadata) || self.print.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if Self::keeps(record.metadata()) {
            self.lines.lock().unwrap().push(record.args().to_string());
        }
        self.print.log(record);
    }

    fn flush(&self) {
        self.print.flush();
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    static INSTALL: Once = Once::new();
    let capture = CAPTURE.get_or_init(|| Capture {
        lines: Mutex::new(Vec::new()),
        print: env_logger::builder().is_test(true).build(),
    });
    INSTALL.call_once(|| {
        log::set_logger(capture).expect("the producer tests install no other logger");
        log::set_max_level(capture.print.filter().max(LevelFilter::Info));
    });
    capture
}

/// Installs the logger (once per process; later calls do nothing).
pub fn install() {
    capture();
}

/// How many kept lines contain every one of `parts`.
pub fn lines_containing(parts: &[&str]) -> usize {
    capture()
        .lines
        .lock()
        .unwrap()
        .iter()
        .filter(|line| parts.iter().all(|part| line.contains(part)))
        .count()
}

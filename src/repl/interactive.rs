//! The interactive REPL: rustyline on its own thread, sending each command
//! to the `ConsumerSession` actor and printing the reply; the session's
//! messages reach the terminal through the printer thread meanwhile.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::mpsc;

use actix::prelude::*;
use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History as _};
use rustyline::{Config, Editor};

use super::command::{self, Command};
use super::complete::{KnownTopics, ReplHelper};
use super::printer::{Printer, PrinterSink, TerminalPrinter};
use super::render::{self, Style};
use super::terminal::SavedTerminal;
use crate::actors::consumer::session::{self as session, ConsumerSession, Reply, SessionSettings};
use crate::config::{ConsumerSettings, file_safe};
use crate::store;

/// Lines of command history kept.
const HISTORY_SIZE: usize = 1000;

/// Runs the REPL until the user exits. Start-up failures (the message store
/// cannot be opened) end it at once with exit code 1.
pub fn run(settings: ConsumerSettings) -> ExitCode {
    let pool = match store::open_at(&settings.store) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("topicgate-consumer: {e}");
            return ExitCode::from(1);
        }
    };
    let style = Style::for_stdout(settings.color);
    let topics = KnownTopics::default();
    let history_file = settings
        .history_file
        .clone()
        .or_else(|| default_history_file(&settings));

    // Before the editor first takes the terminal into raw mode.
    let shell_terminal = SavedTerminal::save();
    // The editor is made on the REPL thread; it hands back its printer
    // (none without a terminal; an error when there is no editor at all)
    // first, and then waits for the session's address.
    let (printer_tx, printer_rx) = mpsc::channel::<Result<Option<TerminalPrinter>, ()>>();
    let (session_tx, session_rx) = mpsc::channel::<(Addr<ConsumerSession>, System)>();
    let repl_settings = settings.clone();
    let repl_topics = topics.clone();
    let repl = std::thread::Builder::new()
        .name("repl".into())
        .spawn(move || {
            let mut editor = match new_editor(repl_topics.clone()) {
                Ok(editor) => editor,
                Err(e) => {
                    eprintln!("topicgate-consumer: cannot start the line editor: {e}");
                    let _ = printer_tx.send(Err(()));
                    return false;
                }
            };
            let terminal = editor
                .create_external_printer()
                .ok()
                .map(|p| Box::new(p) as TerminalPrinter);
            let _ = printer_tx.send(Ok(terminal));
            let Ok((session, system)) = session_rx.recv() else {
                return false;
            };
            let mut repl = Repl {
                editor,
                session,
                style,
                topics: repl_topics,
                user: repl_settings.user.clone(),
                history_file,
            };
            repl.run();
            system.stop();
            true
        });
    let repl = match repl {
        Ok(repl) => repl,
        Err(e) => {
            eprintln!("topicgate-consumer: cannot start the REPL thread: {e}");
            return ExitCode::from(1);
        }
    };
    let Ok(Ok(terminal)) = printer_rx.recv() else {
        return ExitCode::from(1);
    };
    let (printer, printer_thread) = match Printer::spawn(terminal) {
        Ok(printer) => printer,
        Err(e) => {
            eprintln!("topicgate-consumer: cannot start the printer: {e}");
            return ExitCode::from(1);
        }
    };

    let system = System::new();
    system.block_on(async {
        let sink: Rc<RefCell<dyn crate::actors::consumer::pump::Sink>> =
            Rc::new(RefCell::new(PrinterSink { printer, style }));
        let session = ConsumerSession::new(
            SessionSettings {
                user: settings.user.clone(),
                group: settings.group.clone(),
                kafka: settings.kafka.clone(),
                subscription_check_interval: settings.subscription_check_interval,
                validate: settings.validate,
            },
            settings.admin(),
            pool,
            sink,
        )
        .start();
        // SIGTERM (and SIGINT outside line editing) end the session cleanly.
        let on_signal = session.clone();
        let signalled = crate::shutdown::signal();
        actix_rt::spawn(async move {
            signalled.await;
            let _ = on_signal.send(session::Shutdown).await;
            System::current().stop();
        });
        let _ = session_tx.send((session, System::current()));
    });
    let ran = system.run();
    if !repl.is_finished() {
        // A signal stopped the system while the REPL thread waits for a
        // key; the session has committed, so leave without it, giving the
        // shell back its terminal on a line of its own.
        shell_terminal.restore();
        println!();
        return if ran.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let finished = repl.join().unwrap_or(false);
    // The printer ends once the session (its last handle) is gone.
    let _ = printer_thread.join();
    match ran {
        Ok(()) if finished => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

fn new_editor(topics: KnownTopics) -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)?
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(ReplHelper::new(topics)));
    Ok(editor)
}

/// `<data dir>/topicgate/consumer-USER.history`, else next to a store file.
fn default_history_file(settings: &ConsumerSettings) -> Option<PathBuf> {
    let name = format!("consumer-{}.history", file_safe(&settings.user));
    // On Linux: $XDG_DATA_HOME when absolute, else ~/.local/share.
    match dirs::data_dir() {
        Some(dir) => Some(dir.join("topicgate").join(name)),
        None => settings
            .store
            .file()
            .map(|store| store.with_file_name(name)),
    }
}

struct Repl {
    editor: Editor<ReplHelper, FileHistory>,
    session: Addr<ConsumerSession>,
    style: Style,
    topics: KnownTopics,
    user: String,
    history_file: Option<PathBuf>,
}

impl Repl {
    fn run(&mut self) {
        let runtime = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("topicgate-consumer: {e}");
                return;
            }
        };
        self.load_history();
        print!("{}", render::menu(self.style, &self.user));
        // Topic names for completion; quietly, the menu is enough to start.
        if let Ok(Reply::Topics(topics)) = runtime.block_on(self.session.send(session::ListTopics))
        {
            self.topics.extend(topics.into_iter().map(|t| t.topic_name));
        }
        let prompt = format!("{}> ", self.user);
        loop {
            let line = match self.editor.readline(&prompt) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => {
                    // Ctrl-C only clears the line: say how to really leave.
                    println!("(Ctrl-C does not leave: press Ctrl-D or type `exit` or 0 to leave.)");
                    continue;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => {
                    eprintln!("topicgate-consumer: reading input failed: {e}");
                    break;
                }
            };
            if !line.trim().is_empty() {
                let _ = self.editor.add_history_entry(line.trim());
            }
            let command = match command::parse(&line) {
                Ok(command) => command,
                Err(problem) => {
                    print!("{}", self.style.problem(&problem));
                    continue;
                }
            };
            let Some(reply) = self.execute(&runtime, command) else {
                break;
            };
            if let Some(text) = reply {
                print!("{text}");
            }
        }
        self.save_history();
        let _ = runtime.block_on(self.session.send(session::Shutdown));
        println!("Goodbye.");
    }

    /// Runs one command: `None` to leave, else what to print.
    fn execute(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        command: Command,
    ) -> Option<Option<String>> {
        let reply = match command {
            Command::Nothing => return Some(None),
            Command::Exit => return None,
            Command::Help => return Some(Some(render::menu(self.style, &self.user))),
            Command::Topics => ask(runtime, &self.session, session::ListTopics),
            Command::Subscriptions => ask(runtime, &self.session, session::ListSubscriptions),
            Command::Subscribe(topic) => match topic.or_else(|| self.ask_topic()) {
                Some(topic) => ask(runtime, &self.session, session::Subscribe(topic)),
                None => return Some(None),
            },
            Command::Unsubscribe(topic) => match topic.or_else(|| self.ask_topic()) {
                Some(topic) => ask(runtime, &self.session, session::Unsubscribe(topic)),
                None => return Some(None),
            },
            Command::Start => ask(runtime, &self.session, session::Start),
            Command::Stop => ask(runtime, &self.session, session::Stop),
            Command::Stats => ask(runtime, &self.session, session::GetStats),
            Command::DeadLetters { topic, count } => ask(
                runtime,
                &self.session,
                session::DeadLetters {
                    topic,
                    limit: count,
                },
            ),
            Command::History { topic, count } => ask(
                runtime,
                &self.session,
                session::History {
                    topic,
                    limit: count,
                },
            ),
        };
        match reply {
            Ok(reply) => Some(Some(self.show(reply))),
            Err(e) => {
                eprintln!("topicgate-consumer: the session is gone: {e}");
                None
            }
        }
    }

    /// The "Topic name:" prompt of menu entries 3 and 4; `None` when left blank.
    fn ask_topic(&mut self) -> Option<String> {
        if let Some(helper) = self.editor.helper_mut() {
            helper.set_topic_only(true);
        }
        let answer = self.editor.readline("Topic name: ");
        if let Some(helper) = self.editor.helper_mut() {
            helper.set_topic_only(false);
        }
        let topic = answer.ok()?.trim().to_owned();
        if topic.is_empty() {
            println!("(Nothing done.)");
            return None;
        }
        Some(topic)
    }

    fn show(&self, reply: Reply) -> String {
        match reply {
            Reply::Done(text) => self.style.done(&text),
            Reply::Problem(text) => self.style.problem(&text),
            Reply::Topics(topics) => {
                self.topics
                    .extend(topics.iter().map(|t| t.topic_name.clone()));
                render::topics(self.style, &topics)
            }
            Reply::Subscriptions(subs) => {
                self.topics
                    .extend(subs.iter().map(|s| s.topic_name.clone()));
                render::subscriptions(self.style, &self.user, &subs)
            }
            Reply::Stats(report) => render::stats(self.style, &report, chrono::Utc::now()),
            Reply::History { topic, messages } => render::history(self.style, &topic, &messages),
            Reply::DeadLetters { topic, letters } => {
                render::dead_letters(self.style, &topic, &letters)
            }
        }
    }

    fn load_history(&mut self) {
        let Some(path) = &self.history_file else {
            return;
        };
        // A missing file is normal on the first run; others are not fatal.
        if path.exists() {
            if let Err(e) = self.editor.load_history(path) {
                log::warn!("could not read the command history {}: {e}", path.display());
            }
        }
    }

    fn save_history(&mut self) {
        let Some(path) = &self.history_file else {
            return;
        };
        if self.editor.history().is_empty() {
            return;
        }
        if let Err(e) = save(&mut self.editor, path) {
            log::warn!("could not save the command history {}: {e}", path.display());
        }
    }
}

/// Sends one command to the session and waits for its reply.
fn ask<M>(
    runtime: &tokio::runtime::Runtime,
    session: &Addr<ConsumerSession>,
    message: M,
) -> Result<Reply, MailboxError>
where
    M: Message<Result = Reply> + Send + 'static,
    ConsumerSession: Handler<M>,
{
    runtime.block_on(session.send(message))
}

fn save(
    editor: &mut Editor<ReplHelper, FileHistory>,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    editor.save_history(path)?;
    Ok(())
}

//! What a line typed at the prompt asks for: a menu number or a command.

/// Default number of messages `history` shows.
pub const DEFAULT_HISTORY: i64 = 20;

/// Default number of dead letters `dlq` shows.
pub const DEFAULT_DEAD_LETTERS: usize = 10;

/// One REPL command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Topics,
    Subscriptions,
    /// Without a topic the REPL asks for one.
    Subscribe(Option<String>),
    Unsubscribe(Option<String>),
    Start,
    Stop,
    Stats,
    History {
        topic: String,
        count: i64,
    },
    /// The newest dead letters of a topic, from Kafka.
    DeadLetters {
        topic: String,
        count: usize,
    },
    Help,
    Exit,
    /// A blank line.
    Nothing,
}

/// The command words, for completion; menu numbers are listed by `help`.
pub const COMMANDS: [&str; 11] = [
    "topics",
    "subs",
    "subscribe",
    "unsubscribe",
    "start",
    "stop",
    "stats",
    "history",
    "dlq",
    "help",
    "exit",
];

/// Commands whose first argument is a topic name.
pub fn takes_topic(word: &str) -> bool {
    matches!(
        word,
        "3" | "4" | "subscribe" | "sub" | "unsubscribe" | "unsub" | "history" | "hist" | "dlq"
    )
}

/// Reads one line. The error says what was wrong and how to get help.
pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(Command::Nothing);
    };
    let rest: Vec<&str> = words.collect();
    let word = first.to_ascii_lowercase();
    let no_arguments = |command: Command| {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err(format!(
                "'{first}' takes no arguments. Type help for the menu."
            ))
        }
    };
    let topic = |what: &str| -> Result<Option<String>, String> {
        match rest.as_slice() {
            [] => Ok(None),
            [topic] => Ok(Some((*topic).to_owned())),
            _ => Err(format!("{what} takes one topic name.")),
        }
    };
    match word.as_str() {
        "1" | "topics" | "list" | "ls" => no_arguments(Command::Topics),
        "2" | "subs" | "subscriptions" | "mysubs" => no_arguments(Command::Subscriptions),
        "3" | "subscribe" | "sub" => Ok(Command::Subscribe(topic("subscribe")?)),
        "4" | "unsubscribe" | "unsub" => Ok(Command::Unsubscribe(topic("unsubscribe")?)),
        "5" | "start" | "restart" => no_arguments(Command::Start),
        "6" | "stop" => no_arguments(Command::Stop),
        "7" | "stats" | "statistics" => no_arguments(Command::Stats),
        "history" | "hist" => history(&rest),
        "dlq" => dead_letters(&rest),
        "help" | "?" | "menu" | "h" => Ok(Command::Help),
        "0" | "exit" | "quit" | "q" => no_arguments(Command::Exit),
        _ => Err(format!(
            "Unknown command '{first}'. Type help (or a number 0-7) for the menu."
        )),
    }
}

fn history(rest: &[&str]) -> Result<Command, String> {
    let usage = "usage: history TOPIC [N]  (N: how many of the newest messages, default 20)";
    let (topic, count) = match rest {
        [topic] => (topic, DEFAULT_HISTORY),
        [topic, n] => match n.parse::<i64>() {
            Ok(n) if n > 0 => (topic, n),
            _ => return Err(format!("'{n}' is not a positive number; {usage}")),
        },
        _ => return Err(usage.to_owned()),
    };
    Ok(Command::History {
        topic: (*topic).to_owned(),
        count,
    })
}

fn dead_letters(rest: &[&str]) -> Result<Command, String> {
    let usage = "usage: dlq TOPIC [N]  (N: how many of the newest dead letters, default 10)";
    let (topic, count) = match rest {
        [topic] => (topic, DEFAULT_DEAD_LETTERS),
        [topic, n] => match n.parse::<usize>() {
            Ok(n) if n > 0 => (topic, n),
            _ => return Err(format!("'{n}' is not a positive number; {usage}")),
        },
        _ => return Err(usage.to_owned()),
    };
    Ok(Command::DeadLetters {
        topic: (*topic).to_owned(),
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_words_mean_the_same() {
        let pairs = [
            ("1", "topics"),
            ("2", "subs"),
            ("3", "subscribe"),
            ("4", "unsubscribe"),
            ("5", "start"),
            ("6", "stop"),
            ("7", "stats"),
            ("0", "exit"),
        ];
        for (number, word) in pairs {
            assert_eq!(parse(number), parse(word), "{number} vs {word}");
        }
    }

    #[test]
    fn reads_arguments() {
        assert_eq!(
            parse("subscribe sensor_data"),
            Ok(Command::Subscribe(Some("sensor_data".into())))
        );
        assert_eq!(parse("  3  "), Ok(Command::Subscribe(None)));
        assert_eq!(
            parse("history sensor_data 5"),
            Ok(Command::History {
                topic: "sensor_data".into(),
                count: 5
            })
        );
        assert_eq!(
            parse("HISTORY t"),
            Ok(Command::History {
                topic: "t".into(),
                count: DEFAULT_HISTORY
            })
        );
        assert_eq!(parse(""), Ok(Command::Nothing));
        assert_eq!(
            parse("dlq t"),
            Ok(Command::DeadLetters {
                topic: "t".into(),
                count: DEFAULT_DEAD_LETTERS
            })
        );
        assert_eq!(
            parse("dlq t 3"),
            Ok(Command::DeadLetters {
                topic: "t".into(),
                count: 3
            })
        );
        assert!(parse("dlq").is_err());
        assert!(parse("dlq t 0").unwrap_err().contains("positive"));
    }

    #[test]
    fn explains_mistakes() {
        assert!(
            parse("frobnicate")
                .unwrap_err()
                .contains("Unknown command 'frobnicate'")
        );
        assert!(parse("history").is_err());
        assert!(parse("history t -3").unwrap_err().contains("positive"));
        assert!(parse("stats now").unwrap_err().contains("no arguments"));
        assert!(parse("subscribe a b").is_err());
    }
}

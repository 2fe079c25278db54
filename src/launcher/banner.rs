//! What `topicgate up` prints once everything runs: where the dashboard
//! is, how to log in, and a consumer command that works as printed.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::local_kafka::Kafka;
use crate::config::UpConfig;

/// The consumer's binary name, as `cargo install` puts it on PATH.
const CONSUMER: &str = "topicgate-consumer";

/// Prints the banner; the last line ends with "Press Ctrl-C to stop everything."
pub fn print_banner(config: &UpConfig, admin_url: &str, kafka: &Kafka) {
    let token_file = config.data_dir.join("admin-token");
    let login = if std::env::var("TOPICGATE_ADMIN_TOKEN").is_ok() {
        "the token in TOPICGATE_ADMIN_TOKEN".to_owned()
    } else if let Some(given) = &config.admin_token_file {
        format!("the token in {}", given.display())
    } else {
        format!("the token in {} (cat {0})", token_file.display())
    };
    let servers = kafka.servers();
    let kafka_note = match kafka {
        Kafka::Local { .. } => " (local, stopped on exit)",
        Kafka::External(_) => " (not started here; left running)",
    };
    let consumer = if config.secure {
        format!(
            "{} --admin-url {admin_url} --token-file FILE\
             \n                (FILE: a user's token, mode 0600; the token brings its Kafka login)\
             \n  Users       POST {admin_url}/api/users with the admin token, e.g.\
             \n                curl -H \"Authorization: Bearer $(cat {})\" -H 'Content-Type: application/json' \\\
             \n                  -d '{{\"user_id\": \"alice\", \"roles\": [\"consumer\"]}}' {admin_url}/api/users",
            shell_word(&consumer_program()),
            shell_word(&token_file.display().to_string()),
        )
    } else {
        format!(
            "{} --user {} \\\
             \n                --admin-url {admin_url} --bootstrap-servers {servers}",
            shell_word(&consumer_program()),
            shell_word(&user_name().unwrap_or_else(|| "YOUR_NAME".to_owned())),
        )
    };
    let mode = if config.secure {
        "\n  Mode        secure: Kafka enforces SCRAM logins and ACLs from subscriptions;\
         \n              API writes need a token; nobody approves their own request"
    } else {
        ""
    };
    println!(
        "\ntopicgate is up.\n\
         \n  Dashboard   {admin_url}/\
         \n  Log in with {login}\
         \n  Kafka       {servers}{kafka_note}{mode}\
         \n  Consumer    {consumer}\
         \n\nRequest a topic on the dashboard, approve it, and the producer starts streaming\n\
         into it within {}s. Press Ctrl-C to stop everything.\n",
        config.poll_interval,
    );
}

/// The consumer to run: plain `topicgate-consumer` when that is the one on
/// PATH (installed), else the one built beside this launcher, by its path.
fn consumer_program() -> String {
    let Some(beside) = std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(CONSUMER))
        .filter(|path| path.is_file())
    else {
        return CONSUMER.to_owned();
    };
    match on_path(CONSUMER) {
        Some(found) if same_file(&found, &beside) => CONSUMER.to_owned(),
        _ => beside.display().to_string(),
    }
}

/// The first `name` in the directories of PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// The name the consumer should use, resolved here so the printed command
/// works where `USER` is unset: `TOPICGATE_USER`, `USER`, `LOGNAME`, then
/// the account name of this process's user.
fn user_name() -> Option<String> {
    ["TOPICGATE_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|user| user.name)
        })
}

/// `word` quoted for a POSIX shell when it needs quoting.
fn shell_word(word: &str) -> Cow<'_, str> {
    shlex::try_quote(word).unwrap_or(Cow::Borrowed(word))
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_name_with_shell_syntax_is_quoted_so_the_command_runs_only_the_consumer() {
        assert_eq!(shell_word("alice"), "alice");
        let quoted = shell_word("x; touch /tmp/owned $(id)");
        assert_eq!(
            shlex::split(&quoted),
            Some(vec!["x; touch /tmp/owned $(id)".to_owned()])
        );
    }
}

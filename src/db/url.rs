//! Where the registry lives, as `--database-url` names it: a SQLite file
//! (a path or a `sqlite://` URL) or a PostgreSQL database (a `postgres://`
//! or `postgresql://` URL). Read once at start; the backend follows from it.

use std::convert::Infallible;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The registry's location, and so its backend.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file, created when missing.
    Sqlite(PathBuf),
    /// A libpq connection URL; it may carry a password, so it is never
    /// shown as given (see the `Display` and `Debug` impls).
    Postgres(String),
}

const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];
/// diesel reads `sqlite://X` as SQLite's `file:X`, which is the path `X`.
const SQLITE_SCHEME: &str = "sqlite://";

impl DatabaseUrl {
    /// Reads `--database-url`: PostgreSQL URLs by their scheme, anything
    /// else is a SQLite path (so every path that worked keeps working).
    pub fn parse(text: &str) -> DatabaseUrl {
        if POSTGRES_SCHEMES
            .iter()
            .any(|scheme| text.starts_with(scheme))
        {
            DatabaseUrl::Postgres(text.to_owned())
        } else {
            let path = text.strip_prefix(SQLITE_SCHEME).unwrap_or(text);
            DatabaseUrl::Sqlite(PathBuf::from(path))
        }
    }

    /// The SQLite file, if the registry is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl::parse(text))
    }
}

impl From<PathBuf> for DatabaseUrl {
    fn from(path: PathBuf) -> Self {
        DatabaseUrl::Sqlite(path)
    }
}

impl From<&Path> for DatabaseUrl {
    fn from(path: &Path) -> Self {
        DatabaseUrl::Sqlite(path.to_owned())
    }
}

impl From<&PathBuf> for DatabaseUrl {
    fn from(path: &PathBuf) -> Self {
        DatabaseUrl::Sqlite(path.clone())
    }
}

impl From<&DatabaseUrl> for DatabaseUrl {
    fn from(url: &DatabaseUrl) -> Self {
        url.clone()
    }
}

/// Shows the location without any password: the userinfo's password and
/// a `password=` parameter become `***`, so logs and error messages may
/// carry it.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `url` with the password of its userinfo and of its query masked.
fn without_password(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut shown = match base.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_select_postgres_and_everything_else_is_a_sqlite_file() {
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            assert_eq!(DatabaseUrl::parse(url), DatabaseUrl::Postgres(url.into()));
        }
        for (given, path) in [
            ("topicgate.db", "topicgate.db"),
            ("/var/lib/tg/registry.db", "/var/lib/tg/registry.db"),
            (
                "sqlite:///var/lib/tg/registry.db",
                "/var/lib/tg/registry.db",
            ),
            ("sqlite://registry.db", "registry.db"),
        ] {
            assert_eq!(DatabaseUrl::parse(given), DatabaseUrl::Sqlite(path.into()));
        }
    }

    #[test]
    fn a_shown_url_never_holds_its_password() {
        let url = DatabaseUrl::parse(
            "postgres://alice:s3cret@db.example:5432/reg?sslmode=require&password=s3cret",
        );
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://alice:***@db.example:5432/reg"),
            "{shown}"
        );
        assert!(shown.contains("sslmode=require&password=***"), "{shown}");
        let socket = "postgres://root@/postgres?host=/run/pg&port=25432";
        assert_eq!(DatabaseUrl::parse(socket).to_string(), socket);
    }
}

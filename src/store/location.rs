//! Where the message store lives: a SQLite file, or a PostgreSQL database a
//! team shares. `--store` takes either; a `postgres://` or `postgresql://`
//! URL picks PostgreSQL, anything else is a file path.

use std::fmt;
use std::path::{Path, PathBuf};

/// The URL schemes libpq accepts, which choose PostgreSQL.
const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

/// Where the message store lives.
///
/// Its `Display` and `Debug` hide a password in a PostgreSQL URL, so the
/// location can appear in errors and logs.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file, created when missing.
    File(PathBuf),
    /// A PostgreSQL connection URL, as libpq reads it.
    Postgres(String),
}

impl StoreLocation {
    /// Reads a `--store` value.
    pub fn parse(raw: PathBuf) -> Self {
        match raw.to_str() {
            Some(url) if POSTGRES_SCHEMES.iter().any(|s| url.starts_with(s)) => {
                StoreLocation::Postgres(url.to_owned())
            }
            _ => StoreLocation::File(raw),
        }
    }

    /// The file, when the store is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            StoreLocation::File(path) => Some(path),
            StoreLocation::Postgres(_) => None,
        }
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(raw: PathBuf) -> Self {
        StoreLocation::parse(raw)
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(path) => f.debug_tuple("File").field(path).finish(),
            StoreLocation::Postgres(_) => {
                f.debug_tuple("Postgres").field(&self.to_string()).finish()
            }
        }
    }
}

/// `url` with the password of its user part and of a `password=` query
/// parameter replaced by `***`.
pub fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The user part ends at the last '@': a password may hold '@' itself.
    let authority = match authority.rsplit_once('@') {
        Some((user_part, hosts)) => match user_part.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{hosts}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_choose_postgres_and_anything_else_is_a_file() {
        for url in [
            "postgres://root@/postgres?host=/run/pg&port=25432",
            "postgresql://team@db.example:5432/store",
        ] {
            assert_eq!(
                StoreLocation::parse(PathBuf::from(url)),
                StoreLocation::Postgres(url.to_owned())
            );
        }
        for path in [
            "store.db",
            "/tmp/postgres/store.db",
            "postgres:/x",
            "mysql://h/db",
        ] {
            assert_eq!(
                StoreLocation::parse(PathBuf::from(path)),
                StoreLocation::File(PathBuf::from(path))
            );
        }
    }

    #[test]
    fn passwords_are_never_shown() {
        let cases = [
            (
                "postgres://team:s3cr@t@db:5432/store",
                "postgres://team:***@db:5432/store",
            ),
            (
                "postgresql://db/store?user=team&password=s3cret&sslmode=require",
                "postgresql://db/store?user=team&password=***&sslmode=require",
            ),
            (
                "postgres://root@/postgres?host=/run/pg&port=25432",
                "postgres://root@/postgres?host=/run/pg&port=25432",
            ),
        ];
        for (url, shown) in cases {
            let location = StoreLocation::Postgres(url.to_owned());
            assert_eq!(location.to_string(), shown);
            let debug = format!("{location:?}");
            assert!(!debug.contains("s3c"), "{debug}");
        }
    }
}

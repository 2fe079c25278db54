//! Each generated `schema.rs` must describe exactly what its migrations
//! build: the registry's (`src/db/schema.rs`, `migrations/`) and the
//! consumer store's (`src/store/schema.rs`, `store_migrations/`).
//! Regenerate them as diesel.toml says when this fails.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    sql_type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

/// How `diesel print-schema` was asked to map integer primary keys.
#[derive(Clone, Copy)]
enum IntegerKeys {
    Integer,
    /// `--sqlite-integer-primary-key-is-bigint`
    BigInt,
}

/// `table -> [(column, diesel type)]` as the generated file declares them.
fn declared(schema_rs: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<(String, String)>)> = None;
    for line in schema_rs.lines().map(str::trim) {
        if let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with('{')) {
            current = Some((name.to_owned(), Vec::new()));
        } else if let Some((column, ty)) = line.split_once(" -> ") {
            if let Some((_, columns)) = current.as_mut() {
                columns.push((column.to_owned(), ty.trim_end_matches(',').to_owned()));
            }
        } else if line == "}" {
            if let Some((name, columns)) = current.take() {
                tables.insert(name, columns);
            }
        }
    }
    tables
}

/// The diesel type a migrated column maps to.
fn diesel_type(column: &Column, keys: IntegerKeys) -> String {
    let base = match (
        column.sql_type.to_ascii_uppercase().as_str(),
        column.pk,
        keys,
    ) {
        ("INTEGER", 1, IntegerKeys::BigInt) | ("BIGINT", _, _) => "BigInt",
        ("INTEGER", _, _) => "Integer",
        ("TEXT", _, _) => "Text",
        ("TIMESTAMP", _, _) => "Timestamp",
        (other, _, _) => panic!(
            "column {} has a type the check does not know: {other}",
            column.name
        ),
    };
    if column.notnull == 1 || column.pk == 1 {
        base.to_owned()
    } else {
        format!("Nullable<{base}>")
    }
}

fn check(
    schema_file: &str,
    keys: IntegerKeys,
    open: impl FnOnce(&std::path::Path) -> SqliteConnection,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(&dir.path().join("check.db"));
    let declared = declared(&std::fs::read_to_string(schema_file).unwrap());
    assert!(!declared.is_empty(), "no tables found in {schema_file}");
    let migrated: Vec<String> = diesel::sql_query(
        "SELECT name, 'TEXT' AS type, 1 AS \"notnull\", 0 AS pk FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
    )
    .load::<Column>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|c| c.name)
    .collect();
    let mut declared_tables: Vec<&String> = declared.keys().collect();
    declared_tables.sort();
    let mut migrated_sorted = migrated.clone();
    migrated_sorted.sort();
    assert_eq!(
        declared_tables
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        migrated_sorted
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "{schema_file} and the migrations disagree on tables"
    );
    for (table, columns) in &declared {
        let actual: Vec<(String, String)> =
            diesel::sql_query(format!("PRAGMA table_info({table})"))
                .load::<Column>(&mut conn)
                .unwrap()
                .iter()
                .map(|c| (c.name.clone(), diesel_type(c, keys)))
                .collect();
        assert_eq!(
            &actual, columns,
            "{schema_file}: table {table} drifted from its migrations"
        );
    }
}

#[test]
fn registry_schema_matches_its_migrations() {
    check("src/db/schema.rs", IntegerKeys::Integer, |path| {
        let pool = topicgate::db::open(path, 1).unwrap();
        drop(pool);
        SqliteConnection::establish(path.to_str().unwrap()).unwrap()
    });
}

#[test]
fn store_schema_matches_its_migrations() {
    check("src/store/schema.rs", IntegerKeys::BigInt, |path| {
        drop(topicgate::store::open(path).unwrap());
        SqliteConnection::establish(path.to_str().unwrap()).unwrap()
    });
}

#[derive(QueryableByName, Debug)]
struct PostgresColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// The PostgreSQL migrations build the tables and columns, in order and
/// of the types, that `src/db/schema.rs` declares for SQLite's.
#[test]
fn postgres_registry_matches_the_schema() {
    let url = crate::support::postgres::fresh_database();
    drop(topicgate::db::open(topicgate::db::DatabaseUrl::parse(&url), 1).unwrap());
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    let columns = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
           -- Shared dashboard sessions: PostgreSQL's alone (src/db/sessions.rs).
           AND table_name NOT IN ('dashboard_sessions', 'dashboard_cookie_key')
         ORDER BY table_name, ordinal_position",
    )
    .load::<PostgresColumn>(&mut conn)
    .unwrap();
    let mut migrated: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for column in columns {
        let base = match column.data_type.as_str() {
            "integer" => "Integer",
            "bigint" => "BigInt",
            "text" => "Text",
            "timestamp without time zone" => "Timestamp",
            other => panic!(
                "column {} has a type the check does not know: {other}",
                column.column_name
            ),
        };
        let ty = match column.is_nullable.as_str() {
            "YES" => format!("Nullable<{base}>"),
            _ => base.to_owned(),
        };
        migrated
            .entry(column.table_name)
            .or_default()
            .push((column.column_name, ty));
    }
    let declared = declared(&std::fs::read_to_string("src/db/schema.rs").unwrap());
    assert_eq!(
        migrated, declared,
        "migrations_postgres/ drifted from src/db/schema.rs"
    );
}

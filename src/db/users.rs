//! Registered users, their token hashes and their audit trail.
//!
//! Every write is one `IMMEDIATE` transaction that also writes its
//! `user_events` row, as topic changes do.

use crate::db::RegistryConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use super::schema::{user_events, user_tokens, users};
use crate::domain::{Roles, UserId};
use crate::identity::TokenHash;

/// A user as the registry holds it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user_id: UserId,
    pub roles: Roles,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub deleted_at: Option<NaiveDateTime>,
    /// Which Kafka password the user should have (see `identity`).
    pub kafka_generation: i32,
    /// Which one Kafka holds; `None` when it holds none.
    pub kafka_applied_generation: Option<i32>,
}

/// A `users` row as stored; roles as their stored text.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    user_id: UserId,
    roles: String,
    created_at: NaiveDateTime,
    created_by: String,
    deleted_at: Option<NaiveDateTime>,
    kafka_generation: i32,
    kafka_applied_generation: Option<i32>,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        UserRecord {
            user_id: row.user_id,
            roles: Roles::from_stored(&row.roles),
            created_at: row.created_at,
            created_by: row.created_by,
            deleted_at: row.deleted_at,
            kafka_generation: row.kafka_generation,
            kafka_applied_generation: row.kafka_applied_generation,
        }
    }
}

/// Creates `user_id` with `roles` and its first token. A deleted user of
/// that id comes back with the new roles and a new Kafka password; a live
/// one is a conflict and changes nothing.
pub fn create(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    roles: &Roles,
    token: &TokenHash,
    actor: &str,
    now: NaiveDateTime,
) -> Result<UserRecord, RegistryError> {
    conn.write_transaction(|conn| {
        let existing = find_any(conn, user_id)?;
        let action = match existing {
            Some(user) if user.deleted_at.is_none() => {
                return Err(RegistryError::Conflict(format!(
                    "user '{user_id}' already exists"
                )));
            }
            Some(_) => {
                diesel::update(users::table.find(user_id))
                    .set((
                        users::roles.eq(roles.stored()),
                        users::created_at.eq(now),
                        users::created_by.eq(actor),
                        users::deleted_at.eq(None::<NaiveDateTime>),
                        users::kafka_generation.eq(users::kafka_generation + 1),
                    ))
                    .execute(conn)?;
                "recreated"
            }
            None => {
                diesel::insert_into(users::table)
                    .values((
                        users::user_id.eq(user_id),
                        users::roles.eq(roles.stored()),
                        users::created_at.eq(now),
                        users::created_by.eq(actor),
                    ))
                    .execute(conn)?;
                "created"
            }
        };
        add_token(conn, user_id, token, now)?;
        audit(conn, user_id, &format!("{action} ({roles})"), actor, now)?;
        live(conn, user_id)
    })
}

/// The live user a token belongs to, if the token is known and neither it
/// nor its user has been revoked.
pub fn authenticate(
    conn: &mut RegistryConnection,
    token: &TokenHash,
) -> Result<Option<(UserId, Roles)>, RegistryError> {
    let found: Option<(UserId, String)> = user_tokens::table
        .inner_join(users::table)
        .filter(user_tokens::token_hash.eq(token.as_str()))
        .filter(user_tokens::revoked_at.is_null())
        .filter(users::deleted_at.is_null())
        .select((users::user_id, users::roles))
        .first(conn)
        .optional()?;
    Ok(found.map(|(user_id, roles)| (user_id, Roles::from_stored(&roles))))
}

/// Gives `user_id` a new token and revokes every older one; the user's
/// Kafka password changes with it.
pub fn rotate_token(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    token: &TokenHash,
    actor: &str,
    now: NaiveDateTime,
) -> Result<UserRecord, RegistryError> {
    conn.write_transaction(|conn| {
        live(conn, user_id)?;
        revoke_tokens(conn, user_id, now)?;
        add_token(conn, user_id, token, now)?;
        diesel::update(users::table.find(user_id))
            .set(users::kafka_generation.eq(users::kafka_generation + 1))
            .execute(conn)?;
        audit(conn, user_id, "token rotated", actor, now)?;
        live(conn, user_id)
    })
}

/// Deletes `user_id`: its tokens stop working at once, its subscriptions
/// go (each audited), and the reconciler removes what Kafka holds for it.
pub fn delete(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    conn.write_transaction(|conn| {
        live(conn, user_id)?;
        revoke_tokens(conn, user_id, now)?;
        diesel::update(users::table.find(user_id))
            .set(users::deleted_at.eq(Some(now)))
            .execute(conn)?;
        super::subscriptions::remove_user(conn, user_id, actor, now)?;
        audit(conn, user_id, "deleted", actor, now)
    })
}

/// The live users, oldest first.
pub fn list(conn: &mut RegistryConnection) -> Result<Vec<UserRecord>, RegistryError> {
    let rows: Vec<UserRow> = users::table
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .order((users::created_at.asc(), users::user_id.asc()))
        .load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// Every user Kafka may hold something for: the live ones, and deleted
/// ones whose credential Kafka still holds.
pub fn for_kafka(conn: &mut RegistryConnection) -> Result<Vec<UserRecord>, RegistryError> {
    let rows: Vec<UserRow> = users::table
        .filter(
            users::deleted_at
                .is_null()
                .or(users::kafka_applied_generation.is_not_null()),
        )
        .select(UserRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(UserRecord::from).collect())
}

/// Remembers which credential generation Kafka now holds for `user_id`.
pub fn mark_kafka_applied(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    generation: Option<i32>,
) -> Result<(), RegistryError> {
    diesel::update(users::table.find(user_id))
        .set(users::kafka_applied_generation.eq(generation))
        .execute(conn)?;
    Ok(())
}

/// The live user `user_id`, or `NotFound`.
pub fn live(conn: &mut RegistryConnection, user_id: &UserId) -> Result<UserRecord, RegistryError> {
    find_any(conn, user_id)?
        .filter(|user| user.deleted_at.is_none())
        .ok_or_else(|| RegistryError::NotFound(format!("no user '{user_id}'")))
}

fn find_any(
    conn: &mut RegistryConnection,
    user_id: &UserId,
) -> Result<Option<UserRecord>, RegistryError> {
    let row: Option<UserRow> = users::table
        .find(user_id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(UserRecord::from))
}

fn add_token(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    token: &TokenHash,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user_id),
            user_tokens::token_hash.eq(token.as_str()),
            user_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

fn revoke_tokens(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    now: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::revoked_at.is_null()),
    )
    .set(user_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

fn audit(
    conn: &mut RegistryConnection,
    user_id: &UserId,
    action: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), RegistryError> {
    diesel::insert_into(user_events::table)
        .values((
            user_events::user_id.eq(user_id),
            user_events::action.eq(action),
            user_events::actor.eq(actor),
            user_events::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_account_id;
    use crate::identity::new_token;

    fn registry() -> (tempfile::TempDir, crate::db::DbPool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(dir.path().join("registry.db"), 2).unwrap();
        (dir, pool)
    }

    fn now() -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }

    #[test]
    fn a_token_finds_its_user_until_rotated_or_deleted() {
        let (_dir, pool) = registry();
        let conn = &mut *pool.get().unwrap();
        let alice = parse_account_id("alice").unwrap();
        let roles = Roles::parse(&["consumer"]).unwrap();
        let (first, first_hash) = new_token();
        let created = create(conn, &alice, &roles, &first_hash, "admin", now()).unwrap();
        assert_eq!(created.kafka_generation, 1);
        let found = authenticate(conn, &TokenHash::of(first.expose())).unwrap();
        assert_eq!(found, Some((alice.clone(), roles.clone())));

        let (second, second_hash) = new_token();
        assert_eq!(TokenHash::of(second.expose()), second_hash);
        let rotated = rotate_token(conn, &alice, &second_hash, "admin", now()).unwrap();
        assert_eq!(rotated.kafka_generation, 2);
        assert_eq!(
            authenticate(conn, &TokenHash::of(first.expose())).unwrap(),
            None
        );
        assert!(authenticate(conn, &second_hash).unwrap().is_some());

        delete(conn, &alice, "admin", now()).unwrap();
        assert_eq!(authenticate(conn, &second_hash).unwrap(), None);
        assert!(list(conn).unwrap().is_empty());
        assert!(matches!(
            delete(conn, &alice, "admin", now()),
            Err(RegistryError::NotFound(_))
        ));
    }

    #[test]
    fn a_live_user_cannot_be_created_twice_but_a_deleted_one_comes_back() {
        let (_dir, pool) = registry();
        let conn = &mut *pool.get().unwrap();
        let bob = parse_account_id("bob").unwrap();
        let roles = Roles::parse(&["requester"]).unwrap();
        create(conn, &bob, &roles, &new_token().1, "admin", now()).unwrap();
        let again = create(conn, &bob, &roles, &new_token().1, "admin", now());
        assert!(
            matches!(again, Err(RegistryError::Conflict(_))),
            "{again:?}"
        );
        delete(conn, &bob, "admin", now()).unwrap();
        let consumer = Roles::parse(&["consumer"]).unwrap();
        let back = create(conn, &bob, &consumer, &new_token().1, "admin", now()).unwrap();
        assert_eq!(back.roles, consumer);
        assert_eq!(
            back.kafka_generation, 2,
            "a revived user gets a new Kafka password"
        );
        let events: i64 = user_events::table.count().get_result(conn).unwrap();
        assert_eq!(events, 3);
    }
}

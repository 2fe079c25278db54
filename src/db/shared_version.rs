//! Replicas of the admin service sharing one PostgreSQL registry tell each
//! other about their changes with `NOTIFY`, so each one's
//! [`TopicsVersion`]s (the active-topics cache, the change feed, the access
//! reconciler) move on every replica's commits, not only its own.
//!
//! A SQLite registry has one service, so nothing here runs for it.

use std::thread;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

use super::DbPool;
use super::topics_version::TopicsVersion;

/// The channel of changes to the topics table.
pub const TOPICS_CHANNEL: &str = "topicgate_topics";
/// The channel of changes to who may read or write what in Kafka.
pub const ACCESS_CHANNEL: &str = "topicgate_access";

/// How often the listener looks for notifications that have arrived: well
/// inside the second within which other replicas must see a change.
const POLL: Duration = Duration::from_millis(50);
/// How long the listener waits before connecting again after losing the
/// server.
const RECONNECT: Duration = Duration::from_secs(1);

/// Sends `NOTIFY` on one channel after a change has committed here.
pub struct Announcer {
    pool: DbPool,
    channel: &'static str,
    /// This replica's name in its notifications, so its own listener
    /// skips them: its versions moved already, when the change committed.
    replica: String,
}

impl Announcer {
    /// A change that moves the version (and wakes the change feed).
    pub const MOVE: &'static str = "move";
    /// A quiet change: cached rows are stale, nobody is woken.
    pub const TOUCH: &'static str = "touch";

    /// Tells the other replicas of a change of `kind` ([`Announcer::MOVE`]
    /// or [`Announcer::TOUCH`]). A failure is logged, not returned: the
    /// change itself has committed, and the others' listeners look again
    /// whenever they reconnect.
    pub fn announce(&self, kind: &str) {
        let sent = self
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                conn.batch_execute(&format!(
                    "NOTIFY {}, '{} {kind}'",
                    self.channel, self.replica
                ))
                .map_err(|e| e.to_string())
            });
        if let Err(e) = sent {
            log::warn!(
                "cannot tell other replicas of a change on {}: {e}",
                self.channel
            );
        }
    }
}

/// Makes each of `versions` (channel name, version) announce its moves on
/// its channel, and move on every other replica's announcements, heard by
/// one listening connection to `url`.
/// Listening starts before this returns, so no change after it goes
/// unheard.
pub fn share(pool: &DbPool, url: &str, versions: Vec<(&'static str, TopicsVersion)>) {
    let replica = format!("{:016x}", rand::random::<u64>());
    for (channel, version) in &versions {
        version.announce_with(Announcer {
            pool: pool.clone(),
            channel,
            replica: replica.clone(),
        });
    }
    let first = subscribe(url, &versions)
        .inspect_err(|e| log::warn!("cannot listen for other replicas' changes yet: {e}"))
        .ok();
    let url = url.to_owned();
    let spawned = thread::Builder::new()
        .name("registry-listener".into())
        .spawn(move || listen(&url, &replica, &versions, first));
    if let Err(e) = spawned {
        log::error!("cannot start the listener for other replicas' changes: {e}");
    }
}

/// Listens until every version is closed (the service stops).
fn listen(
    url: &str,
    replica: &str,
    versions: &[(&'static str, TopicsVersion)],
    mut first: Option<PgConnection>,
) {
    let closed = || versions.iter().all(|(_, version)| version.is_closed());
    while !closed() {
        let mut conn = match first.take() {
            Some(conn) => conn,
            None => match subscribe(url, versions) {
                Ok(conn) => {
                    // Changes made while nobody listened went unheard:
                    // readers look again.
                    for (_, version) in versions {
                        version.moved_elsewhere();
                    }
                    conn
                }
                Err(e) => {
                    log::warn!("cannot listen for other replicas' changes: {e}");
                    thread::sleep(RECONNECT);
                    continue;
                }
            },
        };
        while !closed() {
            thread::sleep(POLL);
            if let Err(e) = hear(&mut conn, replica, versions) {
                log::warn!("lost the listener for other replicas' changes: {e}");
                break;
            }
        }
    }
}

fn subscribe(
    url: &str,
    versions: &[(&'static str, TopicsVersion)],
) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    for (channel, _) in versions {
        conn.batch_execute(&format!("LISTEN {channel}"))
            .map_err(|e| e.to_string())?;
    }
    Ok(conn)
}

/// Moves the versions whose channels got other replicas' notifications
/// since last time.
fn hear(
    conn: &mut PgConnection,
    replica: &str,
    versions: &[(&'static str, TopicsVersion)],
) -> Result<(), diesel::result::Error> {
    for notification in conn.notifications_iter() {
        let notification = notification?;
        let (sender, kind) = notification
            .payload
            .split_once(' ')
            .unwrap_or((&notification.payload, Announcer::MOVE));
        if sender == replica {
            continue;
        }
        for (channel, version) in versions {
            if notification.channel == *channel {
                match kind {
                    Announcer::TOUCH => version.touched_elsewhere(),
                    _ => version.moved_elsewhere(),
                }
            }
        }
    }
    Ok(())
}

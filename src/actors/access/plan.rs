//! What Kafka should allow, worked out from the registry; pure, so every
//! rule is tested without a broker.
//!
//! A consumer's subscription to an active topic grants its principal READ
//! and DESCRIBE on the topic, READ on its consumer group
//! (`consumer-group-<user>`), and READ, WRITE and DESCRIBE on the topic's
//! dead-letter topic (the consumer writes records that break the schema
//! there, and its `dlq` command reads them). The producer's principal, when
//! it is not a super user, gets WRITE and DESCRIBE on active topics only.

use std::collections::BTreeSet;

use crate::actors::registry::AccessSnapshot;
use crate::db::kafka_grants::GrantRow;
use crate::domain::{Role, UserId};
use crate::kafka_access::{AclBinding, Operation, PatternType, Permission, ResourceType};
use crate::schema::dlq_topic_name;

/// One ACL topicgate manages: allow `principal` to `operation` the
/// literal resource `name`, from any host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    pub principal: String,
    pub resource_type: ResourceType,
    pub name: String,
    pub operation: Operation,
}

impl Grant {
    fn new(principal: &str, resource_type: ResourceType, name: &str, operation: Operation) -> Self {
        Grant {
            principal: principal.to_owned(),
            resource_type,
            name: name.to_owned(),
            operation,
        }
    }

    /// The binding to create or delete in Kafka.
    pub fn binding(&self) -> AclBinding {
        AclBinding::allow(
            self.principal.clone(),
            self.operation,
            self.resource_type,
            self.name.clone(),
        )
    }

    /// The grant a binding in Kafka is, if it has the shape topicgate
    /// makes (allow, literal, any host); any other binding is not ours.
    pub fn of_binding(binding: &AclBinding) -> Option<Self> {
        (binding.permission == Permission::Allow
            && binding.pattern == PatternType::Literal
            && binding.host == "*")
            .then(|| Grant {
                principal: binding.principal.clone(),
                resource_type: binding.resource_type,
                name: binding.name.clone(),
                operation: binding.operation,
            })
    }

    /// The ledger's row.
    pub fn row(&self) -> GrantRow {
        GrantRow {
            principal: self.principal.clone(),
            resource_type: self.resource_type.to_string(),
            resource_name: self.name.clone(),
            operation: self.operation.to_string(),
        }
    }

    /// The grant a ledger row records; `None` for a row this build cannot
    /// read (it is then left alone rather than guessed at).
    pub fn of_row(row: &GrantRow) -> Option<Self> {
        Some(Grant {
            principal: row.principal.clone(),
            resource_type: *ResourceType::ALL
                .iter()
                .find(|t| t.to_string() == row.resource_type)?,
            name: row.resource_name.clone(),
            operation: *Operation::ALL
                .iter()
                .find(|o| o.to_string() == row.operation)?,
        })
    }
}

/// A user's Kafka principal.
pub fn principal(user: &UserId) -> String {
    format!("User:{user}")
}

/// The consumer group a user's consumers join by default.
pub fn consumer_group(user: &UserId) -> String {
    format!("consumer-group-{user}")
}

/// Every ACL the registry wants now.
pub fn desired(snapshot: &AccessSnapshot, producer_principal: Option<&str>) -> BTreeSet<Grant> {
    let consumers: BTreeSet<&UserId> = snapshot
        .users
        .iter()
        .filter(|user| user.deleted_at.is_none() && user.roles.allows(Role::Consumer))
        .map(|user| &user.user_id)
        .collect();
    let mut grants = BTreeSet::new();
    for (user, topic) in &snapshot.readers {
        if !consumers.contains(user) {
            continue;
        }
        let who = principal(user);
        let dlq = dlq_topic_name(topic);
        grants.insert(Grant::new(
            &who,
            ResourceType::Topic,
            topic,
            Operation::Read,
        ));
        grants.insert(Grant::new(
            &who,
            ResourceType::Topic,
            topic,
            Operation::Describe,
        ));
        grants.insert(Grant::new(
            &who,
            ResourceType::Group,
            &consumer_group(user),
            Operation::Read,
        ));
        for operation in [Operation::Read, Operation::Write, Operation::Describe] {
            grants.insert(Grant::new(&who, ResourceType::Topic, &dlq, operation));
        }
    }
    if let Some(producer) = producer_principal {
        for topic in &snapshot.active_topics {
            grants.insert(Grant::new(
                producer,
                ResourceType::Topic,
                topic,
                Operation::Write,
            ));
            grants.insert(Grant::new(
                producer,
                ResourceType::Topic,
                topic,
                Operation::Describe,
            ));
        }
    }
    grants
}

/// What to change in Kafka and in the ledger.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AclChanges {
    /// Wanted and missing from Kafka.
    pub create: Vec<Grant>,
    /// Created by topicgate, no longer wanted, still in Kafka.
    pub remove: Vec<Grant>,
    /// Created by topicgate and no longer wanted (whether or not Kafka
    /// still has them): to drop from the ledger once removed.
    pub forget: Vec<Grant>,
}

/// Compares the wanted ACLs with Kafka's and the ledger. ACLs in Kafka that
/// the ledger does not hold are never removed: someone else made them.
pub fn acl_changes(
    desired: &BTreeSet<Grant>,
    ledger: &BTreeSet<Grant>,
    actual: &BTreeSet<Grant>,
) -> AclChanges {
    let stale: Vec<Grant> = ledger.difference(desired).cloned().collect();
    AclChanges {
        create: desired.difference(actual).cloned().collect(),
        remove: stale
            .iter()
            .filter(|g| actual.contains(g))
            .cloned()
            .collect(),
        forget: stale,
    }
}

/// What to do about one user's SCRAM credential.
#[derive(Debug, PartialEq, Eq)]
pub enum CredentialChange {
    /// Set the password of this generation.
    Upsert { user: UserId, generation: i32 },
    /// Remove the credential.
    Delete { user: UserId },
}

/// Credentials to set or remove: consumers need one of their current
/// generation; anyone else (deleted, or no consumer role) none. `held`
/// names the users Kafka has a credential for, so one removed behind
/// topicgate's back is set again.
pub fn credential_changes(
    snapshot: &AccessSnapshot,
    held: &BTreeSet<String>,
) -> Vec<CredentialChange> {
    let mut changes = Vec::new();
    for user in &snapshot.users {
        let wants = user.deleted_at.is_none() && user.roles.allows(Role::Consumer);
        let in_kafka = held.contains(user.user_id.as_str());
        if wants {
            if !in_kafka || user.kafka_applied_generation != Some(user.kafka_generation) {
                changes.push(CredentialChange::Upsert {
                    user: user.user_id.clone(),
                    generation: user.kafka_generation,
                });
            }
        } else if in_kafka || user.kafka_applied_generation.is_some() {
            changes.push(CredentialChange::Delete {
                user: user.user_id.clone(),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::UserRecord;
    use crate::domain::{Roles, parse_account_id};

    fn user(id: &str, roles: &[&str], generation: i32, applied: Option<i32>) -> UserRecord {
        UserRecord {
            user_id: parse_account_id(id).unwrap(),
            roles: Roles::parse(roles).unwrap(),
            created_at: chrono::Utc::now().naive_utc(),
            created_by: "admin".into(),
            deleted_at: None,
            kafka_generation: generation,
            kafka_applied_generation: applied,
        }
    }

    fn snapshot(
        users: Vec<UserRecord>,
        readers: &[(&str, &str)],
        active: &[&str],
    ) -> AccessSnapshot {
        AccessSnapshot {
            users,
            readers: readers
                .iter()
                .map(|(u, t)| (parse_account_id(u).unwrap(), (*t).to_owned()))
                .collect(),
            active_topics: active.iter().map(|t| (*t).to_owned()).collect(),
            ledger: Vec::new(),
        }
    }

    #[test]
    fn a_consumers_subscription_grants_the_topic_its_group_and_its_dead_letters() {
        let snap = snapshot(
            vec![user("alice", &["consumer"], 1, Some(1))],
            &[("alice", "orders")],
            &["orders"],
        );
        let grants: Vec<String> = desired(&snap, None)
            .iter()
            .map(|g| {
                format!(
                    "{} {} {} {}",
                    g.principal, g.resource_type, g.name, g.operation
                )
            })
            .collect();
        assert_eq!(
            grants,
            [
                "User:alice TOPIC orders READ",
                "User:alice TOPIC orders DESCRIBE",
                "User:alice TOPIC orders.dlq READ",
                "User:alice TOPIC orders.dlq WRITE",
                "User:alice TOPIC orders.dlq DESCRIBE",
                "User:alice GROUP consumer-group-alice READ",
            ]
        );
    }

    #[test]
    fn no_grant_without_the_consumer_role_or_for_a_deleted_user() {
        let mut gone = user("bob", &["consumer"], 1, None);
        gone.deleted_at = Some(chrono::Utc::now().naive_utc());
        let snap = snapshot(
            vec![user("carol", &["requester"], 1, None), gone],
            &[
                ("carol", "orders"),
                ("bob", "orders"),
                ("stranger", "orders"),
            ],
            &["orders"],
        );
        assert!(desired(&snap, None).is_empty());
    }

    #[test]
    fn the_producer_writes_active_topics_only() {
        let snap = snapshot(vec![], &[], &["orders"]);
        let grants = desired(&snap, Some("User:producer"));
        assert_eq!(grants.len(), 2);
        assert!(
            grants
                .iter()
                .all(|g| g.name == "orders" && g.principal == "User:producer")
        );
        assert!(grants.iter().any(|g| g.operation == Operation::Write));
    }

    #[test]
    fn only_ledger_grants_are_removed_and_missing_ones_are_created() {
        let g = |name: &str| Grant::new("User:a", ResourceType::Topic, name, Operation::Read);
        let desired: BTreeSet<Grant> = [g("keep"), g("new"), g("lost")].into();
        let ledger: BTreeSet<Grant> = [g("keep"), g("lost"), g("stale"), g("gone")].into();
        let actual: BTreeSet<Grant> = [g("keep"), g("stale"), g("foreign")].into();
        let changes = acl_changes(&desired, &ledger, &actual);
        assert_eq!(changes.create, [g("lost"), g("new")]);
        assert_eq!(changes.remove, [g("stale")]);
        assert_eq!(changes.forget, [g("gone"), g("stale")]);
    }

    #[test]
    fn ledger_rows_round_trip() {
        let grant = Grant::new(
            "User:a",
            ResourceType::Group,
            "consumer-group-a",
            Operation::Read,
        );
        assert_eq!(Grant::of_row(&grant.row()), Some(grant.clone()));
        assert_eq!(Grant::of_binding(&grant.binding()), Some(grant));
        let mut odd = Grant::new("User:a", ResourceType::Topic, "t", Operation::Read).row();
        odd.operation = "TELEPORT".into();
        assert_eq!(Grant::of_row(&odd), None);
    }

    #[test]
    fn credentials_follow_role_generation_and_what_kafka_holds() {
        let mut deleted = user("dan", &["consumer"], 1, Some(1));
        deleted.deleted_at = Some(chrono::Utc::now().naive_utc());
        let snap = snapshot(
            vec![
                user("fresh", &["consumer"], 1, None),
                user("current", &["consumer"], 2, Some(2)),
                user("rotated", &["consumer"], 3, Some(2)),
                user("wiped", &["consumer"], 1, Some(1)),
                user("approver", &["approver"], 1, Some(1)),
                deleted,
            ],
            &[],
            &[],
        );
        let held: BTreeSet<String> = ["current", "rotated", "approver", "dan"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        let id = |u: &str| parse_account_id(u).unwrap();
        assert_eq!(
            credential_changes(&snap, &held),
            [
                CredentialChange::Upsert {
                    user: id("fresh"),
                    generation: 1
                },
                CredentialChange::Upsert {
                    user: id("rotated"),
                    generation: 3
                },
                CredentialChange::Upsert {
                    user: id("wiped"),
                    generation: 1
                },
                CredentialChange::Delete {
                    user: id("approver")
                },
                CredentialChange::Delete { user: id("dan") },
            ]
        );
    }
}

//! `AccessReconciler`: makes Kafka enforce what the registry decided.
//!
//! It runs in the admin process, which holds the registry and the key the
//! users' Kafka passwords are derived from, and connects to Kafka as a
//! super user. Each pass reads the registry once, asks Kafka which SCRAM
//! credentials and ACLs exist, and changes only the difference: a pass
//! over an unchanged registry asks Kafka two questions and changes
//! nothing. A pass starts as soon as a change to users, subscriptions or
//! topic states commits, and every `reconcile_interval` regardless, so an
//! ACL removed by hand comes back.

pub mod plan;

use std::collections::BTreeSet;
use std::sync::Arc;

use actix::prelude::*;

use self::plan::{CredentialChange, Grant};
use crate::actors::registry::{AccessApplied, ReadAccess, TopicRegistry};
use crate::config::KafkaUserSettings;
use crate::db::topics_version::TopicsVersion;
use crate::identity::KafkaPasswords;
use crate::kafka_access::{AccessError, AclFilter, KafkaAccess, SCRAM_ITERATIONS, ScramMechanism};
use crate::web::AdminMetrics;

/// Provisions users' SCRAM credentials and the ACLs of their subscriptions.
pub struct AccessReconciler {
    registry: Addr<TopicRegistry>,
    kafka: Arc<KafkaAccess>,
    passwords: KafkaPasswords,
    settings: KafkaUserSettings,
    changes: TopicsVersion,
    metrics: AdminMetrics,
}

impl AccessReconciler {
    pub fn new(
        registry: Addr<TopicRegistry>,
        kafka: KafkaAccess,
        settings: KafkaUserSettings,
        changes: TopicsVersion,
        metrics: AdminMetrics,
    ) -> Self {
        AccessReconciler {
            registry,
            kafka: Arc::new(kafka),
            passwords: KafkaPasswords::new(settings.credential_secret.clone()),
            settings,
            changes,
            metrics,
        }
    }
}

impl Actor for AccessReconciler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let pass = Pass {
            registry: self.registry.clone(),
            kafka: self.kafka.clone(),
            passwords: self.passwords.clone(),
            producer: self.settings.producer_principal.clone(),
        };
        let changes = self.changes.clone();
        let metrics = self.metrics.clone();
        let interval = self.settings.reconcile_interval;
        ctx.spawn(
            async move {
                let mut last_error = None::<String>;
                loop {
                    let seen = changes.current();
                    let outcome = pass.run().await;
                    metrics.count_access_pass(outcome.as_ref().ok().map(|s| s.managed));
                    match outcome {
                        Ok(summary) => {
                            if last_error.take().is_some() {
                                log::info!("Kafka access reconciled again");
                            }
                            if !summary.is_empty() {
                                log::info!("Kafka access: {summary}");
                            }
                        }
                        Err(e) => {
                            let text = e.to_string();
                            // Once per distinct failure, not once per pass.
                            if last_error.as_deref() != Some(&text) {
                                log::warn!("Kafka access not reconciled: {text}");
                            }
                            last_error = Some(text);
                        }
                    }
                    changes.changed_since(seen, interval).await;
                    if changes.is_closed() {
                        break;
                    }
                }
            }
            .into_actor(self),
        );
    }
}

/// One reconciliation, with everything it needs.
struct Pass {
    registry: Addr<TopicRegistry>,
    kafka: Arc<KafkaAccess>,
    passwords: KafkaPasswords,
    producer: Option<String>,
}

/// What a pass changed, for the log.
#[derive(Default)]
struct Summary {
    /// The ACLs topicgate keeps in Kafka after the pass.
    managed: usize,
    created: usize,
    removed: usize,
    credentials_set: usize,
    credentials_removed: usize,
}

impl Summary {
    fn is_empty(&self) -> bool {
        self.created + self.removed + self.credentials_set + self.credentials_removed == 0
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ACL(s) created, {} removed; {} SCRAM credential(s) set, {} removed",
            self.created, self.removed, self.credentials_set, self.credentials_removed
        )
    }
}

#[derive(Debug, thiserror::Error)]
enum PassError {
    #[error("the registry: {0}")]
    Registry(String),
    #[error("{0}")]
    Kafka(#[from] AccessError),
}

impl Pass {
    async fn run(&self) -> Result<Summary, PassError> {
        let snapshot = self
            .registry
            .send(ReadAccess)
            .await
            .map_err(|e| PassError::Registry(e.to_string()))?
            .map_err(|e| PassError::Registry(e.to_string()))?;
        let mut applied = AccessApplied::default();
        let mut summary = Summary::default();

        // Credentials first: a new consumer's ACLs are useless without them.
        let held: BTreeSet<String> = self
            .kafka
            .describe_scram_credentials(&[])
            .await?
            .into_iter()
            .filter(|user| {
                user.credentials
                    .iter()
                    .any(|c| c.mechanism == ScramMechanism::Sha512)
            })
            .map(|user| user.user)
            .collect();
        let mut failed = None;
        for change in plan::credential_changes(&snapshot, &held) {
            let done = match &change {
                CredentialChange::Upsert { user, generation } => {
                    let password = self.passwords.password(user, *generation);
                    self.kafka
                        .upsert_scram_credential(
                            user.as_str(),
                            ScramMechanism::Sha512,
                            &password,
                            *SCRAM_ITERATIONS.start(),
                        )
                        .await
                        .map(|()| (user.clone(), Some(*generation)))
                }
                CredentialChange::Delete { user } => self
                    .kafka
                    .delete_scram_credential(user.as_str(), ScramMechanism::Sha512)
                    .await
                    .or_else(|e| absent_is_fine(e, &held, user.as_str()))
                    .map(|()| (user.clone(), None)),
            };
            match done {
                Ok((user, generation)) => {
                    match generation {
                        Some(_) => summary.credentials_set += 1,
                        None => summary.credentials_removed += 1,
                    }
                    applied.credentials.push((user, generation));
                }
                // Go on with the others; the pass still reports failure.
                Err(e) => failed = Some(e),
            }
        }

        let desired = plan::desired(&snapshot, self.producer.as_deref());
        let ledger: BTreeSet<Grant> = snapshot.ledger.iter().filter_map(Grant::of_row).collect();
        let actual: BTreeSet<Grant> = self
            .kafka
            .describe_acls(&AclFilter::default())
            .await?
            .iter()
            .filter_map(Grant::of_binding)
            .collect();
        let changes = plan::acl_changes(&desired, &ledger, &actual);
        summary.managed = desired.len();
        if !changes.create.is_empty() {
            let bindings: Vec<_> = changes.create.iter().map(Grant::binding).collect();
            match self.kafka.create_acls(&bindings).await {
                Ok(()) => {
                    summary.created = changes.create.len();
                    applied.created = changes.create.iter().map(Grant::row).collect();
                }
                Err(e) => failed = Some(e),
            }
        }
        let forget = changes.forget.iter().map(Grant::row).collect();
        if changes.remove.is_empty() {
            applied.removed = forget;
        } else {
            let filters: Vec<_> = changes
                .remove
                .iter()
                .map(|g| AclFilter::from(&g.binding()))
                .collect();
            match self.kafka.delete_acls(&filters).await {
                Ok(_) => {
                    summary.removed = changes.remove.len();
                    applied.removed = forget;
                }
                // They stay in the ledger, so the next pass tries again.
                Err(e) => failed = Some(e),
            }
        }
        self.registry
            .send(applied)
            .await
            .map_err(|e| PassError::Registry(e.to_string()))?
            .map_err(|e| PassError::Registry(e.to_string()))?;
        match failed {
            Some(e) => Err(e.into()),
            None => Ok(summary),
        }
    }
}

/// Deleting a credential Kafka does not hold is what was wanted.
fn absent_is_fine(e: AccessError, held: &BTreeSet<String>, user: &str) -> Result<(), AccessError> {
    if held.contains(user) { Err(e) } else { Ok(()) }
}

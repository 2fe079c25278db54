//! SCRAM credentials: the passwords Kafka itself checks when a user logs
//! in with SASL/SCRAM, and the calls that set, remove and list them.

use std::fmt;

use rdkafka::bindings as rd;
use rdkafka::types::RDKafkaErrorCode;

use super::KafkaAccess;
use super::error::{AccessError, ItemFailure, c_string};
use super::native::{self, NativeAlteration};
use crate::config::Secret;

/// The fewest and the most hash iterations Kafka accepts for a credential.
pub const SCRAM_ITERATIONS: std::ops::RangeInclusive<u32> = 4096..=16384;

/// Bytes of random salt per credential; each upsert draws a new salt, so
/// two users with one password still store different keys.
const SALT_LEN: usize = 32;

/// A SCRAM hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScramMechanism {
    Sha256,
    Sha512,
}

impl ScramMechanism {
    pub(super) fn to_native(self) -> rd::rd_kafka_ScramMechanism_t {
        match self {
            ScramMechanism::Sha256 => {
                rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_256
            }
            ScramMechanism::Sha512 => {
                rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_512
            }
        }
    }

    pub(super) fn from_native(value: rd::rd_kafka_ScramMechanism_t) -> Option<Self> {
        match value {
            rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_256 => {
                Some(ScramMechanism::Sha256)
            }
            rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_512 => {
                Some(ScramMechanism::Sha512)
            }
            _ => None,
        }
    }
}

impl fmt::Display for ScramMechanism {
    /// The name clients configure (`sasl.mechanism`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
        })
    }
}

/// One credential a user has (never its keys: Kafka does not show them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScramCredentialInfo {
    pub mechanism: ScramMechanism,
    pub iterations: i32,
}

/// A user's SCRAM credentials; none when the user has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScramCredentials {
    pub user: String,
    pub credentials: Vec<ScramCredentialInfo>,
}

fn checked_user(user: &str) -> Result<std::ffi::CString, AccessError> {
    if user.is_empty() {
        return Err(AccessError::Invalid("the SCRAM user name is empty".into()));
    }
    c_string("SCRAM user name", user)
}

impl KafkaAccess {
    /// Sets `user`'s `mechanism` credential to `password`, hashed
    /// `iterations` times with a fresh random salt. The password is sent to
    /// Kafka only as the salted hash it stores.
    pub async fn upsert_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
        password: &Secret,
        iterations: u32,
    ) -> Result<(), AccessError> {
        let name = checked_user(user)?;
        if !SCRAM_ITERATIONS.contains(&iterations) {
            return Err(AccessError::Invalid(format!(
                "{iterations} SCRAM iterations: Kafka accepts {} to {}",
                SCRAM_ITERATIONS.start(),
                SCRAM_ITERATIONS.end()
            )));
        }
        let iterations = i32::try_from(iterations)
            .map_err(|_| AccessError::Invalid("too many SCRAM iterations".into()))?;
        // An empty password is refused by Secret itself.
        let salt: [u8; SALT_LEN] = rand::random();
        let alteration = NativeAlteration::upsertion(
            &name,
            mechanism.to_native(),
            iterations,
            password.expose().as_bytes(),
            &salt,
        )?;
        self.alter(user, alteration).await
    }

    /// Removes `user`'s `mechanism` credential, so the user can no longer
    /// log in with it. Kafka refuses (`RESOURCE_NOT_FOUND`) when there is none.
    pub async fn delete_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
    ) -> Result<(), AccessError> {
        let name = checked_user(user)?;
        let alteration = NativeAlteration::deletion(&name, mechanism.to_native())?;
        self.alter(user, alteration).await
    }

    async fn alter(&self, user: &str, alteration: NativeAlteration) -> Result<(), AccessError> {
        let outcomes =
            native::alter_scram_credentials(&self.client, &[alteration], self.request_timeout)
                .await?;
        let failures: Vec<ItemFailure> = outcomes
            .into_iter()
            .filter_map(|(answered, failure)| {
                failure.map(|failure| ItemFailure {
                    item: format!(
                        "the SCRAM credential of {:?}",
                        if answered.is_empty() { user } else { &answered }
                    ),
                    failure,
                })
            })
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(AccessError::Items(failures))
        }
    }

    /// The credentials of `users`, in Kafka's order, or of every user with
    /// any when `users` is empty. A user without credentials is listed with
    /// none.
    pub async fn describe_scram_credentials(
        &self,
        users: &[&str],
    ) -> Result<Vec<UserScramCredentials>, AccessError> {
        let names = users
            .iter()
            .map(|user| checked_user(user))
            .collect::<Result<Vec<_>, _>>()?;
        let described =
            native::describe_scram_credentials(&self.client, &names, self.request_timeout).await?;
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for entry in described {
            match entry.outcome {
                Ok(infos) => found.push(UserScramCredentials {
                    credentials: infos
                        .into_iter()
                        .filter_map(|(mechanism, iterations)| {
                            ScramMechanism::from_native(mechanism).map(|mechanism| {
                                ScramCredentialInfo {
                                    mechanism,
                                    iterations,
                                }
                            })
                        })
                        .collect(),
                    user: entry.user,
                }),
                Err(failure) if failure.code == RDKafkaErrorCode::ResourceNotFound => {
                    found.push(UserScramCredentials {
                        user: entry.user,
                        credentials: Vec::new(),
                    })
                }
                Err(failure) => failures.push(ItemFailure {
                    item: format!("the SCRAM credentials of {:?}", entry.user),
                    failure,
                }),
            }
        }
        if failures.is_empty() {
            Ok(found)
        } else {
            Err(AccessError::Items(failures))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanisms_map_to_their_constants_and_back() {
        for mechanism in [ScramMechanism::Sha256, ScramMechanism::Sha512] {
            assert_eq!(
                ScramMechanism::from_native(mechanism.to_native()),
                Some(mechanism)
            );
        }
        assert_eq!(
            ScramMechanism::Sha512.to_native(),
            rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_512
        );
        assert_eq!(
            ScramMechanism::from_native(
                rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_UNKNOWN
            ),
            None
        );
        assert_eq!(ScramMechanism::Sha512.to_string(), "SCRAM-SHA-512");
    }

    #[test]
    fn user_names_are_checked_before_any_call() {
        assert!(checked_user("alice").is_ok());
        let error = checked_user("al\0ice").expect_err("refused");
        assert!(error.to_string().contains("NUL byte"), "{error}");
        assert!(checked_user("").is_err());
    }
}

//! What a registered user may do. A user holds one or more roles.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldError;

/// One role. `Admin` may do everything, including managing users.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Everything, and users.
    Admin,
    /// Approves, rejects, deactivates, reactivates and deletes topics, and
    /// decides change requests.
    Approver,
    /// Requests topics and changes to them; withdraws their own requests.
    Requester,
    /// Subscribes (in their own name) and reads.
    Consumer,
}

/// A non-empty set of roles, kept sorted; stored as `admin,consumer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    /// Checks a request's role names: at least one, each known.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, FieldError> {
        let mut roles = BTreeSet::new();
        for name in names {
            let name = name.as_ref().trim();
            let role = name.parse::<Role>().map_err(|_| {
                FieldError::new(
                    "roles",
                    format!(
                        "unknown role '{}': expected admin, approver, requester or consumer",
                        name.escape_debug()
                    ),
                )
            })?;
            roles.insert(role);
        }
        if roles.is_empty() {
            return Err(FieldError::new("roles", "at least one role is required"));
        }
        Ok(Roles(roles))
    }

    /// Reads the stored form; a role this build does not know is skipped,
    /// so a newer registry never grants an older binary more than it knows.
    pub fn from_stored(stored: &str) -> Self {
        Roles(
            stored
                .split(',')
                .filter_map(|name| name.trim().parse().ok())
                .collect(),
        )
    }

    /// The stored form: sorted names joined by commas.
    pub fn stored(&self) -> String {
        self.to_string()
    }

    /// Every role: what the bootstrap admin token stands for.
    pub fn all() -> Self {
        use strum::VariantArray;
        Roles(Role::VARIANTS.iter().copied().collect())
    }

    /// Whether these roles include `role`. `Admin` includes every role.
    pub fn allows(&self, role: Role) -> bool {
        self.0.contains(&Role::Admin) || self.0.contains(&role)
    }

    /// The roles themselves, sorted.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(Role::to_string).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_parsed_sorted_and_deduplicated() {
        let roles = Roles::parse(&["consumer", " approver ", "consumer"]).unwrap();
        assert_eq!(roles.stored(), "approver,consumer");
        assert_eq!(Roles::from_stored(&roles.stored()), roles);
        assert_eq!(
            serde_json::to_string(&roles).unwrap(),
            r#"["approver","consumer"]"#
        );
    }

    #[test]
    fn unknown_or_missing_roles_are_refused() {
        let err = Roles::parse(&["root"]).unwrap_err().to_string();
        assert!(err.contains("unknown role 'root'"), "{err}");
        let none: [&str; 0] = [];
        assert!(Roles::parse(&none).is_err());
    }

    #[test]
    fn admin_allows_every_role_and_others_only_their_own() {
        let admin = Roles::parse(&["admin"]).unwrap();
        let consumer = Roles::parse(&["consumer"]).unwrap();
        assert!(admin.allows(Role::Approver) && admin.allows(Role::Consumer));
        assert!(consumer.allows(Role::Consumer));
        assert!(!consumer.allows(Role::Approver) && !consumer.allows(Role::Admin));
        assert_eq!(Roles::all().stored(), "admin,approver,requester,consumer");
    }

    #[test]
    fn unknown_stored_roles_grant_nothing() {
        assert_eq!(
            Roles::from_stored("consumer,superuser").stored(),
            "consumer"
        );
    }
}

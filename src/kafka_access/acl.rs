//! Kafka ACLs: who may do what to which resource, and the calls that
//! create, show and delete them.

use std::fmt;

use rdkafka::bindings as rd;

use super::KafkaAccess;
use super::error::{AccessError, ItemFailure, c_string};
use super::native::{self, NativeAcl, RawAcl, RawAclSpec};

/// Maps a closed set to librdkafka's constants, both ways, and names
/// each member as Kafka does.
macro_rules! native_enum {
    ($(#[$doc:meta])* $name:ident => $native:ty { $($(#[$vdoc:meta])* $variant:ident = $constant:ident, $text:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub(super) fn to_native(self) -> $native {
                match self {
                    $($name::$variant => <$native>::$constant,)+
                }
            }

            // A filter's pattern is never read back from Kafka.
            #[allow(dead_code)]
            pub(super) fn from_native(value: $native) -> Option<Self> {
                $(if value == <$native>::$constant {
                    return Some($name::$variant);
                })+
                None
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $($name::$variant => $text,)+
                })
            }
        }
    };
}

native_enum! {
    /// The kind of resource an ACL is about.
    ResourceType => rd::rd_kafka_ResourceType_t {
        Topic = RD_KAFKA_RESOURCE_TOPIC, "TOPIC";
        Group = RD_KAFKA_RESOURCE_GROUP, "GROUP";
        /// The cluster itself (its one name is `kafka-cluster`); librdkafka
        /// calls this resource type BROKER.
        Cluster = RD_KAFKA_RESOURCE_BROKER, "CLUSTER";
        TransactionalId = RD_KAFKA_RESOURCE_TRANSACTIONAL_ID, "TRANSACTIONAL_ID";
    }
}

native_enum! {
    /// How an ACL's resource name is matched.
    PatternType => rd::rd_kafka_ResourcePatternType_t {
        /// The resource of exactly this name (`*` is every resource).
        Literal = RD_KAFKA_RESOURCE_PATTERN_LITERAL, "LITERAL";
        /// Every resource whose name starts with this.
        Prefixed = RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "PREFIXED";
    }
}

native_enum! {
    /// Which bindings' pattern a filter selects.
    PatternFilter => rd::rd_kafka_ResourcePatternType_t {
        /// Bindings of either pattern type.
        Any = RD_KAFKA_RESOURCE_PATTERN_ANY, "ANY";
        /// Every binding that applies to the named resource: literal ones
        /// of that name or `*`, and prefixed ones that are its prefix.
        Match = RD_KAFKA_RESOURCE_PATTERN_MATCH, "MATCH";
        Literal = RD_KAFKA_RESOURCE_PATTERN_LITERAL, "LITERAL";
        Prefixed = RD_KAFKA_RESOURCE_PATTERN_PREFIXED, "PREFIXED";
    }
}

native_enum! {
    /// What an ACL allows or denies.
    Operation => rd::rd_kafka_AclOperation_t {
        All = RD_KAFKA_ACL_OPERATION_ALL, "ALL";
        Read = RD_KAFKA_ACL_OPERATION_READ, "READ";
        Write = RD_KAFKA_ACL_OPERATION_WRITE, "WRITE";
        Create = RD_KAFKA_ACL_OPERATION_CREATE, "CREATE";
        Delete = RD_KAFKA_ACL_OPERATION_DELETE, "DELETE";
        Alter = RD_KAFKA_ACL_OPERATION_ALTER, "ALTER";
        Describe = RD_KAFKA_ACL_OPERATION_DESCRIBE, "DESCRIBE";
        ClusterAction = RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION, "CLUSTER_ACTION";
        DescribeConfigs = RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS, "DESCRIBE_CONFIGS";
        AlterConfigs = RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS, "ALTER_CONFIGS";
        IdempotentWrite = RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE, "IDEMPOTENT_WRITE";
    }
}

native_enum! {
    /// Whether an ACL allows or denies its operation.
    Permission => rd::rd_kafka_AclPermissionType_t {
        Allow = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, "ALLOW";
        Deny = RD_KAFKA_ACL_PERMISSION_TYPE_DENY, "DENY";
    }
}

/// One ACL: `principal` from `host` is allowed (or denied) `operation`
/// on the resources `name` and `pattern` select.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AclBinding {
    pub resource_type: ResourceType,
    pub name: String,
    pub pattern: PatternType,
    /// `User:alice`; Kafka's SCRAM users are `User:<name>`.
    pub principal: String,
    /// The client address it applies to; `*` for any.
    pub host: String,
    pub operation: Operation,
    pub permission: Permission,
}

impl AclBinding {
    /// Allows `principal`, from any host, `operation` on the one resource
    /// `name` of `resource_type`.
    pub fn allow(
        principal: impl Into<String>,
        operation: Operation,
        resource_type: ResourceType,
        name: impl Into<String>,
    ) -> Self {
        Self {
            resource_type,
            name: name.into(),
            pattern: PatternType::Literal,
            principal: principal.into(),
            host: "*".into(),
            operation,
            permission: Permission::Allow,
        }
    }

    /// The binding as librdkafka takes it; refused when a string holds a
    /// NUL byte or is empty.
    fn to_native(&self) -> Result<NativeAcl, AccessError> {
        for (what, value) in [
            ("resource name", &self.name),
            ("principal", &self.principal),
            ("host", &self.host),
        ] {
            if value.is_empty() {
                return Err(AccessError::Invalid(format!("the ACL's {what} is empty")));
            }
        }
        NativeAcl::binding(&RawAclSpec {
            restype: self.resource_type.to_native(),
            name: Some(c_string("resource name", &self.name)?),
            pattern: self.pattern.to_native(),
            principal: Some(c_string("principal", &self.principal)?),
            host: Some(c_string("host", &self.host)?),
            operation: self.operation.to_native(),
            permission: self.permission.to_native(),
        })
    }

    fn from_raw(raw: RawAcl) -> Result<Self, AccessError> {
        let unknown = |what: &str, value: u32| {
            AccessError::Invalid(format!(
                "Kafka returned an ACL with an unknown {what} ({value})"
            ))
        };
        Ok(Self {
            resource_type: ResourceType::from_native(raw.restype)
                .ok_or_else(|| unknown("resource type", raw.restype as u32))?,
            name: raw.name,
            pattern: PatternType::from_native(raw.pattern)
                .ok_or_else(|| unknown("pattern type", raw.pattern as u32))?,
            principal: raw.principal,
            host: raw.host,
            operation: Operation::from_native(raw.operation)
                .ok_or_else(|| unknown("operation", raw.operation as u32))?,
            permission: Permission::from_native(raw.permission)
                .ok_or_else(|| unknown("permission", raw.permission as u32))?,
        })
    }
}

impl fmt::Display for AclBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} on {} {:?} ({}) from {}",
            self.permission,
            self.principal,
            self.operation,
            self.resource_type,
            self.name,
            self.pattern,
            self.host
        )
    }
}

/// Selects ACL bindings; a `None` field matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclFilter {
    pub resource_type: Option<ResourceType>,
    pub name: Option<String>,
    /// `None` is [`PatternFilter::Any`].
    pub pattern: Option<PatternFilter>,
    pub principal: Option<String>,
    pub host: Option<String>,
    pub operation: Option<Operation>,
    pub permission: Option<Permission>,
}

impl AclFilter {
    /// Every binding of `principal`.
    pub fn principal(principal: impl Into<String>) -> Self {
        Self {
            principal: Some(principal.into()),
            ..Self::default()
        }
    }

    fn to_native(&self) -> Result<NativeAcl, AccessError> {
        let text =
            |what, value: &Option<String>| value.as_deref().map(|v| c_string(what, v)).transpose();
        NativeAcl::filter(&RawAclSpec {
            restype: self.resource_type.map_or(
                rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_ANY,
                ResourceType::to_native,
            ),
            name: text("resource name", &self.name)?,
            pattern: self.pattern.unwrap_or(PatternFilter::Any).to_native(),
            principal: text("principal", &self.principal)?,
            host: text("host", &self.host)?,
            operation: self.operation.map_or(
                rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_ANY,
                Operation::to_native,
            ),
            permission: self.permission.map_or(
                rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
                Permission::to_native,
            ),
        })
    }
}

impl From<&AclBinding> for AclFilter {
    /// Exactly this binding.
    fn from(binding: &AclBinding) -> Self {
        Self {
            resource_type: Some(binding.resource_type),
            name: Some(binding.name.clone()),
            pattern: Some(match binding.pattern {
                PatternType::Literal => PatternFilter::Literal,
                PatternType::Prefixed => PatternFilter::Prefixed,
            }),
            principal: Some(binding.principal.clone()),
            host: Some(binding.host.clone()),
            operation: Some(binding.operation),
            permission: Some(binding.permission),
        }
    }
}

impl fmt::Display for AclFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn any<T: fmt::Display>(value: &Option<T>) -> String {
            value
                .as_ref()
                .map_or_else(|| "any".to_owned(), ToString::to_string)
        }
        write!(
            f,
            "filter {} {} {} on {} {} ({}) from {}",
            any(&self.permission),
            any(&self.principal),
            any(&self.operation),
            any(&self.resource_type),
            any(&self.name),
            any(&self.pattern),
            any(&self.host)
        )
    }
}

impl KafkaAccess {
    /// Creates `acls` (creating one that exists changes nothing). Every
    /// binding is checked before anything is sent; when Kafka refuses some,
    /// the others still took effect and the error lists the refused ones.
    pub async fn create_acls(&self, acls: &[AclBinding]) -> Result<(), AccessError> {
        if acls.is_empty() {
            return Ok(());
        }
        let natives = acls
            .iter()
            .map(AclBinding::to_native)
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = native::create_acls(&self.client, &natives, self.request_timeout).await?;
        let failures: Vec<ItemFailure> = acls
            .iter()
            .zip(outcomes)
            .filter_map(|(acl, outcome)| {
                outcome.map(|failure| ItemFailure {
                    item: acl.to_string(),
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

    /// The bindings `filter` selects.
    pub async fn describe_acls(&self, filter: &AclFilter) -> Result<Vec<AclBinding>, AccessError> {
        let native = filter.to_native()?;
        native::describe_acls(&self.client, &native, self.request_timeout)
            .await?
            .into_iter()
            .map(AclBinding::from_raw)
            .collect()
    }

    /// Deletes every binding any of `filters` selects and returns them. No
    /// filters is no request (an empty list never means "all").
    pub async fn delete_acls(&self, filters: &[AclFilter]) -> Result<Vec<AclBinding>, AccessError> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }
        let natives = filters
            .iter()
            .map(AclFilter::to_native)
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = native::delete_acls(&self.client, &natives, self.request_timeout).await?;
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for (filter, outcome) in filters.iter().zip(outcomes) {
            match outcome {
                Ok(acls) => deleted.extend(acls),
                Err(failure) => failures.push(ItemFailure {
                    item: filter.to_string(),
                    failure,
                }),
            }
        }
        if !failures.is_empty() {
            return Err(AccessError::Items(failures));
        }
        deleted.into_iter().map(AclBinding::from_raw).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_maps_to_its_own_constant_and_back() {
        fn round_trip<T: Copy + PartialEq + fmt::Debug, N: Copy + PartialEq + fmt::Debug>(
            all: &[T],
            to: impl Fn(T) -> N,
            from: impl Fn(N) -> Option<T>,
        ) {
            let natives: Vec<N> = all.iter().map(|m| to(*m)).collect();
            for (member, native) in all.iter().zip(&natives) {
                assert_eq!(from(*native), Some(*member), "{member:?} <-> {native:?}");
                assert_eq!(natives.iter().filter(|n| *n == native).count(), 1);
            }
        }
        round_trip(
            ResourceType::ALL,
            ResourceType::to_native,
            ResourceType::from_native,
        );
        round_trip(
            PatternType::ALL,
            PatternType::to_native,
            PatternType::from_native,
        );
        round_trip(
            PatternFilter::ALL,
            PatternFilter::to_native,
            PatternFilter::from_native,
        );
        round_trip(Operation::ALL, Operation::to_native, Operation::from_native);
        round_trip(
            Permission::ALL,
            Permission::to_native,
            Permission::from_native,
        );
    }

    #[test]
    fn members_are_kafkas_own_constants() {
        use rd::rd_kafka_AclOperation_t as Op;
        assert_eq!(Operation::Read.to_native(), Op::RD_KAFKA_ACL_OPERATION_READ);
        assert_eq!(
            Operation::Describe.to_native(),
            Op::RD_KAFKA_ACL_OPERATION_DESCRIBE
        );
        assert_eq!(
            ResourceType::Cluster.to_native(),
            rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_BROKER
        );
        assert_eq!(
            Permission::Deny.to_native(),
            rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_DENY
        );
    }

    #[test]
    fn wildcards_are_not_members() {
        assert_eq!(
            Operation::from_native(rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_ANY),
            None
        );
        assert_eq!(
            PatternType::from_native(
                rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_MATCH
            ),
            None
        );
    }

    #[test]
    fn a_nul_byte_in_any_string_is_refused() {
        let good = AclBinding::allow("User:alice", Operation::Read, ResourceType::Topic, "orders");
        assert!(good.to_native().is_ok());
        let spoilers: [fn(&mut AclBinding); 3] = [
            |b| b.name = "ord\0ers".into(),
            |b| b.principal = "User:al\0ice".into(),
            |b| b.host = "*\0".into(),
        ];
        for spoil in spoilers {
            let mut bad = good.clone();
            spoil(&mut bad);
            let error = bad.to_native().err().expect("refused");
            assert!(error.to_string().contains("NUL byte"), "{error}");
        }
        let filter = AclFilter::principal("User:\0");
        let error = filter.to_native().err().expect("refused");
        assert!(error.to_string().contains("NUL byte"), "{error}");
    }

    #[test]
    fn an_empty_string_in_a_binding_is_refused() {
        let mut binding = AclBinding::allow("User:alice", Operation::Read, ResourceType::Topic, "");
        assert!(binding.to_native().is_err());
        binding.name = "orders".into();
        binding.host = String::new();
        assert!(binding.to_native().is_err());
    }

    #[test]
    fn a_filter_of_a_binding_selects_exactly_it() {
        let binding = AclBinding::allow("User:alice", Operation::Read, ResourceType::Group, "g");
        let filter = AclFilter::from(&binding);
        assert_eq!(filter.pattern, Some(PatternFilter::Literal));
        assert_eq!(filter.operation, Some(Operation::Read));
        assert!(filter.to_native().is_ok());
        assert!(AclFilter::default().to_native().is_ok());
    }
}

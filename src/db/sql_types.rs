//! Domain values stored as their text spelling, and typed ids as integers,
//! on both backends and on the backend that stands for either.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;

use super::MultiBackend;
use crate::domain::{
    ChangeRequestStatus, DataType, KafkaState, SubscriptionStatus, TopicId, TopicName, TopicStatus,
    UserId, parse_user_id,
};
use crate::schema::ValueFormat;

/// Reads the column as text and parses it with `$parse`, on each backend.
macro_rules! text_from_sql {
    ($ty:ty, $parse:expr) => {
        text_from_sql!(@on Sqlite, $ty, $parse);
        text_from_sql!(@on Pg, $ty, $parse);
        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, Text>()
            }
        }
    };
    (@on $db:ty, $ty:ty, $parse:expr) => {
        impl FromSql<Text, $db> for $ty {
            fn from_sql(value: <$db as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, $db>>::from_sql(value)?;
                $parse(&text).map_err(Into::into)
            }
        }
    };
}

/// Writes the value's `as_str` spelling as text, on each backend.
macro_rules! text_to_sql {
    ($ty:ty) => {
        text_to_sql!(@on Sqlite, $ty);
        text_to_sql!(@on Pg, $ty);
        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    };
    (@on $db:ty, $ty:ty) => {
        impl ToSql<Text, $db> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                <str as ToSql<Text, $db>>::to_sql(self.as_str(), out)
            }
        }
    };
}

text_to_sql!(TopicStatus);
text_to_sql!(ChangeRequestStatus);
text_from_sql!(ChangeRequestStatus, |t: &str| t
    .parse::<ChangeRequestStatus>());
text_to_sql!(KafkaState);
text_from_sql!(KafkaState, |t: &str| t.parse::<KafkaState>());
text_from_sql!(TopicStatus, |t: &str| t.parse::<TopicStatus>());
text_to_sql!(DataType);
text_from_sql!(DataType, |t: &str| t.parse::<DataType>());
text_to_sql!(ValueFormat);
text_from_sql!(ValueFormat, |t: &str| t.parse::<ValueFormat>());
text_to_sql!(SubscriptionStatus);
text_from_sql!(SubscriptionStatus, |t: &str| t
    .parse::<SubscriptionStatus>());
// A stored user id is checked again as it is read: rows are an edge too.
text_to_sql!(UserId);
text_from_sql!(UserId, parse_user_id);
// Names are written checked; rows are read back as plain strings, since a
// registry may hold names from before today's rules.
text_to_sql!(TopicName);

/// Writes and reads a topic id as its integer, on each backend.
macro_rules! topic_id_sql {
    ($($db:ty),*) => {$(
        impl ToSql<Integer, $db> for TopicId {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                <i32 as ToSql<Integer, $db>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<Integer, $db> for TopicId {
            fn from_sql(value: <$db as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <i32 as FromSql<Integer, $db>>::from_sql(value).map(TopicId)
            }
        }
    )*};
}

topic_id_sql!(Sqlite, Pg);

impl ToSql<Integer, MultiBackend> for TopicId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Integer, self));
        Ok(IsNull::No)
    }
}

impl FromSql<Integer, MultiBackend> for TopicId {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Integer>()
    }
}

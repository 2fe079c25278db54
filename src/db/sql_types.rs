//! Domain values stored as their text spelling, and typed ids as integers.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;

use crate::domain::{
    ChangeRequestStatus, DataType, KafkaState, SubscriptionStatus, TopicId, TopicName, TopicStatus,
    UserId, parse_user_id,
};
use crate::schema::ValueFormat;

/// Reads the column as text and parses it with `$parse`.
macro_rules! text_from_sql {
    ($ty:ty, $parse:expr) => {
        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
                $parse(&text).map_err(Into::into)
            }
        }
    };
}

/// Writes the value's `as_str` spelling as text.
macro_rules! text_to_sql {
    ($ty:ty) => {
        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
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

impl ToSql<Integer, Sqlite> for TopicId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0);
        Ok(IsNull::No)
    }
}

impl FromSql<Integer, Sqlite> for TopicId {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <i32 as FromSql<Integer, Sqlite>>::from_sql(value).map(TopicId)
    }
}

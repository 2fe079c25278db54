use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

/// The kind of records a topic carries; it picks the producer's payload maker.
///
/// Parsing ignores ASCII case and takes the common singular/short spellings
/// besides the canonical names; callers trim what people typed.
// Stored as text in the registry (see db::sql_types).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_data_type
)]
pub enum DataType {
    #[strum(to_string = "sensor", serialize = "sensors")]
    Sensor,
    Weather,
    #[strum(to_string = "payments", serialize = "payment")]
    Payments,
    #[strum(
        to_string = "user_activity",
        serialize = "user",
        serialize = "user-activity",
        serialize = "useractivity"
    )]
    UserActivity,
    #[strum(to_string = "logs", serialize = "log")]
    Logs,
    #[strum(to_string = "stock", serialize = "stocks")]
    Stock,
    Generic,
}

impl DataType {
    /// The canonical spelling, stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Guesses the data type from a topic name, as the original system did:
    /// `sensor_data` carries sensor readings, `payment-events` payments, and
    /// anything unrecognised generic records.
    pub fn infer_from_name(name: &str) -> DataType {
        let name = name.to_ascii_lowercase();
        const HINTS: [(&str, DataType); 12] = [
            ("sensor", DataType::Sensor),
            ("iot", DataType::Sensor),
            ("weather", DataType::Weather),
            ("payment", DataType::Payments),
            ("transaction", DataType::Payments),
            ("user", DataType::UserActivity),
            ("activity", DataType::UserActivity),
            ("click", DataType::UserActivity),
            ("log", DataType::Logs),
            ("stock", DataType::Stock),
            ("ticker", DataType::Stock),
            ("price", DataType::Stock),
        ];
        HINTS
            .into_iter()
            .find(|(hint, _)| name.contains(hint))
            .map_or(DataType::Generic, |(_, data_type)| data_type)
    }
}

/// Names every canonical spelling, so a refusal says what would be accepted.
fn unknown_data_type(raw: &str) -> String {
    let names: Vec<&str> = DataType::iter().map(DataType::as_str).collect();
    format!(
        "unknown data type {raw:?}; expected one of {}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_from_topic_names() {
        assert_eq!(DataType::infer_from_name("sensor_data"), DataType::Sensor);
        assert_eq!(DataType::infer_from_name("Weather.eu"), DataType::Weather);
        assert_eq!(
            DataType::infer_from_name("payment-events"),
            DataType::Payments
        );
        assert_eq!(
            DataType::infer_from_name("user_clicks"),
            DataType::UserActivity
        );
        assert_eq!(DataType::infer_from_name("app_logs"), DataType::Logs);
        assert_eq!(DataType::infer_from_name("stock_ticks"), DataType::Stock);
        assert_eq!(DataType::infer_from_name("orders"), DataType::Generic);
    }

    #[test]
    fn parses_canonical_and_short_names() {
        for d in DataType::iter() {
            assert_eq!(d.as_str().parse::<DataType>(), Ok(d));
            assert_eq!(d.to_string(), d.as_str());
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
        }
        assert_eq!(DataType::UserActivity.as_str(), "user_activity");
        assert_eq!("payment".parse::<DataType>(), Ok(DataType::Payments));
        assert_eq!("Payments".parse::<DataType>(), Ok(DataType::Payments));
        assert_eq!(
            "User-Activity".parse::<DataType>(),
            Ok(DataType::UserActivity)
        );
        assert_eq!("SENSORS".parse::<DataType>(), Ok(DataType::Sensor));
        assert_eq!(
            "nonsense".parse::<DataType>(),
            Err("unknown data type \"nonsense\"; expected one of sensor, weather, payments, user_activity, logs, stock, generic".to_owned())
        );
    }
}

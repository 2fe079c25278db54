use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of records a topic carries; it picks the producer's payload maker.
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
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    Sensor,
    Weather,
    Payments,
    UserActivity,
    Logs,
    Stock,
    Generic,
}

impl DataType {
    pub const ALL: [DataType; 7] = [
        DataType::Sensor,
        DataType::Weather,
        DataType::Payments,
        DataType::UserActivity,
        DataType::Logs,
        DataType::Stock,
        DataType::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Sensor => "sensor",
            DataType::Weather => "weather",
            DataType::Payments => "payments",
            DataType::UserActivity => "user_activity",
            DataType::Logs => "logs",
            DataType::Stock => "stock",
            DataType::Generic => "generic",
        }
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

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataType {
    type Err = String;

    /// Accepts the canonical names and the common singular/short spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let found = match wanted.as_str() {
            "payment" => Some(DataType::Payments),
            "user" | "user-activity" | "useractivity" => Some(DataType::UserActivity),
            "log" => Some(DataType::Logs),
            "stocks" => Some(DataType::Stock),
            "sensors" => Some(DataType::Sensor),
            other => DataType::ALL.into_iter().find(|d| d.as_str() == other),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = DataType::ALL.iter().map(|d| d.as_str()).collect();
            format!(
                "unknown data type {s:?}; expected one of {}",
                names.join(", ")
            )
        })
    }
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
        for d in DataType::ALL {
            assert_eq!(d.as_str().parse::<DataType>(), Ok(d));
        }
        assert_eq!("payment".parse::<DataType>(), Ok(DataType::Payments));
        assert!("nonsense".parse::<DataType>().is_err());
    }
}

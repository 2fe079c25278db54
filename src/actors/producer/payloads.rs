//! Payload makers: records that look like the real thing for each data type.
//!
//! Every entity (a sensor, a city, a ticker symbol, a service...) keeps its
//! own state, and each record moves that state by a small random step that
//! is pulled back towards the entity's usual level. Readings of one sensor
//! therefore drift like a real sensor's instead of jumping at random, and
//! stay in a plausible range however long the daemon runs.

use rand::Rng;
use rand::distr::weighted::{Error as WeightError, WeightedIndex};
use rand::seq::IndexedRandom;
use rand_distr::{Distribution, LogNormal, Normal, NormalError};
use serde_json::{Value, json};

use crate::domain::DataType;

/// One record to publish: its Kafka key (the entity id) and its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub key: String,
    pub value: Value,
}

/// Makes the payloads of one topic, remembering each entity's last values.
/// Every distribution it samples is built once, here, not per record.
#[derive(Debug, Clone)]
pub struct PayloadMaker {
    kind: Kind,
}

/// A distribution of the payload tables could not be built. The tables are
/// constants, so only a mistake in them causes this (the unit tests build
/// a maker of every type).
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("invalid weights in a payload table: {0}")]
    Weights(#[from] WeightError),
    #[error("invalid spread in a payload table: {0}")]
    Spread(#[from] NormalError),
}

#[derive(Debug, Clone)]
enum Kind {
    Sensor(Vec<Sensor>),
    Weather(Vec<City>),
    Payments(Payments),
    UserActivity(Visitors),
    Logs(Logs),
    Stock(Market),
    Generic(Vec<Walk>),
}

impl PayloadMaker {
    /// A maker whose entities start at random but plausible levels.
    pub fn new(data_type: DataType, rng: &mut impl Rng) -> Result<Self, PayloadError> {
        let kind = match data_type {
            DataType::Sensor => Kind::Sensor(
                (1..=50)
                    .map(|_| Sensor::new(rng))
                    .collect::<Result<_, _>>()?,
            ),
            DataType::Weather => Kind::Weather(
                CITIES
                    .iter()
                    .map(|&(name, climate)| City::new(name, climate, rng))
                    .collect::<Result<_, _>>()?,
            ),
            DataType::Payments => Kind::Payments(Payments::new(rng)?),
            DataType::UserActivity => Kind::UserActivity(Visitors::new(rng)?),
            DataType::Logs => Kind::Logs(Logs::new(rng)?),
            DataType::Stock => Kind::Stock(Market::new()?),
            DataType::Generic => Kind::Generic(
                (0..20)
                    .map(|_| Walk::new(rng.random_range(10.0..90.0), 0.0, 100.0, 0.8, 0.03))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Self { kind })
    }

    /// The next record, with `seq` in its payload.
    pub fn make(&mut self, rng: &mut impl Rng, seq: u64) -> Payload {
        match &mut self.kind {
            Kind::Sensor(sensors) => sensor(sensors, rng, seq),
            Kind::Weather(cities) => weather(cities, rng, seq),
            Kind::Payments(payments) => payment(payments, rng, seq),
            Kind::UserActivity(visitors) => user_activity(visitors, rng, seq),
            Kind::Logs(logs) => log_line(logs, rng, seq),
            Kind::Stock(market) => stock(market, rng, seq),
            Kind::Generic(sources) => generic(sources, rng, seq),
        }
    }
}

/// A value that takes a random step each time and is pulled back towards
/// `home`, within hard limits: a mean-reverting random walk.
#[derive(Debug, Clone)]
struct Walk {
    value: f64,
    home: f64,
    min: f64,
    max: f64,
    step: Normal<f64>,
    pull: f64,
}

impl Walk {
    /// A walk from `home` whose steps are normal with deviation `step`.
    fn new(home: f64, min: f64, max: f64, step: f64, pull: f64) -> Result<Self, NormalError> {
        Ok(Self {
            value: home,
            home,
            min,
            max,
            step: Normal::new(0.0, step)?,
            pull,
        })
    }

    fn advance(&mut self, rng: &mut impl Rng) -> f64 {
        let next = self.value + self.step.sample(rng) + (self.home - self.value) * self.pull;
        self.value = next.clamp(self.min, self.max);
        self.value
    }
}

/// A factor around 1 that scatters values multiplicatively: `exp` of a
/// normal sample with deviation `sigma`.
fn scatter(sigma: f64) -> Result<LogNormal<f64>, NormalError> {
    LogNormal::new(0.0, sigma)
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// A weighted choice among the items of a constant `(item, weight)` table;
/// weights need not add up to anything.
#[derive(Debug, Clone)]
struct Weighted<T: 'static> {
    items: &'static [(T, u32)],
    index: WeightedIndex<u32>,
}

impl<T> Weighted<T> {
    fn new(items: &'static [(T, u32)]) -> Result<Self, WeightError> {
        Ok(Self {
            index: WeightedIndex::new(items.iter().map(|(_, weight)| *weight))?,
            items,
        })
    }

    fn pick(&self, rng: &mut impl Rng) -> &T {
        &self.items[self.index.sample(rng)].0
    }
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    // Every caller passes a non-empty constant table.
    items.choose(rng).unwrap_or(&items[0])
}

fn hex_id(rng: &mut impl Rng, prefix: &str) -> String {
    format!("{prefix}{:016x}", rng.random::<u64>())
}

// ---------------------------------------------------------------- sensor

#[derive(Debug, Clone)]
struct Sensor {
    temperature: Walk,
    humidity: Walk,
    pressure: Walk,
}

impl Sensor {
    fn new(rng: &mut impl Rng) -> Result<Self, NormalError> {
        Ok(Self {
            temperature: Walk::new(rng.random_range(18.0..28.0), -30.0, 60.0, 0.15, 0.02)?,
            humidity: Walk::new(rng.random_range(35.0..70.0), 0.0, 100.0, 0.6, 0.02)?,
            pressure: Walk::new(rng.random_range(1005.0..1020.0), 950.0, 1060.0, 0.2, 0.01)?,
        })
    }
}

fn sensor(sensors: &mut [Sensor], rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..sensors.len());
    let s = &mut sensors[index];
    let id = format!("sensor_{}", index + 1);
    let value = json!({
        "sensor_id": id,
        "temperature": round(s.temperature.advance(rng), 2),
        "humidity": round(s.humidity.advance(rng), 1),
        "pressure": round(s.pressure.advance(rng), 2),
        "seq": seq,
    });
    Payload { key: id, value }
}

// ---------------------------------------------------------------- weather

/// Cities and their typical temperature in °C.
const CITIES: [(&str, f64); 10] = [
    ("London", 11.0),
    ("New York", 13.0),
    ("Tokyo", 16.0),
    ("Sydney", 18.0),
    ("Paris", 12.0),
    ("Berlin", 10.0),
    ("Mumbai", 27.0),
    ("Cairo", 22.0),
    ("Toronto", 8.0),
    ("Singapore", 28.0),
];

const CONDITIONS: [&str; 6] = [
    "sunny",
    "partly_cloudy",
    "cloudy",
    "rainy",
    "stormy",
    "foggy",
];

#[derive(Debug, Clone)]
struct City {
    name: &'static str,
    temperature: Walk,
    wind: Walk,
    condition: &'static str,
}

impl City {
    fn new(name: &'static str, climate: f64, rng: &mut impl Rng) -> Result<Self, NormalError> {
        Ok(Self {
            name,
            temperature: Walk::new(
                climate + rng.random_range(-3.0..3.0),
                -40.0,
                55.0,
                0.2,
                0.02,
            )?,
            wind: Walk::new(rng.random_range(5.0..20.0), 0.0, 150.0, 0.8, 0.05)?,
            condition: *pick(rng, &CONDITIONS),
        })
    }
}

fn weather(cities: &mut [City], rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..cities.len());
    let city = &mut cities[index];
    let temperature = city.temperature.advance(rng);
    let wind = city.wind.advance(rng);
    // Weather changes now and then, not with every report.
    if rng.random_bool(0.05) {
        city.condition = if temperature < 1.0 && rng.random_bool(0.5) {
            "snowy"
        } else if wind > 45.0 {
            "stormy"
        } else {
            *pick(rng, &CONDITIONS)
        };
    }
    let value = json!({
        "city": city.name,
        "temperature": round(temperature, 1),
        "condition": city.condition,
        "wind": round(wind, 1),
        "seq": seq,
    });
    Payload {
        key: city.name.to_owned(),
        value,
    }
}

// ---------------------------------------------------------------- payments

const CURRENCIES: [(&str, u32); 6] = [
    ("USD", 50),
    ("EUR", 25),
    ("GBP", 10),
    ("JPY", 5),
    ("CAD", 5),
    ("AUD", 5),
];
const METHODS: [(&str, u32); 6] = [
    ("credit_card", 40),
    ("debit_card", 25),
    ("paypal", 15),
    ("apple_pay", 10),
    ("google_pay", 5),
    ("bank_transfer", 5),
];
const PAYMENT_STATUSES: [(&str, u32); 3] = [("completed", 92), ("pending", 5), ("failed", 3)];

#[derive(Debug, Clone)]
struct Payments {
    /// Each customer's spending level, so their amounts look alike.
    customers: Vec<Walk>,
    /// How far one amount strays from its customer's level.
    spread: LogNormal<f64>,
    currencies: Weighted<&'static str>,
    methods: Weighted<&'static str>,
    statuses: Weighted<&'static str>,
}

impl Payments {
    fn new(rng: &mut impl Rng) -> Result<Self, PayloadError> {
        Ok(Self {
            customers: (0..200)
                .map(|_| Walk::new(rng.random_range(15.0..250.0), 2.0, 5_000.0, 0.05, 0.02))
                .collect::<Result<_, _>>()?,
            spread: scatter(0.35)?,
            currencies: Weighted::new(&CURRENCIES)?,
            methods: Weighted::new(&METHODS)?,
            statuses: Weighted::new(&PAYMENT_STATUSES)?,
        })
    }
}

fn payment(payments: &mut Payments, rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..payments.customers.len());
    let level = payments.customers[index].advance(rng);
    // Amounts scatter around the customer's usual spending.
    let amount = (level * payments.spread.sample(rng)).clamp(0.5, 20_000.0);
    let id = hex_id(rng, "txn_");
    let value = json!({
        "transaction_id": id,
        "customer_id": format!("cust_{}", index + 1),
        "amount": round(amount, 2),
        "currency": payments.currencies.pick(rng),
        "method": payments.methods.pick(rng),
        "status": payments.statuses.pick(rng),
        "seq": seq,
    });
    Payload { key: id, value }
}

// ---------------------------------------------------------------- user activity

const PAGES: [&str; 7] = [
    "/home",
    "/products",
    "/product/detail",
    "/search",
    "/cart",
    "/checkout",
    "/account",
];

/// Where a visitor on each page of `PAGES` goes next (indices into `PAGES`).
const MOVES: [&[(usize, u32)]; 7] = [
    &[(1, 40), (3, 30), (6, 10), (0, 20)], // /home
    &[(2, 60), (3, 20), (0, 20)],          // /products
    &[(4, 30), (1, 40), (2, 20), (3, 10)], // /product/detail
    &[(2, 50), (1, 30), (3, 20)],          // /search
    &[(5, 50), (1, 30), (4, 20)],          // /cart
    &[(0, 70), (6, 30)],                   // /checkout
    &[(0, 60), (1, 40)],                   // /account
];

fn action_for(page: &str) -> &'static str {
    match page {
        "/search" => "search",
        "/cart" => "add_to_cart",
        "/checkout" => "purchase",
        "/product/detail" => "click",
        _ => "page_view",
    }
}

#[derive(Debug, Clone)]
struct User {
    page: usize,
    logged_in: bool,
    // Seconds this user typically stays on a page.
    attention: Walk,
}

impl User {
    fn new(rng: &mut impl Rng) -> Result<Self, NormalError> {
        Ok(Self {
            page: 0,
            logged_in: false,
            attention: Walk::new(rng.random_range(8.0..60.0), 1.0, 600.0, 1.0, 0.05)?,
        })
    }
}

#[derive(Debug, Clone)]
struct Visitors {
    users: Vec<User>,
    /// Where a visitor goes next, one choice per page of `PAGES`.
    moves: Vec<Weighted<usize>>,
    /// How far one visit's duration strays from the user's habit.
    spread: LogNormal<f64>,
}

impl Visitors {
    fn new(rng: &mut impl Rng) -> Result<Self, PayloadError> {
        Ok(Self {
            users: (0..300).map(|_| User::new(rng)).collect::<Result<_, _>>()?,
            moves: MOVES
                .iter()
                .map(|moves| Weighted::new(moves))
                .collect::<Result<_, _>>()?,
            spread: scatter(0.5)?,
        })
    }
}

fn user_activity(visitors: &mut Visitors, rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..visitors.users.len());
    let user = &mut visitors.users[index];
    let action = if !user.logged_in {
        user.logged_in = true;
        user.page = 0;
        "login"
    } else if rng.random_bool(0.04) {
        user.logged_in = false;
        "logout"
    } else {
        user.page = *visitors.moves[user.page].pick(rng);
        action_for(PAGES[user.page])
    };
    let duration = user.attention.advance(rng) * visitors.spread.sample(rng);
    let id = format!("user_{}", index + 1);
    let value = json!({
        "user_id": id,
        "action": action,
        "page": PAGES[user.page],
        "duration": round(duration.clamp(0.1, 3_600.0), 1),
        "seq": seq,
    });
    Payload { key: id, value }
}

// ---------------------------------------------------------------- logs

const SERVICES: [&str; 6] = [
    "api-gateway",
    "auth-service",
    "payment-service",
    "user-service",
    "inventory-service",
    "notification-service",
];

const INFO_MESSAGES: [&str; 5] = [
    "Request processed successfully",
    "GET /api/v1/orders 200",
    "User session refreshed",
    "Cache hit for product catalogue",
    "Health check passed",
];
const DEBUG_MESSAGES: [&str; 3] = [
    "Cache lookup took 2 lookups",
    "Loaded configuration from environment",
    "Connection returned to pool",
];
const WARN_MESSAGES: [&str; 4] = [
    "Slow response from downstream service",
    "Retrying request (attempt 2 of 3)",
    "Connection pool nearly exhausted",
    "Rate limit at 80% for client",
];
const ERROR_MESSAGES: [&str; 4] = [
    "Database connection timeout",
    "Upstream returned 503 Service Unavailable",
    "Unhandled exception in request handler",
    "Failed to publish event: broker unavailable",
];

#[derive(Debug, Clone)]
struct Service {
    name: &'static str,
    latency: Walk,
}

impl Service {
    fn new(name: &'static str, rng: &mut impl Rng) -> Result<Self, NormalError> {
        Ok(Self {
            name,
            latency: Walk::new(rng.random_range(15.0..150.0), 1.0, 5_000.0, 4.0, 0.05)?,
        })
    }
}

/// Log levels and their weights for a service at its usual latency; the
/// weights of WARN and ERROR grow with its strain.
const LEVELS: [&str; 4] = ["INFO", "DEBUG", "WARN", "ERROR"];
const LEVEL_WEIGHTS: [u32; 4] = [75, 10, 10, 5];
const WARN: usize = 2;
const ERROR: usize = 3;

#[derive(Debug, Clone)]
struct Logs {
    services: Vec<Service>,
    /// Reweighted before each line by the service's strain: updating two
    /// weights in place costs less than building a table per line.
    levels: WeightedIndex<u32>,
    /// How far one response time strays from the service's latency.
    jitter: LogNormal<f64>,
}

impl Logs {
    fn new(rng: &mut impl Rng) -> Result<Self, PayloadError> {
        Ok(Self {
            services: SERVICES
                .iter()
                .map(|&name| Service::new(name, rng))
                .collect::<Result<_, _>>()?,
            levels: WeightedIndex::new(LEVEL_WEIGHTS)?,
            jitter: scatter(0.2)?,
        })
    }
}

fn log_line(logs: &mut Logs, rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..logs.services.len());
    let service = &mut logs.services[index];
    let latency = service.latency.advance(rng);
    // A service slower than usual also logs more warnings and errors.
    let strain = (latency / service.latency.home).clamp(0.5, 4.0);
    let warn = (LEVEL_WEIGHTS[WARN] as f64 * strain) as u32;
    let error = (LEVEL_WEIGHTS[ERROR] as f64 * strain) as u32;
    // Cannot fail (INFO keeps the total positive); if it did, the last
    // weights would simply stay.
    let _ = logs
        .levels
        .update_weights(&[(WARN, &warn), (ERROR, &error)]);
    let level = LEVELS[logs.levels.sample(rng)];
    let (message, slowdown) = match level {
        "ERROR" => (*pick(rng, &ERROR_MESSAGES), rng.random_range(2.0..6.0)),
        "WARN" => (*pick(rng, &WARN_MESSAGES), rng.random_range(1.5..3.0)),
        "DEBUG" => (*pick(rng, &DEBUG_MESSAGES), 1.0),
        _ => (*pick(rng, &INFO_MESSAGES), 1.0),
    };
    let response_time = (latency * slowdown * logs.jitter.sample(rng)).max(1.0);
    let value = json!({
        "service": service.name,
        "level": level,
        "message": message,
        "response_time_ms": response_time.round() as u64,
        "seq": seq,
    });
    Payload {
        key: service.name.to_owned(),
        value,
    }
}

// ---------------------------------------------------------------- stock

/// Ticker symbols and their opening prices.
const SYMBOLS: [(&str, f64); 8] = [
    ("AAPL", 190.0),
    ("GOOGL", 140.0),
    ("MSFT", 380.0),
    ("AMZN", 150.0),
    ("TSLA", 240.0),
    ("META", 330.0),
    ("NVDA", 480.0),
    ("NFLX", 450.0),
];

#[derive(Debug, Clone)]
struct Symbol {
    name: &'static str,
    open: f64,
    price: f64,
}

impl Symbol {
    fn new(name: &'static str, open: f64) -> Self {
        Self {
            name,
            open,
            price: open,
        }
    }

    /// A geometric random walk (prices move by percentages, `step` drawn
    /// from a normal) with a faint pull towards the opening price so a long
    /// run stays believable.
    fn tick(&mut self, step: f64) -> f64 {
        let log_step = step + 0.001 * (self.open / self.price).ln();
        self.price = (self.price * log_step.exp()).max(0.01);
        self.price
    }
}

#[derive(Debug, Clone)]
struct Market {
    symbols: Vec<Symbol>,
    /// One tick's move in log-price, before the pull towards the open.
    step: Normal<f64>,
}

impl Market {
    fn new() -> Result<Self, PayloadError> {
        Ok(Self {
            symbols: SYMBOLS
                .iter()
                .map(|&(name, open)| Symbol::new(name, open))
                .collect(),
            step: Normal::new(0.0, 0.0015)?,
        })
    }
}

fn stock(market: &mut Market, rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..market.symbols.len());
    let step = market.step.sample(rng);
    let symbol = &mut market.symbols[index];
    let price = symbol.tick(step);
    let volume = rng.random_range(1..=50u64) * 100;
    let value = json!({
        "symbol": symbol.name,
        "price": round(price, 2),
        "volume": volume,
        "change_percent": round((price / symbol.open - 1.0) * 100.0, 2),
        "seq": seq,
    });
    Payload {
        key: symbol.name.to_owned(),
        value,
    }
}

// ---------------------------------------------------------------- generic

const CATEGORIES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

fn generic(sources: &mut [Walk], rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..sources.len());
    let value = sources[index].advance(rng);
    let source = format!("source_{}", index + 1);
    let payload = json!({
        "id": hex_id(rng, "rec_"),
        "source": source,
        "value": round(value, 3),
        "category": CATEGORIES[index % CATEGORIES.len()],
        "seq": seq,
    });
    Payload {
        key: source,
        value: payload,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    fn records(data_type: DataType, n: u64) -> Vec<Payload> {
        let mut rng = SmallRng::seed_from_u64(42);
        let mut maker = PayloadMaker::new(data_type, &mut rng).unwrap();
        (0..n).map(|seq| maker.make(&mut rng, seq)).collect()
    }

    #[test]
    fn every_type_has_its_fields_a_seq_and_its_entity_as_key() {
        let expected: [(DataType, &str, &[&str]); 7] = [
            (
                DataType::Sensor,
                "sensor_id",
                &["temperature", "humidity", "pressure"],
            ),
            (
                DataType::Weather,
                "city",
                &["temperature", "condition", "wind"],
            ),
            (
                DataType::Payments,
                "transaction_id",
                &["amount", "currency", "method", "status"],
            ),
            (
                DataType::UserActivity,
                "user_id",
                &["action", "page", "duration"],
            ),
            (
                DataType::Logs,
                "service",
                &["level", "message", "response_time_ms"],
            ),
            (DataType::Stock, "symbol", &["price", "volume"]),
            (DataType::Generic, "source", &["id", "value", "category"]),
        ];
        for (data_type, key_field, fields) in expected {
            for (seq, record) in records(data_type, 200).into_iter().enumerate() {
                let payload = record.value.as_object().unwrap();
                assert_eq!(payload["seq"], seq as u64, "{data_type}");
                assert_eq!(payload[key_field], record.key.as_str(), "{data_type}");
                for field in fields {
                    assert!(
                        payload.contains_key(*field),
                        "{data_type} lacks {field}: {payload:?}"
                    );
                }
            }
        }
    }

    /// Largest change between two consecutive records of the same entity.
    fn largest_step(records: &[Payload], field: &str, relative: bool) -> f64 {
        let mut last: HashMap<&str, f64> = HashMap::new();
        let mut largest: f64 = 0.0;
        for record in records {
            let value = record.value[field].as_f64().unwrap();
            if let Some(previous) = last.insert(&record.key, value) {
                let step = (value - previous).abs();
                largest = largest.max(if relative { step / previous } else { step });
            }
        }
        largest
    }

    #[test]
    fn sensor_readings_drift_within_bounds() {
        let readings = records(DataType::Sensor, 50_000);
        assert!(largest_step(&readings, "temperature", false) < 1.5);
        assert!(largest_step(&readings, "pressure", false) < 2.5);
        for r in &readings {
            let t = r.value["temperature"].as_f64().unwrap();
            let h = r.value["humidity"].as_f64().unwrap();
            let p = r.value["pressure"].as_f64().unwrap();
            assert!((-30.0..=60.0).contains(&t), "{t}");
            assert!((0.0..=100.0).contains(&h), "{h}");
            assert!((950.0..=1060.0).contains(&p), "{p}");
        }
        // Mean reversion keeps a sensor near where it started, not wandering off.
        let first = readings.iter().find(|r| r.key == "sensor_1").unwrap();
        let last = readings.iter().rev().find(|r| r.key == "sensor_1").unwrap();
        let drift = (last.value["temperature"].as_f64().unwrap()
            - first.value["temperature"].as_f64().unwrap())
        .abs();
        assert!(drift < 10.0, "sensor_1 drifted {drift} degrees");
    }

    #[test]
    fn stock_prices_move_by_small_percentages() {
        let ticks = records(DataType::Stock, 50_000);
        assert!(largest_step(&ticks, "price", true) < 0.02);
        for t in &ticks {
            let price = t.value["price"].as_f64().unwrap();
            assert!(price > 0.0);
            let change = t.value["change_percent"].as_f64().unwrap();
            assert!(change.abs() < 50.0, "{} moved {change}%", t.key);
        }
    }

    #[test]
    fn weather_stays_plausible_per_city() {
        let reports = records(DataType::Weather, 20_000);
        assert!(largest_step(&reports, "temperature", false) < 2.0);
        for r in &reports {
            let wind = r.value["wind"].as_f64().unwrap();
            assert!((0.0..=150.0).contains(&wind));
            assert!(CITIES.iter().any(|(c, _)| *c == r.key));
        }
    }

    #[test]
    fn payments_and_logs_have_sensible_values() {
        for p in records(DataType::Payments, 5_000) {
            let amount = p.value["amount"].as_f64().unwrap();
            assert!(amount > 0.0 && amount <= 20_000.0);
            assert!(p.key.starts_with("txn_"));
        }
        let logs = records(DataType::Logs, 5_000);
        let errors = logs.iter().filter(|l| l.value["level"] == "ERROR").count();
        assert!(errors > 0 && errors < logs.len() / 4, "{errors} errors");
        for l in &logs {
            assert!(l.value["response_time_ms"].as_u64().unwrap() >= 1);
        }
    }

    #[test]
    fn users_log_in_before_doing_anything_else() {
        let mut seen = std::collections::HashSet::new();
        for a in records(DataType::UserActivity, 5_000) {
            if seen.insert(a.key.clone()) {
                assert_eq!(a.value["action"], "login", "{:?}", a.value);
            }
            assert!(PAGES.contains(&a.value["page"].as_str().unwrap()));
        }
    }
}

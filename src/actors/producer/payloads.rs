//! Payload makers: records that look like the real thing for each data type.
//!
//! Every entity (a sensor, a city, a ticker symbol, a service...) keeps its
//! own state, and each record moves that state by a small random step that
//! is pulled back towards the entity's usual level. Readings of one sensor
//! therefore drift like a real sensor's instead of jumping at random, and
//! stay in a plausible range however long the daemon runs.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::domain::DataType;

/// One record to publish: its Kafka key (the entity id) and its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub key: String,
    pub value: Value,
}

/// Makes the payloads of one topic, remembering each entity's last values.
#[derive(Debug, Clone)]
pub struct PayloadMaker {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Sensor(Vec<Sensor>),
    Weather(Vec<City>),
    Payments(Vec<Walk>),
    UserActivity(Vec<User>),
    Logs(Vec<Service>),
    Stock(Vec<Symbol>),
    Generic(Vec<Walk>),
}

impl PayloadMaker {
    /// A maker whose entities start at random but plausible levels.
    pub fn new(data_type: DataType, rng: &mut impl Rng) -> Self {
        let kind = match data_type {
            DataType::Sensor => Kind::Sensor((1..=50).map(|_| Sensor::new(rng)).collect()),
            DataType::Weather => Kind::Weather(
                CITIES
                    .iter()
                    .map(|&(name, climate)| City::new(name, climate, rng))
                    .collect(),
            ),
            // A customer's spending level, so their amounts look alike.
            DataType::Payments => Kind::Payments(
                (0..200)
                    .map(|_| Walk::new(rng.random_range(15.0..250.0), 2.0, 5_000.0, 0.05, 0.02))
                    .collect(),
            ),
            DataType::UserActivity => {
                Kind::UserActivity((0..300).map(|_| User::new(rng)).collect())
            }
            DataType::Logs => Kind::Logs(
                SERVICES
                    .iter()
                    .map(|&name| Service::new(name, rng))
                    .collect(),
            ),
            DataType::Stock => Kind::Stock(
                SYMBOLS
                    .iter()
                    .map(|&(name, open)| Symbol::new(name, open))
                    .collect(),
            ),
            DataType::Generic => Kind::Generic(
                (0..20)
                    .map(|_| Walk::new(rng.random_range(10.0..90.0), 0.0, 100.0, 0.8, 0.03))
                    .collect(),
            ),
        };
        Self { kind }
    }

    /// The next record, with `seq` in its payload.
    pub fn make(&mut self, rng: &mut impl Rng, seq: u64) -> Payload {
        match &mut self.kind {
            Kind::Sensor(sensors) => sensor(sensors, rng, seq),
            Kind::Weather(cities) => weather(cities, rng, seq),
            Kind::Payments(customers) => payment(customers, rng, seq),
            Kind::UserActivity(users) => user_activity(users, rng, seq),
            Kind::Logs(services) => log_line(services, rng, seq),
            Kind::Stock(symbols) => stock(symbols, rng, seq),
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
    step: f64,
    pull: f64,
}

impl Walk {
    fn new(home: f64, min: f64, max: f64, step: f64, pull: f64) -> Self {
        Self {
            value: home,
            home,
            min,
            max,
            step,
            pull,
        }
    }

    fn advance(&mut self, rng: &mut impl Rng) -> f64 {
        let next = self.value + gauss(rng) * self.step + (self.home - self.value) * self.pull;
        self.value = next.clamp(self.min, self.max);
        self.value
    }
}

/// A standard normal sample (Box-Muller), enough for plausible noise.
fn gauss(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1], so ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Picks from `(item, weight)` pairs; weights need not add up to anything.
fn weighted<'a, T>(rng: &mut impl Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    &items[items.len() - 1].0
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
    fn new(rng: &mut impl Rng) -> Self {
        Self {
            temperature: Walk::new(rng.random_range(18.0..28.0), -30.0, 60.0, 0.15, 0.02),
            humidity: Walk::new(rng.random_range(35.0..70.0), 0.0, 100.0, 0.6, 0.02),
            pressure: Walk::new(rng.random_range(1005.0..1020.0), 950.0, 1060.0, 0.2, 0.01),
        }
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
    fn new(name: &'static str, climate: f64, rng: &mut impl Rng) -> Self {
        Self {
            name,
            temperature: Walk::new(
                climate + rng.random_range(-3.0..3.0),
                -40.0,
                55.0,
                0.2,
                0.02,
            ),
            wind: Walk::new(rng.random_range(5.0..20.0), 0.0, 150.0, 0.8, 0.05),
            condition: *pick(rng, &CONDITIONS),
        }
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

fn payment(customers: &mut [Walk], rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..customers.len());
    let level = customers[index].advance(rng);
    // Amounts scatter around the customer's usual spending.
    let amount = (level * (0.35 * gauss(rng)).exp()).clamp(0.5, 20_000.0);
    let id = hex_id(rng, "txn_");
    let value = json!({
        "transaction_id": id,
        "customer_id": format!("cust_{}", index + 1),
        "amount": round(amount, 2),
        "currency": weighted(rng, &CURRENCIES),
        "method": weighted(rng, &METHODS),
        "status": weighted(rng, &PAYMENT_STATUSES),
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

/// Where a visitor on page `from` goes next (indices into `PAGES`).
fn next_page(from: usize, rng: &mut impl Rng) -> usize {
    let choices: &[(usize, u32)] = match PAGES[from] {
        "/home" => &[(1, 40), (3, 30), (6, 10), (0, 20)],
        "/products" => &[(2, 60), (3, 20), (0, 20)],
        "/product/detail" => &[(4, 30), (1, 40), (2, 20), (3, 10)],
        "/search" => &[(2, 50), (1, 30), (3, 20)],
        "/cart" => &[(5, 50), (1, 30), (4, 20)],
        "/checkout" => &[(0, 70), (6, 30)],
        _ => &[(0, 60), (1, 40)],
    };
    *weighted(rng, choices)
}

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
    fn new(rng: &mut impl Rng) -> Self {
        Self {
            page: 0,
            logged_in: false,
            attention: Walk::new(rng.random_range(8.0..60.0), 1.0, 600.0, 1.0, 0.05),
        }
    }
}

fn user_activity(users: &mut [User], rng: &mut impl Rng, seq: u64) -> Payload {
    let index = rng.random_range(0..users.len());
    let user = &mut users[index];
    let action = if !user.logged_in {
        user.logged_in = true;
        user.page = 0;
        "login"
    } else if rng.random_bool(0.04) {
        user.logged_in = false;
        "logout"
    } else {
        user.page = next_page(user.page, rng);
        action_for(PAGES[user.page])
    };
    let duration = user.attention.advance(rng) * (0.5 * gauss(rng)).exp();
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
    fn new(name: &'static str, rng: &mut impl Rng) -> Self {
        Self {
            name,
            latency: Walk::new(rng.random_range(15.0..150.0), 1.0, 5_000.0, 4.0, 0.05),
        }
    }
}

fn log_line(services: &mut [Service], rng: &mut impl Rng, seq: u64) -> Payload {
    let service = &mut services[rng.random_range(0..services.len())];
    let latency = service.latency.advance(rng);
    // A service slower than usual also logs more warnings and errors.
    let strain = (latency / service.latency.home).clamp(0.5, 4.0);
    let levels = [
        ("INFO", 75),
        ("DEBUG", 10),
        ("WARN", (10.0 * strain) as u32),
        ("ERROR", (5.0 * strain) as u32),
    ];
    let level = *weighted(rng, &levels);
    let (message, slowdown) = match level {
        "ERROR" => (*pick(rng, &ERROR_MESSAGES), rng.random_range(2.0..6.0)),
        "WARN" => (*pick(rng, &WARN_MESSAGES), rng.random_range(1.5..3.0)),
        "DEBUG" => (*pick(rng, &DEBUG_MESSAGES), 1.0),
        _ => (*pick(rng, &INFO_MESSAGES), 1.0),
    };
    let response_time = (latency * slowdown * (0.2 * gauss(rng)).exp()).max(1.0);
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

    /// A geometric random walk (prices move by percentages) with a faint
    /// pull towards the opening price so a long run stays believable.
    fn tick(&mut self, rng: &mut impl Rng) -> f64 {
        let log_step = 0.0015 * gauss(rng) + 0.001 * (self.open / self.price).ln();
        self.price = (self.price * log_step.exp()).max(0.01);
        self.price
    }
}

fn stock(symbols: &mut [Symbol], rng: &mut impl Rng, seq: u64) -> Payload {
    let symbol = &mut symbols[rng.random_range(0..symbols.len())];
    let price = symbol.tick(rng);
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
        let mut maker = PayloadMaker::new(data_type, &mut rng);
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

//! The admin service's HTTP edge: dashboard sessions, CORS, rate limits and
//! slow bodies. Flags with environment fallbacks, like every other setting.

use std::time::Duration;

use clap::Args;

/// How the admin service guards its HTTP edge.
#[derive(Debug, Clone)]
pub struct HttpEdgeSettings {
    /// A dashboard session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A dashboard session ends this long after it began, busy or not.
    pub session_max_age: Duration,
    /// Browser origins (`scheme://host[:port]`) allowed to call the API.
    pub cors_origins: Vec<String>,
    /// Unauthenticated writes each client address may make per second.
    pub rate_limit_per_second: u32,
    /// How many unauthenticated writes a client may make at once.
    pub rate_limit_burst: u32,
    /// Pending topic requests one `created_by` may have at a time.
    pub max_pending_per_requester: u32,
    /// Time a client has to send a request body once its head arrived.
    pub body_timeout: Duration,
    /// Live tails (`/api/topics/{name}/stream`) open at once; each holds a
    /// Kafka consumer and a bounded buffer.
    pub max_streams: usize,
    /// Count and time every request for `/metrics` (on unless turned off
    /// for a benchmark that compares both).
    pub request_metrics: bool,
}

impl Default for HttpEdgeSettings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_max_age: Duration::from_secs(12 * 60 * 60),
            cors_origins: Vec::new(),
            rate_limit_per_second: 10,
            rate_limit_burst: 50,
            max_pending_per_requester: 100,
            body_timeout: Duration::from_secs(10),
            max_streams: 16,
            request_metrics: true,
        }
    }
}

/// The HTTP edge's flags, flattened into `topicgate-admin`'s.
#[derive(Debug, Clone, Args)]
pub struct HttpEdgeConfig {
    /// Dashboard sessions end after this long idle (`30m`, `90s`, or seconds).
    #[arg(long, env = "TOPICGATE_SESSION_IDLE_TIMEOUT", default_value = "30m",
          value_parser = parse_duration)]
    pub session_idle_timeout: Duration,

    /// Dashboard sessions end this long after log in, however busy (`12h`).
    #[arg(long, env = "TOPICGATE_SESSION_MAX_AGE", default_value = "12h",
          value_parser = parse_duration)]
    pub session_max_age: Duration,

    /// A browser origin allowed to call the API (`https://portal.example`);
    /// repeat the flag, or separate origins with commas in the environment.
    /// None by default.
    #[arg(long = "cors-origin", env = "TOPICGATE_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// Unauthenticated writes (topic requests, subscriptions) each client
    /// address may make per second.
    #[arg(long, env = "TOPICGATE_RATE_LIMIT_PER_SECOND", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_second: u32,

    /// Unauthenticated writes a client address may make in one burst.
    #[arg(long, env = "TOPICGATE_RATE_LIMIT_BURST", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_burst: u32,

    /// Pending topic requests one `created_by` may have at a time.
    #[arg(long, env = "TOPICGATE_MAX_PENDING_PER_REQUESTER", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pending_per_requester: u32,

    /// Time a client has to send a request's body (`10s`, or seconds).
    #[arg(long, env = "TOPICGATE_BODY_TIMEOUT", default_value = "10s",
          value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Live tails of topics (Server-Sent Events) the service holds open at
    /// once; one more is refused with 503.
    #[arg(long, env = "TOPICGATE_MAX_STREAMS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_streams: u32,
    /// Turns off counting and timing requests for `/metrics` (the topic
    /// and Kafka figures stay). Hidden: it exists so the admin benchmark
    /// can measure what the counting costs (`scripts/bench-admin.sh`).
    #[arg(long, env = "TOPICGATE_NO_REQUEST_METRICS", hide = true)]
    pub no_request_metrics: bool,
}

impl HttpEdgeConfig {
    pub fn into_settings(self) -> HttpEdgeSettings {
        HttpEdgeSettings {
            session_idle_timeout: self.session_idle_timeout,
            session_max_age: self.session_max_age,
            cors_origins: self.cors_origins,
            rate_limit_per_second: self.rate_limit_per_second,
            rate_limit_burst: self.rate_limit_burst,
            max_pending_per_requester: self.max_pending_per_requester,
            body_timeout: self.body_timeout,
            max_streams: self.max_streams as usize,
            request_metrics: !self.no_request_metrics,
        }
    }
}

/// A humantime duration (`30m`, `1h 30m`, `500ms`), or whole seconds.
pub(super) fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let parsed = match raw.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => humantime::parse_duration(raw)
            .map_err(|e| format!("{raw:?} is not a duration ({e}); try 30m, 90s or 12h"))?,
    };
    if parsed.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(parsed)
}

/// An origin as browsers send it: scheme, host and port, nothing else.
fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .ok_or_else(|| {
            format!("{raw:?} is not an origin: it must start with http:// or https://")
        })?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
        return Err(format!(
            "{raw:?} is not an origin: give scheme://host[:port] only, like https://portal.example"
        ));
    }
    Ok(origin.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units_or_seconds() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            parse_origin("http://127.0.0.1:8080/"),
            Ok("http://127.0.0.1:8080".into())
        );
        assert!(parse_origin("127.0.0.1:8080").is_err());
        assert!(parse_origin("https://portal.example/path").is_err());
        assert!(parse_origin("*").is_err());
    }
}

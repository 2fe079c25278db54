//! Rate limits on the writes anyone may make (topic requests and
//! subscriptions), per client address, with actix-governor. Reads and the
//! admin's authenticated actions are not limited.

use std::net::IpAddr;
use std::time::Duration;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::{Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor};
use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, header};
use actix_web::{HttpResponse, HttpResponseBuilder, web};

use super::error::ApiError;
use super::state::AppState;
use crate::api::{ErrorBody, ErrorCode};

/// How often addresses whose quota is full again are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// Who a write counts against.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Client {
    /// An IPv4 address.
    V4(u32),
    /// An IPv6 /64: one host usually holds a whole one.
    V6(u64),
    /// A request with the admin token: never limited.
    Admin,
}

/// Keys writes by the TCP peer's address. `X-Forwarded-For` is not read:
/// any client can set it.
#[derive(Clone)]
pub struct ClientAddress;

impl KeyExtractor for ClientAddress {
    type Key = Client;
    type KeyExtractionError = ApiError;

    fn extract(&self, req: &ServiceRequest) -> Result<Client, ApiError> {
        if carries_admin_token(req) {
            return Ok(Client::Admin);
        }
        client_at(req.peer_addr().map(|peer| peer.ip()))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let seconds = retry_after(negative);
        response
            .insert_header((header::RETRY_AFTER, seconds))
            .json(ErrorBody::new(
                too_many(seconds),
                ErrorCode::TooManyRequests,
            ))
    }

    fn whitelisted_keys(&self) -> Vec<Client> {
        vec![Client::Admin]
    }
}

/// Who a request from `peer` counts against.
fn client_at(peer: Option<IpAddr>) -> Result<Client, ApiError> {
    match peer {
        Some(IpAddr::V4(v4)) => Ok(Client::V4(v4.into())),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => Ok(Client::V4(v4.into())),
            None => Ok(Client::V6((u128::from(v6) >> 64) as u64)),
        },
        None => Err(ApiError::Unexpected(anyhow::anyhow!(
            "the client's address is unknown"
        ))),
    }
}

/// Seconds until the quota has room again, in whole seconds rounded up and
/// at least 1: "0" would invite an immediate retry.
fn retry_after(negative: &NotUntil<QuantaInstant>) -> u64 {
    let wait = negative.wait_time_from(DefaultClock::default().now());
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

fn too_many(seconds: u64) -> String {
    format!("too many requests from this address; retry in {seconds}s")
}

fn carries_admin_token(req: &ServiceRequest) -> bool {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return false;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| state.admin_token.matches(token.trim()))
}

/// One limiter shared by every worker and every limited route, so a
/// client's quota is the same wherever it writes.
#[derive(Clone)]
pub struct WriteLimits {
    config: GovernorConfig<ClientAddress, actix_governor::governor::middleware::NoOpMiddleware>,
}

impl WriteLimits {
    /// `per_second` writes per address, in bursts of up to `burst`. Must be
    /// called on an actix system: it starts the task that forgets idle
    /// addresses, so the limiter's memory stays bounded.
    pub fn start(per_second: u32, burst: u32) -> anyhow::Result<Self> {
        let period = Duration::from_secs(1) / per_second.max(1);
        let config = GovernorConfigBuilder::default()
            .key_extractor(ClientAddress)
            .period(period)
            .burst_size(burst)
            .methods(vec![
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .finish()
            .ok_or_else(|| anyhow::anyhow!("rate limit and burst must be above zero"))?;
        let limiter = config.limiter();
        actix_rt::spawn(async move {
            let mut ticks = actix_rt::time::interval(FORGET_EVERY);
            loop {
                ticks.tick().await;
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
        Ok(Self { config })
    }

    /// Counts one write from `peer` against its quota, for a handler that
    /// answers a refusal itself (the dashboard's form) instead of through
    /// the middleware; the refusal says when to retry.
    pub fn check(&self, peer: Option<IpAddr>) -> Result<(), String> {
        let client = client_at(peer).map_err(|e| e.to_string())?;
        self.config
            .limiter()
            .check_key(&client)
            .map_err(|negative| too_many(retry_after(&negative)))
    }

    /// The middleware for one route (only its writes count).
    pub fn middleware(
        &self,
    ) -> Governor<ClientAddress, actix_governor::governor::middleware::NoOpMiddleware> {
        Governor::new(&self.config)
    }
}

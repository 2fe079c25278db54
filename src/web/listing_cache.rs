//! Serialised topic listings (`GET /api/topics/active`, `GET /api/topics`),
//! kept until the topics' rows change.
//!
//! Every producer and consumer polls these endpoints, the original producer
//! the full list. Between changes they all get the same bytes without a
//! trip to the database, and a client that accepts gzip gets them
//! compressed once per change: at ten thousand topics the full list is
//! megabytes of JSON that compress about tenfold.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::RwLock;

use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, Header, HeaderValue,
};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use flate2::Compression;
use flate2::write::GzEncoder;

use super::error::ApiError;
use crate::domain::TopicStatus;

/// Which listing: the active topics, or every topic in some states (all
/// of them when none is named).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Listing {
    Active,
    Topics(Vec<TopicStatus>),
}

impl Listing {
    /// `GET /api/topics?status=...`, with the states in one order and
    /// each once, so that one listing has one entry however it is asked
    /// for; there are only so many sets of states, which bounds the cache.
    pub fn topics(mut statuses: Vec<TopicStatus>) -> Self {
        statuses.sort_unstable_by_key(|s| s.as_str());
        statuses.dedup();
        Self::Topics(statuses)
    }
}

/// One listing as JSON, plain and gzipped, read at `rows`.
#[derive(Clone)]
struct Entry {
    rows: (u64, u64),
    plain: Bytes,
    gzip: Bytes,
}

/// The cached listings. See the module's documentation.
#[derive(Default)]
pub struct ListingCache {
    entries: RwLock<HashMap<Listing, Entry>>,
    /// One rebuild at a time: at ten thousand topics a listing takes a
    /// good part of a second to build, and every poller that missed at
    /// once would otherwise each build it.
    refill: tokio::sync::Mutex<()>,
}

impl ListingCache {
    /// The answer to `request` for `listing` as read at `rows` (taken
    /// before the rows are read: see `TopicsVersion::rows`), built by
    /// `build` when the cache holds none for `rows`.
    pub async fn respond<F, Fut>(
        &self,
        request: &HttpRequest,
        listing: Listing,
        rows: (u64, u64),
        build: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<u8>, ApiError>>,
    {
        let entry = match self.lookup(&listing, rows) {
            Some(entry) => entry,
            None => self.refill(listing, rows, build).await?,
        };
        Ok(answer(request, &entry))
    }

    fn lookup(&self, listing: &Listing, rows: (u64, u64)) -> Option<Entry> {
        let entries = self.entries.read().ok()?;
        entries.get(listing).filter(|e| e.rows == rows).cloned()
    }

    async fn refill<F, Fut>(
        &self,
        listing: Listing,
        rows: (u64, u64),
        build: F,
    ) -> Result<Entry, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<u8>, ApiError>>,
    {
        let _only_builder = self.refill.lock().await;
        // Whoever held the lock may have just built this very entry.
        if let Some(entry) = self.lookup(&listing, rows) {
            return Ok(entry);
        }
        let plain = build().await?;
        // Compressing megabytes takes milliseconds: off the web worker.
        let (plain, gzip) = actix_web::web::block(move || {
            let gzip = gzip(&plain);
            (plain, gzip)
        })
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
        let entry = Entry {
            rows,
            plain: Bytes::from(plain),
            gzip: Bytes::from(gzip?),
        };
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(listing, entry.clone());
        }
        Ok(entry)
    }
}

fn gzip(plain: &[u8]) -> Result<Vec<u8>, ApiError> {
    // The fastest level: a listing is compressed once per change but
    // must not hold back the answer to the request that rebuilt it.
    let mut encoder = GzEncoder::new(Vec::with_capacity(plain.len() / 8), Compression::fast());
    encoder
        .write_all(plain)
        .and_then(|()| encoder.finish())
        .map_err(|e| ApiError::Unexpected(e.into()))
}

/// The gzipped body when the client accepts gzip, else the plain one.
fn answer(request: &HttpRequest, entry: &Entry) -> HttpResponse {
    let wants_gzip = AcceptEncoding::parse(request).ok().is_some_and(|accepted| {
        accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter())
            == Some(Encoding::gzip())
    });
    let mut response = HttpResponse::Ok();
    response
        .content_type("application/json")
        .insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
    if wants_gzip {
        response
            .insert_header(ContentEncoding::Gzip)
            .body(entry.gzip.clone())
    } else {
        response.body(entry.plain.clone())
    }
}

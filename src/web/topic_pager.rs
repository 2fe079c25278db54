//! Paging and search of the dashboard's topic table: which page of which
//! search a request asks for, and the links that move between pages.
//!
//! Both live in the URL (`/?page=3&q=sensor`), so a page works without
//! JavaScript, can be bookmarked, and the live refresh asks the server for
//! exactly the page on screen.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::actors::registry::TopicPageView;

/// Longest search accepted: the longest topic name Kafka allows.
const MAX_SEARCH_LEN: usize = 249;

/// Rows of the topic table on one page.
pub const TOPICS_PER_PAGE: i64 = 50;

/// `?page=N&q=text` on the dashboard and its live part.
#[derive(Debug, Default, Deserialize)]
pub struct ListingQuery {
    page: Option<u32>,
    q: Option<String>,
}

/// A checked listing request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Listing {
    /// From 1.
    pub page: i64,
    /// A name substring; none lists every topic.
    pub search: Option<String>,
}

impl ListingQuery {
    /// Page 0 is read as page 1; a search longer than any topic name could
    /// match nothing and is refused.
    pub fn checked(self) -> Result<Listing, ApiError> {
        let search = self
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if let Some(q) = &search {
            let len = q.chars().count();
            if len > MAX_SEARCH_LEN {
                return Err(ApiError::BadRequest(format!(
                    "invalid q: a topic name search must be at most {} characters, got {len}",
                    MAX_SEARCH_LEN
                )));
            }
        }
        Ok(Listing {
            page: i64::from(self.page.unwrap_or(1).max(1)),
            search,
        })
    }
}

/// What the template needs to draw the pager and the search box.
#[derive(Debug, Serialize)]
pub struct Pager {
    /// The search as typed, for the search box.
    pub search: String,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// 1-based positions of the first and last row shown.
    pub first: i64,
    pub last: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Where the live refresh fetches this same page from.
    pub refresh: String,
}

impl Pager {
    pub fn new(listing: &Listing, shown: &TopicPageView) -> Self {
        let pages = ((shown.total + shown.per_page - 1) / shown.per_page).max(1);
        let first = if shown.total == 0 {
            0
        } else {
            (shown.page - 1) * shown.per_page + 1
        };
        let search = listing.search.as_deref();
        Pager {
            search: search.unwrap_or("").to_owned(),
            page: shown.page,
            pages,
            total: shown.total,
            first,
            last: first + shown.topics.len() as i64 - i64::from(first > 0),
            prev: (shown.page > 1).then(|| link("/", shown.page - 1, search)),
            next: (shown.page < pages).then(|| link("/", shown.page + 1, search)),
            refresh: link("/dashboard/live", shown.page, search),
        }
    }
}

/// `path?page=N[&q=...]`, with the search URL-encoded.
fn link(path: &str, page: i64, search: Option<&str>) -> String {
    let page = page.to_string();
    let mut pairs = vec![("page", page.as_str())];
    if let Some(q) = search {
        pairs.push(("q", q));
    }
    // Encoding pairs of strings cannot fail.
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(total: i64, page: i64, rows: usize) -> TopicPageView {
        TopicPageView {
            topics: vec![
                crate::api::TopicView {
                    topic_id: crate::domain::TopicId(1),
                    topic_name: "t".into(),
                    status: crate::domain::TopicStatus::Pending,
                    partitions: 1,
                    replication_factor: 1,
                    data_type: crate::domain::DataType::Generic,
                    created_at: chrono::Utc::now(),
                    approved_at: None,
                    activated_at: None,
                    created_by: "x".into(),
                    description: String::new(),
                    kafka: Default::default(),
                    configs: Default::default(),
                };
                rows
            ],
            total,
            page,
            per_page: TOPICS_PER_PAGE,
        }
    }

    #[test]
    fn links_keep_the_search_and_encode_it() {
        let listing = Listing {
            page: 3,
            search: Some("a&b c".into()),
        };
        let pager = Pager::new(&listing, &shown(120, 3, 20));
        assert_eq!((pager.first, pager.last, pager.pages), (101, 120, 3));
        assert_eq!(pager.prev.as_deref(), Some("/?page=2&q=a%26b+c"));
        assert_eq!(pager.next, None);
        assert_eq!(pager.refresh, "/dashboard/live?page=3&q=a%26b+c");
        let empty = Pager::new(
            &Listing {
                page: 1,
                search: None,
            },
            &shown(0, 1, 0),
        );
        assert_eq!((empty.first, empty.last, empty.pages), (0, 0, 1));
        assert_eq!(empty.refresh, "/dashboard/live?page=1");
    }
}

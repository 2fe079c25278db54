//! Bounded waiting for something that happens in another process or thread.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `condition` every 100 ms until it holds; false after `bound`.
pub async fn eventually<F, Fut>(bound: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + bound;
    loop {
        if condition().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

//! Waiting for the operator to ask a process to stop.

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => log::info!("SIGINT received, shutting down"),
                    _ = terminate.recv() => log::info!("SIGTERM received, shutting down"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Sets up env_logger with `info` as the default level, so a role started
/// without `RUST_LOG` still says what it is doing. The per-request access
/// log is off by default (pollers make it noisy); `RUST_LOG=info` shows it.
pub fn init_logging() {
    let default = "info,actix_web::middleware::logger=warn";
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default))
        .format_timestamp_millis()
        .try_init();
}

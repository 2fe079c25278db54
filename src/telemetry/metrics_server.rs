//! The small HTTP listener of `--metrics-bind` (producer and consumer):
//! `GET /metrics` answers the role's registry in Prometheus' text format,
//! anything else 404. No login: it shows counts, never records or secrets.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::metrics::{CONTENT_TYPE, Registry, render};

/// A running metrics listener; stop it with [`MetricsServer::stop`].
pub struct MetricsServer {
    port: u16,
    handle: ServerHandle,
}

impl MetricsServer {
    /// Binds `bind` (port 0 picks a free port) and serves `registry` on
    /// the current actix system, with one worker: a scrape every few
    /// seconds needs no more.
    pub fn start(bind: &str, registry: Arc<Registry>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind)
            .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {bind}: {e}"))?;
        let port = listener.local_addr()?.port();
        let registry = web::Data::from(registry);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(registry.clone())
                .route("/metrics", web::get().to(metrics))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        log::info!("metrics at http://{}/metrics", listener_name(bind, port));
        Ok(Self { port, handle })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops listening; a scrape in progress is answered first.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// `host:port` with the port actually bound, for the log line.
fn listener_name(bind: &str, port: u16) -> String {
    match bind.rsplit_once(':') {
        Some((host, _)) => format!("{host}:{port}"),
        None => bind.to_owned(),
    }
}

async fn metrics(registry: web::Data<Registry>) -> HttpResponse {
    match render(&registry) {
        Ok(text) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(text),
        Err(error) => {
            log::error!("cannot render the metrics: {error}");
            HttpResponse::InternalServerError().finish()
        }
    }
}

//! A server that sends fixed bytes: the baseline for large answers.

use std::sync::mpsc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, web};

/// Starts a bare actix-web server, two workers as the service has, that
/// answers every request with `body` and nothing else: no registry, cache
/// lookup or middleware. What sending that many bytes costs on its own.
pub fn serve_bytes(body: Bytes) -> u16 {
    let (port_tx, port_rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let body = body.clone();
                App::new().default_service(web::to(move || {
                    let body = body.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }))
            })
            .workers(2)
            .bind(("127.0.0.1", 0))
            .expect("a port for the bare server");
            let _ = port_tx.send(server.addrs()[0].port());
            let _ = server.run().await;
        })
    });
    port_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the bare server started")
}

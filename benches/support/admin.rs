//! The admin service run inside a benchmark's process.

use std::sync::mpsc;
use std::time::Duration;

use topicgate::config::AdminSettings;
use topicgate::web::Application;

/// Starts the admin service with `settings` on a thread of its own (its
/// own actix system) and returns the port it listens on.
pub fn serve(settings: AdminSettings) -> u16 {
    let (port_tx, port_rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).expect("the admin service starts");
            let _ = port_tx.send(app.port());
            let _ = app.run_until_stopped().await;
        })
    });
    port_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the admin service started")
}

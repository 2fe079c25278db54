//! `topicgate-admin`: the topic registry's REST API and dashboard.

use clap::Parser;
use topicgate::config::AdminConfig;
use topicgate::web::Application;

fn main() -> std::process::ExitCode {
    topicgate::telemetry::init("topicgate-admin", topicgate::telemetry::DAEMON_FILTER);
    let settings = match AdminConfig::parse().into_settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("topicgate-admin: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let bind = settings.bind.clone();
    let database = settings.database_url.clone();
    let outcome = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        // Listening for signals before saying so: see `shutdown::signal`.
        let signalled = topicgate::shutdown::signal();
        log::info!(
            "topicgate-admin listening on http://{}:{} (registry: {})",
            bind.rsplit_once(':')
                .map_or(bind.as_str(), |(host, _)| host),
            app.port(),
            database
        );
        let server = app.handle();
        actix_web::rt::spawn(async move {
            signalled.await;
            // Finish requests in flight, then stop.
            server.stop(true).await;
        });
        app.run_until_stopped().await?;
        log::info!("topicgate-admin stopped");
        anyhow::Ok(())
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("topicgate-admin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! A user token names the consumer's user and brings its Kafka login, so a
//! person never handles a Kafka password.

use crate::client::{AdminClient, ClientError};
use crate::config::{Secret, TokenLogin};

/// Asks the admin service at `admin_url` who `token` belongs to and for
/// its Kafka login. An admin service that provisions no Kafka logins
/// (open mode) leaves the Kafka settings as configured.
pub fn log_in(admin_url: &str, token: Secret) -> Result<TokenLogin, String> {
    let system = actix_rt::System::new();
    system.block_on(async move {
        let admin = AdminClient::new(admin_url).with_token(&token);
        let me = admin
            .me()
            .await
            .map_err(|e| format!("the admin service refused the token: {e}"))?;
        if me.bootstrap_admin {
            return Err(
                "that is the admin token, which is no consumer: use a user's token \
                 (POST /api/users)"
                    .to_owned(),
            );
        }
        let kafka = match admin.kafka_credentials().await {
            Ok(credentials) => Some(credentials),
            Err(ClientError::Api { status: 404, .. }) => None,
            Err(e) => {
                return Err(format!(
                    "cannot get the Kafka login for '{}': {e}",
                    me.user_id
                ));
            }
        };
        Ok(TokenLogin {
            token,
            user: me.user_id,
            kafka,
        })
    })
}

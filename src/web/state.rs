use actix::Addr;
use actix::dev::{MessageResponse, ToEnvelope};
use actix::{Handler, Message};

use super::error::ApiError;
use crate::actors::registry::TopicRegistry;
use crate::config::Secret;
use crate::db::RegistryError;

/// What every handler shares: the registry's address and the secrets.
pub struct AppState {
    pub registry: Addr<TopicRegistry>,
    pub producer_key: Secret,
    pub admin_token: Secret,
    pub max_replication_factor: i32,
}

impl AppState {
    /// Sends `msg` to the registry and flattens mailbox and registry errors.
    pub async fn ask<M, T>(&self, msg: M) -> Result<T, ApiError>
    where
        M: Message<Result = Result<T, RegistryError>> + Send + 'static,
        T: Send + 'static,
        TopicRegistry: Handler<M>,
        <TopicRegistry as actix::Actor>::Context: ToEnvelope<TopicRegistry, M>,
        Result<T, RegistryError>: MessageResponse<TopicRegistry, M>,
    {
        Ok(self.registry.send(msg).await??)
    }
}

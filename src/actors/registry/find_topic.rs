//! Finding a topic by its name, for the pages that address topics so.

use actix::prelude::*;

use super::TopicRegistry;
use crate::api::TopicView;
use crate::db::RegistryError;
use crate::db::topics::{self, TopicRef};
use crate::domain::TopicName;

/// The topic that holds `name` now (else the newest deleted one).
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct FindTopic(pub TopicName);

impl Handler<FindTopic> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: FindTopic, _: &mut Self::Context) -> Self::Result {
        let topic = topics::find(&mut *self.conn()?, &TopicRef::Name(msg.0))?;
        Ok(topic.view())
    }
}

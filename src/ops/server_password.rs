//! Clearing a Windows server's stored initial password (`DELETE .../os-server-password` on
//! the path of the server's kind): a change like any other, so it is refused in a protected
//! project, written ahead to the trail and its outcome recorded, for the TUI and
//! `windows-password` alike. Reading the stored copy is not a change and needs no engine.

use super::engine::Engine;
use super::plan::Located;
use super::trail::Line;
use super::{Action, Outcome};
use crate::cloud::CloudError;
use crate::cloud::server_password::PasswordCleared;

#[derive(Debug, thiserror::Error)]
pub enum ClearError {
    /// Nothing was sent (protected project, or the intent could not be written).
    #[error("{0}")]
    NotSent(String),
    /// Sent, and the API refused it or its outcome is unknown.
    #[error(transparent)]
    Cloud(CloudError),
}

impl Engine {
    pub async fn clear_server_password(&self, l: &Located) -> Result<PasswordCleared, ClearError> {
        if l.project.protected {
            return Err(ClearError::NotSent(format!(
                "project {} is protected (protected = true in the config)",
                l.project.label
            )));
        }
        let p = &l.project.project;
        let op = self
            .intend(Action::ClearServerPassword, p, &[l])
            .map_err(ClearError::NotSent)?;
        let result = self
            .cloud
            .delete_server_password_of(p, l.id(), l.server.kind)
            .await;
        let error = result.as_ref().err().map(ToString::to_string);
        let line = Line::outcome(&op, Action::ClearServerPassword, &p.id, &p.region)
            .server(l.id(), l.name())
            .is(match &result {
                Ok(_) => Outcome::Done,
                Err(CloudError::OutcomeUnknown { .. }) => Outcome::Unknown,
                Err(_) => Outcome::Failed,
            })
            .request_id(result.as_ref().ok().and_then(|d| d.request_id.as_deref()))
            .error(error.as_deref());
        self.outcome(&op, vec![line]);
        result.map_err(ClearError::Cloud)
    }
}

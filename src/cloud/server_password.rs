//! The stored initial password of a Windows server created with a key pair (section 9.4):
//! `GET`/`DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password`.
//!
//! What comes back is the password encrypted to the key pair (see [`crate::winpw`]); the
//! client never sees it in clear, and neither body is ever logged.

use super::ecs::decode;
use super::http::{Answer, Call};
use super::sign::pct;
use super::{Cloud, CloudError, ProjectRef};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// `ShowServerPasswordResponse` (SDK model): `password` is opt, empty when none is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerPasswordResponse {
    #[serde(default)]
    pub password: Option<String>,
}

/// What `DELETE` confirmed: the stored copy is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordCleared {
    pub request_id: Option<String>,
}

impl Cloud {
    fn password_call(
        &self,
        p: &ProjectRef,
        method: Method,
        server_id: &str,
    ) -> Result<Call, CloudError> {
        Ok(Call {
            method,
            base: self.ecs_base_of(p)?,
            path: format!(
                "/v1/{}/cloudservers/{}/os-server-password",
                pct(&p.id),
                pct(server_id)
            ),
            query: Vec::new(),
            body: None,
            project_id: Some(p.id.clone()),
            idempotent: true,
            api: super::limiter::ApiClass::ServerPassword,
        })
    }

    /// The stored, encrypted password (base64); `None` when none is stored (never was, or it
    /// was cleared).
    pub async fn show_server_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
    ) -> Result<Option<String>, CloudError> {
        let call = self.password_call(p, Method::GET, server_id)?;
        let resp: ServerPasswordResponse = decode(self.send(&call).await?)?;
        Ok(resp.password.filter(|s| !s.trim().is_empty()))
    }

    /// Clears the stored copy (logging in is unaffected). A change: never retried once sent,
    /// and a 2xx whose body is not JSON is [`CloudError::OutcomeUnknown`].
    pub async fn delete_server_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
    ) -> Result<PasswordCleared, CloudError> {
        let mut call = self.password_call(p, Method::DELETE, server_id)?;
        call.idempotent = false;
        let answer = self.send(&call).await?;
        confirm_change(answer)
    }
}

/// The API documents no response fields: 204, an empty body or any JSON body confirm it.
pub(crate) fn confirm_change(answer: Answer) -> Result<PasswordCleared, CloudError> {
    let documented = answer.status == 204
        || answer.body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body).is_ok();
    if !documented {
        return Err(CloudError::OutcomeUnknown {
            message: format!(
                "HTTP {} with a body that is not the documented answer{}",
                answer.status,
                answer
                    .request_id
                    .as_ref()
                    .map(|r| format!(" (request id {r})"))
                    .unwrap_or_default()
            ),
        });
    }
    Ok(PasswordCleared {
        request_id: answer.request_id,
    })
}

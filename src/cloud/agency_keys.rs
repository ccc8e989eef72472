//! The temporary keys of an agency profile, renewed one at a time: the first call that
//! finds them stale asks IAM while every other call waits for that answer, so N calls in
//! flight cost one `assume_role`, not N.

use super::agency::{self, AgencySpec, TempKeys};
use super::error::CloudError;
use super::http::{Call, Credentials, Transport};
use super::limiter::ApiClass;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;

/// Told the new expiry each time a profile's keys are renewed (the TUI header shows it).
pub type RenewObserver = Arc<dyn Fn(&str, DateTime<Utc>) + Send + Sync>;

pub struct AgencyKeys {
    pub spec: AgencySpec,
    slot: tokio::sync::Mutex<Slot>,
    on_renew: Option<RenewObserver>,
}

#[derive(Default)]
struct Slot {
    held: Option<TempKeys>,
    /// The last failed renewal: calls that were already waiting get it instead of asking again.
    failed: Option<(Instant, CloudError)>,
}

impl AgencyKeys {
    pub fn new(spec: AgencySpec, on_renew: Option<RenewObserver>) -> Self {
        Self {
            spec,
            slot: tokio::sync::Mutex::default(),
            on_renew,
        }
    }

    /// When the keys in use end, if any were issued.
    pub async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.slot.lock().await.held.as_ref().map(|k| k.expires_at)
    }

    /// Renews keys that were issued and are due, so an idle session's keys never lapse;
    /// keys never issued (or refused) are left to the next call, which reports the refusal.
    pub async fn renew_if_due(&self, source: &Transport) -> Result<(), CloudError> {
        let due = {
            let slot = self.slot.lock().await;
            slot.held.as_ref().is_some_and(|k| !k.fresh(Utc::now()))
        };
        if due {
            self.current(source).await?;
        }
        Ok(())
    }

    /// Keys a call may be signed with now, renewing them through `source` (whose own
    /// credentials are the source profile's permanent keys) when they are stale.
    pub async fn current(&self, source: &Transport) -> Result<Credentials, CloudError> {
        let asked = Instant::now();
        let mut slot = self.slot.lock().await;
        if let Some(k) = slot.held.as_ref().filter(|k| k.fresh(Utc::now())) {
            return Ok(credentials(k));
        }
        if let Some((at, e)) = &slot.failed
            && *at >= asked
        {
            return Err(e.clone());
        }
        match self.assume(source).await {
            Ok(k) => {
                if let Some(tell) = &self.on_renew {
                    tell(&self.spec.profile, k.expires_at);
                }
                let c = credentials(&k);
                slot.held = Some(k);
                slot.failed = None;
                Ok(c)
            }
            Err(e) => {
                slot.failed = Some((Instant::now(), e.clone()));
                // Keys that are stale but not yet ended still work: use them to the end.
                match slot.held.as_ref().filter(|k| k.valid(Utc::now())) {
                    Some(k) => {
                        tracing::warn!(profile = %self.spec.profile, error = %e,
                            "agency keys not renewed; using the current ones until they expire");
                        Ok(credentials(k))
                    }
                    None => Err(e),
                }
            }
        }
    }

    async fn assume(&self, source: &Transport) -> Result<TempKeys, CloudError> {
        let refused = |e| agency::refusal(&self.spec, e);
        let base =
            super::endpoint(&self.spec.iam_endpoint, &self.spec.iam_region).map_err(refused)?;
        let call = Call {
            method: reqwest::Method::POST,
            base,
            path: agency::PATH.into(),
            query: Vec::new(),
            body: Some(agency::request_body(&self.spec)),
            project_id: None,
            // Asking again is harmless: each answer is a fresh, independent set of keys.
            idempotent: true,
            api: ApiClass::Iam,
        };
        let issued_at = Utc::now();
        // Boxed: sending is what asks for these keys, so the futures nest.
        let answer = Box::pin(source.send_signed_by_source(&call))
            .await
            .map_err(refused)?;
        agency::parse_answer(answer.status, &answer.body, issued_at, answer.request_id)
            .map_err(refused)
    }
}

fn credentials(k: &TempKeys) -> Credentials {
    Credentials {
        access_key: k.access_key.clone(),
        secret_key: k.secret_key.clone(),
        security_token: Some(k.security_token.clone()),
    }
}

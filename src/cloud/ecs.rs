//! ECS calls: list servers (paged), reset flag, reset (single and batch), reboot, job status.

use super::capability::Capability;
use super::http::{Call, Elements};
use super::limiter::ApiClass;
use super::sign::{QueryValue, pct};
use super::wire::{
    BatchRebootRequest, BatchResetPasswordRequest, BatchResetPasswordResponse, BatchStartRequest,
    JobCreated, JobResponse, ListServersResponse, RebootOption, RebootType, ResetFlagResponse,
    ResetPasswordOption, ResetPasswordRequest, ServerDetail, ServerId, StartOption,
};
use super::{Cloud, CloudError, ProjectRef};
use crate::secret::Secret;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use zeroize::Zeroizing;

/// The API's maximum page size.
pub const MAX_PAGE: u32 = 1000;

/// A list page's servers as they are read, each through `keep`: a page of full records is
/// never held (see [`super::split`]).
pub(crate) struct Kept<'a, T> {
    keep: &'a (dyn Fn(ServerDetail) -> T + Sync),
    servers: Vec<T>,
}

impl<'a, T> Kept<'a, T> {
    pub(crate) fn new(keep: &'a (dyn Fn(ServerDetail) -> T + Sync)) -> Self {
        Self {
            keep,
            servers: Vec::new(),
        }
    }

    /// What was kept, then what the rest of the answer held (an array the splitter left in
    /// place, such as a key spelled with escapes).
    pub(crate) fn finish(mut self, rest: Vec<ServerDetail>) -> Vec<T> {
        self.servers.extend(rest.into_iter().map(self.keep));
        self.servers
    }
}

impl<T: Send> Elements for Kept<'_, T> {
    fn key(&self) -> &'static str {
        "servers"
    }

    fn restart(&mut self) {
        self.servers.clear();
    }

    fn element(&mut self, json: &[u8]) -> Result<(), serde_json::Error> {
        self.servers
            .push((self.keep)(serde_json::from_slice(json)?));
        Ok(())
    }
}

/// What the reset API can confirm: the request was accepted. The guest applies the password
/// only after a (re)start, and a failing in-guest plug-in is never reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetAccepted {
    pub request_id: Option<String>,
}

/// What a batch reset answered: the servers it accepted, and its request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchAccepted {
    pub servers: Vec<String>,
    pub request_id: Option<String>,
}

impl Cloud {
    /// Sends a call of a probed API: answered from memory when the API is known not offered
    /// in this project, and remembered when the gateway says so now.
    async fn send_probed(
        &self,
        p: &ProjectRef,
        cap: Capability,
        call: &Call,
    ) -> Result<super::http::Answer, CloudError> {
        if let Some(known) = self.missing.get(p, cap) {
            return Err(known);
        }
        self.send(call)
            .await
            .map_err(|e| self.missing.note(p, cap, e))
    }

    fn ecs_call(
        &self,
        p: &ProjectRef,
        api: ApiClass,
        method: Method,
        tail: &str,
    ) -> Result<Call, CloudError> {
        Ok(Call {
            api,
            method,
            base: self.ecs_base_of(p)?,
            path: format!("/v1/{}{tail}", pct(&p.id)),
            query: Vec::new(),
            body: None,
            project_id: Some(p.id.clone()),
            idempotent: true,
        })
    }

    /// One page; `page` is a page number starting at 1, as the API defines `offset`.
    pub async fn list_servers_page(
        &self,
        p: &ProjectRef,
        page: u32,
        limit: u32,
    ) -> Result<ListServersResponse, CloudError> {
        let (count, servers) = self.list_page_kept(p, page, limit, &|s| s).await?;
        Ok(ListServersResponse { count, servers })
    }

    /// One page, each server through `keep` as it is read: its count and what was kept.
    async fn list_page_kept<T: Send>(
        &self,
        p: &ProjectRef,
        page: u32,
        limit: u32,
        keep: &(dyn Fn(ServerDetail) -> T + Sync),
    ) -> Result<(Option<u64>, Vec<T>), CloudError> {
        let mut call = self.ecs_call(p, ApiClass::EcsList, Method::GET, "/cloudservers/detail")?;
        call.query = vec![
            (
                "limit".into(),
                QueryValue::Int(limit.clamp(1, MAX_PAGE).into()),
            ),
            ("offset".into(), QueryValue::Int(page.max(1).into())),
        ];
        let mut kept = Kept::new(keep);
        let rest: ListServersResponse = decode(self.send_streamed(&call, &mut kept).await?)?;
        Ok((rest.count, kept.finish(rest.servers)))
    }

    /// Every server of a project, page by page, until a short page or `count` is reached.
    pub async fn list_servers(
        &self,
        p: &ProjectRef,
        limit: u32,
    ) -> Result<Vec<ServerDetail>, CloudError> {
        self.list_servers_mapped(p, limit, |s| s).await
    }

    /// [`Cloud::list_servers`], with `keep` applied to each page as it arrives: a caller that
    /// needs only part of each record never holds a whole project's full records at once.
    pub async fn list_servers_mapped<T: Send>(
        &self,
        p: &ProjectRef,
        limit: u32,
        keep: impl Fn(ServerDetail) -> T + Sync,
    ) -> Result<Vec<T>, CloudError> {
        let mut all = Vec::new();
        self.list_servers_paged(p, limit, keep, |page| all.extend(page))
            .await?;
        Ok(all)
    }

    /// The paging of [`Cloud::list_servers_mapped`], handing each page to `page` as it
    /// arrives (a screen can show the first rows before the last page is in). Returns how
    /// many servers there were.
    pub async fn list_servers_paged<T: Send>(
        &self,
        p: &ProjectRef,
        limit: u32,
        keep: impl Fn(ServerDetail) -> T + Sync,
        mut page_out: impl FnMut(Vec<T>),
    ) -> Result<usize, CloudError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let mut seen = 0usize;
        for page in 1.. {
            let (count, servers) = self.list_page_kept(p, page, limit, &keep).await?;
            let got = servers.len();
            seen += got;
            page_out(servers);
            let done = got < limit as usize || count.is_some_and(|c| seen as u64 >= c);
            // A server that keeps answering full pages past its own count is broken; stop.
            let runaway =
                count.is_some_and(|c| u64::from(page) * u64::from(limit) > c + u64::from(limit));
            if done || runaway || got == 0 {
                break;
            }
        }
        Ok(seen)
    }

    /// The listed servers among `ids` (at most 100 per call, as the API advises). Unknown ids
    /// come back as stubs with only `id` and `fault`; those are dropped.
    pub async fn servers_by_id(
        &self,
        p: &ProjectRef,
        ids: &[String],
    ) -> Result<Vec<ServerDetail>, CloudError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(100) {
            let mut call =
                self.ecs_call(p, ApiClass::EcsList, Method::GET, "/cloudservers/detail")?;
            call.query = vec![
                ("limit".into(), QueryValue::Int(MAX_PAGE.into())),
                ("server_id".into(), QueryValue::Str(chunk.join(","))),
            ];
            let resp: ListServersResponse = decode(self.send(&call).await?)?;
            let listed: Vec<ServerDetail> = resp
                .servers
                .into_iter()
                .filter(|s| s.status.is_some() || s.fault.is_none())
                .collect();
            // Older and private deployments ignore filters they do not know and answer with
            // every server: keep exactly the ids asked for.
            let (kept, dropped) = crate::ops::plan::keep_asked(chunk, listed);
            if !dropped.is_empty() {
                tracing::debug!(
                    project = %p.id,
                    dropped = dropped.len(),
                    "the server_id filter was not applied; servers not asked for were dropped"
                );
            }
            for k in kept {
                if !found.iter().any(|f: &ServerDetail| f.id == k.id) {
                    found.push(k);
                }
            }
        }
        Ok(found)
    }

    /// Whether one-click reset is supported. An undocumented flag value is an error, not a guess.
    pub async fn reset_flag(&self, p: &ProjectRef, server_id: &str) -> Result<bool, CloudError> {
        let call = self.ecs_call(
            p,
            ApiClass::EcsFlag,
            Method::GET,
            &format!("/cloudservers/{}/os-resetpwd-flag", pct(server_id)),
        )?;
        let answer = self.send_probed(p, Capability::ResetFlag, &call).await?;
        let (status, request_id) = (answer.status, answer.request_id.clone());
        let flag: ResetFlagResponse = decode(answer)?;
        flag.supported().ok_or_else(|| CloudError::Decode {
            status,
            message: format!(
                "resetpwd_flag is {:?}, expected \"True\" or \"False\"",
                flag.resetpwd_flag
            ),
            request_id,
        })
    }

    /// Resets one server's password. Never retried once sent; an ambiguous failure is
    /// [`CloudError::OutcomeUnknown`].
    pub async fn reset_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
        password: &Secret,
        check: bool,
    ) -> Result<ResetAccepted, CloudError> {
        let body = ResetPasswordRequest {
            reset_password: ResetPasswordOption {
                new_password: Cow::Borrowed(password.expose()),
                is_check_password: Some(check),
            },
        };
        let mut call = self.ecs_call(
            p,
            ApiClass::EcsReset,
            Method::PUT,
            &format!("/cloudservers/{}/os-reset-password", pct(server_id)),
        )?;
        call.body = Some(to_body(&body)?);
        call.idempotent = false;
        let answer = self
            .send_probed(p, Capability::ResetPassword, &call)
            .await?;
        // The API answers 204 with no body. A 2xx carrying something that is not JSON (an
        // HTML page from a proxy, a cut-off body) is not an acceptance we can vouch for.
        let documented = answer.status == 204
            || answer.body.iter().all(u8::is_ascii_whitespace)
            || serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body).is_ok();
        if !documented {
            return Err(unknown_outcome(&answer));
        }
        if let Some(other) = names_another_server(&answer.body, server_id) {
            return Err(CloudError::OutcomeUnknown {
                message: format!(
                    "HTTP {} naming server {other}, not {server_id}: the API confirmed nothing about this server",
                    answer.status
                ),
            });
        }
        Ok(ResetAccepted {
            request_id: answer.request_id,
        })
    }

    /// Batch reset; with `dry_run` the API only validates. Returns the ids it accepted.
    pub async fn batch_reset_password(
        &self,
        p: &ProjectRef,
        server_ids: &[String],
        password: Option<&Secret>,
        dry_run: bool,
    ) -> Result<Vec<String>, CloudError> {
        self.batch_reset(p, server_ids, password, dry_run)
            .await
            .map(|b| b.servers)
    }

    /// [`Cloud::batch_reset_password`] with the request id, for the audit trail.
    pub async fn batch_reset(
        &self,
        p: &ProjectRef,
        server_ids: &[String],
        password: Option<&Secret>,
        dry_run: bool,
    ) -> Result<BatchAccepted, CloudError> {
        let body = BatchResetPasswordRequest {
            new_password: password.map(|s| Cow::Borrowed(s.expose())),
            dry_run: Some(dry_run),
            servers: ids(server_ids),
        };
        let mut call = self.ecs_call(
            p,
            ApiClass::EcsBatchReset,
            Method::PUT,
            "/cloudservers/os-reset-passwords",
        )?;
        call.body = Some(to_body(&body)?);
        call.idempotent = dry_run;
        let answer = self
            .send_probed(p, Capability::BatchResetPassword, &call)
            .await?;
        let request_id = answer.request_id.clone();
        let resp: BatchResetPasswordResponse = if dry_run {
            decode(answer)?
        } else {
            decode_change(answer)?
        };
        Ok(BatchAccepted {
            servers: resp.response.into_iter().map(|s| s.id).collect(),
            request_id,
        })
    }

    /// Starts a batch reboot; returns the job id to poll with [`Cloud::job`].
    pub async fn batch_reboot(
        &self,
        p: &ProjectRef,
        server_ids: &[String],
        kind: RebootType,
    ) -> Result<String, CloudError> {
        let body = BatchRebootRequest {
            reboot: RebootOption {
                kind,
                servers: ids(server_ids),
            },
        };
        let mut call =
            self.ecs_call(p, ApiClass::EcsAction, Method::POST, "/cloudservers/action")?;
        call.body = Some(to_body(&body)?);
        call.idempotent = false;
        let created: JobCreated = decode_change(self.send(&call).await?)?;
        Ok(created.job_id)
    }

    /// Starts a batch start (`os-start`); returns the job id to poll with [`Cloud::job`].
    pub async fn batch_start(
        &self,
        p: &ProjectRef,
        server_ids: &[String],
    ) -> Result<String, CloudError> {
        let body = BatchStartRequest {
            start: StartOption {
                servers: ids(server_ids),
            },
        };
        let mut call =
            self.ecs_call(p, ApiClass::EcsAction, Method::POST, "/cloudservers/action")?;
        call.body = Some(to_body(&body)?);
        call.idempotent = false;
        let created: JobCreated = decode_change(self.send(&call).await?)?;
        Ok(created.job_id)
    }

    pub async fn job(&self, p: &ProjectRef, job_id: &str) -> Result<JobResponse, CloudError> {
        let call = self.ecs_call(
            p,
            ApiClass::Job,
            Method::GET,
            &format!("/jobs/{}", pct(job_id)),
        )?;
        decode(self.send(&call).await?)
    }
}

/// A server id other than `asked` that a JSON answer names (`id` / `server_id` at any depth).
fn names_another_server(body: &[u8], asked: &str) -> Option<String> {
    fn walk(v: &serde_json::Value, asked: &str, depth: u8) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match v {
            serde_json::Value::Object(m) => m.iter().find_map(|(k, v)| match v {
                serde_json::Value::String(s)
                    if (k == "id" || k == "server_id" || k == "serverId") && s != asked =>
                {
                    Some(s.clone())
                }
                other => walk(other, asked, depth + 1),
            }),
            serde_json::Value::Array(a) => a.iter().find_map(|v| walk(v, asked, depth + 1)),
            _ => None,
        }
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    walk(&v, asked, 0)
}

fn ids(server_ids: &[String]) -> Vec<ServerId> {
    server_ids
        .iter()
        .map(|id| ServerId { id: id.clone() })
        .collect()
}

pub(crate) fn to_body<T: serde::Serialize>(body: &T) -> Result<Zeroizing<Vec<u8>>, CloudError> {
    serde_json::to_vec(body)
        .map(Zeroizing::new)
        .map_err(|e| CloudError::Setup(format!("cannot encode request body: {e}")))
}

/// Like [`decode`], for the answer to a change that was sent: a 2xx whose body is not the
/// documented JSON does not prove the change happened, nor that it did not.
fn decode_change<T: DeserializeOwned>(answer: super::http::Answer) -> Result<T, CloudError> {
    parse(&answer.body).map_err(|_| unknown_outcome(&answer))
}

fn unknown_outcome(answer: &super::http::Answer) -> CloudError {
    CloudError::OutcomeUnknown {
        message: format!(
            "HTTP {} with a body that is not the documented answer{}",
            answer.status,
            answer
                .request_id
                .as_ref()
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default()
        ),
    }
}

pub(crate) fn decode<T: DeserializeOwned>(answer: super::http::Answer) -> Result<T, CloudError> {
    parse(&answer.body).map_err(|e| CloudError::Decode {
        status: answer.status,
        message: format!("body is not the documented JSON ({e})"),
        request_id: answer.request_id,
    })
}

/// Every documented answer is a JSON object. Serde would also read a struct from an array,
/// field by field, so `[]` would pass for an empty server list; no API answers that.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(body).map_err(|e| e.to_string()),
        _ => Err("the body is not a JSON object".into()),
    }
}

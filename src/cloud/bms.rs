//! Bare-metal servers (section 9.9, `huaweicloudsdkbms/v1` 3.1.219): list, reset flag,
//! one-click reset and the stored Windows password, under `/v1/{project_id}/baremetalservers`
//! on the BMS host of the region (`bms.{region}.myhuaweicloud.com`, or `[endpoints] bms`).
//!
//! The list answers `ServerDetails` (`model/server_details.py`), which carries every field the
//! app reads under the same JSON names as the ECS model, so it is parsed into
//! [`ServerDetail`] and marked [`ServerKind::Bms`]. There is no batch reset for BMS.

use super::ecs::{Kept, ResetAccepted, decode, to_body};
use super::http::Call;
use super::kind::ServerKind;
use super::limiter::ApiClass;
use super::server_password::{PasswordCleared, ServerPasswordResponse, confirm_change};
use super::sign::{QueryValue, pct};
use super::wire::{ResetFlagResponse, ResetPasswordOption, ResetPasswordRequest, ServerDetail};
use super::{Cloud, CloudError, ProjectRef};
use crate::secret::Secret;
use reqwest::Method;
use serde::Deserialize;
use std::borrow::Cow;

/// The API's maximum page size (`limit`, default 25).
pub const MAX_PAGE: u32 = 1000;

/// `ListBareMetalServersResponse`: `count` is the total, `servers` one page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListBareMetalServersResponse {
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub servers: Vec<ServerDetail>,
}

/// The BMS APIs the app calls. Each is its own limiter class (`BmsList`, `BmsFlag`,
/// `BmsReset` in [`super::limiter`]): `BmsApi::call` is the one place that tags them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BmsApi {
    List,
    Flag,
    Reset,
    ShowPassword,
    DeletePassword,
}

impl BmsApi {
    fn method(self) -> Method {
        match self {
            BmsApi::List | BmsApi::Flag | BmsApi::ShowPassword => Method::GET,
            BmsApi::Reset => Method::PUT,
            BmsApi::DeletePassword => Method::DELETE,
        }
    }

    /// The path below `/v1/{project_id}/baremetalservers`.
    fn tail(self, server_id: &str) -> String {
        let id = pct(server_id);
        match self {
            BmsApi::List => "/detail".to_owned(),
            BmsApi::Flag => format!("/{id}/os-resetpwd-flag"),
            BmsApi::Reset => format!("/{id}/os-reset-password"),
            BmsApi::ShowPassword | BmsApi::DeletePassword => format!("/{id}/os-server-password"),
        }
    }

    /// Reads may be retried; a reset or a clear never once sent.
    fn idempotent(self) -> bool {
        !matches!(self, BmsApi::Reset | BmsApi::DeletePassword)
    }
}

/// The BMS endpoint template for an ECS one: the SDK's hosts differ only in the service
/// prefix, so `ecs.` becomes `bms.`; any other template (the simulator, a proxy) serves both.
pub fn bms_template(ecs: &str) -> String {
    let (scheme, rest) = ecs.split_once("://").map_or(("", ecs), |(s, r)| (s, r));
    let rest = rest
        .strip_prefix("ecs.")
        .map_or_else(|| rest.to_owned(), |r| format!("bms.{r}"));
    if scheme.is_empty() {
        rest
    } else {
        format!("{scheme}://{rest}")
    }
}

impl Cloud {
    fn bms_call(&self, p: &ProjectRef, api: BmsApi, server_id: &str) -> Result<Call, CloudError> {
        Ok(Call {
            method: api.method(),
            base: self.route(&p.id).bms_base(&p.region)?,
            path: format!("/v1/{}/baremetalservers{}", pct(&p.id), api.tail(server_id)),
            query: Vec::new(),
            body: None,
            project_id: Some(p.id.clone()),
            idempotent: api.idempotent(),
            api: match api {
                BmsApi::List => ApiClass::BmsList,
                BmsApi::Flag => ApiClass::BmsFlag,
                BmsApi::Reset => ApiClass::BmsReset,
                BmsApi::ShowPassword | BmsApi::DeletePassword => ApiClass::ServerPassword,
            },
        })
    }

    /// One page of `GET /v1/{project_id}/baremetalservers/detail`; `page` starts at 1.
    pub async fn list_bare_metal_page(
        &self,
        p: &ProjectRef,
        page: u32,
        limit: u32,
    ) -> Result<ListBareMetalServersResponse, CloudError> {
        let (count, servers) = self.bms_page_kept(p, page, limit, &|s| s).await?;
        Ok(ListBareMetalServersResponse { count, servers })
    }

    /// One page, each server marked bare metal and passed through `keep` as it is read.
    async fn bms_page_kept<T: Send>(
        &self,
        p: &ProjectRef,
        page: u32,
        limit: u32,
        keep: &(dyn Fn(ServerDetail) -> T + Sync),
    ) -> Result<(Option<u64>, Vec<T>), CloudError> {
        let mut call = self.bms_call(p, BmsApi::List, "")?;
        call.query = vec![
            (
                "limit".into(),
                QueryValue::Int(limit.clamp(1, MAX_PAGE).into()),
            ),
            ("offset".into(), QueryValue::Int(page.max(1).into())),
        ];
        let marked = |mut s: ServerDetail| {
            s.kind = ServerKind::Bms;
            keep(s)
        };
        let mut kept = Kept::new(&marked);
        let rest: ListBareMetalServersResponse =
            decode(self.send_streamed(&call, &mut kept).await?)?;
        Ok((rest.count, kept.finish(rest.servers)))
    }

    /// Every bare-metal server of a project, until a short page or `count` is reached.
    pub async fn list_bare_metal(
        &self,
        p: &ProjectRef,
        limit: u32,
    ) -> Result<Vec<ServerDetail>, CloudError> {
        self.list_bare_metal_mapped(p, limit, |s| s).await
    }

    /// [`Cloud::list_bare_metal`] with `keep` applied to each page as it arrives.
    pub async fn list_bare_metal_mapped<T: Send>(
        &self,
        p: &ProjectRef,
        limit: u32,
        keep: impl Fn(ServerDetail) -> T + Sync,
    ) -> Result<Vec<T>, CloudError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let mut all = Vec::new();
        for page in 1.. {
            let (count, servers) = self.bms_page_kept(p, page, limit, &keep).await?;
            let got = servers.len();
            all.extend(servers);
            let done = got < limit as usize || count.is_some_and(|c| all.len() as u64 >= c);
            let runaway =
                count.is_some_and(|c| u64::from(page) * u64::from(limit) > c + u64::from(limit));
            if done || runaway || got == 0 {
                break;
            }
        }
        Ok(all)
    }

    /// The listed bare-metal servers among `ids`. The list API has no id filter, so the
    /// project is listed and cut to exactly the ids asked for.
    pub async fn bare_metal_by_id(
        &self,
        p: &ProjectRef,
        ids: &[String],
    ) -> Result<Vec<ServerDetail>, CloudError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let all = self.list_bare_metal(p, MAX_PAGE).await?;
        Ok(crate::ops::plan::keep_asked(ids, all).0)
    }

    /// `GET .../baremetalservers/{id}/os-resetpwd-flag` (`show_reset_pwd`).
    pub async fn bms_reset_flag(
        &self,
        p: &ProjectRef,
        server_id: &str,
    ) -> Result<bool, CloudError> {
        let call = self.bms_call(p, BmsApi::Flag, server_id)?;
        let answer = self.send(&call).await?;
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

    /// `PUT .../baremetalservers/{id}/os-reset-password` (`reset_pwd_one_click`): the ECS
    /// wrapper without `is_check_password`; the API checks no strength, so the caller must.
    pub async fn bms_reset_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
        password: &Secret,
    ) -> Result<ResetAccepted, CloudError> {
        let body = ResetPasswordRequest {
            reset_password: ResetPasswordOption {
                new_password: Cow::Borrowed(password.expose()),
                is_check_password: None,
            },
        };
        let mut call = self.bms_call(p, BmsApi::Reset, server_id)?;
        call.body = Some(to_body(&body)?);
        let done = confirm_change(self.send(&call).await?)?;
        Ok(ResetAccepted {
            request_id: done.request_id,
        })
    }

    /// `GET .../baremetalservers/{id}/os-server-password`, as [`Cloud::show_server_password`].
    pub async fn bms_show_server_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
    ) -> Result<Option<String>, CloudError> {
        let call = self.bms_call(p, BmsApi::ShowPassword, server_id)?;
        let resp: ServerPasswordResponse = decode(self.send(&call).await?)?;
        Ok(resp.password.filter(|s| !s.trim().is_empty()))
    }

    /// `DELETE .../baremetalservers/{id}/os-server-password`; never retried once sent.
    pub async fn bms_delete_server_password(
        &self,
        p: &ProjectRef,
        server_id: &str,
    ) -> Result<PasswordCleared, CloudError> {
        let call = self.bms_call(p, BmsApi::DeletePassword, server_id)?;
        confirm_change(self.send(&call).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bms_host_is_the_ecs_host_with_its_own_prefix() {
        assert_eq!(
            bms_template("https://ecs.{region}.myhuaweicloud.com"),
            "https://bms.{region}.myhuaweicloud.com"
        );
        assert_eq!(
            bms_template("ecs.{region}.myhuaweicloud.com"),
            "bms.{region}.myhuaweicloud.com"
        );
        assert_eq!(
            bms_template("http://127.0.0.1:8800"),
            "http://127.0.0.1:8800"
        );
        assert_eq!(
            bms_template("https://proxy.example/ecs.x"),
            "https://proxy.example/ecs.x"
        );
    }

    #[test]
    fn a_listing_in_the_sdk_shape_parses() {
        // Abridged from the fields of `ServerDetails` and `MetadataList` (SDK 3.1.219),
        // including the ones the ECS model types differently.
        let body = r#"{"count": 1, "servers": [{"id": "b1", "name": "bms-01",
            "status": "ACTIVE", "hostId": "h", "key_name": "kp",
            "fault": {"code": 500, "message": "m", "details": "d", "created": "c"},
            "OS-EXT-AZ:availability_zone": "cn-north-4a",
            "metadata": {"os_type": "Windows", "chargingMode": "0", "metering.image_id": "i"},
            "flavor": {"id": "physical.s4.medium", "disk": "0"}}]}"#;
        let r: ListBareMetalServersResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.count, Some(1));
        let s = &r.servers[0];
        assert_eq!(s.os_type(), Some("Windows"));
        assert_eq!(
            s.flavor.as_ref().map(|f| f.id.as_str()),
            Some("physical.s4.medium")
        );
        assert_eq!(s.availability_zone.as_deref(), Some("cn-north-4a"));
    }
}

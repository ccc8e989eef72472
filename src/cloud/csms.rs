//! CSMS secrets (section 9.8, `huaweicloudsdkcsms/v1` 3.1.219): a generated password stored
//! as a secret's newest version, on the CSMS host of a region (`kms.{region}.myhuaweicloud.com`,
//! `[endpoints] csms`). The bodies are the SDK's models, reduced to the fields we send or read;
//! the simulator parses and answers the same types.

use super::ecs::{decode, to_body};
use super::http::Call;
use super::sign::pct;
use super::{Cloud, CloudError, ProjectRef};
use crate::secret::Secret;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// What the description of a secret we create says (never anything about the value).
pub const DESCRIPTION: &str = "root/Administrator password of an ECS server, set by ecsreset";

/// `CreateSecretRequestBody` (`model/create_secret_request_body.py`): `name` is required;
/// of the optional fields only the value and a description are sent (default KMS key
/// `csms/default`, type `COMMON`, no rotation).
#[derive(Serialize, Deserialize)]
pub struct CreateSecretRequest<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'a, str>>,
}

/// `CreateSecretVersionRequestBody` (`model/create_secret_version_request_body.py`).
#[derive(Serialize, Deserialize)]
pub struct CreateSecretVersionRequest<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<i64>,
}

macro_rules! redacted_debug {
    ($t:ident, $($field:ident),*) => {
        impl fmt::Debug for $t<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t))
                    $(.field(stringify!($field), &self.$field))*
                    .field("secret_string", &self.secret_string.as_ref().map(|_| "***"))
                    .field("secret_binary", &self.secret_binary.as_ref().map(|_| "***"))
                    .finish()
            }
        }
    };
}
redacted_debug!(CreateSecretRequest, name, description);
redacted_debug!(CreateSecretVersionRequest, version_stages, expire_time);

/// `Secret` (`model/secret.py`), the fields we read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub create_time: Option<i64>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub secret_type: Option<String>,
}

/// `CreateSecretResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateSecretResponse {
    pub secret: SecretInfo,
}

/// `VersionMetadata` (`model/version_metadata.py`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionMetadata {
    pub id: String,
    #[serde(default)]
    pub create_time: Option<i64>,
    #[serde(default)]
    pub expire_time: Option<i64>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub secret_name: Option<String>,
    #[serde(default)]
    pub version_stages: Vec<String>,
}

/// `CreateSecretVersionResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateSecretVersionResponse {
    pub version_metadata: VersionMetadata,
}

/// `ListSecretVersionsResponse` (`model/list_secret_versions_response.py`), without `page_info`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListSecretVersionsResponse {
    #[serde(default)]
    pub version_metadatas: Vec<VersionMetadata>,
}

/// Where a password went: the secret and the version that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub secret: String,
    /// `None` only when a new secret was created and its version list could not be read.
    pub version: Option<String>,
    /// The secret did not exist and was created with this value as its first version.
    pub created: bool,
}

/// "No such secret": the documented `CSMS.0106` ("The secret name not found int the db."),
/// the generic `CSMS.0005` ("The resource does not exist."), or a plain 404 from the service.
pub fn is_missing_secret(e: &CloudError) -> bool {
    e.api().is_some_and(|a| {
        a.code == "CSMS.0106"
            || a.code == "CSMS.0005"
            || (a.status == 404 && !a.code.starts_with("APIGW"))
    })
}

impl Cloud {
    /// Every CSMS request is built here, so the API class (for the limiter) is set in one spot.
    fn csms_call(&self, p: &ProjectRef, method: Method, tail: &str) -> Result<Call, CloudError> {
        Ok(Call {
            method,
            base: self.csms_base(&p.region)?,
            path: format!("/v1/{}/secrets{tail}", pct(&p.id)),
            query: Vec::new(),
            body: None,
            project_id: Some(p.id.clone()),
            idempotent: true,
            api: super::limiter::ApiClass::Csms,
        })
    }

    /// Stores `value` as the newest version (stage `SYSCURRENT`) of secret `name`, creating
    /// the secret when it does not exist yet.
    pub async fn store_secret(
        &self,
        p: &ProjectRef,
        name: &str,
        value: &Secret,
    ) -> Result<Stored, CloudError> {
        match self.create_secret_version(p, name, value).await {
            Ok(v) => Ok(Stored {
                secret: name.to_owned(),
                version: Some(v.id),
                created: false,
            }),
            Err(e) if is_missing_secret(&e) => {
                self.create_secret(p, name, value).await?;
                // The create answer names no version; the list does (a read, retried). Failing
                // to read it does not undo the stored value.
                let version = self
                    .secret_versions(p, name)
                    .await
                    .ok()
                    .and_then(|l| newest(&l.version_metadatas));
                Ok(Stored {
                    secret: name.to_owned(),
                    version,
                    created: true,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// `POST /v1/{project_id}/secrets` (`CreateSecret`).
    pub async fn create_secret(
        &self,
        p: &ProjectRef,
        name: &str,
        value: &Secret,
    ) -> Result<SecretInfo, CloudError> {
        let body = CreateSecretRequest {
            name: Cow::Borrowed(name),
            secret_string: Some(Cow::Borrowed(value.expose())),
            secret_binary: None,
            description: Some(Cow::Borrowed(DESCRIPTION)),
        };
        let mut call = self.csms_call(p, Method::POST, "")?;
        call.body = Some(to_body(&body)?);
        // A retry after a lost answer would meet the secret it created and fail; sent once.
        call.idempotent = false;
        let created: CreateSecretResponse = decode(self.send(&call).await?)?;
        Ok(created.secret)
    }

    /// `POST /v1/{project_id}/secrets/{secret_name}/versions` (`CreateSecretVersion`).
    ///
    /// Retried like a read: a repeat can only add another version holding the same value, so
    /// the newest version still holds the password.
    pub async fn create_secret_version(
        &self,
        p: &ProjectRef,
        name: &str,
        value: &Secret,
    ) -> Result<VersionMetadata, CloudError> {
        let body = CreateSecretVersionRequest {
            secret_string: Some(Cow::Borrowed(value.expose())),
            secret_binary: None,
            version_stages: None,
            expire_time: None,
        };
        let mut call = self.csms_call(p, Method::POST, &format!("/{}/versions", pct(name)))?;
        call.body = Some(to_body(&body)?);
        let created: CreateSecretVersionResponse = decode(self.send(&call).await?)?;
        Ok(created.version_metadata)
    }

    /// `GET /v1/{project_id}/secrets/{secret_name}/versions` (`ListSecretVersions`): metadata
    /// only, never a value.
    pub async fn secret_versions(
        &self,
        p: &ProjectRef,
        name: &str,
    ) -> Result<ListSecretVersionsResponse, CloudError> {
        let call = self.csms_call(p, Method::GET, &format!("/{}/versions", pct(name)))?;
        decode(self.send(&call).await?)
    }
}

/// The version holding stage `SYSCURRENT`, else the newest by creation time.
fn newest(versions: &[VersionMetadata]) -> Option<String> {
    versions
        .iter()
        .find(|v| v.version_stages.iter().any(|s| s == "SYSCURRENT"))
        .or_else(|| versions.iter().max_by_key(|v| v.create_time))
        .map(|v| v.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ApiError;

    fn api(status: u16, code: &str) -> CloudError {
        CloudError::Api(ApiError {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
        })
    }

    #[test]
    fn only_a_missing_secret_leads_to_creating_one() {
        assert!(is_missing_secret(&api(400, "CSMS.0106")));
        assert!(is_missing_secret(&api(404, "CSMS.0005")));
        assert!(is_missing_secret(&api(404, "404")));
        for other in [
            api(400, "CSMS.0107"),
            api(404, "APIGW.0101"),
            api(401, "APIGW.0301"),
            api(500, "CSMS.0001"),
        ] {
            assert!(!is_missing_secret(&other), "{other}");
        }
    }

    #[test]
    fn bodies_carry_the_sdk_field_names_and_debug_hides_the_value() {
        let b = CreateSecretRequest {
            name: "ecs-1".into(),
            secret_string: Some("Pw-Sentinel-1!".into()),
            secret_binary: None,
            description: None,
        };
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"name":"ecs-1","secret_string":"Pw-Sentinel-1!"}"#
        );
        assert!(!format!("{b:?}").contains("Sentinel"));
        let v = CreateSecretVersionRequest {
            secret_string: Some("Pw-Sentinel-1!".into()),
            secret_binary: None,
            version_stages: None,
            expire_time: None,
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"secret_string":"Pw-Sentinel-1!"}"#
        );
        assert!(!format!("{v:?}").contains("Sentinel"));
    }

    #[test]
    fn the_current_version_is_the_one_staged_syscurrent() {
        let v = |id: &str, t: i64, stages: &[&str]| VersionMetadata {
            id: id.into(),
            create_time: Some(t),
            version_stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            ..VersionMetadata::default()
        };
        let list = [
            v("v1", 1, &["SYSPREVIOUS"]),
            v("v2", 2, &["SYSCURRENT"]),
            v("v3", 3, &[]),
        ];
        assert_eq!(newest(&list).as_deref(), Some("v2"));
        assert_eq!(newest(&list[..1]).as_deref(), Some("v1"));
        assert_eq!(newest(&[]), None);
    }
}

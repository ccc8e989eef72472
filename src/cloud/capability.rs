//! Which APIs a project's endpoint does not offer at all.
//!
//! Some Huawei-based clouds and some regions do not publish the one-click reset APIs. Their
//! gateway answers `404 APIGW.0101` ("the API does not exist or has not been published"),
//! before authentication and before any backend sees the request. That answer is a fact about
//! the (project, API) pair, not about one server: once seen, further calls of that API in that
//! project are answered from here with the same error, and the front ends say *not offered
//! here* instead of an error per server. A reset answered so was never applied.

use super::{ApiError, CloudError, ProjectRef};
use std::collections::HashMap;
use std::sync::Mutex;

/// The APIs probed this way: the ones one-click reset depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// `GET .../os-resetpwd-flag`.
    ResetFlag,
    /// `PUT .../os-reset-password`.
    ResetPassword,
    /// `PUT .../os-reset-passwords` (batch, with its dry run).
    BatchResetPassword,
}

impl Capability {
    pub fn name(self) -> &'static str {
        match self {
            Capability::ResetFlag => "reset flag API (os-resetpwd-flag)",
            Capability::ResetPassword => "reset API (os-reset-password)",
            Capability::BatchResetPassword => "batch reset API (os-reset-passwords)",
        }
    }
}

/// Whether an answer says the API itself is missing here (not a missing server).
pub fn is_missing_api(e: &ApiError) -> bool {
    e.status == 404 && e.code == "APIGW.0101"
}

/// Whether a client error is such an answer (fresh or remembered).
pub fn is_not_offered(e: &CloudError) -> bool {
    e.api().is_some_and(is_missing_api)
}

/// Why a reset flag is not known, as the front ends and pre-flight keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagError {
    /// This project's endpoint does not offer the API at all (`404 APIGW.0101`).
    NotOffered(Capability),
    /// The read failed; `code: message` of the error.
    Failed(String),
}

impl FlagError {
    /// The flag error of a failed read, with `describe` for ordinary failures.
    pub fn of(e: &CloudError, describe: impl Fn(&CloudError) -> String) -> Self {
        if is_not_offered(e) {
            FlagError::NotOffered(Capability::ResetFlag)
        } else {
            FlagError::Failed(describe(e))
        }
    }
}

impl From<String> for FlagError {
    fn from(s: String) -> Self {
        FlagError::Failed(s)
    }
}

impl From<&str> for FlagError {
    fn from(s: &str) -> Self {
        FlagError::Failed(s.to_owned())
    }
}

impl std::fmt::Display for FlagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagError::NotOffered(cap) => write!(
                f,
                "not offered here: the {} answered 404 APIGW.0101 in this project",
                cap.name()
            ),
            FlagError::Failed(s) => f.write_str(s),
        }
    }
}

/// The (project id, API) pairs answered `404 APIGW.0101`, with the answer that proved it.
#[derive(Debug, Default)]
pub struct Missing(Mutex<HashMap<(String, Capability), ApiError>>);

impl Missing {
    /// The remembered answer, when `cap` is known missing in `p`.
    pub fn get(&self, p: &ProjectRef, cap: Capability) -> Option<CloudError> {
        let known = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        known
            .get(&(p.id.clone(), cap))
            .cloned()
            .map(CloudError::Api)
    }

    /// Passes `e` through, remembering it when it says `cap` is missing in `p`.
    pub fn note(&self, p: &ProjectRef, cap: Capability, e: CloudError) -> CloudError {
        if let Some(api) = e.api().filter(|a| is_missing_api(a)) {
            let mut known = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            known
                .entry((p.id.clone(), cap))
                .or_insert_with(|| api.clone());
        }
        e
    }

    /// Every pair known missing, sorted.
    pub fn all(&self) -> Vec<(String, Capability)> {
        let known = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut v: Vec<_> = known.keys().cloned().collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> CloudError {
        CloudError::Api(ApiError {
            status,
            code: code.into(),
            message: "m".into(),
            request_id: Some("r1".into()),
        })
    }

    #[test]
    fn only_a_gateway_404_for_the_api_marks_it_missing_and_only_there() {
        let m = Missing::default();
        let p = ProjectRef {
            id: "p1".into(),
            region: "r".into(),
        };
        let q = ProjectRef {
            id: "p2".into(),
            region: "r".into(),
        };
        for other in [
            api(404, "Ecs.0114"),
            api(401, "APIGW.0101"),
            api(404, "APIGW.0301"),
        ] {
            m.note(&p, Capability::ResetFlag, other);
        }
        assert!(m.get(&p, Capability::ResetFlag).is_none());
        m.note(&p, Capability::ResetFlag, api(404, "APIGW.0101"));
        let got = m.get(&p, Capability::ResetFlag).unwrap();
        assert!(is_not_offered(&got));
        assert_eq!(got.request_id(), Some("r1"));
        assert!(m.get(&p, Capability::ResetPassword).is_none());
        assert!(m.get(&q, Capability::ResetFlag).is_none());
        assert_eq!(m.all(), vec![("p1".to_owned(), Capability::ResetFlag)]);
    }
}

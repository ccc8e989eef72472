//! The table of APIs the simulator serves, recognised from the method and the raw path.
//!
//! Routing is done here rather than by axum's router because the gateway needs to know the
//! API *before* authentication (unknown path or wrong method → 404 `APIGW.0101`, as the real
//! gateway answers), needs the raw path for the signature, and keys throttling and
//! statistics by API. One enum gives all three from one place.

use crate::cloud::sign::pct_decode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Api {
    ListServers {
        project: String,
    },
    ResetFlag {
        project: String,
        server: String,
    },
    ResetPassword {
        project: String,
        server: String,
    },
    BatchResetPassword {
        project: String,
    },
    Action {
        project: String,
    },
    ShowJob {
        project: String,
        job: String,
    },
    ShowServerPassword {
        project: String,
        server: String,
    },
    DeleteServerPassword {
        project: String,
        server: String,
    },
    BmsList {
        project: String,
    },
    BmsResetFlag {
        project: String,
        server: String,
    },
    BmsResetPassword {
        project: String,
        server: String,
    },
    BmsShowServerPassword {
        project: String,
        server: String,
    },
    BmsDeleteServerPassword {
        project: String,
        server: String,
    },
    AuthProjects,
    Projects,
    AuthDomains,
    /// `assume_role` (and the token variant, which the simulator refuses).
    SecurityTokens,
    CreateSecret {
        project: String,
    },
    CreateSecretVersion {
        project: String,
        name: String,
    },
    ListSecretVersions {
        project: String,
        name: String,
    },
    ShowSecretVersion {
        project: String,
        name: String,
        version: String,
    },
}

impl Api {
    /// Recognises an API from the method and the raw (still percent-encoded) path.
    pub(crate) fn classify(method: &str, raw_path: &str) -> Option<Api> {
        let segments: Vec<String> = raw_path
            .strip_prefix('/')?
            .split('/')
            .map(pct_decode)
            .collect();
        if segments.iter().any(String::is_empty) {
            return None;
        }
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let api = match (method, s.as_slice()) {
            ("GET", ["v1", p, "cloudservers", "detail"]) => Api::ListServers { project: own(p) },
            ("GET", ["v1", p, "cloudservers", id, "os-resetpwd-flag"]) => Api::ResetFlag {
                project: own(p),
                server: own(id),
            },
            ("PUT", ["v1", p, "cloudservers", id, "os-reset-password"]) => Api::ResetPassword {
                project: own(p),
                server: own(id),
            },
            ("PUT", ["v1", p, "cloudservers", "os-reset-passwords"]) => {
                Api::BatchResetPassword { project: own(p) }
            }
            ("POST", ["v1", p, "cloudservers", "action"]) => Api::Action { project: own(p) },
            ("GET", ["v1", p, "jobs", j]) => Api::ShowJob {
                project: own(p),
                job: own(j),
            },
            ("GET", ["v1", p, "cloudservers", id, "os-server-password"]) => {
                Api::ShowServerPassword {
                    project: own(p),
                    server: own(id),
                }
            }
            ("DELETE", ["v1", p, "cloudservers", id, "os-server-password"]) => {
                Api::DeleteServerPassword {
                    project: own(p),
                    server: own(id),
                }
            }
            ("POST", ["v1", p, "secrets"]) => Api::CreateSecret { project: own(p) },
            ("POST", ["v1", p, "secrets", n, "versions"]) => Api::CreateSecretVersion {
                project: own(p),
                name: own(n),
            },
            ("GET", ["v1", p, "secrets", n, "versions"]) => Api::ListSecretVersions {
                project: own(p),
                name: own(n),
            },
            ("GET", ["v1", p, "secrets", n, "versions", v]) => Api::ShowSecretVersion {
                project: own(p),
                name: own(n),
                version: own(v),
            },
            ("GET", ["v1", p, "baremetalservers", "detail"]) => Api::BmsList { project: own(p) },
            ("GET", ["v1", p, "baremetalservers", id, "os-resetpwd-flag"]) => Api::BmsResetFlag {
                project: own(p),
                server: own(id),
            },
            ("PUT", ["v1", p, "baremetalservers", id, "os-reset-password"]) => {
                Api::BmsResetPassword {
                    project: own(p),
                    server: own(id),
                }
            }
            ("GET", ["v1", p, "baremetalservers", id, "os-server-password"]) => {
                Api::BmsShowServerPassword {
                    project: own(p),
                    server: own(id),
                }
            }
            ("DELETE", ["v1", p, "baremetalservers", id, "os-server-password"]) => {
                Api::BmsDeleteServerPassword {
                    project: own(p),
                    server: own(id),
                }
            }
            ("GET", ["v3", "auth", "projects"]) => Api::AuthProjects,
            ("GET", ["v3", "projects"]) => Api::Projects,
            ("GET", ["v3", "auth", "domains"]) => Api::AuthDomains,
            ("POST", ["v3.0", "OS-CREDENTIAL", "securitytokens"]) => Api::SecurityTokens,
            _ => return None,
        };
        Some(api)
    }

    /// Whether the API changes a server (the calls a redirect fault answers).
    pub(crate) fn is_change(&self) -> bool {
        matches!(
            self,
            Api::ResetPassword { .. }
                | Api::BatchResetPassword { .. }
                | Api::Action { .. }
                | Api::CreateSecret { .. }
                | Api::CreateSecretVersion { .. }
                | Api::BmsResetPassword { .. }
        )
    }

    /// The API's name for throttling and statistics.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Api::ListServers { .. } => "GET /v1/{project_id}/cloudservers/detail",
            Api::ResetFlag { .. } => {
                "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
            }
            Api::ResetPassword { .. } => {
                "PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password"
            }
            Api::BatchResetPassword { .. } => {
                "PUT /v1/{project_id}/cloudservers/os-reset-passwords"
            }
            Api::Action { .. } => "POST /v1/{project_id}/cloudservers/action",
            Api::ShowJob { .. } => "GET /v1/{project_id}/jobs/{job_id}",
            Api::ShowServerPassword { .. } => {
                "GET /v1/{project_id}/cloudservers/{server_id}/os-server-password"
            }
            Api::DeleteServerPassword { .. } => {
                "DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password"
            }
            Api::CreateSecret { .. } => "POST /v1/{project_id}/secrets",
            Api::CreateSecretVersion { .. } => {
                "POST /v1/{project_id}/secrets/{secret_name}/versions"
            }
            Api::ListSecretVersions { .. } => "GET /v1/{project_id}/secrets/{secret_name}/versions",
            Api::ShowSecretVersion { .. } => {
                "GET /v1/{project_id}/secrets/{secret_name}/versions/{version_id}"
            }
            Api::BmsList { .. } => "GET /v1/{project_id}/baremetalservers/detail",
            Api::BmsResetFlag { .. } => {
                "GET /v1/{project_id}/baremetalservers/{server_id}/os-resetpwd-flag"
            }
            Api::BmsResetPassword { .. } => {
                "PUT /v1/{project_id}/baremetalservers/{server_id}/os-reset-password"
            }
            Api::BmsShowServerPassword { .. } => {
                "GET /v1/{project_id}/baremetalservers/{server_id}/os-server-password"
            }
            Api::BmsDeleteServerPassword { .. } => {
                "DELETE /v1/{project_id}/baremetalservers/{server_id}/os-server-password"
            }
            Api::AuthProjects => "GET /v3/auth/projects",
            Api::Projects => "GET /v3/projects",
            Api::AuthDomains => "GET /v3/auth/domains",
            Api::SecurityTokens => "POST /v3.0/OS-CREDENTIAL/securitytokens",
        }
    }
}

fn own(s: &str) -> String {
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_ecs_apis() {
        let c = Api::classify;
        assert_eq!(
            c("GET", "/v1/p/cloudservers/detail"),
            Some(Api::ListServers {
                project: "p".into()
            })
        );
        assert_eq!(
            c("GET", "/v1/p/cloudservers/s%2D1/os-resetpwd-flag"),
            Some(Api::ResetFlag {
                project: "p".into(),
                server: "s-1".into()
            })
        );
        assert!(matches!(
            c("PUT", "/v1/p/cloudservers/s/os-reset-password"),
            Some(Api::ResetPassword { .. })
        ));
        assert!(matches!(
            c("PUT", "/v1/p/cloudservers/os-reset-passwords"),
            Some(Api::BatchResetPassword { .. })
        ));
        assert!(matches!(
            c("POST", "/v1/p/cloudservers/action"),
            Some(Api::Action { .. })
        ));
        assert!(matches!(
            c("GET", "/v1/p/jobs/j"),
            Some(Api::ShowJob { .. })
        ));
        assert!(matches!(
            c("GET", "/v1/p/cloudservers/s/os-server-password"),
            Some(Api::ShowServerPassword { .. })
        ));
        assert!(matches!(
            c("DELETE", "/v1/p/cloudservers/s/os-server-password"),
            Some(Api::DeleteServerPassword { .. })
        ));
        assert_eq!(c("PUT", "/v1/p/cloudservers/s/os-server-password"), None);
    }

    #[test]
    fn recognises_the_csms_bms_and_iam_apis() {
        let c = Api::classify;
        assert_eq!(
            c("POST", "/v1/p/secrets"),
            Some(Api::CreateSecret {
                project: "p".into()
            })
        );
        assert_eq!(
            c("GET", "/v1/p/baremetalservers/detail"),
            Some(Api::BmsList {
                project: "p".into()
            })
        );
        assert_eq!(
            c("POST", "/v1/p/secrets/ecs-1/versions"),
            Some(Api::CreateSecretVersion {
                project: "p".into(),
                name: "ecs-1".into()
            })
        );
        assert!(matches!(
            c("GET", "/v1/p/secrets/ecs-1/versions"),
            Some(Api::ListSecretVersions { .. })
        ));
        assert_eq!(
            c("GET", "/v1/p/secrets/ecs-1/versions/latest"),
            Some(Api::ShowSecretVersion {
                project: "p".into(),
                name: "ecs-1".into(),
                version: "latest".into()
            })
        );
        assert_eq!(c("GET", "/v1/p/secrets"), None);
        assert_eq!(c("PUT", "/v1/p/secrets/ecs-1/versions"), None);
        assert_eq!(
            c("GET", "/v1/p/baremetalservers/b%2D1/os-resetpwd-flag"),
            Some(Api::BmsResetFlag {
                project: "p".into(),
                server: "b-1".into()
            })
        );
        assert!(matches!(
            c("PUT", "/v1/p/baremetalservers/b/os-reset-password"),
            Some(Api::BmsResetPassword { .. })
        ));
        assert!(matches!(
            c("GET", "/v1/p/baremetalservers/b/os-server-password"),
            Some(Api::BmsShowServerPassword { .. })
        ));
        assert!(matches!(
            c("DELETE", "/v1/p/baremetalservers/b/os-server-password"),
            Some(Api::BmsDeleteServerPassword { .. })
        ));
        // No batch reset for bare metal, and the list has no `v1.1` twin here.
        assert_eq!(c("PUT", "/v1/p/baremetalservers/os-reset-passwords"), None);
        assert_eq!(c("GET", "/v1.1/p/baremetalservers/detail"), None);
        assert_eq!(c("GET", "/v3/auth/projects"), Some(Api::AuthProjects));
        assert_eq!(c("GET", "/v3/projects"), Some(Api::Projects));
    }

    #[test]
    fn recognises_nothing_else() {
        let c = Api::classify;
        for (m, p) in [
            ("POST", "/v1/p/cloudservers/detail"),
            ("GET", "/v1/p/cloudservers/detail/"),
            ("GET", "/v1//cloudservers/detail"),
            ("GET", "/v2/p/cloudservers/detail"),
            ("DELETE", "/v3/projects"),
            ("GET", "/"),
            ("GET", "relative"),
        ] {
            assert_eq!(c(m, p), None, "{m} {p}");
        }
    }
}

//! The APIs the gateway limits separately. Each `Call` names its class, and the client keeps
//! one limiter per class and gateway host, so a throttled flag check never slows a list call
//! and every project served by one host shares that host's limits.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiClass {
    /// `GET /v1/{project_id}/cloudservers/detail`
    EcsList,
    /// `GET .../cloudservers/{server_id}/os-resetpwd-flag`
    EcsFlag,
    /// `PUT .../cloudservers/{server_id}/os-reset-password`
    EcsReset,
    /// `PUT .../cloudservers/os-reset-passwords`
    EcsBatchReset,
    /// `POST .../cloudservers/action` (reboot, start, stop)
    EcsAction,
    /// `GET /v1/{project_id}/jobs/{job_id}`
    Job,
    /// `GET` / `DELETE .../os-server-password`
    ServerPassword,
    /// IAM (`/v3/...`)
    Iam,
    /// `GET /v1/{project_id}/baremetalservers/detail`
    BmsList,
    /// `GET .../baremetalservers/{server_id}/os-resetpwd-flag`
    BmsFlag,
    /// `PUT .../baremetalservers/{server_id}/os-reset-password`
    BmsReset,
    /// Cloud Secret Management Service
    Csms,
}

impl ApiClass {
    pub const ALL: [ApiClass; 12] = [
        ApiClass::EcsList,
        ApiClass::EcsFlag,
        ApiClass::EcsReset,
        ApiClass::EcsBatchReset,
        ApiClass::EcsAction,
        ApiClass::Job,
        ApiClass::ServerPassword,
        ApiClass::Iam,
        ApiClass::BmsList,
        ApiClass::BmsFlag,
        ApiClass::BmsReset,
        ApiClass::Csms,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ApiClass::EcsList => "ecs list",
            ApiClass::EcsFlag => "ecs flag",
            ApiClass::EcsReset => "ecs reset",
            ApiClass::EcsBatchReset => "ecs batch reset",
            ApiClass::EcsAction => "ecs action",
            ApiClass::Job => "job",
            ApiClass::ServerPassword => "os-server-password",
            ApiClass::Iam => "iam",
            ApiClass::BmsList => "bms list",
            ApiClass::BmsFlag => "bms flag",
            ApiClass::BmsReset => "bms reset",
            ApiClass::Csms => "csms",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_listed_once_with_its_own_name() {
        let mut names: Vec<&str> = ApiClass::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ApiClass::ALL.len());
        assert!(ApiClass::ALL.contains(&ApiClass::Csms));
        assert!(ApiClass::ALL.contains(&ApiClass::BmsReset));
    }
}

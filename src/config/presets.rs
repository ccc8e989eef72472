//! `cloud = "..."`: the ECS and IAM host templates of Huawei-based public clouds that serve
//! the same ECS API. Explicit `[endpoints]` keys win over a preset, key by key.
//!
//! Each template comes from the cloud's public documentation (the sources are cited in
//! `config.example.toml`); where only other services' hosts were documented, the ECS host
//! follows the same `SERVICE.{region}.DOMAIN` pattern and says so there. Whether a cloud or
//! region offers one-click reset at all is found out at run time (capability probing).

/// (name, ECS template, IAM template).
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "huaweicloud",
        super::DEFAULT_ECS_ENDPOINT,
        super::DEFAULT_IAM_ENDPOINT,
    ),
    (
        "huaweicloud-eu",
        "https://ecs.{region}.myhuaweicloud.eu",
        "https://iam.myhuaweicloud.eu",
    ),
    (
        "open-telekom-cloud",
        "https://ecs.{region}.otc.t-systems.com",
        "https://iam.{region}.otc.t-systems.com",
    ),
    (
        "flexible-engine",
        "https://ecs.{region}.prod-cloud-ocb.orange-business.com",
        "https://iam.{region}.prod-cloud-ocb.orange-business.com",
    ),
];

/// The (ECS, IAM) templates of a preset.
pub fn lookup(name: &str) -> Option<(&'static str, &'static str)> {
    PRESETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, e, i)| (*e, *i))
}

pub fn names() -> String {
    PRESETS
        .iter()
        .map(|(n, _, _)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `cloud` to endpoints validated without it: a key the file set explicitly stays.
pub(super) fn apply(
    cloud: Option<toml::Spanned<String>>,
    key: &str,
    explicit: (bool, bool),
    endpoints: &mut super::Endpoints,
    cx: &super::validate::Ctx,
) -> Result<(), super::ConfigError> {
    let Some(cloud) = cloud else { return Ok(()) };
    let Some((ecs, iam)) = lookup(cloud.get_ref()) else {
        let message = format!(
            "{key} must be one of {}, got {:?}",
            names(),
            cloud.get_ref()
        );
        return Err(cx.invalid(cloud.span(), key, message));
    };
    if !explicit.0 {
        endpoints.ecs = ecs.to_owned();
    }
    if !explicit.1 {
        endpoints.iam = iam.to_owned();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_is_a_valid_https_template() {
        for (name, ecs, iam) in super::PRESETS {
            for t in [ecs, iam] {
                let url = crate::cloud::endpoint(t, "eu-de").unwrap();
                assert_eq!(url.scheme(), "https", "{name}");
            }
            assert!(ecs.contains("{region}"), "{name}");
        }
    }
}

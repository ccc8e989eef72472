//! APIs a region's gateway does not publish: `ecsreset sim --withhold flag@cn-north-4`.
//!
//! Some Huawei-based clouds and regions offer no one-click reset. Their gateway answers the
//! way it answers any unknown API, `404 APIGW.0101` before authentication, which is what the
//! client's capability probing keys on.

use super::api::Api;
use std::str::FromStr;

/// One withheld API, in one region or (region `None`) in all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withhold {
    pub api: WithheldApi,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithheldApi {
    /// `GET .../os-resetpwd-flag`
    Flag,
    /// `PUT .../os-reset-password`
    Reset,
    /// `PUT .../os-reset-passwords`
    BatchReset,
}

impl FromStr for Withhold {
    type Err = String;

    /// `API` or `API@REGION`, API one of `flag`, `reset`, `batch-reset`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, region) = match s.split_once('@') {
            Some((n, r)) if !r.is_empty() => (n, Some(r.to_owned())),
            Some(_) => return Err(format!("{s:?}: the region after @ is empty")),
            None => (s, None),
        };
        let api = match name {
            "flag" => WithheldApi::Flag,
            "reset" => WithheldApi::Reset,
            "batch-reset" => WithheldApi::BatchReset,
            other => {
                return Err(format!(
                    "{other:?} is not an API that can be withheld: use flag, reset or batch-reset, \
                     optionally @REGION"
                ));
            }
        };
        Ok(Withhold { api, region })
    }
}

/// Whether `api` is withheld for the project it names; `region_of` maps a project id to its
/// region (an unknown project is not withheld: the handler answers it as unknown).
pub(crate) fn withheld(
    list: &[Withhold],
    api: &Api,
    region_of: impl Fn(&str) -> Option<String>,
) -> bool {
    let (kind, project) = match api {
        Api::ResetFlag { project, .. } => (WithheldApi::Flag, project),
        Api::ResetPassword { project, .. } => (WithheldApi::Reset, project),
        Api::BatchResetPassword { project } => (WithheldApi::BatchReset, project),
        _ => return false,
    };
    let mut matching = list.iter().filter(|w| w.api == kind).peekable();
    if matching.peek().is_none() {
        return false;
    }
    let region = region_of(project);
    matching.any(|w| match (&w.region, &region) {
        (None, _) => true,
        (Some(want), Some(have)) => want == have,
        (Some(_), None) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_and_region_and_refuses_the_rest() {
        let w: Withhold = "flag@cn-north-4".parse().unwrap();
        assert_eq!(w.api, WithheldApi::Flag);
        assert_eq!(w.region.as_deref(), Some("cn-north-4"));
        let all: Withhold = "batch-reset".parse().unwrap();
        assert_eq!((all.api, all.region), (WithheldApi::BatchReset, None));
        assert!("flag@".parse::<Withhold>().is_err());
        let e = "list@x".parse::<Withhold>().unwrap_err();
        assert!(e.contains("flag, reset or batch-reset"), "{e}");
    }

    #[test]
    fn applies_to_its_api_in_its_region_only() {
        let list = vec!["flag@r1".parse().unwrap(), "reset".parse().unwrap()];
        let region = |p: &str| Some(if p == "p1" { "r1" } else { "r2" }.to_owned());
        let flag = |p: &str| Api::ResetFlag {
            project: p.into(),
            server: "s".into(),
        };
        assert!(withheld(&list, &flag("p1"), region));
        assert!(!withheld(&list, &flag("p2"), region));
        let reset = Api::ResetPassword {
            project: "p2".into(),
            server: "s".into(),
        };
        assert!(withheld(&list, &reset, region));
        let batch = Api::BatchResetPassword {
            project: "p1".into(),
        };
        assert!(!withheld(&list, &batch, region));
        let list_api = Api::ListServers {
            project: "p1".into(),
        };
        assert!(!withheld(&list, &list_api, region));
    }
}

//! The config file exactly as written: every table denies unknown keys and every value keeps
//! its span, so validation can name the line. Numbers are read as `i64` so that `-1` or `0`
//! gets the range message ("must be between 1 and 256") rather than a type error.

use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::secret::Secret;

pub(super) type Field<T> = Option<Spanned<T>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    /// A cloud preset for `[endpoints]`.
    pub cloud: Field<String>,
    pub credentials: Option<RawCredentials>,
    pub endpoints: Option<RawEndpoints>,
    #[serde(default)]
    pub projects: Vec<Spanned<RawProject>>,
    pub tuning: Option<RawTuning>,
    pub ui: Option<RawUi>,
    pub log: Option<RawLog>,
    #[serde(default)]
    pub keys: RawKeys,
    pub escrow: Option<RawEscrow>,
    #[serde(default)]
    pub views: Vec<Spanned<RawView>>,
    #[serde(default)]
    pub profiles: std::collections::BTreeMap<String, Spanned<RawProfile>>,
}

/// `[profiles.NAME]`: an account of its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub cloud: Field<String>,
    pub credentials: Option<RawCredentials>,
    pub endpoints: Option<RawEndpoints>,
    #[serde(default)]
    pub projects: Vec<Spanned<RawProject>>,
    pub protected: Field<bool>,
    pub read_only: Field<bool>,
    /// A KooCLI profile name whose keys this profile uses.
    pub koocli: Field<String>,
    /// KooCLI's config file; default `~/.hcloud/config.json`.
    pub koocli_file: Field<String>,
    /// Act through an IAM agency of another account, signed with another profile's keys.
    pub agency: Field<RawAgency>,
}

/// `[profiles.NAME.agency]`: assume an agency (`assume_role`) with the `source` profile's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgency {
    pub source: Field<String>,
    pub agency_name: Field<String>,
    pub domain_name: Field<String>,
    pub domain_id: Field<String>,
    pub duration_seconds: Field<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCredentials {
    pub access_key: Field<String>,
    pub secret_key: Field<Secret>,
    pub security_token: Field<Secret>,
}

impl RawEndpoints {
    /// Whether the file sets `ecs` / `iam` itself (they then win over a `cloud` preset).
    pub fn explicit(e: Option<&Self>) -> (bool, bool) {
        e.map_or((false, false), |e| (e.ecs.is_some(), e.iam.is_some()))
    }
}

impl RawCredentials {
    /// Whether the file holds something that must stay private to its owner.
    pub fn holds_secret(&self) -> bool {
        self.secret_key.is_some() || self.security_token.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndpoints {
    pub ecs: Field<String>,
    pub iam: Field<String>,
    pub csms: Field<String>,
    pub bms: Field<String>,
    pub ca_bundle: Field<String>,
    pub proxy: Field<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    pub region: Spanned<String>,
    pub id: Field<String>,
    pub name: Field<String>,
    pub protected: Field<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTuning {
    pub concurrency: Field<i64>,
    pub rate_per_second: Field<f64>,
    pub connect_timeout_secs: Field<i64>,
    pub request_timeout_secs: Field<i64>,
    pub retries: Field<i64>,
    pub retry_base_ms: Field<i64>,
    pub page_size: Field<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    pub read_only: Field<bool>,
    pub theme: Field<String>,
    pub columns: Field<Vec<Spanned<String>>>,
    pub mouse: Field<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawView {
    pub name: Spanned<String>,
    pub filter: Field<String>,
    pub sort: Field<String>,
    pub columns: Field<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub file: Field<String>,
    pub level: Field<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEscrow {
    pub recipients: Spanned<Vec<Spanned<String>>>,
    pub dir: Field<String>,
    pub csms: Field<RawCsms>,
}

/// `[escrow] csms = { region = "…", name = "ecs-{server_id}" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCsms {
    pub region: Field<String>,
    pub name: Field<String>,
}

/// The `[keys]` table in document order, so the first bad entry is the one reported.
#[derive(Debug, Default)]
pub(super) struct RawKeys(pub Vec<(Spanned<String>, Spanned<ActionNames>)>);

/// An action name, or an array of them (one per scope): `"tab" = ["focus_next", "next_field"]`.
#[derive(Debug)]
pub(super) struct ActionNames(pub Vec<String>);

impl<'de> Deserialize<'de> for ActionNames {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = ActionNames;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an action name or an array of action names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ActionNames, E> {
                Ok(ActionNames(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ActionNames, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element()? {
                    names.push(name);
                }
                Ok(ActionNames(names))
            }
        }
        d.deserialize_any(Names)
    }
}

impl<'de> Deserialize<'de> for RawKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = RawKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of key chord = action name")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKeys, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<ActionNames>>()? {
                    entries.push(entry);
                }
                // toml hands tables over sorted by key; restore the order of the file.
                entries.sort_by_key(|(chord, _)| chord.span().start);
                Ok(RawKeys(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

use super::super::profiles::{chosen, select};
use super::super::{ConfigError, DEFAULT_PROFILE, ENV_AK, ENV_PROFILE, ENV_SK};
use super::support::*;

const TWO: &str = r#"
[credentials]
access_key = "TOPAK"
secret_key = "TOPSK"

[[projects]]
region = "cn-north-4"
id = "p-top"

[profiles.prod]
protected = true
[profiles.prod.credentials]
access_key = "PRODAK"
secret_key = "PRODSK"
security_token = "PRODTOKEN"
[profiles.prod.endpoints]
ecs = "http://127.0.0.1:9001"
iam = "http://127.0.0.1:9001"
[[profiles.prod.projects]]
region = "cn-north-4"
id = "p-prod"
name = "shop"

[profiles.lab]
read_only = true
[profiles.lab.credentials]
access_key = "LABAK"
secret_key = "LABSK"
[[profiles.lab.projects]]
region = "ap-southeast-1"

[profiles.stage]
[profiles.stage.credentials]
access_key = "STAGEAK"
secret_key = "STAGESK"
[[profiles.stage.projects]]
region = "ap-southeast-3"
protected = true
[[profiles.stage.projects]]
region = "la-north-2"
"#;

#[test]
fn profiles_are_flattened_with_their_own_keys_endpoints_and_protection() {
    let c = config_of(TWO);
    let shown: Vec<(&str, &str, bool)> = c
        .projects
        .iter()
        .map(|p| (p.profile_name(), p.region.as_str(), p.protected))
        .collect();
    assert_eq!(
        shown,
        [
            (DEFAULT_PROFILE, "cn-north-4", false),
            ("lab", "ap-southeast-1", true),
            ("prod", "cn-north-4", true),
            ("stage", "ap-southeast-3", true),
            ("stage", "la-north-2", false),
        ]
    );
    assert_eq!(c.profile_names(), ["default", "lab", "prod", "stage"]);
    let prod = c.profile("prod").unwrap();
    assert_eq!(prod.credentials.access_key, "PRODAK");
    assert_eq!(prod.credentials.secret_key.expose(), "PRODSK");
    assert_eq!(
        prod.credentials.security_token.as_ref().unwrap().expose(),
        "PRODTOKEN"
    );
    assert_eq!(prod.endpoints.ecs, "http://127.0.0.1:9001");
    // Not inherited: the top-level endpoints may be another cloud's.
    let lab = c.profile("lab").unwrap();
    assert_eq!(lab.endpoints.ecs, crate::config::DEFAULT_ECS_ENDPOINT);
    assert_eq!(c.credentials.as_ref().unwrap().access_key, "TOPAK");
    assert!(c.profile(DEFAULT_PROFILE).is_none());
}

#[test]
fn the_environment_keys_belong_to_the_default_profile_only() {
    let t = TempConfig::new(TWO);
    let c = t
        .load(&env_of(&[(ENV_AK, "ENVAK"), (ENV_SK, "ENVSK")]))
        .unwrap();
    assert_eq!(c.credentials.as_ref().unwrap().access_key, "ENVAK");
    assert_eq!(c.profile("prod").unwrap().credentials.access_key, "PRODAK");
}

#[test]
fn profiles_alone_need_no_top_level_projects_nor_credentials() {
    let c = config_of(
        r#"
[profiles.a.credentials]
access_key = "AK"
secret_key = "SK"
[[profiles.a.projects]]
region = "cn-north-4"
"#,
    );
    assert_eq!(c.profile_names(), ["a"]);
    assert!(c.credentials.is_none());
}

#[test]
fn every_profile_error_names_its_key_and_line() {
    let cases: [(&str, &str); 9] = [
        (
            "[profiles.a]\nbogus = 1\n",
            "line 2, column 1: unknown key \"bogus\" in [profiles.a]",
        ),
        (
            "[profiles.a]\n[[profiles.a.projects]]\nregion = \"cn-north-4\"\n",
            "profiles.a has no credentials: add a [profiles.a.credentials] table",
        ),
        (
            "[profiles.a.credentials]\naccess_key = \"AK\"\n[[profiles.a.projects]]\nregion = \"cn-north-4\"\n",
            "[profiles.a.credentials] needs both access_key and secret_key",
        ),
        (
            "[profiles.a.credentials]\naccess_key = \"\"\nsecret_key = \"SK\"\n[[profiles.a.projects]]\nregion = \"cn-north-4\"\n",
            "line 2: profiles.a.credentials.access_key is empty; fix the value (it is not shown here)",
        ),
        (
            "[profiles.a.credentials]\naccess_key = \"AK\"\nsecret_key = \"SK\"\n",
            "profiles.a has no projects: add a [[profiles.a.projects]] entry with a region",
        ),
        (
            "[profiles.a.credentials]\naccess_key = \"AK\"\nsecret_key = \"SK\"\n[profiles.a.endpoints]\necs = \"ftp://x\"\n[[profiles.a.projects]]\nregion = \"cn-north-4\"\n",
            "line 5: profiles.a.endpoints.ecs must be an http(s) URL",
        ),
        (
            "[profiles.a.credentials]\naccess_key = \"AK\"\nsecret_key = \"SK\"\n[[profiles.a.projects]]\nregion = \"CN North\"\n",
            "line 5: profiles.a.projects[0].region must be a region id",
        ),
        (
            "[profiles.\"a b\"]\nprotected = true\n",
            "profiles.a b: a profile name is 1-64 letters, digits, '-' or '_'",
        ),
        (
            "[[projects]]\nregion = \"cn-north-4\"\n[profiles.default]\nprotected = true\n",
            "profiles.default: \"default\" is the profile of the top-level [credentials]",
        ),
    ];
    for (text, want) in cases {
        let e = error_of(text);
        assert!(e.contains(want), "{text}\n=> {e}\nwanted {want}");
    }
}

#[test]
fn a_wrong_type_under_profile_credentials_never_echoes_the_value() {
    let e = error_of("[profiles.a.credentials]\nsecret_key = 12345678901\n");
    assert!(e.contains("profiles.a.credentials.secret_key"), "{e}");
    assert!(!e.contains("12345678901"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_profile_secret_key_needs_a_private_file() {
    let text = "[profiles.a.credentials]\naccess_key = \"AK\"\nsecret_key = \"SK\"\n[[profiles.a.projects]]\nregion = \"cn-north-4\"\n";
    let t = TempConfig::with_mode(text, 0o644);
    let e = t.load(&no_env).unwrap_err();
    assert!(matches!(e, ConfigError::Permissions { .. }), "{e}");
}

#[test]
fn choosing_profiles_by_flag_or_environment() {
    let c = config_of(TWO);
    let only = select(c.clone(), &["prod".into(), "default".into()]).unwrap();
    assert_eq!(only.profile_names(), ["default", "prod"]);
    assert_eq!(only.profiles.len(), 1);
    assert_eq!(select(c.clone(), &[]).unwrap().projects.len(), 5);
    let e = select(c, &["nope".into()]).unwrap_err().to_string();
    assert!(
        e.contains("no profile named \"nope\"") && e.contains("known: default, lab, prod, stage"),
        "{e}"
    );
    let env = env_of(&[(ENV_PROFILE, "lab, prod,")]);
    assert_eq!(chosen(&[], &env), ["lab", "prod"]);
    assert_eq!(chosen(&["stage".into()], &env), ["stage"]);
    assert!(chosen(&[], &no_env).is_empty());
}

fn koocli_json(encrypt: &str, mode: &str) -> String {
    format!(
        r#"{{"current": "ops", {encrypt} "profiles": [
  {{"name": "dev", "mode": "AKSK", "accessKeyId": "DEVAK", "secretAccessKey": "DEVSK",
    "region": "cn-north-4", "projectId": "", "domainId": ""}},
  {{"name": "ops", "mode": "{mode}", "accessKeyId": "OPSAK", "secretAccessKey": "OPSSK",
    "securityToken": "OPSTOKEN", "region": "ap-southeast-1", "projectId": "p", "domainId": "d"}}
]}}"#
    )
}

/// A config whose profile `k` reads KooCLI profile `name` from a file holding `json`.
fn with_koocli(json: &str, mode: u32, name: &str) -> (TempConfig, std::path::PathBuf) {
    let t = TempConfig::new("");
    let koo = t.dir.path().join("hcloud.json");
    std::fs::write(&koo, json).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&koo, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let text = format!(
        "[profiles.k]\nkoocli = \"{name}\"\nkoocli_file = \"hcloud.json\"\n[[profiles.k.projects]]\nregion = \"cn-north-4\"\n"
    );
    std::fs::write(&t.path, text).unwrap();
    (t, koo)
}

#[test]
fn koocli_profiles_give_their_keys_by_name() {
    let (t, _) = with_koocli(&koocli_json("", "AKSK"), 0o600, "ops");
    let c = t.load(&no_env).unwrap();
    let k = &c.profile("k").unwrap().credentials;
    assert_eq!(k.access_key, "OPSAK");
    assert_eq!(k.secret_key.expose(), "OPSSK");
    assert_eq!(k.security_token.as_ref().unwrap().expose(), "OPSTOKEN");
}

#[test]
fn koocli_refusals_say_why_and_never_quote_a_key() {
    let cases: [(String, u32, &str, &str); 5] = [
        (
            koocli_json(r#""authEncrypt": "true","#, "AKSK"),
            0o600,
            "ops",
            "stores the keys encrypted (\"authEncrypt\": \"true\"), which only KooCLI can read; \
             store profile \"ops\" unencrypted with: hcloud configure set --cli-profile=ops \
             --cli-auth-encrypt=false",
        ),
        (
            koocli_json("", "AKSK"),
            0o600,
            "nope",
            "has no profile named \"nope\" (profiles.k.koocli); it has: dev, ops",
        ),
        (
            koocli_json("", "SSO"),
            0o600,
            "ops",
            "profile \"ops\" has mode \"SSO\"",
        ),
        (
            "{\"profiles\": [".into(),
            0o600,
            "ops",
            "is not a KooCLI config",
        ),
        (koocli_json("", "AKSK"), 0o644, "ops", "chmod 600"),
    ];
    for (json, mode, name, want) in cases {
        let (t, _) = with_koocli(&json, mode, name);
        let e = t.error(&no_env);
        assert!(e.contains(want), "{name} {mode:o}\n=> {e}\nwanted {want}");
        for secret in ["OPSSK", "DEVSK", "OPSTOKEN"] {
            assert!(!e.contains(secret), "{e}");
        }
    }
    let e = error_of(
        "[profiles.k]\nkoocli = \"ops\"\n[profiles.k.credentials]\naccess_key = \"A\"\nsecret_key = \"S\"\n[[profiles.k.projects]]\nregion = \"cn-north-4\"\n",
    );
    assert!(
        e.contains("both koocli and a [profiles.k.credentials] table"),
        "{e}"
    );
    let e = error_of(
        "[profiles.k]\nkoocli = \"ops\"\nkoocli_file = \"gone.json\"\n[[profiles.k.projects]]\nregion = \"cn-north-4\"\n",
    );
    assert!(
        e.contains("gone.json: not found (profiles.k.koocli)"),
        "{e}"
    );
    let e = error_of(
        "[profiles.k]\nkoocli_file = \"x.json\"\n[[profiles.k.projects]]\nregion = \"cn-north-4\"\n",
    );
    assert!(
        e.contains("profiles.k.koocli_file is set without profiles.k.koocli"),
        "{e}"
    );
}

#[test]
fn cloud_presets_fill_the_endpoints_and_explicit_ones_win() {
    let c = config_of("cloud = \"open-telekom-cloud\"\n");
    assert_eq!(c.endpoints.ecs, "https://ecs.{region}.otc.t-systems.com");
    assert_eq!(c.endpoints.iam, "https://iam.{region}.otc.t-systems.com");
    let c =
        config_of("cloud = \"huaweicloud-eu\"\n[endpoints]\necs = \"https://ecs.example.eu\"\n");
    assert_eq!(c.endpoints.ecs, "https://ecs.example.eu");
    assert_eq!(c.endpoints.iam, "https://iam.myhuaweicloud.eu");
    let c = config_of("");
    assert_eq!(c.endpoints.ecs, crate::config::DEFAULT_ECS_ENDPOINT);
    let c = config_of(
        "[profiles.fe]\ncloud = \"flexible-engine\"\n[profiles.fe.credentials]\naccess_key = \"A\"\nsecret_key = \"S\"\n[[profiles.fe.projects]]\nregion = \"eu-west-0\"\n",
    );
    assert_eq!(
        c.profile("fe").unwrap().endpoints.ecs_for("eu-west-0"),
        "https://ecs.eu-west-0.prod-cloud-ocb.orange-business.com"
    );
    let e = error_of("cloud = \"aws\"\n");
    assert!(
        e.contains("line 1: cloud must be one of \"huaweicloud\", \"huaweicloud-eu\""),
        "{e}"
    );
    let e = error_of(
        "[profiles.x]\ncloud = \"azure\"\n[profiles.x.credentials]\naccess_key = \"A\"\nsecret_key = \"S\"\n[[profiles.x.projects]]\nregion = \"r\"\n",
    );
    assert!(e.contains("line 2: profiles.x.cloud must be one of"), "{e}");
}

const AGENCY: &str = r#"
[profiles.ops.credentials]
access_key = "OPSAK"
secret_key = "OPSSK"
[profiles.ops.endpoints]
iam = "http://127.0.0.1:9001"
[[profiles.ops.projects]]
region = "cn-north-4"
id = "p-ops"

[profiles.customer.agency]
source = "ops"
agency_name = "ecsreset-ops"
domain_name = "customer-account"
[[profiles.customer.projects]]
region = "ap-southeast-1"
id = "p-customer"
"#;

#[test]
fn an_agency_profile_signs_with_its_source_and_keeps_its_own_projects() {
    use super::super::{Agency, AgencyDomain};
    let c = config_of(AGENCY);
    let customer = c.profile("customer").unwrap();
    assert_eq!(
        customer.agency,
        Some(Agency {
            source: "ops".into(),
            agency_name: "ecsreset-ops".into(),
            domain: AgencyDomain::Name("customer-account".into()),
            duration: std::time::Duration::from_secs(3600),
            source_iam: "http://127.0.0.1:9001".into(),
        })
    );
    assert_eq!(customer.credentials.access_key, "OPSAK");
    assert_eq!(customer.credentials.secret_key.expose(), "OPSSK");
    assert!(c.profile("ops").unwrap().agency.is_none());
    let ids: Vec<(&str, &str)> = c
        .projects
        .iter()
        .map(|p| (p.profile_name(), p.id.as_deref().unwrap()))
        .collect();
    assert_eq!(ids, [("customer", "p-customer"), ("ops", "p-ops")]);

    let by_id = AGENCY
        .replace("domain_name = \"customer-account\"", "domain_id = \"d-42\"")
        .replace(
            "[profiles.customer.agency]",
            "[profiles.customer.agency]\nduration_seconds = 900",
        );
    let a = config_of(&by_id)
        .profile("customer")
        .unwrap()
        .agency
        .clone()
        .unwrap();
    assert_eq!(a.domain, AgencyDomain::Id("d-42".into()));
    assert_eq!(a.duration, std::time::Duration::from_secs(900));
    // Choosing only the agency profile keeps the keys it was given.
    let only = select(config_of(AGENCY), &["customer".into()]).unwrap();
    assert_eq!(only.profiles.len(), 1);
    assert_eq!(only.profiles[0].credentials.access_key, "OPSAK");
}

#[test]
fn every_agency_error_names_its_key_and_line() {
    let agency_at = |from: &str, to: &str| AGENCY.replace(from, to);
    let cases: Vec<(String, &str)> = vec![
        (
            agency_at("source = \"ops\"", "source = \"nobody\""),
            "line 12: profiles.customer.agency.source: there is no profile \"nobody\"; profiles with keys: ops",
        ),
        (
            agency_at("source = \"ops\"", "source = \"customer\""),
            "line 12: profiles.customer.agency.source: profile \"customer\" is itself an agency profile",
        ),
        (
            format!(
                "{AGENCY}\n[profiles.reseller.agency]\nsource = \"customer\"\nagency_name = \"a\"\n\
                 domain_id = \"d\"\n[[profiles.reseller.projects]]\nregion = \"cn-north-4\"\n"
            ),
            "profiles.reseller.agency.source: profile \"customer\" is itself an agency profile",
        ),
        (
            agency_at("source = \"ops\"\n", ""),
            "line 11: [profiles.customer.agency] needs source",
        ),
        (
            agency_at("source = \"ops\"", "source = \" \""),
            "line 12: profiles.customer.agency.source is empty",
        ),
        (
            agency_at("agency_name = \"ecsreset-ops\"\n", ""),
            "[profiles.customer.agency] needs agency_name",
        ),
        (
            agency_at("domain_name = \"customer-account\"\n", ""),
            "line 11: [profiles.customer.agency] needs domain_name or domain_id",
        ),
        (
            agency_at(
                "domain_name = \"customer-account\"",
                "domain_name = \"customer-account\"\ndomain_id = \"d-1\"",
            ),
            "line 15: [profiles.customer.agency] has both domain_name and domain_id",
        ),
        (
            agency_at(
                "source = \"ops\"",
                "source = \"ops\"\nduration_seconds = 899",
            ),
            "line 13: profiles.customer.agency.duration_seconds must be between 900 and 86400 (15 minutes to 24 hours), not 899",
        ),
        (
            agency_at(
                "source = \"ops\"",
                "source = \"ops\"\nduration_seconds = 86401",
            ),
            "must be between 900 and 86400 (15 minutes to 24 hours), not 86401",
        ),
        (
            agency_at("source = \"ops\"", "source = \"ops\"\nrole = \"x\""),
            "unknown key \"role\"",
        ),
        (
            agency_at(
                "[[profiles.customer.projects]]",
                "[profiles.customer.credentials]\naccess_key = \"AK\"\nsecret_key = \"SK\"\n[[profiles.customer.projects]]",
            ),
            "line 11: profiles.customer has an [profiles.customer.agency] and its own keys",
        ),
        (
            agency_at(
                "[[profiles.customer.projects]]",
                "[profiles.customer]\nkoocli = \"k\"\n[[profiles.customer.projects]]",
            ),
            "profiles.customer has an [profiles.customer.agency] and its own keys",
        ),
        (
            agency_at(
                "[[profiles.customer.projects]]\nregion = \"ap-southeast-1\"\nid = \"p-customer\"\n",
                "",
            ),
            "profiles.customer has no projects: add a [[profiles.customer.projects]] entry",
        ),
    ];
    for (text, want) in cases {
        let e = error_of(&text);
        assert!(e.contains(want), "{text}\n=> {e}\nwanted {want}");
    }
}

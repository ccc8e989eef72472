use super::super::{Config, ConfigError, ENV_AK, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK};
use super::support::*;

const FILE_BOTH: &str = "[credentials]\naccess_key = \"AK-FILE\"\nsecret_key = \"SK-FILE\"\n";
const FILE_WITH_TOKEN: &str = "[credentials]\naccess_key = \"AK-FILE\"\nsecret_key = \"SK-FILE\"\nsecurity_token = \"TOKEN-FILE\"\n";

fn creds(
    text: &str,
    env: &[(&str, &str)],
) -> Option<(String, String, Option<String>, Option<String>)> {
    let c = TempConfig::new(text)
        .load(&env_of(env))
        .unwrap_or_else(|e| panic!("{e}"));
    c.credentials.map(|c| {
        (
            c.access_key,
            c.secret_key.expose().to_owned(),
            c.security_token.map(|t| t.expose().to_owned()),
            c.project_id,
        )
    })
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[test]
fn file_alone_env_alone_and_env_over_file() {
    assert_eq!(
        creds(FILE_BOTH, &[]),
        Some((s("AK-FILE"), s("SK-FILE"), None, None))
    );
    let env = [
        (ENV_AK, "AK-ENV"),
        (ENV_SK, "SK-ENV"),
        (ENV_SECURITY_TOKEN, "TOKEN-ENV"),
    ];
    let want = Some((s("AK-ENV"), s("SK-ENV"), Some(s("TOKEN-ENV")), None));
    assert_eq!(creds("", &env), want);
    assert_eq!(creds(FILE_BOTH, &env), want, "env overrides the file");
    assert_eq!(
        creds(FILE_WITH_TOKEN, &env),
        want,
        "env replaces the whole triple"
    );
    assert_eq!(creds("", &[]), None);
}

#[test]
fn env_fills_keys_absent_from_the_file() {
    let ak_only = "[credentials]\naccess_key = \"AK-FILE\"\n";
    assert_eq!(
        creds(ak_only, &[(ENV_SK, "SK-ENV")]),
        Some((s("AK-FILE"), s("SK-ENV"), None, None))
    );
    assert_eq!(
        creds(FILE_BOTH, &[(ENV_SECURITY_TOKEN, "TOKEN-ENV")]),
        Some((s("AK-FILE"), s("SK-FILE"), Some(s("TOKEN-ENV")), None))
    );
    assert_eq!(
        creds(FILE_BOTH, &[(ENV_AK, "AK-FILE")]),
        Some((s("AK-FILE"), s("SK-FILE"), None, None)),
        "an env value equal to the file's replaces nothing"
    );
}

#[test]
fn empty_env_values_count_as_unset() {
    let env = [
        (ENV_AK, ""),
        (ENV_SK, ""),
        (ENV_SECURITY_TOKEN, ""),
        (ENV_PROJECT_ID, ""),
    ];
    assert_eq!(
        creds(FILE_BOTH, &env),
        Some((s("AK-FILE"), s("SK-FILE"), None, None))
    );
}

#[test]
fn project_id_from_env_is_kept_and_creates_no_project() {
    let env = [(ENV_AK, "AK"), (ENV_SK, "SK"), (ENV_PROJECT_ID, "0a1b2c")];
    let c = TempConfig::new("").load(&env_of(&env)).unwrap();
    assert_eq!(c.credentials.unwrap().project_id.as_deref(), Some("0a1b2c"));
    assert!(c.projects.is_empty());
    let bad = [(ENV_AK, "AK"), (ENV_SK, "SK"), (ENV_PROJECT_ID, "../x")];
    assert_eq!(
        TempConfig::new("").error(&env_of(&bad)),
        "environment variable HUAWEICLOUD_SDK_PROJECT_ID must be a project id (letters, digits, \
         '-' or '_'), got \"../x\""
    );
}

#[test]
fn half_a_key_pair_names_the_missing_half_and_where_to_put_it() {
    let t = TempConfig::new("");
    assert_eq!(
        t.error(&env_of(&[(ENV_AK, "AK")])),
        "the access key is set by HUAWEICLOUD_SDK_AK but the secret key is missing; add \
         secret_key to the [credentials] table of FILE (then chmod 600 it), or set \
         HUAWEICLOUD_SDK_SK"
    );
    assert_eq!(
        t.error(&env_of(&[(ENV_SK, "SK")])),
        "the secret key is set by HUAWEICLOUD_SDK_SK but the access key is missing; add \
         access_key to the [credentials] table of FILE (then chmod 600 it), or set \
         HUAWEICLOUD_SDK_AK"
    );
    assert_eq!(
        error_of("# credentials\n[credentials]\nsecret_key = \"SK\"\n"),
        "config file FILE: line 3: credentials.secret_key is set but the access key is missing; \
         add access_key to the [credentials] table of FILE (then chmod 600 it), or set \
         HUAWEICLOUD_SDK_AK"
    );
    assert_eq!(
        t.error(&env_of(&[(ENV_SECURITY_TOKEN, "T")])),
        "a security token is set (by HUAWEICLOUD_SDK_SECURITY_TOKEN) but no access key and \
         secret key; set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or add access_key and \
         secret_key to the [credentials] table of FILE"
    );
}

#[test]
fn env_may_not_replace_half_of_the_files_credentials() {
    let t = TempConfig::new(FILE_BOTH);
    let err = t.load(&env_of(&[(ENV_AK, "AK-ENV")])).unwrap_err();
    assert!(matches!(err, ConfigError::MixedCredentials { .. }));
    assert_eq!(
        redact_path(&err, &t.path),
        "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not, while config file FILE holds \
         both keys: that would pair a key from the environment with one from the file; set \
         HUAWEICLOUD_SDK_SK too, or unset HUAWEICLOUD_SDK_AK"
    );
    let t = TempConfig::new(FILE_WITH_TOKEN);
    assert_eq!(
        t.error(&env_of(&[(ENV_AK, "AK-ENV"), (ENV_SK, "SK-ENV")])),
        "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK replace the keys of config file FILE but not \
         its security_token (line 4), which belongs to those keys; set \
         HUAWEICLOUD_SDK_SECURITY_TOKEN too, or remove security_token from the file"
    );
}

#[test]
fn missing_credentials_explain_both_ways() {
    let c = Config::default();
    let err = c.credentials().unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("no Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK in the environment, or add access_key and secret_key to the [credentials] table of "), "{msg}");
    let t = TempConfig::new("");
    let c = t.load(&no_env).unwrap();
    assert_eq!(
        redact_path(&c.credentials().unwrap_err(), &t.path),
        "no Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK in the \
         environment, or add access_key and secret_key to the [credentials] table of FILE (then \
         chmod 600 it)"
    );
    let c = t.load(&env_of(&[(ENV_AK, "AK"), (ENV_SK, "SK")])).unwrap();
    assert_eq!(c.credentials().unwrap().access_key, "AK");
}

const SENTINEL: &str = "SENTINEL-9f8e7d";

/// Neither `Debug` of the config nor any error shows a secret, wherever it was written.
#[test]
fn secrets_never_appear_in_debug_or_errors() {
    let file = format!(
        "[credentials]\naccess_key = \"AK\"\nsecret_key = \"{SENTINEL}\"\nsecurity_token = \"{SENTINEL}\"\n"
    );
    let c = TempConfig::new(&file).load(&no_env).unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains(SENTINEL), "{shown}");
    assert!(shown.contains("secret_key: ***"), "{shown}");
    let env = env_of(&[
        (ENV_AK, "AK"),
        (ENV_SK, SENTINEL),
        (ENV_SECURITY_TOKEN, SENTINEL),
    ]);
    let c = TempConfig::new("").load(&env).unwrap();
    assert!(!format!("{c:?}").contains(SENTINEL));
    assert!(!format!("{:?}", c.credentials.unwrap()).contains(SENTINEL));

    let bad_files = [
        format!("[credentials]\nsecret_key = [\"{SENTINEL}\"]\n"),
        format!("[credentials]\nsecret_key = {SENTINEL}\n"),
        format!("[credentials]\nsecret_key = \"{SENTINEL}\n"),
        format!("[credentials]\nsecret_key = \"{SENTINEL}\\q\"\n"),
        format!("[credentials]\nsecret_key = \"{SENTINEL} \"\naccess_key = \"AK\"\n"),
        format!("[credentials]\nsecret_key = \"{SENTINEL}\"\nsecret_key = \"{SENTINEL}\"\n"),
        format!("[credentials]\nsecret = \"{SENTINEL}\"\n"),
        format!("[credentials]\nsecret_key = \"{SENTINEL}\"\n"),
        format!("[credentials]\nsecurity_token = \"{SENTINEL}\"\n"),
        format!("[credentials]\naccess_key = 1\nsecret_key = \"{SENTINEL}\"\n"),
        format!("credentials = \"{SENTINEL}\"\n"),
        format!("credentials = {{ secret_key = {{ x = \"{SENTINEL}\" }} }}\n"),
    ];
    for text in &bad_files {
        let err = TempConfig::new(text).load(&no_env).expect_err(text);
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(SENTINEL), "{text}\n=> {shown}");
        }
    }
    #[cfg(unix)]
    {
        let open = TempConfig::with_mode(&file, 0o644)
            .load(&no_env)
            .unwrap_err();
        assert!(!format!("{open} {open:?}").contains(SENTINEL));
    }
    let env_cases = [
        vec![(ENV_AK, "AK"), (ENV_SK, "SENTINEL-9f8e7d\n")],
        vec![(ENV_SK, SENTINEL)],
        vec![(ENV_SECURITY_TOKEN, SENTINEL)],
        vec![(ENV_AK, "AK2"), (ENV_SK, SENTINEL)],
    ];
    for env in &env_cases {
        let t = TempConfig::new(if env.len() == 2 { FILE_WITH_TOKEN } else { "" });
        let err = t.load(&env_of(env)).expect_err("error expected");
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(SENTINEL), "{env:?}\n=> {shown}");
        }
    }
}

#[test]
fn malformed_values_are_named_not_shown() {
    assert_eq!(
        error_of("[credentials]\naccess_key = \"AK\"\nsecret_key = \"S K\"\n"),
        "config file FILE: line 3: credentials.secret_key holds spaces, control or non-ASCII \
         characters; fix the value (it is not shown here)"
    );
    assert_eq!(
        error_of("[credentials]\naccess_key = \"\"\n"),
        "config file FILE: line 2: credentials.access_key is empty; fix the value (it is not \
         shown here)"
    );
    assert_eq!(
        TempConfig::new("").error(&env_of(&[(ENV_AK, "AK"), (ENV_SK, "x\n")])),
        "environment variable HUAWEICLOUD_SDK_SK holds spaces, control or non-ASCII characters; \
         fix its value (it is not shown here)"
    );
    assert_eq!(
        error_of("[credentials]\naccess_key = 5\n"),
        "config file FILE: line 2, column 14: credentials.access_key: expected a string"
    );
}

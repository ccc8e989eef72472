use age::secrecy::ExposeSecret;

use super::support::*;
use crate::escrow::Recipient;

const ED25519_PK: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN alice@rust";
const RSA_PK: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDE7nIXTGNuaRBN9toI/wNALuQec8mvlt0iJ7o3OaD2UvoKHJ7S8rmIn4FiQDUed/Vac3OhUibei1k+TBmm16u2Rj3klgWZOIDgi8d4vXKI5N3YBhxr3jsQ+kz1c+iZ4z/tTtz306+4K46XViVMWwyyg9j82Jn41mOAy9vdeDIfQ5fLeaGqn5KwlT61GNkZ+ozWK/ZNlQIlNCcoXxhJULIs9XrtczWyVBAea1nlDo0WHODePxoJjmsNHrpQXn5mf9O83xs10qfTUjnRUt48jRmedFy4tcra3QGmSTQ3KZne+wXXSb0cIpXLGvZjQSPHgG1hc4r3uBpiSzvesGLv79XL alice@rust";

fn age_public() -> String {
    age::x25519::Identity::generate().to_public().to_string()
}

#[test]
fn no_escrow_section_means_no_escrow() {
    assert_eq!(config_of("").escrow, None);
}

#[test]
fn all_three_key_kinds_parse_and_dir_is_relative_to_the_config_file() {
    let x = age_public();
    let t = TempConfig::new(&format!(
        "[escrow]\nrecipients = [\n  \"{x}\",\n  \"{ED25519_PK}\",\n  \"{RSA_PK}\",\n]\ndir = \"sealed\"\n"
    ));
    let e = t.load(&no_env).unwrap().escrow.unwrap();
    let kinds: Vec<&str> = e.recipients.iter().map(Recipient::kind).collect();
    assert_eq!(kinds, ["age X25519", "ssh-ed25519", "ssh-rsa"]);
    assert_eq!(e.recipients[0].to_string(), x);
    assert_eq!(
        e.dir.as_deref(),
        Some(t.dir.path().join("sealed").as_path())
    );
    assert_eq!(e.dir_in("/data".as_ref()), t.dir.path().join("sealed"));
}

#[test]
fn the_default_dir_is_escrow_in_the_data_directory() {
    let e = config_of(&format!("[escrow]\nrecipients = [\"{ED25519_PK}\"]\n"))
        .escrow
        .unwrap();
    assert_eq!(e.dir, None);
    assert_eq!(
        e.dir_in("/var/lib/ecsreset".as_ref()),
        std::path::Path::new("/var/lib/ecsreset/escrow")
    );
}

#[test]
fn a_bad_recipient_names_the_file_the_line_and_the_key() {
    let x = age_public();
    let text = format!(
        "[escrow]\nrecipients = [\n  \"{x}\",\n  \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLq\",\n]\n"
    );
    assert_eq!(
        error_of(&text),
        "config file FILE: line 4: escrow.recipients[1] is not a valid ssh-ed25519 public key \
         (the base64 part is damaged or belongs to another key type); copy the whole line of \
         the .pub file"
    );
    let e = error_of("[escrow]\nrecipients = [\"ssh-dss AAAAB3NzaC1kc3M=\"]\n");
    assert!(
        e.starts_with("config file FILE: line 2: escrow.recipients[0] is an ssh-dss key"),
        "{e}"
    );
}

#[test]
fn a_private_key_pasted_as_recipient_is_refused_and_never_echoed() {
    let id = age::x25519::Identity::generate();
    let secret = id.to_string();
    let secret = secret.expose_secret();
    let e = error_of(&format!(
        "# keys\n[escrow]\nrecipients = [\"{}\", \"{secret}\"]\n",
        id.to_public()
    ));
    assert!(
        e.starts_with("config file FILE: line 3: escrow.recipients[1] is an age private key"),
        "{e}"
    );
    assert!(!e.contains(&secret[15..]), "the secret was echoed: {e}");
}

#[test]
fn empty_repeated_missing_and_unknown_keys_are_errors() {
    assert_eq!(
        error_of("[escrow]\nrecipients = []\n"),
        "config file FILE: line 2: escrow.recipients is empty: list at least one public key \
         (age1… or ssh-ed25519 …), or remove the [escrow] section"
    );
    let other_comment = ED25519_PK.replace("alice@rust", "alice@laptop");
    assert_eq!(
        error_of(&format!(
            "[escrow]\nrecipients = [\n\"{ED25519_PK}\",\n\"{other_comment}\"]\n"
        )),
        "config file FILE: line 4: escrow.recipients[1] is the same key as \
         escrow.recipients[0]; keep one"
    );
    assert_eq!(
        error_of("[escrow]\ndir = \"x\"\n"),
        "config file FILE: line 1: escrow.recipients: missing required key \"recipients\""
    );
    assert_eq!(
        error_of("[escrow]\nrecipient = []\n"),
        "config file FILE: line 2, column 1: unknown key \"recipient\" in [escrow] (expected one \
         of: recipients, dir, csms)"
    );
    let e = error_of(&format!(
        "[escrow]\nrecipients = [\"{ED25519_PK}\"]\ndir = \" \"\n"
    ));
    assert_eq!(
        e,
        "config file FILE: line 3: escrow.dir must not be empty; remove it to use the default"
    );
    let e = error_of("[escrow]\nrecipients = \"age1abc\"\n");
    assert!(
        e.starts_with("config file FILE: line 2")
            && e.contains("escrow.recipients: expected an array"),
        "{e}"
    );
}

#[test]
fn csms_takes_a_region_and_a_name_template_with_defaults() {
    let c = config_of(&format!(
        "[escrow]\nrecipients = [\"{ED25519_PK}\"]\ncsms = {{ region = \"cn-north-4\", name = \"pw-{{region}}-{{server_id}}\" }}\n"
    ));
    let csms = c.escrow.unwrap().csms.unwrap();
    assert_eq!(csms.region.as_deref(), Some("cn-north-4"));
    assert_eq!(csms.name.as_str(), "pw-{region}-{server_id}");
    let d = config_of(&format!(
        "[escrow]\nrecipients = [\"{ED25519_PK}\"]\ncsms = {{}}\n"
    ))
    .escrow
    .unwrap()
    .csms
    .unwrap();
    assert_eq!(d.region, None);
    assert_eq!(d.name.as_str(), crate::escrow::csms::DEFAULT_NAME);
    assert_eq!(
        config_of(&format!("[escrow]\nrecipients = [\"{ED25519_PK}\"]\n"))
            .escrow
            .unwrap()
            .csms,
        None
    );
}

#[test]
fn a_bad_csms_entry_names_the_file_the_line_and_the_key() {
    let with = |csms: &str| {
        error_of(&format!(
            "[escrow]\nrecipients = [\"{ED25519_PK}\"]\n\ncsms = {csms}\n"
        ))
    };
    assert_eq!(
        with(r#"{ name = "ecs-{id}" }"#),
        "config file FILE: line 4: escrow.csms.name \"ecs-{id}\" has an unknown placeholder \
         {id}; use {server_id}, {name}, {region}, {project_id}"
    );
    assert_eq!(
        with(r#"{ name = "ecs-{name}" }"#),
        "config file FILE: line 4: escrow.csms.name \"ecs-{name}\" must contain {server_id}: \
         each server needs a secret of its own"
    );
    assert!(
        with(r#"{ name = "ecs.{server_id}" }"#).starts_with(
            "config file FILE: line 4: escrow.csms.name \"ecs.{server_id}\" holds '.'"
        ),
        "{}",
        with(r#"{ name = "ecs.{server_id}" }"#)
    );
    assert_eq!(
        with(r#"{ region = "North 4" }"#),
        "config file FILE: line 4: escrow.csms.region must be a region id such as \
         \"cn-north-4\" (lowercase letters, digits and single dashes), got \"North 4\""
    );
    let e = with(r#"{ regoin = "cn-north-4" }"#);
    assert!(
        e.starts_with("config file FILE: line 4") && e.contains("unknown key \"regoin\""),
        "{e}"
    );
}

#[test]
fn the_csms_endpoint_defaults_to_the_kms_host_and_can_be_overridden() {
    let c = config_of("");
    assert_eq!(c.endpoints.csms, "https://kms.{region}.myhuaweicloud.com");
    let c = config_of("[endpoints]\ncsms = \"http://127.0.0.1:8800/\"\n");
    assert_eq!(c.endpoints.csms, "http://127.0.0.1:8800");
    let e = error_of("[endpoints]\ncsms = \"ftp://x\"\n");
    assert!(
        e.starts_with("config file FILE: line 2: endpoints.csms must be"),
        "{e}"
    );
}

//! `[escrow] csms`: `reset --generate` stores every server's password as its CSMS secret's
//! newest version before that server's reset is sent; a server whose secret cannot be
//! written is not reset; the trail names the secret and version, never the password.

use crate::support::*;
use ecsreset::sim::Fleet;

const ACTIVE: fn(&ecsreset::sim::SimServer) -> bool = |s| s.reset_supported && s.status == "ACTIVE";

/// Two servers of project 0 and one of project 1 (another region), escrow to a fresh age key
/// and CSMS in project 0's region.
async fn setup(seed: u64) -> (CliEnv, Vec<String>) {
    let env = CliEnv::new(Fleet::generate(2, 8, seed)).await;
    let mut ids = env.ids(0, ACTIVE);
    ids.truncate(2);
    ids.push(env.ids(1, ACTIVE).remove(0));
    let region = env.fleet.projects[0].region.clone().unwrap();
    let identity = age::x25519::Identity::generate();
    env.write_config(
        &env.secret_key(),
        &[],
        &format!(
            "\n[escrow]\nrecipients = [\"{}\"]\ncsms = {{ region = \"{region}\", name = \"ecs-{{server_id}}\" }}\n",
            identity.to_public()
        ),
    );
    (env, ids)
}

fn reset_args(ids: &[String]) -> Vec<&str> {
    let mut argv = vec!["reset"];
    argv.extend(ids.iter().map(String::as_str));
    argv.extend(["--generate", "--yes", "--format", "json"]);
    argv
}

fn result_of<'a>(out: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    out["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["server_id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}: {out}"))
}

fn latest(env: &CliEnv, id: &str) -> Vec<String> {
    // Every secret lives in project 0: the CSMS region's project (the cross-region server's
    // own project id would not be valid there).
    let p = &env.fleet.projects[0].id;
    env.sim
        .csms_values(p, &format!("ecs-{id}"))
        .iter()
        .map(|s| s.expose().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_secret_holds_the_password_its_server_received_and_all_differ() {
    let (env, ids) = setup(161).await;
    let run = env.run(&reset_args(&ids)).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert!(
        run.err.contains("also goes to its CSMS secret (region "),
        "{}",
        run.err
    );
    let out = run.json();
    let mut seen = Vec::new();
    for id in &ids {
        let got = received(&env.sim, id);
        assert_eq!(got.len(), 1, "{id}");
        assert_eq!(
            latest(&env, id),
            got,
            "{id}: the secret's only version = sent"
        );
        let r = result_of(&out, id);
        assert_eq!(r["csms_secret"], format!("ecs-{id}"));
        assert_eq!(r["csms_version"], "v1");
        assert!(!run.out.contains(&got[0]) && !run.err.contains(&got[0]));
        seen.push(got[0].clone());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "every server its own password");
    let other = &env.fleet.projects[1].id;
    assert!(
        env.sim.csms_names(other).is_empty(),
        "nothing in the other region's project"
    );
    let trail = env.trail();
    for id in &ids {
        assert!(
            trail.contains(&format!("\"csms_secret\":\"ecs-{id}\"")),
            "{trail}"
        );
    }
    assert_eq!(
        trail.matches("\"csms_version\":\"v1\"").count(),
        3,
        "{trail}"
    );
    for pw in &seen {
        assert!(!trail.contains(pw.as_str()));
    }

    // A later reset adds a version; the newest is the new password, the old one stays.
    let again = env.run(&reset_args(&ids)).await;
    assert_eq!(again.code(), 0, "{}", again.err);
    let out = again.json();
    for id in &ids {
        let got = received(&env.sim, id);
        assert_eq!(got.len(), 2, "{id}");
        assert_eq!(latest(&env, id), got, "{id}: v1 then v2, as sent");
        assert_eq!(result_of(&out, id)["csms_version"], "v2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_secret_cannot_be_written_is_not_reset() {
    let (env, ids) = setup(162).await;
    assert_eq!(env.run(&reset_args(&ids)).await.code(), 0);
    let p = env.fleet.projects[0].id.clone();
    assert!(
        env.sim
            .csms_schedule_deletion(&p, &format!("ecs-{}", ids[1]))
    );
    let run = env.run(&reset_args(&ids)).await;
    assert_eq!(run.code(), 1, "{}", run.err);
    let out = run.json();
    let refused = result_of(&out, &ids[1]);
    assert_eq!(refused["outcome"], "not_sent", "{out}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("CSMS secret ecs-{}", ids[1])) && detail.contains("CSMS.0107"),
        "{detail}"
    );
    assert_eq!(
        received(&env.sim, &ids[1]).len(),
        1,
        "its reset was never sent"
    );
    for id in [&ids[0], &ids[2]] {
        assert_eq!(result_of(&out, id)["outcome"], "accepted");
        assert_eq!(latest(&env, id), received(&env.sim, id));
    }
    let trail = env.trail();
    let line = trail
        .lines()
        .rev()
        .find(|l| l.contains(&ids[1]) && l.contains("not-sent"))
        .unwrap_or_else(|| panic!("no not-sent line: {trail}"));
    assert!(
        line.contains(&format!("\"csms_secret\":\"ecs-{}\"", ids[1])),
        "{line}"
    );
    assert!(!line.contains("csms_version"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_cannot_have_a_secret_refuses_the_run_before_anything_is_sent() {
    let (env, ids) = setup(163).await;
    let identity = age::x25519::Identity::generate();
    // No project of the fleet is in this region, and IAM knows none there either.
    env.write_config(
        &env.secret_key(),
        &[],
        &format!(
            "\n[escrow]\nrecipients = [\"{}\"]\ncsms = {{ region = \"sa-brazil-1\" }}\n",
            identity.to_public()
        ),
    );
    let run = env.run(&reset_args(&ids)).await;
    let e = run.error();
    assert!(
        e.contains("no CSMS secret for 3 server(s); nothing was sent"),
        "{e}"
    );
    assert!(e.contains("no project in region sa-brazil-1"), "{e}");
    for id in &ids {
        assert!(received(&env.sim, id).is_empty());
    }
    assert!(
        !env.data_dir().join(ecsreset::escrow::DEFAULT_DIR).exists(),
        "nothing sealed either"
    );
}

/// Both sinks agree, and the sealed file opens with either kind of identity: sealed to an
/// age key and an SSH key, `reveal` with each gives what the server received and what its
/// CSMS secret holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_with_an_age_or_an_ssh_identity_matches_the_server_and_csms() {
    use age::secrecy::ExposeSecret;
    let (env, ids) = setup(164).await;
    let age_id = age::x25519::Identity::generate();
    let age_key = env.dir.path().join("operator.age");
    write_private(&age_key, age_id.to_string().expose_secret());
    let ssh_key = env.dir.path().join("id_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "op@test", "-f"])
        .arg(&ssh_key)
        .status()
        .expect("ssh-keygen runs");
    assert!(made.success());
    let ssh_pub = std::fs::read_to_string(ssh_key.with_extension("pub")).unwrap();
    let region = env.fleet.projects[0].region.clone().unwrap();
    env.write_config(
        &env.secret_key(),
        &[],
        &format!(
            "\n[escrow]\nrecipients = [\"{}\", \"{}\"]\ncsms = {{ region = \"{region}\" }}\n",
            age_id.to_public(),
            ssh_pub.trim()
        ),
    );
    let run = env.run(&reset_args(&ids)).await;
    assert_eq!(run.code(), 0, "{}", run.err);
    assert!(run.err.contains("to 2 recipient(s)"), "{}", run.err);
    let dir = env.data_dir().join(ecsreset::escrow::DEFAULT_DIR);
    for id in &ids {
        let sent = received(&env.sim, id);
        assert_eq!(latest(&env, id), sent);
        for key in [&age_key, &ssh_key] {
            let (record, _) = ecsreset::escrow::reveal(&dir, id, key)
                .unwrap_or_else(|e| panic!("{}: {e}", key.display()));
            assert_eq!(
                record.password.expose(),
                sent[0],
                "{id} with {}",
                key.display()
            );
        }
    }
}

/// The simulator checks CSMS signatures like every other API: a wrong secret key stores
/// nothing; the right one creates, then versions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csms_calls_are_signature_checked_and_versions_follow_creation() {
    let env = CliEnv::new(Fleet::generate(1, 2, 165)).await;
    let p = regional(&env.fleet).remove(0);
    let value = ecsreset::secret::Secret::new("Xy7-unused-Q2");
    let mut wrong = settings(&env.sim);
    wrong.credentials.secret_key = ecsreset::secret::Secret::new("not-the-key");
    let e = ecsreset::cloud::Cloud::new(wrong)
        .unwrap()
        .store_secret(&p, "ecs-x", &value)
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.code.as_str()), Some("APIGW.0301"), "{e}");
    assert!(env.sim.csms_names(&p.id).is_empty());
    let c = client(&env.sim);
    let first = c.store_secret(&p, "ecs-x", &value).await.unwrap();
    assert!(
        first.created && first.version.as_deref() == Some("v1"),
        "{first:?}"
    );
    let next = c.store_secret(&p, "ecs-x", &value).await.unwrap();
    assert!(
        !next.created && next.version.as_deref() == Some("v2"),
        "{next:?}"
    );
    let dup = c.create_secret(&p, "ecs-x", &value).await.unwrap_err();
    assert_eq!(dup.api().map(|a| a.status), Some(400), "{dup}");
    assert_eq!(env.sim.csms_names(&p.id), ["ecs-x"]);
}

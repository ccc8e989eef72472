//! The simulator's ECS and IAM behaviour on the wire: paging by page number, full server
//! details, the flag string, 204 resets, batch dry-run, reboot jobs, project listing.

use crate::support::{eventually, fixture, start_probed as start, wait_until};
use ecsreset::cloud::wire::{JobResponse, ListServersResponse, ProjectsResponse};
use ecsreset::sim::probe::Probe;
use ecsreset::sim::{Fleet, SimConfig, SimProject};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

const STRONG: &str = "Qx7-Lm2.Rt9@vb";

fn find(p: &SimProject, pred: impl Fn(&ecsreset::sim::SimServer) -> bool) -> &str {
    &p.servers.iter().find(|s| pred(s)).unwrap().id
}

#[tokio::test]
async fn list_pages_by_page_number_with_total_count() {
    let fleet = Fleet::generate(1, 23, 5);
    let pid = fleet.projects[0].id.clone();
    let (_sim, probe) = start(SimConfig::new(fleet)).await;
    let path = format!("/v1/{pid}/cloudservers/detail");
    let mut seen = Vec::new();
    for (page, want) in [("1", 10), ("2", 10), ("3", 3), ("4", 0)] {
        let r = probe
            .get(&path, &[("limit", "10"), ("offset", page)])
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        let list: ListServersResponse = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            list.count,
            Some(23),
            "count is the total, not the page size"
        );
        assert_eq!(list.servers.len(), want, "page {page}");
        seen.extend(list.servers.into_iter().map(|s| s.id));
    }
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 23);
    let zero = probe
        .get(&path, &[("limit", "10"), ("offset", "0")])
        .await
        .unwrap();
    let first = probe
        .get(&path, &[("limit", "10"), ("offset", "1")])
        .await
        .unwrap();
    assert_eq!(zero.json(), first.json(), "offset 0 is page 1");
    let default = probe.get(&path, &[]).await.unwrap().json();
    assert_eq!(
        default["servers"].as_array().unwrap().len(),
        23,
        "default limit is 25"
    );
    for bad in ["1001", "-1", "ten"] {
        let r = probe.get(&path, &[("limit", bad)]).await.unwrap();
        assert_eq!(r.status, 400, "limit={bad}");
        assert_eq!(r.json()["error"]["code"], "Ecs.0005");
    }
    assert_eq!(
        probe.get(&path, &[("limit", "1000")]).await.unwrap().status,
        200
    );
    let marker = seen[9].as_str();
    let next = probe
        .get(&path, &[("limit", "10"), ("marker", marker)])
        .await
        .unwrap()
        .json();
    assert_eq!(next["count"], 23);
    assert_eq!(
        next["servers"][0]["id"],
        seen[10].as_str(),
        "marker paging resumes after it"
    );
}

#[tokio::test]
async fn server_details_are_complete_and_consistent_with_the_truth() {
    let (sim, probe) = start(SimConfig::new(Fleet::demo())).await;
    let truth = sim.truth();
    for p in Fleet::demo()
        .projects
        .iter()
        .filter(|p| !p.servers.is_empty())
    {
        let r = probe
            .get(&format!("/v1/{}/cloudservers/detail", p.id), &[])
            .await
            .unwrap();
        let raw = r.json();
        let list: ListServersResponse = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(list.servers.len(), p.servers.len());
        for (s, spec) in list.servers.iter().zip(&p.servers) {
            assert_eq!(s.id, spec.id, "stable fleet order");
            let t = truth.iter().find(|t| t.server_id == s.id).unwrap();
            assert_eq!(s.status.as_deref(), Some(t.status.as_str()));
            assert_eq!(s.os_type(), Some(spec.os_type.as_str()));
            assert_eq!(s.private_ip(), Some(spec.private_ip.as_str()));
            assert_eq!(s.floating_ip(), spec.floating_ip.as_deref());
            assert!(
                s.flavor
                    .as_ref()
                    .unwrap()
                    .ram
                    .as_ref()
                    .unwrap()
                    .parse::<u32>()
                    .is_ok()
            );
            let power = match t.status.as_str() {
                "ACTIVE" => 1,
                "SHUTOFF" => 4,
                _ => 0,
            };
            assert_eq!(s.power_state, Some(power), "{}", s.id);
        }
        // Fields the SDK model has beyond the app's wire type are present too.
        let first = &raw["servers"][0];
        for key in [
            "security_groups",
            "os-extended-volumes:volumes_attached",
            "sys_tags",
        ] {
            assert!(first.get(key).is_some(), "{key}");
        }
        assert!(
            first
                .as_object()
                .unwrap()
                .contains_key("OS-EXT-STS:task_state")
        );
    }
}

#[tokio::test]
async fn list_filters_by_name_status_ip_and_server_ids() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let (_sim, probe) = start(SimConfig::new(fleet)).await;
    let path = format!("/v1/{}/cloudservers/detail", p.id);
    let names = |v: Value| -> Vec<String> {
        v["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(probe.get(&path, &[("name", "WEB-0")]).await.unwrap().json()),
        ["web-01", "web-02", "web-03"]
    );
    let off = names(
        probe
            .get(&path, &[("status", "SHUTOFF")])
            .await
            .unwrap()
            .json(),
    );
    assert_eq!(
        off,
        p.servers
            .iter()
            .filter(|s| s.status == "SHUTOFF")
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    );
    let ip = &p.servers[1].private_ip;
    assert_eq!(
        names(
            probe
                .get(&path, &[("ip_eq", ip.as_str())])
                .await
                .unwrap()
                .json()
        ),
        [p.servers[1].name.clone()]
    );
    let ids = format!("{},deadbeef-0000-4000-8000-000000000000", p.servers[2].id);
    let by_id = probe
        .get(&path, &[("server_id", &ids), ("name", "nomatch")])
        .await
        .unwrap()
        .json();
    assert_eq!(by_id["count"], 2, "server_id overrides the other filters");
    assert_eq!(by_id["servers"][0]["name"], p.servers[2].name.as_str());
    assert!(by_id["servers"][1]["fault"].is_object());
}

#[tokio::test]
async fn flag_bodies_match_the_fixtures_and_unknown_ids_are_404() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let (sim, probe) = start(SimConfig::new(fleet)).await;
    let flag = |sid: &str| format!("/v1/{}/cloudservers/{sid}/os-resetpwd-flag", p.id);
    let yes = find(&p, |s| s.reset_supported);
    let no = find(&p, |s| !s.reset_supported);
    assert_eq!(
        probe.get(&flag(yes), &[]).await.unwrap().json(),
        fixture("ecs-reset-flag-true.json")
    );
    assert_eq!(
        probe.get(&flag(no), &[]).await.unwrap().json(),
        fixture("ecs-reset-flag-false.json")
    );
    let ghost = "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b";
    let r = probe.get(&flag(ghost), &[]).await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), fixture("error-ecs-server-not-found.json"));
    assert!(sim.remove_server(yes));
    assert_eq!(
        probe.get(&flag(yes), &[]).await.unwrap().status,
        404,
        "vanished after listing"
    );
    let other = probe
        .get("/v1/0000/cloudservers/detail", &[])
        .await
        .unwrap();
    assert_eq!(
        (other.status, other.json()["error"]["code"].clone()),
        (404, json!("Ecs.0000"))
    );
}

#[tokio::test]
async fn reset_answers_204_and_records_the_password_pending_a_restart() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let (sim, probe) = start(SimConfig::new(fleet)).await;
    let sid = find(&p, |s| s.reset_supported && s.status == "ACTIVE");
    let path = format!("/v1/{}/cloudservers/{sid}/os-reset-password", p.id);
    let body = fixture("ecs-reset-password-request.json");
    let r = probe.send_json("PUT", &path, &body).await.unwrap();
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert!(r.headers.get("content-type").is_none());
    let got: Vec<String> = sim
        .received_passwords(sid)
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    assert_eq!(got, [STRONG]);
    let t = sim
        .truth()
        .into_iter()
        .find(|t| t.server_id == sid)
        .unwrap();
    assert!(t.password_pending && t.applied_password.is_none());
    let unchecked = json!({"reset-password": {"new_password": "weak"}});
    assert_eq!(
        probe
            .send_json("PUT", &path, &unchecked)
            .await
            .unwrap()
            .status,
        204,
        "no check unless asked"
    );
    assert_eq!(sim.received_passwords(sid).len(), 2);
}

#[tokio::test]
async fn reset_refusals_are_ecs_errors_that_never_echo_the_password() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let (sim, probe) = start(SimConfig::new(fleet)).await;
    let ok = find(&p, |s| s.reset_supported);
    let path = |sid: &str| format!("/v1/{}/cloudservers/{sid}/os-reset-password", p.id);
    let weak = "rootroot-Sentinel1";
    let r = probe
        .send_json(
            "PUT",
            &path(ok),
            &json!({"reset-password": {"new_password": weak, "is_check_password": true}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!("Ecs.0005"))
    );
    assert!(!r.text().contains("Sentinel"), "{}", r.text());
    for bad in [
        json!({"reset-password": {}}),
        json!({"new_password": STRONG}),
        json!([1]),
    ] {
        let r = probe.send_json("PUT", &path(ok), &bad).await.unwrap();
        assert_eq!(
            (r.status, r.json()),
            (400, fixture("error-ecs-bad-request.json"))
        );
    }
    let no = find(&p, |s| !s.reset_supported);
    let r = probe
        .send_json(
            "PUT",
            &path(no),
            &json!({"reset-password": {"new_password": STRONG}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!("Ecs.0025"))
    );
    let r = probe
        .send_json(
            "PUT",
            &path("nope"),
            &json!({"reset-password": {"new_password": STRONG}}),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (404, json!("Ecs.0114"))
    );
    assert!(sim.received_passwords(ok).is_empty() && sim.received_passwords(no).is_empty());
}

#[tokio::test]
async fn batch_reset_dry_run_validates_without_applying_and_is_all_or_nothing() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let (sim, probe) = start(SimConfig::new(fleet)).await;
    let path = format!("/v1/{}/cloudservers/os-reset-passwords", p.id);
    let good: Vec<&str> = p
        .servers
        .iter()
        .filter(|s| s.reset_supported)
        .take(3)
        .map(|s| s.id.as_str())
        .collect();
    let ids = |list: &[&str]| list.iter().map(|id| json!({"id": id})).collect::<Vec<_>>();
    let dry = json!({"new_password": STRONG, "dry_run": true, "servers": ids(&good)});
    let r = probe.send_json("PUT", &path, &dry).await.unwrap();
    assert_eq!((r.status, r.json()), (200, json!({"response": ids(&good)})));
    assert!(good.iter().all(|id| sim.received_passwords(id).is_empty()));
    let mixed = [good[0], find(&p, |s| !s.reset_supported)];
    let r = probe
        .send_json(
            "PUT",
            &path,
            &json!({"new_password": STRONG, "servers": ids(&mixed)}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        sim.received_passwords(good[0]).is_empty(),
        "nothing applied when one fails"
    );
    let weak = probe
        .send_json(
            "PUT",
            &path,
            &json!({"new_password": "abc", "dry_run": true, "servers": ids(&good)}),
        )
        .await
        .unwrap();
    assert_eq!(
        (weak.status, weak.json()["error"]["code"].clone()),
        (400, json!("Ecs.0005"))
    );
    let r = probe
        .send_json(
            "PUT",
            &path,
            &json!({"new_password": STRONG, "servers": ids(&good)}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(good.iter().all(|id| sim.received_passwords(id).len() == 1));
}

async fn job(probe: &Probe, pid: &str, id: &str) -> (Value, JobResponse) {
    let raw = probe
        .get(&format!("/v1/{pid}/jobs/{id}"), &[])
        .await
        .unwrap()
        .json();
    (raw.clone(), serde_json::from_value(raw).unwrap())
}

/// The job once it has ended, with SUCCESS or FAIL.
async fn ended(probe: &Probe, pid: &str, id: &str) -> (Value, JobResponse) {
    eventually("the job to end", async || {
        let answer = job(probe, pid, id).await;
        matches!(answer.1.status.as_deref(), Some("SUCCESS" | "FAIL")).then_some(answer)
    })
    .await
}

fn key_set(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn a_soft_reboot_job_runs_then_succeeds_and_applies_the_pending_password() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let mut cfg = SimConfig::new(fleet);
    // Long enough that the RUNNING check below holds on a busy machine.
    cfg.reboot_duration = Duration::from_millis(1200);
    let (sim, probe) = start(cfg).await;
    let running: Vec<&str> = p
        .servers
        .iter()
        .filter(|s| s.status == "ACTIVE" && s.reset_supported)
        .take(2)
        .map(|s| s.id.as_str())
        .collect();
    let reset = format!("/v1/{}/cloudservers/{}/os-reset-password", p.id, running[0]);
    probe
        .send_json(
            "PUT",
            &reset,
            &json!({"reset-password": {"new_password": STRONG}}),
        )
        .await
        .unwrap();
    let body =
        json!({"reboot": {"type": "SOFT", "servers": [{"id": running[0]}, {"id": running[1]}]}});
    let r = probe
        .send_json("POST", &format!("/v1/{}/cloudservers/action", p.id), &body)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let job_id = r.json()["job_id"].as_str().unwrap().to_owned();
    assert_eq!(job_id.len(), 32);
    let (raw, first) = eventually("the job to leave INIT", async || {
        let answer = job(&probe, &p.id, &job_id).await;
        (answer.1.status.as_deref() != Some("INIT")).then_some(answer)
    })
    .await;
    assert_eq!(first.status.as_deref(), Some("RUNNING"));
    let want = fixture("ecs-job-running.json");
    assert_eq!(key_set(&raw), key_set(&want));
    assert_eq!(
        key_set(&raw["entities"]["sub_jobs"][0]),
        key_set(&want["entities"]["sub_jobs"][1])
    );
    assert_eq!(raw["end_time"], "");
    let status = |id: &str| {
        sim.truth()
            .into_iter()
            .find(|t| t.server_id == id)
            .unwrap()
            .status
    };
    assert_eq!(status(running[0]), "REBOOT");
    let (raw, done) = ended(&probe, &p.id, &job_id).await;
    assert_eq!(done.status.as_deref(), Some("SUCCESS"), "{raw}");
    assert!(raw["error_code"].is_null() && raw["end_time"].as_str().unwrap().ends_with('Z'));
    let subs = done.entities.unwrap().sub_jobs.unwrap();
    let sub_servers: Vec<_> = subs
        .iter()
        .map(|s| s.entities.as_ref().unwrap().server_id.clone().unwrap())
        .collect();
    assert_eq!(sub_servers, running);
    assert!(running.iter().all(|id| status(id) == "ACTIVE"));
    let t = sim
        .truth()
        .into_iter()
        .find(|t| t.server_id == running[0])
        .unwrap();
    assert_eq!(
        t.applied_password.map(|s| s.expose().to_owned()).as_deref(),
        Some(STRONG)
    );
    assert!(!t.password_pending);
}

#[tokio::test]
async fn a_soft_reboot_of_a_stopped_server_fails_but_a_hard_one_starts_it() {
    let fleet = Fleet::demo();
    let p = fleet.projects[0].clone();
    let mut cfg = SimConfig::new(fleet);
    cfg.reboot_duration = Duration::from_millis(300);
    let (sim, probe) = start(cfg).await;
    let off = find(&p, |s| s.status == "SHUTOFF");
    let on = find(&p, |s| s.status == "ACTIVE");
    let action = format!("/v1/{}/cloudservers/action", p.id);
    let soft = json!({"reboot": {"type": "SOFT", "servers": [{"id": on}, {"id": off}]}});
    let id = probe
        .send_json("POST", &action, &soft)
        .await
        .unwrap()
        .json()["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (raw, done) = ended(&probe, &p.id, &id).await;
    assert_eq!(done.status.as_deref(), Some("FAIL"), "{raw}");
    assert_eq!(key_set(&raw), key_set(&fixture("ecs-job-failed.json")));
    let subs = done.entities.unwrap().sub_jobs.unwrap();
    assert_eq!(subs[0].status.as_deref(), Some("SUCCESS"));
    assert_eq!(subs[1].status.as_deref(), Some("FAIL"));
    assert!(subs[1].fail_reason.is_some());
    let hard = json!({"reboot": {"type": "HARD", "servers": [{"id": off}]}});
    let id = probe
        .send_json("POST", &action, &hard)
        .await
        .unwrap()
        .json()["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = || {
        sim.truth()
            .into_iter()
            .find(|t| t.server_id == off)
            .unwrap()
            .status
    };
    assert_eq!(status(), "HARD_REBOOT");
    assert_eq!(
        ended(&probe, &p.id, &id).await.1.status.as_deref(),
        Some("SUCCESS")
    );
    assert_eq!(status(), "ACTIVE");
    let stop = json!({"os-stop": {"type": "SOFT", "servers": [{"id": off}]}});
    assert_eq!(
        probe
            .send_json("POST", &action, &stop)
            .await
            .unwrap()
            .status,
        200
    );
    wait_until("the server to be SHUTOFF", async || status() == "SHUTOFF").await;
    let start = json!({"os-start": {"servers": [{"id": off}]}});
    assert_eq!(
        probe
            .send_json("POST", &action, &start)
            .await
            .unwrap()
            .status,
        200
    );
    wait_until("the server to be ACTIVE again", async || {
        status() == "ACTIVE"
    })
    .await;
}

#[tokio::test]
async fn bad_actions_and_unknown_jobs_are_ecs_errors() {
    let fleet = Fleet::demo();
    let (p, q) = (fleet.projects[0].clone(), fleet.projects[1].clone());
    let (_sim, probe) = start(SimConfig::new(fleet)).await;
    let action = format!("/v1/{}/cloudservers/action", p.id);
    for bad in [
        json!({"reboot": {"type": "WARM", "servers": [{"id": p.servers[0].id}]}}),
        json!({"explode": {}}),
        json!({"reboot": {"type": "SOFT", "servers": []}}),
    ] {
        let r = probe.send_json("POST", &action, &bad).await.unwrap();
        assert_eq!(
            (r.status, r.json()["error"]["code"].clone()),
            (400, json!("Ecs.0005")),
            "{bad}"
        );
    }
    let ghost = json!({"reboot": {"type": "SOFT", "servers": [{"id": "ghost"}]}});
    assert_eq!(
        probe
            .send_json("POST", &action, &ghost)
            .await
            .unwrap()
            .status,
        404
    );
    let ok = json!({"reboot": {"type": "SOFT", "servers": [{"id": p.servers[0].id}]}});
    let id = probe.send_json("POST", &action, &ok).await.unwrap().json()["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        probe
            .get(&format!("/v1/{}/jobs/{id}", q.id), &[])
            .await
            .unwrap()
            .status,
        404,
        "other project"
    );
    assert_eq!(
        probe
            .get(&format!("/v1/{}/jobs/feedface", p.id), &[])
            .await
            .unwrap()
            .status,
        404
    );
}

#[tokio::test]
async fn iam_lists_every_project_and_filters_and_pages() {
    let fleet = Fleet::generate(3, 2, 9);
    let (_sim, probe) = start(SimConfig::new(fleet.clone())).await;
    let all: ProjectsResponse =
        serde_json::from_slice(&probe.get("/v3/auth/projects", &[]).await.unwrap().body).unwrap();
    assert_eq!(all.projects.len(), 5);
    assert!(all.projects.iter().any(|p| p.name == "MOS"));
    assert!(all.projects.iter().any(|p| !p.enabled));
    let raw = probe.get("/v3/auth/projects", &[]).await.unwrap().json();
    assert_eq!(
        key_set(&raw["projects"][0]),
        key_set(&fixture("iam-auth-projects.json")["projects"][0])
    );
    let one = probe
        .get("/v3/projects", &[("name", "cn-east-3")])
        .await
        .unwrap()
        .json();
    assert_eq!(one["projects"].as_array().unwrap().len(), 1);
    assert_eq!(one["projects"][0]["id"], fleet.projects[1].id.as_str());
    let disabled = probe
        .get("/v3/projects", &[("enabled", "false")])
        .await
        .unwrap()
        .json();
    assert_eq!(disabled["projects"].as_array().unwrap().len(), 1);
    let page2 = probe
        .get("/v3/projects", &[("page", "2"), ("per_page", "2")])
        .await
        .unwrap()
        .json();
    assert_eq!(page2["projects"][0]["id"], fleet.projects[2].id.as_str());
    assert!(
        page2["links"]["previous"]
            .as_str()
            .unwrap()
            .contains("page=1")
    );
    assert!(page2["links"]["next"].as_str().unwrap().contains("page=3"));
    let r = probe.get("/v3/projects", &[("page", "1")]).await.unwrap();
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!(400))
    );
}

use ecsreset::cloud::{Cloud, Credentials, ProjectRef, Settings};
use ecsreset::sim::{Faults, Fleet, Sim, SimConfig};
use std::time::{Duration, Instant};
#[tokio::main]
async fn main() {
    for lat in [0u64, 20] {
        let fleet = Fleet::generate(1, 50, 1);
        let p = &fleet.projects.iter().find(|p| !p.servers.is_empty()).unwrap();
        let pr = ProjectRef { id: p.id.clone(), region: p.region.clone().unwrap() };
        let sid = p.servers[0].id.clone();
        let mut cfg = SimConfig::new(fleet.clone());
        cfg.faults = Faults { latency: Duration::from_millis(lat), ..Faults::default() };
        let sim = Sim::start(cfg, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let c = &sim.credentials()[0];
        let mut s = Settings::new(sim.base_url(), sim.base_url(), Credentials { access_key: c.access_key.clone(), secret_key: c.secret_key.clone(), security_token: None });
        s.rate_per_second = 1e6;
        let cloud = Cloud::new(s).unwrap();
        cloud.reset_flag(&pr, &sid).await.unwrap();
        let t = Instant::now();
        for _ in 0..100 { cloud.reset_flag(&pr, &sid).await.unwrap(); }
        println!("latency {lat} ms: {:?} per call", t.elapsed() / 100);
    }
}

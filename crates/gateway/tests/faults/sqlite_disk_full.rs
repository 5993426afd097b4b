//! The disk under a SQLite data directory fills up while orders come in (a small tmpfs, filled
//! by another file): writes are refused with 503 `database_unavailable` (retryable, never a 500),
//! reading goes on, `/readyz` says 503 so a load balancer stops sending writes; once space is
//! freed the same process takes orders again, a refused request retried with its key places
//! once, and after a kill -9 every acknowledged order is there with exact stock.

use crate::harness::{Api, Gateway, Market, create_admin, units_held};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STOCK: i64 = 100_000;

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (skipped) where mounting is not allowed and CI is not set; CI promises root.
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        if mounted {
            return Some(SmallDisk { dir });
        }
        assert!(std::env::var_os("CI").is_none(), "CI must be able to mount a tmpfs (run as root)");
        eprintln!("skipped sqlite_disk_full: mounting a tmpfs needs root");
        None
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk refuses more.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        for chunk in [1 << 20, 4096, 1] {
            let bytes = vec![0u8; chunk];
            while file.write_all(&bytes).and_then(|()| file.flush()).is_ok() {}
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

async fn place(api: &Api, market: &Market, key: &str) -> crate::harness::Answer {
    let buyer = &market.buyers[0];
    let body =
        json!({ "address_id": buyer.address, "items": [{ "sku_id": market.sku, "quantity": 1 }], "coupon_ids": [] });
    api.call(reqwest::Method::POST, "/api/v1/orders", Some(&body), Some(&buyer.token), Some(key)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_and_the_process_takes_orders_again_once_space_is_freed() {
    let Some(disk) = SmallDisk::mount("48m") else { return };
    create_admin(disk.path(), &[], "13700000000");
    let mut gateway = Gateway::start(disk.path(), &[]).await;
    let market = Market::open(&gateway.api, "13700000000", STOCK, 1).await;
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let answer = place(&gateway.api, &market, &format!("before-{n}")).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        acknowledged.push(answer.body["orders"][0]["id"].as_i64().expect("id"));
    }

    // Full: orders go on until the database needs a block the disk does not have; from then on
    // each is refused as retryable.
    let filler = disk.fill();
    let mut refused = None;
    for n in 0..2_000 {
        let key = format!("full-{n}");
        let answer = place(&gateway.api, &market, &key).await;
        match answer.status {
            201 => acknowledged.push(answer.body["orders"][0]["id"].as_i64().expect("id")),
            _ => {
                assert_eq!(
                    (answer.status, answer.body["code"].as_str()),
                    (503, Some("database_unavailable")),
                    "a full disk: {}",
                    answer.body
                );
                refused = Some(key);
                break;
            }
        }
    }
    let refused = refused.expect("the disk never filled up");
    let again = place(&gateway.api, &market, &refused).await;
    assert_eq!(again.status, 503, "still full: {}", again.body);
    assert_eq!(gateway.api.status_of("/readyz", None).await, 503, "not ready while writes fail");
    assert_eq!(gateway.api.status_of(&format!("/api/v1/products/{}", market.product), None).await, 200, "reads go on");

    // Space freed: the same process takes orders again, and the refused request places once.
    std::fs::remove_file(filler).expect("free the space");
    let freed = Instant::now();
    let retried = loop {
        let answer = place(&gateway.api, &market, &refused).await;
        if answer.status != 503 || freed.elapsed() > Duration::from_secs(10) {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(retried.status, 201, "the refused request, retried once space is back: {}", retried.body);
    acknowledged.push(retried.body["orders"][0]["id"].as_i64().expect("id"));
    let replayed = place(&gateway.api, &market, &refused).await;
    assert_eq!(replayed.status, 200, "and only once: {}", replayed.body);
    gateway.api.ready().await;

    // Killed and started again: everything acknowledged is there, stock exact.
    gateway.kill();
    let gateway = Gateway::start(disk.path(), &[]).await;
    let orders = market.orders(&gateway.api).await;
    let ids: Vec<i64> = orders.iter().filter_map(|order| order["id"].as_i64()).collect();
    for id in &acknowledged {
        assert!(ids.contains(id), "order {id} was acknowledged and is gone");
    }
    assert_eq!(ids.len(), acknowledged.len(), "no order nobody was told of");
    assert_eq!(market.stock(&gateway.api).await + units_held(&orders), STOCK);
}

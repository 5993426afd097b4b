//! Prints the time one argon2id hash takes at the production cost (OWASP: 19 MiB, t=2, p=1) on this
//! machine, single-threaded: the `hash_time` in `cores / hash_time`, the ceiling of password logins.
//! Run: cargo run --release -p bazaar-identity --example hash_cost

use bazaar_identity::password::{HashCost, PasswordHasher};
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let hasher = match PasswordHasher::new(HashCost::default(), 1) {
        Ok(hasher) => hasher,
        Err(err) => {
            eprintln!("cannot build the hasher: {err}");
            std::process::exit(1);
        }
    };
    let rounds = 40;
    let started = Instant::now();
    for _ in 0..rounds {
        if let Err(err) = hasher.hash("bench-pass-1".into()).await {
            eprintln!("hashing failed: {err}");
            std::process::exit(1);
        }
    }
    let per_hash_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("{per_hash_ms:.2}");
}

//! The `bazaar` binary as an operator meets it: bad configuration and unreachable dependencies
//! end in one clear line and a failing exit code, never a panic; a good start serves, creates its
//! SQLite database and dev secret, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bazaar(workdir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bazaar"));
    command.current_dir(workdir);
    // Start from a clean slate: nothing configured but what the test says.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("BAZAAR_") {
            command.env_remove(key);
        }
    }
    command.env("BAZAAR_PORT", "0").env("BAZAAR_LOG_LEVEL", "warn");
    command
}

/// Runs to completion (or kills it after 30 s so a hang fails instead of blocking the suite).
fn run(mut command: Command) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("bazaar starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("bazaar did not exit within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn assert_one_line_failure(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "must fail; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "a panic is not an error message: {stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("bazaar: error:")).collect();
    assert_eq!(error_lines.len(), 1, "exactly one error line: {stderr}");
    assert!(error_lines[0].contains(expected), "expected `{expected}` in: {}", error_lines[0]);
}

#[test]
fn port_in_use_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut command = bazaar(dir.path());
    command.env("BAZAAR_PORT", &port);
    assert_one_line_failure(&run(command), "already in use");
}

#[test]
fn unwritable_data_dir_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let mut command = bazaar(dir.path());
    command.env("BAZAAR_DATA_DIR", file.join("data"));
    assert_one_line_failure(&run(command), "cannot use the data directory");
}

#[test]
fn unreachable_postgres_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bazaar(dir.path());
    command.env("BAZAAR_DATABASE_URL", "postgres://postgres:pw@127.0.0.1:1/bazaar").env("BAZAAR_SANDBOX", "false");
    let output = run(command);
    assert_one_line_failure(&output, "cannot connect to postgres");
    assert!(!String::from_utf8_lossy(&output.stderr).contains(":pw@"), "no password in the message");
}

#[test]
fn unreachable_redis_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bazaar(dir.path());
    command.env("BAZAAR_REDIS_URL", "redis://127.0.0.1:1");
    assert_one_line_failure(&run(command), "cannot connect to Redis");
}

#[test]
fn invalid_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, expected) in [
        ("BAZAAR_PORT", "eighty", "port"),
        ("BAZAAR_LOG_FORMAT", "xml", "log_format"),
        ("BAZAAR_DB_POOL_SIZE", "0", "db_pool_size"),
        ("BAZAAR_DATABASE_URL", "mysql://h/db", "database_url"),
        ("BAZAAR_CORS_ALLOWED_ORIGINS", "h5.example", "cors_allowed_origins"),
        ("BAZAAR_SMS_PROVIDER", "http", "sms_http_url"),
        ("BAZAAR_SMS_PROVIDER", "carrier-pigeon", "sms_provider"),
        ("BAZAAR_JWT_SECRET", "too-short", "jwt_secret"),
    ] {
        let mut command = bazaar(dir.path());
        command.env(key, value);
        assert_one_line_failure(&run(command), expected);
    }
}

#[test]
fn config_file_typos_and_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bazaar.toml"), "prot = 9000\n").unwrap();
    assert_one_line_failure(&run(bazaar(dir.path())), "prot");

    let mut command = bazaar(dir.path());
    command.args(["--config", "missing.toml"]);
    assert_one_line_failure(&run(command), "missing.toml");
}

#[test]
fn config_command_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bazaar(dir.path());
    command
        .arg("config")
        .env("BAZAAR_DATABASE_URL", "postgres://app:hunter2@db:5432/bazaar")
        .env("BAZAAR_REDIS_URL", "redis://:redispass@cache:6379")
        .env("BAZAAR_JWT_SECRET", "a-very-long-jwt-secret-that-must-not-leak")
        .env("BAZAAR_SMS_HTTP_TOKEN", "sms-token-must-not-leak");
    let output = run(command);
    assert!(output.status.success());
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("postgres://app:***@db:5432/bazaar"), "{shown}");
    assert!(shown.contains("redis://:***@cache:6379"), "{shown}");
    assert!(shown.contains("jwt_secret = \"<redacted>\""), "{shown}");
    for secret in ["hunter2", "redispass", "must-not-leak", "sms-token"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[test]
fn migrate_command_applies_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let first = run({
        let mut command = bazaar(dir.path());
        command.arg("migrate");
        command
    });
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"), "{first:?}");
    assert!(dir.path().join("data/bazaar.db").is_file());
    let second = run({
        let mut command = bazaar(dir.path());
        command.arg("migrate");
        command
    });
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"), "{second:?}");
}

/// Starts `bazaar` and returns it with the base URL it printed.
fn start(workdir: &Path) -> (Child, String) {
    let mut child = bazaar(workdir).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("bazaar starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("the banner line");
    let base = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in banner: {line}"))
        .to_string();
    assert!(line.contains("/docs/"), "the banner says where the docs are: {line}");
    (child, base)
}

#[test]
fn serves_on_embedded_defaults_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let ready = reqwest::blocking_get(&format!("{base}/readyz"));
    assert_eq!(ready, 200);
    assert!(dir.path().join("data/bazaar.db").is_file(), "SQLite database created under data/");
    let secret = std::fs::read_to_string(dir.path().join("data/jwt-secret")).expect("dev JWT secret generated");
    assert_eq!(secret.trim().len(), 64);

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "bazaar did not stop within 15 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "graceful stop exits 0, got {status}");
}

mod reqwest {
    /// A GET returning the status code, retried while the server finishes starting.
    pub fn blocking_get(url: &str) -> u16 {
        let runtime = tokio_runtime();
        runtime.block_on(async {
            let client = ::reqwest::Client::new();
            for _ in 0..50 {
                if let Ok(response) = client.get(url).send().await {
                    return response.status().as_u16();
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("{url} never answered")
        })
    }

    fn tokio_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
    }
}

#[test]
fn admin_create_takes_the_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bazaar(dir.path());
    command
        .args(["admin", "create", "--phone", "13800138000"])
        .env("BAZAAR_ADMIN_PASSWORD", "admin-pass-1")
        // The test suites' own variables are not configuration either.
        .env("BAZAAR_TEST_POSTGRES_URL", "postgres://elsewhere/test");
    let created = run(command);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("created administrator +8613800138000"));
    let mut again = bazaar(dir.path());
    again.args(["admin", "create", "--phone", "13800138000"]);
    assert!(
        String::from_utf8_lossy(&run(again).stdout).contains("promoted"),
        "a second run promotes, it does not fail"
    );
    let mut weak = bazaar(dir.path());
    weak.args(["admin", "create", "--phone", "13900139000"]).env("BAZAAR_ADMIN_PASSWORD", "weak");
    assert_one_line_failure(&run(weak), "password");
}

#[test]
fn the_sandbox_refuses_to_start_where_others_can_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    // PostgreSQL is a production backend: the sandbox is refused before anything connects.
    let mut on_postgres = bazaar(dir.path());
    on_postgres.env("BAZAAR_DATABASE_URL", "postgres://postgres:pw@127.0.0.1:1/bazaar");
    assert_one_line_failure(&run(on_postgres), "refusing to start with the sandbox on: the database is PostgreSQL");
    let mut on_all_interfaces = bazaar(dir.path());
    on_all_interfaces.env("BAZAAR_HOST", "0.0.0.0");
    assert_one_line_failure(&run(on_all_interfaces), "refusing to start with the sandbox on: the listen address");
    // Forced, it gets as far as connecting (and fails there, on this unreachable database).
    let mut forced = bazaar(dir.path());
    forced.env("BAZAAR_DATABASE_URL", "postgres://postgres:pw@127.0.0.1:1/bazaar").env("BAZAAR_SANDBOX_FORCE", "true");
    assert_one_line_failure(&run(forced), "cannot connect to postgres");
}

#[test]
fn every_start_with_the_sandbox_on_warns_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bazaar(dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("bazaar starts");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let warned =
        std::thread::spawn(move || stderr.lines().map_while(Result::ok).any(|line| line.contains("the sandbox is on")));
    // The banner means start-up is over; by then the warning was written.
    stdout.lines().map_while(Result::ok).find(|line| line.contains("http://")).expect("the banner");
    let _ = child.kill();
    let _ = child.wait();
    assert!(warned.join().unwrap(), "a start with the sandbox on says so");
}

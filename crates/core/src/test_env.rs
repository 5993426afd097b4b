//! The rule for test backends named by environment variables (`BAZAAR_TEST_POSTGRES_URL`,
//! `BAZAAR_TEST_REDIS_URL`): unset skips that backend on a developer's machine, but in CI (`CI`
//! set) a skipped backend would be a silent pass, so there it is a failure.

pub fn backend_url_from_env(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} must be set when CI is set: a skipped backend is not a pass")
        }
        _ => None,
    }
}

//! Test databases: each test gets its own, so tests run in parallel and never share state.
//! SQLite always; PostgreSQL when `BAZAAR_TEST_POSTGRES_URL` names a server (a fresh database is
//! created on it per test and dropped afterwards).

use crate::{DatabaseUrl, DbConn, DbError};
use bazaar_core::test_env::backend_url_from_env;
use diesel::connection::SimpleConnection;
use rand::Rng;

pub const POSTGRES_ENV: &str = "BAZAAR_TEST_POSTGRES_URL";

pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir, url: DatabaseUrl },
    Postgres { admin_url: String, name: String, url: DatabaseUrl },
}

impl TestDatabase {
    /// A fresh SQLite file in its own temporary directory.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let url = DatabaseUrl::sqlite_file(dir.path().join("bazaar.db"));
        TestDatabase::Sqlite { _dir: dir, url }
    }

    /// A fresh, empty database on the PostgreSQL server `admin_url` points at.
    pub fn postgres(admin_url: &str) -> Result<TestDatabase, DbError> {
        let name = format!("bazaar_t_{:016x}", rand::rng().random::<u64>());
        let mut admin = DbConn::open(&DatabaseUrl::parse(admin_url)?)?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let url = DatabaseUrl::parse(&replace_database_name(admin_url, &name))?;
        Ok(TestDatabase::Postgres { admin_url: admin_url.to_string(), name, url })
    }

    /// SQLite, plus PostgreSQL when the environment names a server.
    pub fn all() -> Vec<TestDatabase> {
        let mut databases = vec![TestDatabase::sqlite()];
        if let Some(url) = backend_url_from_env(POSTGRES_ENV) {
            databases.push(TestDatabase::postgres(&url).expect("create a PostgreSQL test database"));
        }
        databases
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name, .. } = self {
            let dropped = DatabaseUrl::parse(admin_url).and_then(|url| DbConn::open(&url)).and_then(|mut admin| {
                // FORCE: the server under test may still hold pooled connections.
                Ok(admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?)
            });
            if let Err(err) = dropped {
                eprintln!("could not drop test database {name}: {err}");
            }
        }
    }
}

/// `postgres://u@h:5432/test?sslmode=disable` → `postgres://u@h:5432/<name>?sslmode=disable`.
pub fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database_name;

    #[test]
    fn swaps_only_the_database_name() {
        assert_eq!(replace_database_name("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(replace_database_name("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            replace_database_name("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
    }
}

//! Which backend a database URL names. We choose from the scheme ourselves instead of letting the
//! derived `MultiConnection::establish` try each backend, because that throws the real error away.

use crate::DbError;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A parsed database URL: `postgres://…` / `postgresql://…`, or `sqlite://path`, `sqlite:path`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, DbError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let path = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")).ok_or_else(|| {
            DbError::InvalidUrl {
                reason: "expected a URL starting with postgres://, postgresql:// or sqlite://".into(),
            }
        })?;
        if path.is_empty() {
            return Err(DbError::InvalidUrl { reason: "the sqlite URL names no file".into() });
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn sqlite_file(path: impl Into<PathBuf>) -> DatabaseUrl {
        DatabaseUrl::Sqlite(path.into())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, safe for logs and `bazaar config`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact_url_password(url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`; URLs without a password are unchanged.
pub fn redact_url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_from_the_scheme() {
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/bazaar.db").unwrap(),
            DatabaseUrl::Sqlite("data/bazaar.db".into())
        );
        assert_eq!(DatabaseUrl::parse("sqlite:/tmp/x.db").unwrap(), DatabaseUrl::Sqlite("/tmp/x.db".into()));
    }

    #[test]
    fn unknown_schemes_are_refused_with_a_reason() {
        let err = DatabaseUrl::parse("mysql://h/db").unwrap_err();
        assert!(err.to_string().contains("postgres://"), "{err}");
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact_url_password("postgres://app:s3cret@db:5432/bazaar"), "postgres://app:***@db:5432/bazaar");
        assert_eq!(redact_url_password("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redact_url_password("redis://:pw@h:1/0"), "redis://:***@h:1/0");
    }
}

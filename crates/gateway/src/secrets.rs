//! The development JWT secret: generated into the data directory on first run so `cargo run`
//! works with nothing configured, and kept so tokens survive restarts. Production sets its own.

use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const JWT_SECRET_FILE: &str = "jwt-secret";

#[derive(Debug, thiserror::Error)]
#[error("cannot use the JWT secret file {}: {source}", path.display())]
pub struct SecretError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Reads `<data_dir>/jwt-secret`, creating it (owner-only permissions) if missing.
pub fn load_or_generate_jwt_secret(data_dir: &Path) -> Result<String, SecretError> {
    let path = data_dir.join(JWT_SECRET_FILE);
    let fail = |source| SecretError { path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => return Ok(existing.trim().to_string()),
        Ok(_) => {
            tracing::warn!(path = %path.display(), "JWT secret file is too short; generating a new one");
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(fail(err)),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(fail)?;
    file.write_all(secret.as_bytes()).map_err(fail)?;
    tracing::info!(path = %path.display(), "generated a development JWT secret");
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_generate_jwt_secret(dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_generate_jwt_secret(dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(JWT_SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

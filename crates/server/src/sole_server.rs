//! On SQLite one `serve` process per database file: a second one would answer from its own pools
//! beside the first's, which the deployment does not support, so it refuses to start. The claim is
//! an advisory lock on the database file (`flock`, apart from SQLite's own `fcntl` locks), held
//! until the process ends; `seed` and `migrate` do not take it and run beside a server.
use std::fs::{File, TryLockError};

use anyhow::bail;
use companygate_domain::database::sqlite_file;

/// Claims the SQLite file `database_url` names for this process (after the gateway opened it),
/// until the process ends. Other databases need no claim.
pub fn claim(database_url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_file(database_url) else { return Ok(()) };
    let file = File::open(&path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        // Never closed: closing any descriptor of a file drops every POSIX lock this process holds
        // on it, SQLite's included.
        Ok(()) => {
            std::mem::forget(file);
            Ok(())
        }
        Err(TryLockError::WouldBlock) => bail!(
            "another companygate is already serving {}: one serving process per SQLite file is supported \
             (stop it first, or use PostgreSQL for several replicas)",
            path.display()
        ),
        Err(TryLockError::Error(e)) => bail!("cannot lock {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_file("sqlite://companygate.db?mode=rwc"), Some("companygate.db".into()));
        assert_eq!(sqlite_file("sqlite:///tmp/x.db"), Some("/tmp/x.db".into()));
        assert_eq!(sqlite_file("sqlite:x.db"), Some("x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://:memory:?cache=shared"), None);
        assert_eq!(sqlite_file("postgres://postgres@127.0.0.1/postgres"), None);
    }
}

//! Files and directories that only their owner may read: the registry, the
//! consumer's message store, generated and configured secrets.
//!
//! SQLite creates a database with the process's umask (often 0644) and
//! gives its `-wal` and `-shm` files the database's own mode, so creating
//! the database file 0600 before SQLite opens it keeps all three private.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Mode of files that hold data or secrets.
pub const PRIVATE_FILE_MODE: u32 = 0o600;
/// Mode of directories created for them.
pub const PRIVATE_DIR_MODE: u32 = 0o700;

/// Creates `dir` and any missing parents, 0700; existing ones are left as
/// they are (they may be shared on purpose, like a home directory).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_DIR_MODE);
    builder.create(dir)
}

/// Makes sure the file at `path` exists, creating it empty and 0600 (with
/// its directory, 0700) when it does not. An existing file is untouched.
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_FILE_MODE);
    options.open(path).map(drop)
}

/// A secret kept in a file that someone other than its owner can read.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} is readable or writable by group or others (mode {mode:04o}); \
     a secret file must be private: chmod 600 {}",
    path.display(),
    path.display()
)]
pub struct ExposedSecretFile {
    pub path: PathBuf,
    pub mode: u32,
}

/// Refuses a secret file whose mode lets group or others at it.
pub fn check_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(ExposedSecretFile {
                path: path.to_owned(),
                mode,
            }
            .to_string());
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_files_in_private_directories() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/data.db");
        ensure_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }

    #[test]
    fn an_exposed_secret_file_names_itself_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = check_private(&file).unwrap_err();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(check_private(&file).is_ok());
    }
}

//! Files only their user may read: folders made 0700 (and taken back to 0700 when they
//! exist), files created 0600 and exclusively, so nothing follows a link another user
//! planted. On systems without Unix permissions these are plain folders and files.
#![allow(
    clippy::disallowed_methods,
    reason = "the module through which the store makes its private folders and files"
)]

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Makes `dir` (and its missing parents) and leaves it readable by its owner only. Fails when
/// it exists but is not a folder this user owns (another user's folder cannot be changed). A
/// link the user made to a folder of their own (a data folder on another disk) is followed.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::other(format!(
            "{} is not a folder (a file is in its place)",
            dir.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o777 != 0o700 {
            // Only its owner may change it: another user's folder fails here.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Creates `path` for writing, readable by its owner only; fails if anything (a file, a
/// link) is already there.
#[allow(
    clippy::disallowed_methods,
    reason = "the store owns its data directory and makes its private files"
)]
pub fn create_new_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes an existing file readable by its owner only (no-op without Unix permissions).
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn folders_are_made_and_taken_back_to_0700() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_linked_folder_is_followed_and_a_link_in_place_of_a_file_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let link = root.path().join("belfry");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        private_dir(&link).unwrap();
        assert_eq!(mode(&elsewhere), 0o700);
        let file = root.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(private_dir(&file).is_err());

        let target = root.path().join("target.txt");
        std::fs::write(&target, "theirs").unwrap();
        let file_link = root.path().join("m.ics");
        std::os::unix::fs::symlink(&target, &file_link).unwrap();
        assert!(create_new_private(&file_link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
    }

    #[test]
    fn new_files_are_0600() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("f");
        drop(create_new_private(&path).unwrap());
        assert_eq!(mode(&path), 0o600);
    }
}

use std::io::Write;
use std::path::Path;

use crate::{AppError, ErrorCode};

/// Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never a
/// part: a temporary file in the same folder, fsync, rename, fsync of the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let fail = |what: &str, e: std::io::Error| {
        AppError::new(
            ErrorCode::Storage,
            format!("cannot {what} {}: {e}", path.display()),
        )
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        AppError::new(
            ErrorCode::Invalid,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.belfry-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| fail("write", e))?;
        f.write_all(bytes).map_err(|e| fail("write", e))?;
        f.sync_all().map_err(|e| fail("write", e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| fail("write", e))?;
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(&dir) {
            d.sync_all().map_err(|e| fail("write", e))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ics");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_missing_folder_is_an_error_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("m.ics");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert_eq!(err.code, ErrorCode::Storage);
        assert!(!path.exists());
    }
}

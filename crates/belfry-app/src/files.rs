#![allow(
    clippy::disallowed_methods,
    reason = "the module through which belfry-app reads and writes files"
)]

use std::io::{Read, Write};
use std::path::Path;

use crate::{AppError, ErrorCode};

/// Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never a
/// part: a temporary file in the same folder (created exclusively, readable by this user
/// only: it holds meeting details), fsync, rename, fsync of the folder.
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
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.belfry-tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    // Nothing that was already there (a stale file, a planted link) is followed or removed.
    let mut f = belfry_store::private::create_new_private(&tmp).map_err(|e| fail("write", e))?;
    let result = (|| {
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

/// Reads the text of `source` (a file, standard input), refusing it once it passes `limit`
/// bytes: a endless or huge input (`/dev/zero`) is read no further than that. `what` names
/// it in the error.
pub fn read_text_capped(source: impl Read, limit: usize, what: &str) -> Result<String, AppError> {
    let bytes = belfry_http::read_capped(source, limit).map_err(|e| match e {
        belfry_http::BodyError::Read(reason) => {
            AppError::new(ErrorCode::Invalid, format!("cannot read {what}: {reason}"))
        }
        _ => AppError::new(
            ErrorCode::Invalid,
            format!(
                "{what} is larger than the {} KiB Belfry reads",
                limit / 1024
            ),
        ),
    })?;
    String::from_utf8(bytes).map_err(|_| {
        AppError::new(
            ErrorCode::Invalid,
            format!("{what} is not UTF-8 text: save it as UTF-8"),
        )
    })
}

/// [`read_text_capped`] of the file at `path`.
pub fn read_file_capped(path: &Path, limit: usize, what: &str) -> Result<String, AppError> {
    let file = std::fs::File::open(path)
        .map_err(|e| AppError::new(ErrorCode::Invalid, format!("cannot read {what}: {e}")))?;
    read_text_capped(file, limit, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_input_is_read_only_to_its_limit() {
        let err = read_text_capped(std::io::repeat(b'x'), 1024, "--from-csv x").unwrap_err();
        assert!(
            err.message.contains("larger than the 1 KiB"),
            "{}",
            err.message
        );
        assert_eq!(read_text_capped(&b"ok"[..], 1024, "x").unwrap(), "ok");
        let err = read_text_capped(&[0xff, 0xfe][..], 1024, "the file").unwrap_err();
        assert!(err.message.contains("not UTF-8"), "{}", err.message);
    }

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

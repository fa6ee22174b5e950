//! write: bytes -> a file, atomically. The bytes go to a temporary file in the target's own
//! folder, are flushed to disk, and then renamed over the target, so a reader (or a failed or
//! interrupted build) never sees a half-written PDF, and the last good one stays until then.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kan {} niet schrijven: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The temporary name used next to `target` while writing it.
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kaart.pdf".into());
    target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(target, |f| f.write_all(bytes))
}

/// Like `write_atomic`, with the bytes written by `fill` as they are made (through a buffer), so
/// a large PDF is never held in memory whole.
pub fn write_atomic_with(
    target: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&mut fs::File>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let err = |source| WriteError { path: target.to_path_buf(), source };
    if target.is_dir() {
        return Err(err(std::io::Error::other("dit is een map")));
    }
    let tmp = temp_path(target);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
        fill(&mut w)?;
        w.flush()?;
        drop(w);
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("kaart-write-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("k.pdf");
        fs::write(&target, b"old").unwrap();
        write_atomic(&target, b"new bytes").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new bytes");
        assert!(!temp_path(&target).exists());
        // A target that is a folder fails and leaves nothing behind.
        let sub = dir.join("sub.pdf");
        fs::create_dir_all(&sub).unwrap();
        assert!(write_atomic(&sub, b"x").is_err());
        assert!(!temp_path(&sub).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}

//! The account's downloaded files (`files/`, one folder per attachment): kept so that pictures
//! and files open again offline, within a size cap, the least recently opened going first.
//! Opening a kept file marks it used (its modification time); a file being written (`.part`)
//! is never counted or removed.

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use serde::Serialize;

use crate::{engine::Engine, error::ClientResult};

/// What the downloaded files take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DownloadsUsage {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
}

struct Kept {
    path: PathBuf,
    size: u64,
    used: SystemTime,
}

/// Every kept download under `dir`, least recently used first.
fn kept(dir: &Path) -> std::io::Result<Vec<Kept>> {
    let mut out = Vec::new();
    let folders = match std::fs::read_dir(dir) {
        Ok(folders) => folders,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for folder in folders {
        let folder = folder?.path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder)? {
            let file = file?;
            let meta = file.metadata()?;
            let name = file.file_name();
            if !meta.is_file() || name.to_string_lossy().ends_with(".part") {
                continue;
            }
            out.push(Kept {
                path: file.path(),
                size: meta.len(),
                used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
    }
    out.sort_by_key(|k| k.used);
    Ok(out)
}

fn usage(files: &[Kept]) -> DownloadsUsage {
    DownloadsUsage {
        bytes: files.iter().map(|k| k.size).sum(),
        files: files.len() as u64,
    }
}

/// Removes the least recently used files until the rest fit in `cap` bytes; returns what is
/// left.
fn trim(dir: &Path, cap: u64) -> std::io::Result<DownloadsUsage> {
    let mut files = kept(dir)?;
    let mut total: u64 = files.iter().map(|k| k.size).sum();
    let mut removed = 0;
    for k in &files {
        if total <= cap {
            break;
        }
        match std::fs::remove_file(&k.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(folder) = k.path.parent() {
            let _ = std::fs::remove_dir(folder); // only when empty
        }
        total -= k.size;
        removed += 1;
    }
    files.drain(..removed);
    Ok(usage(&files))
}

impl Engine {
    fn downloads_dir(&self) -> PathBuf {
        self.inner.dir.join("files")
    }

    /// What the downloaded files take now.
    pub async fn downloads_usage(&self) -> ClientResult<DownloadsUsage> {
        let dir = self.downloads_dir();
        Ok(tokio::task::spawn_blocking(move || kept(&dir).map(|k| usage(&k))).await??)
    }

    /// Removes the least recently opened downloads until the rest fit in `cap` bytes (0:
    /// all of them); returns what is left. They download again when opened online.
    pub async fn trim_downloads(&self, cap: u64) -> ClientResult<DownloadsUsage> {
        let dir = self.downloads_dir();
        Ok(tokio::task::spawn_blocking(move || trim(&dir, cap)).await??)
    }
}

/// Marks a kept download as just used (least recently used goes first).
pub(crate) fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn write(dir: &Path, id: &str, name: &str, size: usize, age_secs: u64) -> PathBuf {
        let folder = dir.join(id);
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(name);
        std::fs::write(&path, vec![7u8; size]).unwrap();
        let file = std::fs::File::options().append(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
            .unwrap();
        path
    }

    #[test]
    fn the_least_recently_used_go_first_until_the_rest_fit() {
        let dir = tempfile::tempdir().unwrap();
        let old = write(dir.path(), "a1", "old.bin", 400, 300);
        let mid = write(dir.path(), "a2", "mid.bin", 400, 200);
        let new = write(dir.path(), "a3", "new.bin", 400, 100);
        std::fs::write(dir.path().join("a3").join(".x.part"), vec![0u8; 5000]).unwrap();
        assert_eq!(
            usage(&kept(dir.path()).unwrap()),
            DownloadsUsage {
                bytes: 1200,
                files: 3
            },
            "a file being written doesn't count"
        );

        touch(&old); // opened again: now the most recently used
        let left = trim(dir.path(), 900).unwrap();
        assert_eq!(
            left,
            DownloadsUsage {
                bytes: 800,
                files: 2
            }
        );
        assert!(!mid.exists(), "the least recently used is gone");
        assert!(!dir.path().join("a2").exists(), "with its empty folder");
        assert!(old.exists() && new.exists());
        assert!(
            dir.path().join("a3").join(".x.part").exists(),
            "never a file being written"
        );

        assert_eq!(trim(dir.path(), 0).unwrap(), DownloadsUsage::default());
        assert!(!old.exists() && !new.exists());
    }

    #[test]
    fn no_folder_means_nothing_kept() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("files");
        assert_eq!(trim(&missing, 0).unwrap(), DownloadsUsage::default());
    }
}

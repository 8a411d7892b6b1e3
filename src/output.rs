//! The output folder: the one place a command writes, and how it writes there.
//!
//! Every command that writes opens an [`OutputDir`] before it does any work,
//! so a bad path fails in the first second. Opening it
//!
//! - creates the folder if needed (its parents too) and refuses a path that
//!   exists and is not a folder;
//! - takes an exclusive lock on the folder (`flock` on the folder itself, so
//!   no lock file can be planted): a second labelsim writing to the same
//!   folder is refused instead of interleaving rows with the first;
//! - creates a fresh staging folder inside it, `.labelsim-staging-<pid>-<n>`,
//!   with `mkdir` (never reusing one that exists).
//!
//! Outputs are put in the staging folder, then [`OutputDir::commit`] renames
//! each into place. `rename` replaces a directory entry; it never follows a
//! symbolic link planted under an output's name, so the link's target is
//! never written. Files are created with `O_EXCL` (`create_new`), which
//! refuses to open through a link. If the command fails or is interrupted,
//! dropping the `OutputDir` removes the staging folder, which this process
//! made, and nothing of the new outputs appears.
//!
//! A process killed with SIGKILL cannot clean up: its staging folder stays.
//! The next command that locks the folder removes such leftovers (the lock
//! proves that no other labelsim is writing there) and says so.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const STAGING_PREFIX: &str = ".labelsim-staging-";

/// Why an output folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: exists and is not a folder")]
    NotADir { path: PathBuf },
    #[error("cannot create the output folder {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "{path} is in use by another labelsim process (another shard or a resumed sweep writing the same folder?); \
         wait for it to finish or choose another output folder"
    )]
    Locked { path: PathBuf },
    #[error("cannot lock the output folder {path}: {source}")]
    Lock { path: PathBuf, source: io::Error },
    #[error("cannot write {name} in {dir}: {source}")]
    Write {
        dir: PathBuf,
        name: String,
        source: io::Error,
    },
    #[error("`{name}` is not a plain file name")]
    BadName { name: String },
}

/// An output folder, locked for this process, with a staging area.
#[derive(Debug)]
pub struct OutputDir {
    root: PathBuf,
    staging: PathBuf,
    /// Names put in staging, in the order they were put.
    staged: Vec<String>,
    /// Stale staging folders removed when the lock was taken.
    cleaned: Vec<PathBuf>,
    committed: bool,
    /// Held for the life of this value; the lock goes with the descriptor.
    _lock: File,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name unique within this process and across processes (pid).
fn unique_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn check_name(name: &str) -> Result<(), OutputError> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with(STAGING_PREFIX);
    if plain {
        Ok(())
    } else {
        Err(OutputError::BadName {
            name: name.to_string(),
        })
    }
}

/// Creates `path` and writes `bytes`, refusing to open anything that exists
/// (a planted link included).
fn create_new_with(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl OutputDir {
    /// Creates (if needed), locks and stages `root`. Fails fast: call it
    /// before the work.
    pub fn open(root: &Path) -> Result<Self, OutputError> {
        match std::fs::metadata(root) {
            Ok(m) if !m.is_dir() => {
                return Err(OutputError::NotADir {
                    path: root.to_path_buf(),
                })
            }
            Ok(_) => {}
            Err(_) => std::fs::create_dir_all(root).map_err(|source| OutputError::Create {
                path: root.to_path_buf(),
                source,
            })?,
        }
        let lock = File::open(root).map_err(|source| OutputError::Lock {
            path: root.to_path_buf(),
            source,
        })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OutputError::Locked {
                    path: root.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(OutputError::Lock {
                    path: root.to_path_buf(),
                    source,
                })
            }
        }
        // Holding the lock, no other labelsim writes here: staging folders
        // left are from processes that were killed.
        let mut cleaned = Vec::new();
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let name = e.file_name();
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir()); // not a link
                if is_dir && name.to_string_lossy().starts_with(STAGING_PREFIX) {
                    let p = e.path();
                    if std::fs::remove_dir_all(&p).is_ok() {
                        cleaned.push(p);
                    }
                }
            }
        }
        let staging = loop {
            let p = root.join(format!("{STAGING_PREFIX}{}", unique_suffix()));
            match std::fs::create_dir(&p) {
                Ok(()) => break p,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(OutputError::Create {
                        path: root.to_path_buf(),
                        source,
                    })
                }
            }
        };
        Ok(OutputDir {
            root: root.to_path_buf(),
            staging,
            staged: Vec::new(),
            cleaned,
            committed: false,
            _lock: lock,
        })
    }

    /// The folder outputs end up in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Staging folders of killed processes removed when this one was opened.
    pub fn cleaned(&self) -> &[PathBuf] {
        &self.cleaned
    }

    /// The staging folder, for writers that put several files by path
    /// (chart back-ends); register each with [`OutputDir::staged_by_path`].
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Where a file named `name` is staged: for writers that need a path
    /// (chart back-ends). Register it with [`OutputDir::staged_by_path`].
    pub fn staging_path(&self, name: &str) -> Result<PathBuf, OutputError> {
        check_name(name)?;
        Ok(self.staging.join(name))
    }

    /// Records that `name` was written at [`OutputDir::staging_path`] by
    /// another writer; it is committed with the rest if it exists.
    pub fn staged_by_path(&mut self, name: &str) -> Result<(), OutputError> {
        check_name(name)?;
        if !self.staged.iter().any(|n| n == name) {
            self.staged.push(name.to_string());
        }
        Ok(())
    }

    /// Stages `bytes` as `name`.
    pub fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        check_name(name)?;
        let path = self.staging.join(name);
        if self.staged.iter().any(|n| n == name) {
            let _ = std::fs::remove_file(&path);
        }
        create_new_with(&path, bytes).map_err(|source| self.write_error(name, source))?;
        self.staged_by_path(name)
    }

    /// Writes `name` straight into the folder, atomically (a new temporary
    /// file renamed over it), for checkpoints that must survive a kill
    /// (a sweep's finished runs).
    pub fn write_now(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        check_name(name)?;
        let tmp = self
            .staging
            .join(format!(".{name}.checkpoint-{}", unique_suffix()));
        create_new_with(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, self.root.join(name)))
            .map_err(|source| {
                let _ = std::fs::remove_file(&tmp);
                self.write_error(name, source)
            })
    }

    /// Removes earlier outputs named `names` from the folder (a link is
    /// removed, never its target). Missing names are not an error.
    pub fn remove(&self, names: &[String]) -> Result<(), OutputError> {
        for name in names {
            check_name(name)?;
            match std::fs::remove_file(self.root.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(self.write_error(name, source)),
            }
        }
        Ok(())
    }

    /// Names in the folder (files or links, not folders) that `keep` selects.
    pub fn existing(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| keep(n))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Moves every staged file into place and removes the staging folder.
    /// Returns the names committed, in the order they were staged.
    pub fn commit(mut self) -> Result<Vec<String>, OutputError> {
        let staged = std::mem::take(&mut self.staged);
        let mut done = Vec::new();
        for name in staged {
            let from = self.staging.join(&name);
            if std::fs::symlink_metadata(&from).is_err() {
                continue; // a chart that was not drawn
            }
            std::fs::rename(&from, self.root.join(&name))
                .map_err(|source| self.write_error(&name, source))?;
            done.push(name);
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(done)
    }

    fn write_error(&self, name: &str, source: io::Error) -> OutputError {
        OutputError::Write {
            dir: self.root.clone(),
            name: name.to_string(),
            source,
        }
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_opener_of_a_folder_is_refused_until_the_first_is_done() {
        let tmp = tempfile::tempdir().unwrap();
        let first = OutputDir::open(tmp.path()).unwrap();
        let second = OutputDir::open(tmp.path());
        assert!(
            matches!(second, Err(OutputError::Locked { .. })),
            "{second:?}"
        );
        drop(first);
        assert!(OutputDir::open(tmp.path()).is_ok());
    }

    #[test]
    fn nothing_appears_until_commit_and_nothing_remains_after_a_drop() {
        let tmp = tempfile::tempdir().unwrap();
        {
            let mut out = OutputDir::open(tmp.path()).unwrap();
            out.put("a.csv", b"x").unwrap();
            assert!(!tmp.path().join("a.csv").exists());
        }
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        let mut out = OutputDir::open(tmp.path()).unwrap();
        out.put("a.csv", b"x").unwrap();
        assert_eq!(out.commit().unwrap(), vec!["a.csv".to_string()]);
        assert_eq!(std::fs::read(tmp.path().join("a.csv")).unwrap(), b"x");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_replaced_and_its_target_is_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let out_dir = tmp.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        std::os::unix::fs::symlink(&victim, out_dir.join("a.png")).unwrap();
        std::os::unix::fs::symlink(&victim, out_dir.join("b.csv")).unwrap();
        let mut out = OutputDir::open(&out_dir).unwrap();
        out.put("a.png", b"png").unwrap();
        out.write_now("b.csv", b"csv").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(out_dir.join("a.png"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(out_dir.join("a.png")).unwrap(), b"png");
        assert_eq!(std::fs::read(out_dir.join("b.csv")).unwrap(), b"csv");
    }

    #[test]
    fn staging_is_never_a_folder_that_was_already_there() {
        let tmp = tempfile::tempdir().unwrap();
        // Someone else's folder, named like the old staging scheme.
        let theirs = tmp.path().join(format!(".staging-{}", std::process::id()));
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("keep"), b"1").unwrap();
        let mut out = OutputDir::open(tmp.path()).unwrap();
        out.put("x", b"1").unwrap();
        out.commit().unwrap();
        assert!(theirs.join("keep").exists());
    }

    #[test]
    fn leftovers_of_a_killed_process_are_removed_under_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = tmp.path().join(format!("{STAGING_PREFIX}999999-0"));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("timeseries.csv"), b"big").unwrap();
        let out = OutputDir::open(tmp.path()).unwrap();
        assert_eq!(out.cleaned(), std::slice::from_ref(&stale));
        assert!(!stale.exists());
    }

    #[test]
    fn names_with_separators_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut out = OutputDir::open(tmp.path()).unwrap();
        for bad in ["../x", "a/b", "", "..", ".labelsim-staging-1"] {
            assert!(out.put(bad, b"").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("file");
        std::fs::write(&f, b"").unwrap();
        assert!(matches!(
            OutputDir::open(&f),
            Err(OutputError::NotADir { .. })
        ));
    }
}

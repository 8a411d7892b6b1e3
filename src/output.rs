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
//!   with `mkdir` (never reusing one that exists), and puts in it a marker,
//!   `.labelsim-owner`, naming this process (its pid and start time);
//! - reads the folder's manifest, `.labelsim-manifest.json`: the names of
//!   the outputs labelsim wrote there.
//!
//! Outputs are put in the staging folder, then [`OutputDir::commit`] renames
//! each into place, removes the earlier outputs the command asked to remove
//! and rewrites the manifest. Until then nothing in the folder changes: a
//! command that fails, is stopped by `--max-events` or `--max-memory`, or is
//! interrupted leaves the folder as it found it. `rename` replaces a
//! directory entry; it never follows a symbolic link planted under an
//! output's name, so the link's target is never written. Files are created
//! with `O_EXCL` (`create_new`), which refuses to open through a link.
//! Dropping an uncommitted `OutputDir` removes its staging folder.
//!
//! labelsim removes only what it recorded as its own: an earlier output
//! listed in the manifest (never a user's file beside it, even one named
//! like an output, e.g. `sweep_mine.png`), and a staging folder that holds
//! labelsim's marker and whose process is dead (pid gone, or reused by a
//! process that started at another time). A process killed with SIGKILL
//! cannot clean up; the next command that locks the folder reclaims its
//! staging folder and says so. A folder named like a staging folder
//! without the marker, or whose process is alive, is left alone. Where the
//! start time of a process cannot be read (no `/proc`), no staging folder
//! is reclaimed.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const STAGING_PREFIX: &str = ".labelsim-staging-";
/// The marker in a staging folder: who made it.
const OWNER_FILE: &str = ".labelsim-owner";
/// The first line of a marker.
const OWNER_MAGIC: &str = "labelsim staging folder";
/// The list of outputs labelsim wrote in a folder.
pub const MANIFEST_FILE: &str = ".labelsim-manifest.json";
/// Largest manifest or marker read [bytes]; a bigger one is not labelsim's.
const MAX_BOOKKEEPING_BYTES: u64 = 1 << 20;

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
    /// Earlier outputs to remove at commit (each listed in the manifest).
    to_remove: BTreeSet<String>,
    /// The manifest: outputs labelsim wrote in this folder.
    owned: BTreeSet<String>,
    /// Stale staging folders removed when the lock was taken.
    cleaned: Vec<PathBuf>,
    committed: bool,
    /// The folders [`OutputDir::open`] created (the root first, then each
    /// missing parent): removed again, when empty, if nothing is
    /// committed, so a stopped or failed command leaves no trace.
    created: Vec<PathBuf>,
    /// Held for the life of this value; the lock goes with the descriptor.
    _lock: File,
}

/// Creates `root` and any missing parent, one level at a time, and
/// returns the folders this call created, innermost first: only those
/// whose `create_dir` succeeded, so a folder that existed (or that another
/// process made meanwhile) is never among them, whatever `..` or links the
/// path holds. On an error the ones created are removed again.
fn create_dirs(root: &Path) -> io::Result<Vec<PathBuf>> {
    let levels: Vec<&Path> = root
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    let mut created = Vec::new();
    for dir in levels.into_iter().rev() {
        match std::fs::create_dir(dir) {
            Ok(()) => created.push(dir.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => {
                for d in created.iter().rev() {
                    let _ = std::fs::remove_dir(d);
                }
                return Err(e);
            }
        }
    }
    created.reverse();
    Ok(created)
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
        && !name.starts_with(STAGING_PREFIX)
        && name != MANIFEST_FILE;
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

/// The text of a small regular file at `path`; None for a link, a folder,
/// a device, a file over [`MAX_BOOKKEEPING_BYTES`] or one that cannot be
/// read.
fn read_small_regular(path: &Path) -> Option<String> {
    let m = std::fs::symlink_metadata(path).ok()?;
    if !m.file_type().is_file() || m.len() > MAX_BOOKKEEPING_BYTES {
        return None;
    }
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(MAX_BOOKKEEPING_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// A process as a marker names it: its pid and its start time (clock ticks
/// after boot, field 22 of `/proc/PID/stat`), which tells a reused pid
/// apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner {
    pid: u32,
    start: u64,
}

/// The start time of process `pid`, from `/proc`; None if there is no
/// such process (or no `/proc`).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: count the fields
    // after the last `)`; the state is field 3, the start time field 22.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

impl Owner {
    fn this_process() -> Option<Owner> {
        let pid = std::process::id();
        start_time(pid).map(|start| Owner { pid, start })
    }

    fn marker_text(owner: Option<Owner>) -> String {
        match owner {
            Some(o) => format!("{OWNER_MAGIC}\npid {}\nstart {}\n", o.pid, o.start),
            None => format!("{OWNER_MAGIC}\npid {}\n", std::process::id()),
        }
    }

    /// The owner a marker names; None if it is not labelsim's marker or
    /// does not say when its process started.
    fn parse(text: &str) -> Option<Owner> {
        let mut lines = text.lines();
        if lines.next()? != OWNER_MAGIC {
            return None;
        }
        let field = |l: Option<&str>, key: &str| -> Option<u64> {
            l?.strip_prefix(key)?.strip_prefix(' ')?.parse().ok()
        };
        let pid = u32::try_from(field(lines.next(), "pid")?).ok()?;
        let start = field(lines.next(), "start")?;
        Some(Owner { pid, start })
    }

    /// Whether this process has certainly ended: `/proc` is readable (this
    /// process's own entry is there) and no process with its pid and start
    /// time exists.
    fn is_dead(self) -> bool {
        if Owner::this_process().is_none() {
            return false; // no /proc: cannot tell, keep it
        }
        start_time(self.pid) != Some(self.start)
    }
}

/// Reclaims `dir` if it is a staging folder (a real folder, not a link)
/// holding labelsim's marker of a dead process.
fn reclaimable(dir: &Path) -> bool {
    let is_dir = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_dir());
    is_dir
        && read_small_regular(&dir.join(OWNER_FILE))
            .and_then(|t| Owner::parse(&t))
            .is_some_and(Owner::is_dead)
}

/// The names a manifest lists (plain names only; anything else in it is
/// ignored, and an unreadable manifest lists nothing).
fn read_manifest(root: &Path) -> BTreeSet<String> {
    let Some(text) = read_small_regular(&root.join(MANIFEST_FILE)) else {
        return BTreeSet::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return BTreeSet::new();
    };
    v["outputs"]
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str())
                .filter(|n| check_name(n).is_ok())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn manifest_bytes(owned: &BTreeSet<String>) -> Vec<u8> {
    let v = serde_json::json!({
        "about": "the files labelsim wrote in this folder; it replaces or removes only these",
        "outputs": owned,
    });
    let mut b = serde_json::to_vec_pretty(&v).expect("JSON");
    b.push(b'\n');
    b
}

impl OutputDir {
    /// Creates (if needed), locks and stages `root`. Fails fast: call it
    /// before the work.
    pub fn open(root: &Path) -> Result<Self, OutputError> {
        let mut created: Vec<PathBuf> = Vec::new();
        match std::fs::metadata(root) {
            Ok(m) if !m.is_dir() => {
                return Err(OutputError::NotADir {
                    path: root.to_path_buf(),
                })
            }
            Ok(_) => {}
            Err(_) => {
                created = create_dirs(root).map_err(|source| OutputError::Create {
                    path: root.to_path_buf(),
                    source,
                })?
            }
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
        // Staging folders of labelsim processes that died (killed before
        // they could clean up); anyone else's folder is left alone.
        let mut cleaned = Vec::new();
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let p = e.path();
                if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX)
                    && reclaimable(&p)
                    && std::fs::remove_dir_all(&p).is_ok()
                {
                    cleaned.push(p);
                }
            }
        }
        cleaned.sort();
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
        let marker = Owner::marker_text(Owner::this_process());
        if let Err(source) = create_new_with(&staging.join(OWNER_FILE), marker.as_bytes()) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(OutputError::Write {
                dir: root.to_path_buf(),
                name: OWNER_FILE.to_string(),
                source,
            });
        }
        Ok(OutputDir {
            root: root.to_path_buf(),
            staging,
            staged: Vec::new(),
            to_remove: BTreeSet::new(),
            owned: read_manifest(root),
            cleaned,
            committed: false,
            created,
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
    /// file renamed over it), and records it in the manifest at once: for
    /// checkpoints that must survive a kill (a sweep's finished runs).
    pub fn write_now(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        check_name(name)?;
        self.replace_in_place(name, bytes)?;
        if self.owned.insert(name.to_string()) {
            self.save_manifest()?;
        }
        Ok(())
    }

    /// Writes `bytes` as `name` in the folder: a new file in staging,
    /// renamed over whatever had the name.
    fn replace_in_place(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
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

    fn save_manifest(&self) -> Result<(), OutputError> {
        self.replace_in_place(MANIFEST_FILE, &manifest_bytes(&self.owned))
    }

    /// Asks that the earlier outputs `names` be removed from the folder when
    /// this command commits, unless it writes them again. Only names the
    /// manifest lists (outputs labelsim wrote) are removed, and a link is
    /// removed, never its target; other names are ignored.
    pub fn remove(&mut self, names: &[String]) -> Result<(), OutputError> {
        for name in names {
            check_name(name)?;
            if self.owned.contains(name) {
                self.to_remove.insert(name.clone());
            }
        }
        Ok(())
    }

    /// Earlier outputs of labelsim in the folder (listed in the manifest and
    /// still there, as files or links) that `keep` selects.
    pub fn owned(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        self.owned
            .iter()
            .filter(|n| keep(n))
            .filter(|n| {
                std::fs::symlink_metadata(self.root.join(n.as_str()))
                    .is_ok_and(|m| !m.file_type().is_dir())
            })
            .cloned()
            .collect()
    }

    /// Moves every staged file into place, removes the outputs asked for by
    /// [`OutputDir::remove`], records what the folder now holds of
    /// labelsim's in the manifest and removes the staging folder. Returns
    /// the names committed, in the order they were staged.
    pub fn commit(mut self) -> Result<Vec<String>, OutputError> {
        let staged = std::mem::take(&mut self.staged);
        // Nothing moves unless everything can: a name taken by a folder
        // (which a rename cannot replace) is refused before the first file
        // goes into place, so a failed commit leaves the folder as it was.
        for name in staged.iter().map(String::as_str).chain([MANIFEST_FILE]) {
            if std::fs::symlink_metadata(self.root.join(name)).is_ok_and(|m| m.is_dir()) {
                return Err(self.write_error(
                    name,
                    io::Error::new(
                        io::ErrorKind::IsADirectory,
                        "a folder of that name is in the way",
                    ),
                ));
            }
        }
        let mut done = Vec::new();
        for name in staged {
            let from = self.staging.join(&name);
            if std::fs::symlink_metadata(&from).is_err() {
                continue; // a chart that was not drawn
            }
            std::fs::rename(&from, self.root.join(&name))
                .map_err(|source| self.write_error(&name, source))?;
            self.owned.insert(name.clone());
            done.push(name);
        }
        let to_remove = std::mem::take(&mut self.to_remove);
        for name in to_remove.iter().filter(|n| !done.contains(n)) {
            match std::fs::remove_file(self.root.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(self.write_error(name, source)),
            }
            self.owned.remove(name);
        }
        if !done.is_empty() || !to_remove.is_empty() {
            self.save_manifest()?;
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
            // Only empty folders go (`remove_dir`), innermost first, and
            // only those this value created.
            for dir in &self.created {
                if std::fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder where an output goes (which a rename cannot replace)
    /// fails the commit before any file moves: nothing of the run is left.
    #[test]
    fn a_commit_blocked_by_a_folder_moves_nothing() {
        for blocker in ["b.csv", MANIFEST_FILE] {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::create_dir(tmp.path().join(blocker)).unwrap();
            let mut out = OutputDir::open(tmp.path()).unwrap();
            out.put("a.csv", b"a").unwrap();
            out.put("b.csv", b"b").unwrap();
            out.put("c.csv", b"c").unwrap();
            let e = out.commit().expect_err(blocker).to_string();
            assert!(e.contains(blocker), "{e}");
            let mut left: Vec<String> = std::fs::read_dir(tmp.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            assert_eq!(left, [blocker], "{blocker}");
        }
    }

    #[test]
    fn an_uncommitted_output_removes_the_folders_it_created_and_no_others() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("a/b/out");
        drop(OutputDir::open(&root).unwrap());
        assert!(
            !tmp.path().join("a").exists(),
            "a, a/b and a/b/out were new"
        );
        // A folder that was there stays, with what it held.
        let kept = tmp.path().join("kept");
        std::fs::create_dir(&kept).unwrap();
        std::fs::write(kept.join("mine.txt"), "x").unwrap();
        drop(OutputDir::open(&kept.join("out")).unwrap());
        assert!(!kept.join("out").exists());
        assert!(kept.join("mine.txt").exists());
        drop(OutputDir::open(&kept).unwrap());
        assert!(kept.join("mine.txt").exists());
        // `..` in the path: `new` is created (and removed), the empty
        // folder that was there stays.
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        drop(OutputDir::open(&tmp.path().join("new/../empty/out")).unwrap());
        assert!(empty.is_dir(), "an existing folder is never removed");
        assert!(!empty.join("out").exists());
        assert!(!tmp.path().join("new").exists());
    }

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
        let mut left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [MANIFEST_FILE, "a.csv"]);
        assert_eq!(read_manifest(tmp.path()), BTreeSet::from(["a.csv".into()]));
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

    /// A staging folder as a process `owner` would have left it.
    fn staging_of(root: &Path, name: &str, marker: Option<String>) -> PathBuf {
        let p = root.join(format!("{STAGING_PREFIX}{name}"));
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("timeseries.csv"), b"big").unwrap();
        if let Some(m) = marker {
            std::fs::write(p.join(OWNER_FILE), m).unwrap();
        }
        p
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_a_killed_process_are_removed_under_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let me = Owner::this_process().unwrap();
        // This pid, started at another time: a dead process whose pid was
        // reused.
        let dead = Owner {
            start: me.start + 1,
            ..me
        };
        let stale = staging_of(tmp.path(), "1-0", Some(Owner::marker_text(Some(dead))));
        let out = OutputDir::open(tmp.path()).unwrap();
        assert_eq!(out.cleaned(), std::slice::from_ref(&stale));
        assert!(!stale.exists());
    }

    /// Issue 18, item 12: a folder named like a staging folder is removed
    /// only if it holds labelsim's marker of a dead process.
    #[cfg(unix)]
    #[test]
    fn only_labelsims_staging_of_a_dead_process_is_reclaimed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let users = staging_of(root, "x", None);
        let forged = staging_of(root, "forged", Some("pid 1\nstart 1\n".into()));
        let live = staging_of(
            root,
            "live",
            Some(Owner::marker_text(Owner::this_process())),
        );
        // A link named like a staging folder, to a folder with a dead
        // marker: neither followed nor removed.
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(
            elsewhere.join(OWNER_FILE),
            format!("{OWNER_MAGIC}\npid 4294967295\nstart 1\n"),
        )
        .unwrap();
        let link = root.join(format!("{STAGING_PREFIX}link"));
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let out = OutputDir::open(root).unwrap();
        assert!(out.cleaned().is_empty(), "{:?}", out.cleaned());
        for p in [&users, &forged, &live] {
            assert!(p.join("timeseries.csv").exists(), "{}", p.display());
        }
        assert!(elsewhere.join(OWNER_FILE).exists());
        assert!(std::fs::symlink_metadata(&link).is_ok());
    }

    #[test]
    fn a_marker_names_its_process_and_anything_else_is_not_a_marker() {
        let o = Owner { pid: 42, start: 7 };
        assert_eq!(Owner::parse(&Owner::marker_text(Some(o))), Some(o));
        for bad in [
            "",
            "pid 42\nstart 7\n",
            "labelsim staging folder\npid 42\n",
            "labelsim staging folder\npid -1\nstart 7\n",
            "labelsim staging folder\npid 4294967296\nstart 7\n",
            "labelsim staging folder\nstart 7\npid 42\n",
        ] {
            assert_eq!(Owner::parse(bad), None, "{bad:?}");
        }
    }

    /// Issue 18, item 12: `remove` takes away only outputs the manifest
    /// lists, and only when the command commits.
    #[test]
    fn only_outputs_labelsim_recorded_are_removed_and_only_at_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut out = OutputDir::open(root).unwrap();
        out.put("sweep_a.png", b"ours").unwrap();
        out.commit().unwrap();
        std::fs::write(root.join("sweep_mine.png"), b"user's").unwrap();

        let mut out = OutputDir::open(root).unwrap();
        let old = out.owned(|n| n.starts_with("sweep_"));
        assert_eq!(old, ["sweep_a.png"]);
        out.remove(&["sweep_a.png".into(), "sweep_mine.png".into()])
            .unwrap();
        drop(out); // not committed: nothing removed
        assert!(root.join("sweep_a.png").exists());

        let mut out = OutputDir::open(root).unwrap();
        out.remove(&["sweep_a.png".into(), "sweep_mine.png".into()])
            .unwrap();
        out.put("sweep_b.png", b"ours").unwrap();
        out.commit().unwrap();
        assert!(!root.join("sweep_a.png").exists());
        assert_eq!(
            std::fs::read(root.join("sweep_mine.png")).unwrap(),
            b"user's"
        );
        assert_eq!(read_manifest(root), BTreeSet::from(["sweep_b.png".into()]));
    }

    #[test]
    fn a_checkpoint_is_recorded_at_once_and_a_bad_manifest_lists_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut out = OutputDir::open(root).unwrap();
        out.write_now("sweep.csv", b"h\n").unwrap();
        assert_eq!(read_manifest(root), BTreeSet::from(["sweep.csv".into()]));
        drop(out);
        for bad in [
            "not json",
            "{\"outputs\": [\"../x\", \".labelsim-staging-1\", 3]}",
        ] {
            std::fs::write(root.join(MANIFEST_FILE), bad).unwrap();
            assert!(read_manifest(root).is_empty(), "{bad}");
        }
        assert!(OutputDir::open(root).unwrap().owned(|_| true).is_empty());
    }

    #[test]
    fn names_with_separators_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut out = OutputDir::open(tmp.path()).unwrap();
        for bad in [
            "../x",
            "a/b",
            "",
            "..",
            ".labelsim-staging-1",
            MANIFEST_FILE,
        ] {
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

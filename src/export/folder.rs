//! A results folder replaced as a whole: a run's outputs appear all at once or not at all.
//!
//! [`OutputFolder::create`] makes a hidden staging folder beside the destination
//! (`.thematic-out-…`, on the same file system) where every output is written; only
//! [`OutputFolder::commit`] puts it in place, by one atomic exchange of the two folders on Linux
//! (`renameat2(RENAME_EXCHANGE)`), so that a reader, a `kill -9` or a full disk sees either all
//! the old outputs or all the new ones, never a mix. A staging folder whose run died (its lock
//! is free) is removed by the next run that writes beside it.
//!
//! The destination is thematic's own: it carries a marker ([`OUTPUT_MARKER`]) listing the files
//! a run wrote, and a folder holding anything else is refused rather than replaced, so that no
//! file of the user's is ever deleted with old results. The corpus walk never enters a marked
//! folder (see [`crate::corpus::CorpusReaderBuilder`]).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::io::Write;
//! use thematic::export::OutputFolder;
//!
//! let dir = tempfile::tempdir()?;
//! let results = dir.path().join("results");
//! let staged = OutputFolder::create(&results)?;
//! let table = staged.path().join("table.csv");
//! std::fs::File::create(&table)?.write_all(b"code,passages\n")?;
//! staged.commit(&[table])?;
//! assert!(results.join("table.csv").is_file());
//! # Ok(()) }
//! ```

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::corpus::OUTPUT_MARKER;
use crate::error::{Error, Result};

/// The name prefix of staging folders (and of the old folder on its way out).
const STAGING_PREFIX: &str = ".thematic-out-";
/// The lock file inside a staging folder, held for as long as its run writes.
const LOCK_FILE: &str = ".lock";

/// A results folder being written: outputs go into [`OutputFolder::path`], a hidden staging
/// folder beside the destination, and [`OutputFolder::commit`] swaps it in as a whole. Dropped
/// without a commit, the staging folder is removed and the destination is untouched.
#[derive(Debug)]
pub struct OutputFolder {
    target: PathBuf,
    staging: PathBuf,
    /// Held (locked) while the run lives: a staging folder whose lock can be taken belongs to a
    /// dead run.
    _lock: File,
    committed: bool,
}

impl OutputFolder {
    /// Starts writing the results folder `target`: checks that it may be replaced, removes the
    /// staging folders of dead runs beside it, and makes a fresh staging folder.
    ///
    /// Fails, naming the file, when `target` is not a folder, holds files thematic did not
    /// write, or is the current folder (or one above it).
    pub fn create(target: impl AsRef<Path>) -> Result<OutputFolder> {
        let target = target.as_ref().to_path_buf();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().ok_or_else(|| {
            refuse(
                &target,
                "a results folder needs a name of its own (--out results)",
            )
        })?;
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        check_replaceable(&target)?;
        remove_dead_staging(&parent);
        let staging = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{}-", name.to_string_lossy()))
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?
            .keep();
        let lock = File::create(staging.join(LOCK_FILE)).map_err(|e| Error::io(&staging, e))?;
        lock_exclusive(&lock).map_err(|e| Error::io(&staging, e))?;
        Ok(OutputFolder {
            target,
            staging,
            _lock: lock,
            committed: false,
        })
    }

    /// The folder to write the outputs into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The results folder the outputs will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the outputs in place: the staging folder, with its marker listing `written` (files
    /// inside [`OutputFolder::path`]), replaces the results folder as a whole.
    pub fn commit(mut self, written: &[PathBuf]) -> Result<()> {
        let mut marker = String::from(
            "# thematic wrote this folder and replaces it as a whole on the next run.\n",
        );
        for path in written {
            if let Ok(inside) = path.strip_prefix(&self.staging) {
                marker.push_str(&inside.to_string_lossy());
                marker.push('\n');
            }
        }
        let marker_path = self.staging.join(OUTPUT_MARKER);
        let mut file = File::create(&marker_path).map_err(|e| Error::io(&marker_path, e))?;
        file.write_all(marker.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(&marker_path, e))?;
        fs::remove_file(self.staging.join(LOCK_FILE)).map_err(|e| Error::io(&self.staging, e))?;
        for path in written.iter().filter(|p| p.starts_with(&self.staging)) {
            // Data reaches the disk before the folder is swapped in, so that a crash cannot
            // leave a complete-looking folder of empty files.
            if let Ok(file) = File::open(path) {
                file.sync_all().map_err(|e| Error::io(path, e))?;
            }
        }
        #[cfg(unix)]
        {
            // Permissions as any folder the user makes, not the staging folder's private 0700.
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&self.target).map_or(0o755, |m| m.permissions().mode());
            fs::set_permissions(&self.staging, fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&self.staging, e))?;
        }
        swap_in(&self.staging, &self.target)?;
        self.committed = true;
        // After the exchange the staging path holds the old results (or nothing).
        let _ = fs::remove_dir_all(&self.staging);
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn refuse(path: &Path, message: &str) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: io::Error::other(message.to_string()),
    }
}

/// May `target` be replaced as a whole? It may when it does not exist, or is a folder that holds
/// only what thematic wrote there.
fn check_replaceable(target: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(target, e)),
    };
    if !meta.is_dir() {
        return Err(refuse(
            target,
            "not a folder: results are written into a folder of their own",
        ));
    }
    if let (Ok(here), Ok(target_abs)) = (std::env::current_dir(), fs::canonicalize(target))
        && here.starts_with(&target_abs)
    {
        return Err(refuse(
            target,
            "is the current folder or holds it; results go to a folder of their own, which thematic replaces as a whole (--out results)",
        ));
    }
    let listed: Vec<String> = fs::read_to_string(target.join(OUTPUT_MARKER))
        .map(|m| {
            m.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for entry in fs::read_dir(target).map_err(|e| Error::io(target, e))? {
        let entry = entry.map_err(|e| Error::io(target, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == OUTPUT_MARKER
            || listed.contains(&name)
            || is_temporary(&name)
            || written_by_earlier_versions(&name);
        if !ours {
            return Err(refuse(
                &entry.path(),
                "was not written by thematic; the results folder is replaced as a whole, so choose another --out or move this file",
            ));
        }
    }
    Ok(())
}

/// A temporary file of an interrupted write ([`super::AtomicFile`]).
fn is_temporary(name: &str) -> bool {
    name.starts_with(".thematic-") && name.ends_with(".tmp")
}

/// The files a results folder held before folders carried their marker.
fn written_by_earlier_versions(name: &str) -> bool {
    super::OUTPUT_FILES.contains(&name)
        || matches!(
            name,
            "cooccurrence_matrix.csv" | "tables.json" | "results.xlsx" | "report.html"
        )
        || (name.starts_with("crosstab_") && name.ends_with(".csv"))
}

/// Removes the staging folders in `parent` whose runs are dead (their lock is free). A folder
/// that cannot be checked or removed is left for a later run: cleaning is never worth failing
/// the run at hand.
fn remove_dead_staging(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(STAGING_PREFIX) {
            continue;
        }
        let path = entry.path();
        let alive = File::options()
            .write(true)
            .open(path.join(LOCK_FILE))
            .is_ok_and(|lock| try_lock_exclusive(&lock).is_err());
        if !alive {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Puts `staging` at `target`: one atomic exchange where the system has it, else two renames
/// (a crash between them leaves the old results in the staging folder and no folder at
/// `target`, never a mix).
fn swap_in(staging: &Path, target: &Path) -> Result<()> {
    if fs::symlink_metadata(target).is_err() {
        return fs::rename(staging, target).map_err(|e| Error::io(target, e));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, staging, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // The file system cannot exchange: fall back to two renames.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
            Err(e) => return Err(Error::io(target, e.into())),
        }
    }
    let old = staging.with_extension("old");
    fs::rename(target, &old).map_err(|e| Error::io(target, e))?;
    fs::rename(staging, target).map_err(|e| Error::io(target, e))?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(unix)]
fn lock_exclusive(file: &File) -> io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::LockExclusive).map_err(io::Error::from)
}

#[cfg(unix)]
fn try_lock_exclusive(file: &File) -> io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(io::Error::from)
}

#[cfg(not(unix))]
fn lock_exclusive(file: &File) -> io::Result<()> {
    file.lock()
}

#[cfg(not(unix))]
fn try_lock_exclusive(file: &File) -> io::Result<()> {
    file.try_lock().map_err(|_| io::Error::other("locked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_replaces_the_whole_set_and_an_abandoned_run_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results");
        let first = OutputFolder::create(&results).unwrap();
        let a = write(first.path(), "a.csv", "one");
        let b = write(first.path(), "crosstab_year.csv", "one");
        first.commit(&[a, b]).unwrap();
        assert_eq!(
            names(&results),
            [OUTPUT_MARKER, "a.csv", "crosstab_year.csv"]
        );

        let abandoned = OutputFolder::create(&results).unwrap();
        write(abandoned.path(), "a.csv", "half");
        drop(abandoned);
        assert_eq!(fs::read_to_string(results.join("a.csv")).unwrap(), "one");

        let second = OutputFolder::create(&results).unwrap();
        let a = write(second.path(), "a.csv", "two");
        second.commit(&[a]).unwrap();
        assert_eq!(
            names(&results),
            [OUTPUT_MARKER, "a.csv"],
            "no file of the old set stays"
        );
        assert_eq!(fs::read_to_string(results.join("a.csv")).unwrap(), "two");
        assert_eq!(names(dir.path()), ["results"], "no staging folder is left");
    }

    #[test]
    fn a_dead_runs_staging_folder_is_removed_and_a_live_ones_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results");
        // A run killed before its commit: its folder stays, its lock died with it.
        let dead = dir.path().join(format!("{STAGING_PREFIX}results-killed"));
        fs::create_dir(&dead).unwrap();
        write(&dead, LOCK_FILE, "");
        write(&dead, "excerpts.csv", &"x".repeat(1000));
        let live = OutputFolder::create(&results).unwrap();
        assert!(!dead.exists(), "the dead run's staging folder is removed");
        let other = OutputFolder::create(dir.path().join("other")).unwrap();
        assert!(live.path().exists(), "a live run's staging folder is kept");
        drop((live, other));
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_folder_with_the_users_files_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "notes.docx", "mine");
        let err = OutputFolder::create(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("notes.docx") && err.contains("not written by thematic"),
            "{err}"
        );
        assert_eq!(names(dir.path()), ["notes.docx"]);

        let file = write(dir.path(), "results", "a file");
        let err = OutputFolder::create(&file).unwrap_err().to_string();
        assert!(err.contains("not a folder"), "{err}");
    }

    #[test]
    fn results_of_earlier_versions_and_their_temporaries_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results");
        fs::create_dir(&results).unwrap();
        for name in ["frequencies.csv", "report.html", ".thematic-Ab12cd.tmp"] {
            write(&results, name, "old");
        }
        let run = OutputFolder::create(&results).unwrap();
        let f = write(run.path(), "frequencies.csv", "new");
        run.commit(&[f]).unwrap();
        assert_eq!(names(&results), [OUTPUT_MARKER, "frequencies.csv"]);
    }
}

//! A results folder replaced as a whole: a run's outputs appear all at once or not at all.
//!
//! [`OutputFolder::create`] makes a hidden staging folder beside the destination
//! (`.thematic-out-…`, on the same file system) where every output is written; only
//! [`OutputFolder::commit`] puts it in place, by one atomic exchange of the two folders on Linux
//! (`renameat2(RENAME_EXCHANGE)`), so that a reader, a `kill -9` or a full disk sees either all
//! the old outputs or all the new ones, never a mix. A staging folder whose run died (its lock
//! file beside it is held by nobody) is removed by the next run that writes beside it.
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
pub const STAGING_PREFIX: &str = ".thematic-out-";
/// The suffix of a staging folder's lock file, which lies beside it (`NAME.lock` for the folder
/// `NAME`) and is held for as long as its run lives.
const LOCK_SUFFIX: &str = ".lock";

/// A results folder being written: outputs go into [`OutputFolder::path`], a hidden staging
/// folder beside the destination, and [`OutputFolder::commit`] swaps it in as a whole. Dropped
/// without a commit, the staging folder is removed and the destination is untouched.
#[derive(Debug)]
pub struct OutputFolder {
    target: PathBuf,
    staging: PathBuf,
    /// The staging folder's lock file, held while the run lives: a staging folder whose lock
    /// nobody holds belongs to a dead run. Beside the folder, not in it, so that it is held
    /// through the swap and never lands among the results.
    lock: (PathBuf, File),
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
        // The lock first, held before its folder exists, so that no cleaner can take the
        // folder for a dead run's.
        let (lock, lock_path) = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{}-", name.to_string_lossy()))
            .suffix(LOCK_SUFFIX)
            .tempfile_in(&parent)
            .map_err(|e| Error::io(&parent, e))?
            .keep()
            .map_err(|e| Error::io(&parent, e.error))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        let staging = staging_of(&lock_path);
        let folder = OutputFolder {
            target,
            staging,
            lock: (lock_path, lock),
            committed: false,
        };
        fs::create_dir(&folder.staging).map_err(|e| Error::io(&folder.staging, e))?;
        Ok(folder)
    }

    /// Checks, without writing anything, that `target` may be replaced as a whole (see
    /// [`OutputFolder::create`]): for failing before long work rather than after it.
    pub fn check(target: impl AsRef<Path>) -> Result<()> {
        check_replaceable(target.as_ref())
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
    /// inside [`OutputFolder::path`], each complete on disk, as [`super::AtomicFile`] leaves
    /// them), replaces the results folder as a whole.
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
        // The folder's entries reach the disk before it is swapped in, so that a crash cannot
        // leave a complete-looking folder missing files.
        #[cfg(unix)]
        File::open(&self.staging)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| Error::io(&self.staging, e))?;
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
        let _ = fs::remove_file(&self.lock.0);
    }
}

/// The staging folder a lock file stands for.
fn staging_of(lock: &Path) -> PathBuf {
    let name = lock.file_name().unwrap_or_default().to_string_lossy();
    lock.with_file_name(name.strip_suffix(LOCK_SUFFIX).unwrap_or(&name))
}

fn refuse(path: &Path, message: &str) -> Error {
    Error::io(path, io::Error::other(message.to_string()))
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
            || listed.iter().any(|l| {
                l == &name
                    || l.strip_prefix(name.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            || super::is_temporary(&name)
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

/// The files a results folder held before folders carried their marker.
fn written_by_earlier_versions(name: &str) -> bool {
    super::OUTPUT_FILES.contains(&name)
        || matches!(
            name,
            "cooccurrence_matrix.csv" | "tables.json" | "results.xlsx" | "report.html"
        )
        || (name.starts_with("crosstab_") && name.ends_with(".csv"))
}

/// Removes the staging folders in `parent` whose runs are dead: their lock file is held by
/// nobody, or gone. A folder that cannot be checked or removed is left for a later run:
/// cleaning is never worth failing the run at hand.
fn remove_dead_staging(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(STAGING_PREFIX) {
            continue;
        }
        if name.ends_with(LOCK_SUFFIX) {
            // A lock without its folder: a run killed between making the two, unless it is
            // making them now.
            let orphan = !staging_of(&entry.path()).exists() && super::is_stale(&entry.path());
            if orphan && File::open(entry.path()).is_ok_and(|f| f.try_lock().is_ok()) {
                let _ = fs::remove_file(entry.path());
            }
            continue;
        }
        let staging = entry.path();
        let lock = staging.with_file_name(format!("{name}{LOCK_SUFFIX}"));
        let held = File::open(&lock).is_ok_and(|f| f.try_lock().is_err());
        if !held {
            let _ = fs::remove_dir_all(&staging);
            let _ = fs::remove_file(&lock);
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
        write(
            dir.path(),
            &format!("{STAGING_PREFIX}results-killed{LOCK_SUFFIX}"),
            "",
        );
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

//! The lock that keeps two runs from updating one index at once.
//!
//! tantivy's own writer lock covers only the writing of segments: creating an index, replacing
//! one of an older schema and reading the previous state all happen before it is taken, and one
//! run could delete the files another was writing (`FileDoesNotExist(…fieldnorm)`). So every
//! [`Index`](super::Index) holds a lock file inside its folder for as long as it lives:
//! exclusively when it may update the index, shared when it only reads it.
//!
//! The lock is the operating system's advisory lock on an open file (`flock` on Unix,
//! `LockFileEx` on Windows), not the file's existence: it goes when the holder's file handle
//! closes, so a run that crashed or was killed never leaves a stale lock behind, and the lock
//! file itself may stay on disk.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The name of the lock file inside the index folder.
pub(crate) const LOCK_FILE: &str = "thematic.lock";

/// How long an update waits for runs that only read the index (each holds it for a moment);
/// the unit tests wait less.
const READERS_GRACE: Duration = Duration::from_millis(if cfg!(test) { 200 } else { 5000 });

/// A held lock on an index folder; released when dropped.
#[derive(Debug)]
pub(crate) struct IndexLock {
    /// `None` where no lock file can exist (a read-only folder, which no run can update).
    file: Option<File>,
    exclusive: bool,
}

impl IndexLock {
    /// Takes the folder `dir` (which must exist) for updating. Fails at once when another run
    /// updates it; waits a little for runs that only read it.
    pub(crate) fn exclusive(dir: &Path) -> Result<IndexLock> {
        let path = dir.join(LOCK_FILE);
        let file = open_or_make(&path).map_err(|e| Error::io(&path, e))?;
        let mut lock = IndexLock {
            file: Some(file),
            exclusive: false,
        };
        lock.make_exclusive(dir)?;
        Ok(lock)
    }

    /// Takes the folder `dir` for reading: fails when another run updates it.
    pub(crate) fn shared(dir: &Path) -> Result<IndexLock> {
        let path = dir.join(LOCK_FILE);
        let opened = open_or_make(&path).or_else(|_| File::open(&path));
        let file = match opened {
            Ok(file) => file,
            // A folder this process may not write to, without a lock file, is one no update
            // can be running in (an update creates the file first).
            Err(_) if !path.exists() => {
                return Ok(IndexLock {
                    file: None,
                    exclusive: false,
                });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(IndexLock {
                file: Some(file),
                exclusive: false,
            }),
            Err(TryLockError::WouldBlock) => Err(busy(dir, false)),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    /// Turns a shared lock into an exclusive one (for an index opened to read, then updated).
    pub(crate) fn make_exclusive(&mut self, dir: &Path) -> Result<()> {
        if self.exclusive {
            return Ok(());
        }
        let Some(file) = &self.file else {
            // No lock file and no right to make one: the update fails on its own, saying why.
            return Ok(());
        };
        let path = dir.join(LOCK_FILE);
        // A shared lock this handle holds is let go first: Windows does not turn one into an
        // exclusive lock, and flock does so only by letting go too. Given up, it is taken back.
        let _ = file.unlock();
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        let failed = loop {
            match file.try_lock() {
                Ok(()) => {
                    self.exclusive = true;
                    return Ok(());
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => break Error::io(&path, e),
            }
            // Another handle tells whether only readers hold the folder.
            let only_readers = match File::open(&path) {
                Ok(probe) => probe.try_lock_shared().is_ok(),
                Err(e) => break Error::io(&path, e),
            };
            if !only_readers {
                break busy(dir, false);
            }
            if started.elapsed() >= READERS_GRACE {
                break busy(dir, true);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        };
        let _ = file.try_lock_shared();
        Err(failed)
    }
}

impl Drop for IndexLock {
    /// Lets the lock go before the file closes. Closing alone is not enough in a program that
    /// starts processes from other threads: a child holds a copy of every open file from the
    /// moment it is forked until it starts its program, and with it the lock, which `flock`
    /// ties to the open file, not to one handle (the integration tests, many threads starting
    /// `thematic`, saw an index just dropped still "being updated by another run").
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
    }
}

/// The lock file, made if it is not there; never emptied (its content means nothing).
fn open_or_make(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

fn busy(dir: &Path, reading: bool) -> Error {
    Error::IndexBusy {
        path: PathBuf::from(dir),
        reading,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_updater_at_a_time_and_readers_only_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let first = IndexLock::exclusive(dir.path()).unwrap();
        for attempt in [
            IndexLock::exclusive(dir.path()),
            IndexLock::shared(dir.path()),
        ] {
            match attempt {
                Err(Error::IndexBusy { reading: false, .. }) => {}
                other => panic!("expected the index to be busy, got {other:?}"),
            }
        }
        drop(first);
        let a = IndexLock::shared(dir.path()).unwrap();
        let b = IndexLock::shared(dir.path()).unwrap();
        drop((a, b));
        IndexLock::exclusive(dir.path()).unwrap();
    }

    #[test]
    fn a_lock_file_left_on_disk_blocks_nobody() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "left by a killed run").unwrap();
        IndexLock::exclusive(dir.path()).unwrap();
    }

    #[test]
    fn a_reader_that_cannot_update_stays_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = IndexLock::shared(dir.path()).unwrap();
        let second = IndexLock::shared(dir.path()).unwrap();
        // Only readers hold the folder: the update waits for them, then gives up, saying so.
        match first.make_exclusive(dir.path()) {
            Err(Error::IndexBusy { reading: true, .. }) => {}
            other => panic!("expected the index to be busy being read, got {other:?}"),
        }
        drop(second);
        // `first` still reads: no update can start.
        assert!(matches!(
            IndexLock::exclusive(dir.path()),
            Err(Error::IndexBusy { .. })
        ));
        drop(first);
        IndexLock::exclusive(dir.path()).unwrap();
    }

    #[test]
    fn a_reader_turns_into_an_updater_when_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut lock = IndexLock::shared(dir.path()).unwrap();
        lock.make_exclusive(dir.path()).unwrap();
        assert!(matches!(
            IndexLock::shared(dir.path()),
            Err(Error::IndexBusy { .. })
        ));
    }
}

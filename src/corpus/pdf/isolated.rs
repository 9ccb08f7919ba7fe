//! The isolated backend: pdf-extract run in a child `thematic __extract-pdf`, so that whatever
//! a hostile PDF does to the reader (a panic, a stack overflow, a decompression bomb) ends the
//! child and becomes an error for that file. The child side needs pdf-extract (feature `pdf`);
//! a program without it can still run a `thematic` executable as its extractor. The parent side ([`PdfLoader`]'s
//! `extract_isolated`) and the child side ([`run_extractor`]) live together because they share
//! a private protocol: the arguments, the password variable, the exit code and the error prefix.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

#[cfg(feature = "pdf")]
use super::extract_catching_panics;
use super::process::{Ran, run_limited};
use super::{Extracted, PdfLoader};

/// The hidden first argument that makes the `thematic` executable act as the PDF extractor.
pub const EXTRACTOR_ARG: &str = "__extract-pdf";

/// The environment variable through which the password of encrypted PDFs reaches the child
/// (not its arguments, which other users can list).
const PASSWORD_VAR: &str = "THEMATIC_PDF_PASSWORD";

/// The exit code of a child that reports a clean error on stderr.
#[cfg(feature = "pdf")]
const CHILD_ERROR_EXIT: i32 = 3;

/// The stderr prefix of such an error.
const CHILD_ERROR_PREFIX: &str = "thematic-pdf-error: ";

impl PdfLoader {
    pub(super) fn extract_isolated(
        &self,
        extractor: &Path,
        path: &Path,
    ) -> std::result::Result<Extracted, String> {
        // A predictable name in a shared folder is an invitation: anyone could plant a symlink
        // there and have the child overwrite its target. The file is created here, exclusively,
        // under a random name; the child only opens it (never through a symlink), and it is
        // removed when `out` drops, however the child ended.
        let mut out = tempfile::Builder::new()
            .prefix("thematic-pdf-")
            .suffix(".json")
            .tempfile()
            .map_err(|e| {
                format!("cannot create a temporary file for the PDF extractor's result: {e}")
            })?;
        let mut command = Command::new(extractor);
        command
            .arg(EXTRACTOR_ARG)
            .arg(path)
            .arg(out.path())
            .arg(self.max_memory.to_string())
            .arg(self.timeout.as_secs().max(1).to_string());
        if let Some(password) = &self.password {
            command.env(PASSWORD_VAR, password);
        }
        let ran = run_limited(command, self.timeout)
            .map_err(|e| format!("cannot run the PDF extractor {}: {e}", extractor.display()));
        ran.and_then(|ran| self.interpret_child(ran, out.as_file_mut()))
    }

    /// The child's result, read through this process's own handle of the file it was given
    /// (so whatever the name may point at by now, only what the child wrote into it is read).
    fn interpret_child(
        &self,
        ran: Ran,
        out: &mut std::fs::File,
    ) -> std::result::Result<Extracted, String> {
        let time_limit = || {
            format!(
                "PDF too large or too complex to extract (no result within the {} s time limit; raise it with --pdf-timeout)",
                self.timeout.as_secs()
            )
        };
        let memory_limit = || {
            format!(
                "PDF too large or too complex to extract (it needed more than the {} MB memory limit; raise it with --pdf-memory)",
                self.max_memory >> 20
            )
        };
        if ran.timed_out {
            return Err(time_limit());
        }
        if ran.status.success() {
            let mut json = Vec::new();
            out.read_to_end(&mut json)
                .map_err(|e| format!("the PDF extractor left no result: {e}"))?;
            return serde_json::from_slice(&json)
                .map_err(|e| format!("the PDF extractor's result is unreadable: {e}"));
        }
        let stderr = String::from_utf8_lossy(&ran.stderr);
        if let Some(message) = stderr
            .lines()
            .find_map(|l| l.strip_prefix(CHILD_ERROR_PREFIX))
        {
            return Err(message.to_string());
        }
        if stderr.contains("overflowed its stack") {
            return Err(
                "recursive or too deeply nested PDF structure (the reader overflowed its stack)"
                    .into(),
            );
        }
        if stderr.contains("memory allocation of")
            || stderr.contains("capacity overflow")
            || stderr.contains("out of memory")
        {
            return Err(memory_limit());
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            // SIGXCPU: the CPU-time limit.
            if ran.status.signal() == Some(24) {
                return Err(time_limit());
            }
        }
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(2)..].join(" / ");
        Err(format!(
            "the PDF reader crashed ({}){}",
            ran.status,
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        ))
    }
}

/// The body of `thematic __extract-pdf FILE OUT MAX_MEMORY MAX_SECONDS`: limits its own
/// resources, extracts FILE and writes the result as JSON to OUT. Returns the exit code.
///
/// OUT must be an empty regular file that the caller created for the purpose (securely, with a
/// random name): it is opened without creating it and never through a symbolic link, so a link
/// planted in its place is refused rather than followed.
///
/// Call it first thing in `main` of a program that names itself as the isolated extractor.
#[cfg(feature = "pdf")]
pub fn run_extractor(args: &[String]) -> i32 {
    let report = |message: &str| {
        eprintln!("{CHILD_ERROR_PREFIX}{message}");
        CHILD_ERROR_EXIT
    };
    let [file, out, max_memory, max_seconds] = args else {
        return report("usage: thematic __extract-pdf FILE OUT MAX_MEMORY MAX_SECONDS");
    };
    let (Ok(max_memory), Ok(max_seconds)) = (max_memory.parse::<u64>(), max_seconds.parse::<u64>())
    else {
        return report("MAX_MEMORY and MAX_SECONDS must be whole numbers");
    };
    limit_resources(max_memory, max_seconds);
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return report(&format!("cannot read the file: {e}")),
    };
    let password = std::env::var(PASSWORD_VAR).ok();
    // The default hook would print the panic message before it is reported properly.
    std::panic::set_hook(Box::new(|_| {}));
    match extract_catching_panics(&bytes, password.as_deref()) {
        Ok(extracted) => {
            let json = serde_json::to_vec(&extracted).expect("serialising strings");
            match write_result(Path::new(out), &json) {
                Ok(()) => 0,
                Err(e) => report(&format!("cannot write the result to {out}: {e}")),
            }
        }
        Err(message) => report(&message),
    }
}

/// Caps the extractor's address space and CPU time, so a decompression bomb or an endless
/// loop ends the child, not the machine.
#[cfg(all(unix, feature = "pdf"))]
fn limit_resources(max_memory: u64, max_seconds: u64) {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let _ = setrlimit(
        Resource::As,
        Rlimit {
            current: Some(max_memory),
            maximum: Some(max_memory),
        },
    );
    let _ = setrlimit(
        Resource::Cpu,
        Rlimit {
            current: Some(max_seconds + 1),
            maximum: Some(max_seconds + 2),
        },
    );
}

#[cfg(all(not(unix), feature = "pdf"))]
fn limit_resources(_max_memory: u64, _max_seconds: u64) {}

/// A `thematic` executable to run as the extractor: this program if it is one, else one beside
/// it or its folder's parent (where cargo puts binaries relative to test executables), else on
/// `PATH`.
pub fn locate_extractor() -> Option<PathBuf> {
    let name = format!("thematic{}", std::env::consts::EXE_SUFFIX);
    let current = std::env::current_exe().ok()?;
    if current.file_name().is_some_and(|n| n == name.as_str()) {
        return Some(current);
    }
    let beside = current.parent().into_iter().flat_map(|dir| {
        [
            dir.join(&name),
            dir.parent().map(|p| p.join(&name)).unwrap_or_default(),
        ]
    });
    beside
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&name))
                .collect::<Vec<_>>()
        }))
        .find(|p| p.is_file())
}

/// Writes the child's result into the file its parent created: opened without `O_CREAT` and
/// with `O_NOFOLLOW`, and only if it is a regular file still empty, so neither a symlink nor
/// another file put in its place is written through.
#[cfg(feature = "pdf")]
fn write_result(out: &Path, json: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut file = options.open(out)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() != 0 {
        return Err(std::io::Error::other(
            "not the empty file made for the result",
        ));
    }
    file.write_all(json)?;
    file.flush()
}

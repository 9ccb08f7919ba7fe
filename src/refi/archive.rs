//! Opening a REFI-QDA file as hostile input: a `.qdpx` zip archive, or a bare `.qde` or `.qdc`
//! XML file.
//!
//! Entry names are checked before anything is read (an absolute path, `..` or a backslash
//! refuses the archive), and what is inflated is capped: [`MAX_ENTRY_SIZE`] for any one file,
//! [`MAX_TOTAL_SIZE`] for all the files read together, counted on the bytes actually inflated
//! rather than the sizes the archive declares. Only `project.qde` and the text sources it names
//! are ever inflated; media in `sources/` are not touched.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::xml::{XmlFile, file_error};
use crate::error::{Error, Result};

/// The largest file read from a project, or as a bare XML file: 256 MB.
pub(super) const MAX_ENTRY_SIZE: u64 = 256 << 20;

/// The most read from one archive in all: 1 GB.
pub(super) const MAX_TOTAL_SIZE: u64 = 1 << 30;

/// The most entries an archive may list.
const MAX_ENTRIES: usize = 100_000;

/// How much may be inflated: per file, and from one archive in all.
#[derive(Debug, Clone, Copy)]
struct Caps {
    entry: u64,
    total: u64,
}

const CAPS: Caps = Caps {
    entry: MAX_ENTRY_SIZE,
    total: MAX_TOTAL_SIZE,
};

/// A REFI-QDA file opened for reading.
pub(super) struct Package {
    path: PathBuf,
    zip: Option<Archive>,
    caps: Caps,
}

/// A zip archive with its entries indexed by lower-case name (tools differ in the case of
/// `sources/`), and the bytes inflated from it so far.
struct Archive {
    zip: zip::ZipArchive<BufReader<File>>,
    entries: HashMap<String, usize>,
    inflated: u64,
}

impl Package {
    /// Opens `path`: a zip archive if it starts like one, else an XML file.
    pub fn open(path: &Path) -> Result<Package> {
        Package::open_with(path, CAPS)
    }

    fn open_with(path: &Path, caps: Caps) -> Result<Package> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut magic = [0u8; 4];
        let read = file.read(&mut magic).map_err(|e| Error::io(path, e))?;
        let zip = if read == 4 && magic.starts_with(b"PK") {
            Some(Archive::open(path, file)?)
        } else {
            None
        };
        Ok(Package {
            path: path.to_path_buf(),
            zip,
            caps,
        })
    }

    /// Is this a zip archive (a `.qdpx`), rather than a bare XML file?
    pub fn is_archive(&self) -> bool {
        self.zip.is_some()
    }

    /// The file's main XML: `project.qde` of an archive (or its one `.qde` at the top level,
    /// whatever its name), or the file itself.
    pub fn main_xml(&mut self) -> Result<XmlFile> {
        let Some(zip) = &mut self.zip else {
            let bytes = read_capped(&self.path, self.caps.entry)?;
            let text = decode(&self.path, None, bytes)?;
            return Ok(XmlFile {
                path: self.path.clone(),
                entry: None,
                text,
            });
        };
        let name = zip.project_entry(&self.path)?;
        let bytes = zip.read(&self.path, &name, self.caps)?;
        let text = decode(&self.path, Some(&name), bytes)?;
        Ok(XmlFile {
            path: self.path.clone(),
            entry: Some(name),
            text,
        })
    }

    /// The text of `sources/<file>` (as `internal://<file>` names it), without its byte-order
    /// mark; `None` when the file holds no such entry (a bare `.qde` holds none).
    pub fn source_text(&mut self, file: &str) -> Result<Option<String>> {
        let Some(zip) = &mut self.zip else {
            return Ok(None);
        };
        let wanted = format!("sources/{}", file.to_lowercase());
        let Some(name) = zip.entry_name(&wanted) else {
            return Ok(None);
        };
        let bytes = zip.read(&self.path, &name, self.caps)?;
        decode(&self.path, Some(&name), bytes).map(Some)
    }
}

impl Archive {
    /// Reads the archive's directory and checks every entry name.
    fn open(path: &Path, file: File) -> Result<Archive> {
        let fail = |message: String| file_error(path, None, message);
        let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
            fail(format!(
                "not a valid REFI-QDA project (damaged zip archive: {e})"
            ))
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(fail(format!(
                "the archive lists {} entries, more than the {MAX_ENTRIES} allowed; refusing it",
                zip.len()
            )));
        }
        let mut entries = HashMap::new();
        for index in 0..zip.len() {
            let entry = zip
                .by_index_raw(index)
                .map_err(|e| fail(format!("damaged zip archive (entry {index}: {e})")))?;
            let name = entry
                .name()
                .map_err(|e| fail(format!("damaged zip archive (entry {index}: {e})")))?
                .into_owned();
            if let Some(problem) = unsafe_name_problem(&name) {
                return Err(fail(format!(
                    "unsafe entry name {name:?} in the archive: {problem}; refusing the archive"
                )));
            }
            entries.insert(name.to_lowercase(), index);
        }
        Ok(Archive {
            zip,
            entries,
            inflated: 0,
        })
    }

    /// The archive's name for the entry whose lower-case name is `lowercase`.
    fn entry_name(&mut self, lowercase: &str) -> Option<String> {
        let index = *self.entries.get(lowercase)?;
        let entry = self.zip.by_index_raw(index).ok()?;
        entry.name().ok().map(|n| n.into_owned())
    }

    /// `project.qde`, or failing that the one `.qde` at the top level (ATLAS.ti names it after
    /// the project).
    fn project_entry(&mut self, path: &Path) -> Result<String> {
        if let Some(name) = self.entry_name("project.qde") {
            return Ok(name);
        }
        let mut top_level: Vec<&String> = self
            .entries
            .keys()
            .filter(|n| n.ends_with(".qde") && !n.contains('/'))
            .collect();
        top_level.sort();
        match top_level.as_slice() {
            [one] => {
                let one = (*one).clone();
                Ok(self.entry_name(&one).unwrap_or(one))
            }
            [] => Err(file_error(
                path,
                None,
                "not a REFI-QDA project: the archive has no project.qde",
            )),
            many => Err(file_error(
                path,
                None,
                format!(
                    "not a REFI-QDA project: the archive has no project.qde but several .qde files ({})",
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Inflates entry `name`, within the caps.
    fn read(&mut self, path: &Path, name: &str, caps: Caps) -> Result<Vec<u8>> {
        let fail = |message: String| file_error(path, Some(name), message);
        let index = self.entries[&name.to_lowercase()];
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| fail(format!("cannot be read from the archive: {e}")))?;
        let left = caps.total - self.inflated;
        let cap = caps.entry.min(left);
        if entry.size() > cap {
            return Err(fail(too_large(entry.size(), caps, cap == left)));
        }
        // The declared size may lie; reading stops at the cap whatever it says.
        let mut bytes = Vec::new();
        entry
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot be read from the archive: {e}")))?;
        if bytes.len() as u64 > cap {
            return Err(fail(too_large(bytes.len() as u64, caps, cap == left)));
        }
        self.inflated += bytes.len() as u64;
        Ok(bytes)
    }
}

/// Why a zip entry name is unsafe to use, if it is: one that could point outside the archive's
/// folder were it extracted, or that tools on another system would read differently.
fn unsafe_name_problem(name: &str) -> Option<&'static str> {
    if name.contains('\\') {
        Some("it contains a backslash")
    } else if name.contains('\0') {
        Some("it contains a NUL character")
    } else if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
        Some("it is an absolute path")
    } else if name.split('/').any(|part| part == "..") {
        Some("it climbs out of the archive with ..")
    } else {
        None
    }
}

/// Why an entry of `size` bytes is refused: past the cap for one file, or (`total`) past what is
/// left of the cap for the whole archive.
fn too_large(size: u64, caps: Caps, total: bool) -> String {
    if total {
        format!(
            "inflating it would take the files read from this archive past {}; refusing it as a likely zip bomb",
            megabytes(caps.total)
        )
    } else {
        format!(
            "inflates to more than the {} allowed for one file ({} bytes at least); refusing it as a likely zip bomb",
            megabytes(caps.entry),
            size
        )
    }
}

fn megabytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads a bare XML file, refusing one over `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(file_error(
            path,
            None,
            format!("larger than the {} allowed", megabytes(cap)),
        ));
    }
    Ok(bytes)
}

/// A zip archive `test.qdpx` in `dir` with the given entries, deflated.
#[cfg(test)]
pub(super) fn test_archive(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
    use std::io::Write;
    let path = dir.join("test.qdpx");
    let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// UTF-8 text from `bytes`, without a byte-order mark (which REFI-QDA positions never count).
pub(super) fn decode(path: &Path, entry: Option<&str>, bytes: Vec<u8>) -> Result<String> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(file_error(
            path,
            entry,
            "is UTF-16; REFI-QDA files are UTF-8",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        file_error(
            path,
            entry,
            format!(
                "not valid UTF-8: invalid byte sequence at byte offset {}; REFI-QDA files are UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
        test_archive(dir, entries)
    }

    #[test]
    fn escaping_entry_names_refuse_the_archive_and_are_named() {
        let dir = tempfile::tempdir().unwrap();
        for (name, reason) in [
            ("../evil.txt", "climbs out"),
            ("sources/../../evil.txt", "climbs out"),
            ("/etc/evil.txt", "absolute path"),
            ("C:/evil.txt", "absolute path"),
            ("sources\\evil.txt", "backslash"),
        ] {
            let path = archive(dir.path(), &[("project.qde", b"<Project/>"), (name, b"x")]);
            let err = Package::open(&path).err().expect(name).to_string();
            assert!(
                err.contains("test.qdpx")
                    && err.contains(&format!("{name:?}"))
                    && err.contains(reason),
                "{err}"
            );
        }
    }

    #[test]
    fn oversized_entries_are_refused_while_inflating() {
        let dir = tempfile::tempdir().unwrap();
        let caps = Caps {
            entry: 1000,
            total: 2500,
        };
        let path = archive(
            dir.path(),
            &[
                ("project.qde", b"<Project name=\"p\"/>"),
                ("sources/big.txt", &[b'x'; 1001]),
                ("sources/a.txt", &[b'x'; 1000]),
                ("sources/b.txt", &[b'x'; 1000]),
                ("sources/c.txt", &[b'x'; 1000]),
            ],
        );
        let mut package = Package::open_with(&path, caps).unwrap();
        assert!(package.main_xml().is_ok());
        let err = package.source_text("big.txt").unwrap_err().to_string();
        assert!(
            err.contains("test.qdpx: sources/big.txt: inflates to more than the 1000 bytes allowed for one file"),
            "{err}"
        );
        assert!(package.source_text("a.txt").is_ok());
        assert!(package.source_text("b.txt").is_ok());
        let err = package.source_text("c.txt").unwrap_err().to_string();
        assert!(err.contains("past 2500 bytes"), "{err}");
    }

    #[test]
    fn a_bare_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.qde");
        std::fs::write(&path, [b' '; 2048]).unwrap();
        let err = read_capped(&path, 1024).unwrap_err().to_string();
        assert!(err.contains("larger than the 1024 bytes allowed"), "{err}");
    }

    #[test]
    fn the_project_is_found_by_name_or_as_the_only_qde() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(dir.path(), &[("Trial.qde", b"<Project name=\"t\"/>")]);
        let xml = Package::open(&path).unwrap().main_xml().unwrap();
        assert_eq!(xml.entry.as_deref(), Some("Trial.qde"));
        let path = archive(dir.path(), &[("notes.txt", b"x")]);
        let err = Package::open(&path)
            .unwrap()
            .main_xml()
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no project.qde"), "{err}");
    }

    #[test]
    fn text_must_be_utf8_and_loses_its_byte_order_mark() {
        let p = Path::new("p.qdpx");
        assert_eq!(decode(p, None, b"\xef\xbb\xbfab".to_vec()).unwrap(), "ab");
        let err = decode(p, Some("sources/a.txt"), b"ab\xff".to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sources/a.txt: not valid UTF-8") && err.contains("byte offset 2"),
            "{err}"
        );
        let err = decode(p, None, vec![0xff, 0xfe, b'a', 0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("UTF-16"), "{err}");
    }
}

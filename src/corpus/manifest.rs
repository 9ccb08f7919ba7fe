//! The corpus manifest, `corpus.toml`: metadata for the documents of a folder.
//!
//! ```toml
//! [corpus]
//! name = "Migration policy papers"
//!
//! [[document]]
//! file = "001_80cac5b2e7107bf3.txt"   # relative to the folder (required)
//! id = "narymbaeva2024"               # optional; default: the file's path without extension
//! title = "Exploring Intellectual and Educational Migration in Kazakhstan"
//! authors = ["Ainur Narymbaeva", "Yerkesh Rakhymzhanov"]
//! year = 2024
//! kind = "journal article"
//! languages = ["en", "ru", "kk"]
//! source = "Access to Justice in Eastern Europe"
//! doi = "10.33327/AJEE-18-7.2-a000104"
//! licence = "CC BY 4.0"
//! fields = { country = "Kazakhstan" }  # any further metadata, for crosstabs
//!
//! [[document]]
//! file = "archive/decree_1998.txt"
//! encoding = "koi8-r"                 # when detection guesses wrong: decode with this
//!
//! [[document]]
//! file = "scan.txt"
//! no_text = true                      # an empty file is this document, kept for its metadata
//!
//! # Groups of documents (REFI-QDA document sets), kept for the tools a project goes back to.
//! [[group]]
//! name = "Journal articles"
//! description = "The peer-reviewed papers."
//! documents = ["narymbaeva2024", "archive/decree_1998"]
//! ```
//!
//! Metadata given here takes precedence over a sidecar file (`decree_1998.meta.toml`, the same
//! keys without `file`), which takes precedence over what the file itself carries (Markdown front
//! matter, DOCX and PDF document properties, an HTML `<title>`), and, for the title, over the
//! text's first line.
//!
//! Unknown keys are rejected with the line and column of the key.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::Metadata;
use crate::error::{Diagnostic, Error, Result};

/// The file name a corpus folder's manifest has.
pub const MANIFEST_FILE: &str = "corpus.toml";

/// A parsed `corpus.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// The corpus's name, if given.
    pub name: Option<String>,
    /// A description of the corpus, if given.
    pub description: Option<String>,
    /// One entry per listed document, in file order.
    pub documents: Vec<ManifestEntry>,
    /// The groups of documents, in file order.
    pub groups: Vec<DocumentGroup>,
}

/// A named group of documents: a REFI-QDA `<Set>` of sources (MAXQDA's document sets,
/// ATLAS.ti's document groups), kept so that a project read from another tool is written back
/// with its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentGroup {
    /// The group's name, unique in the corpus.
    pub name: String,
    /// What the group is for.
    pub description: Option<String>,
    /// The ids of its documents.
    pub documents: Vec<String>,
}

/// One `[[document]]` of the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// The file, relative to the corpus folder, with `/` separators.
    pub file: String,
    /// The document id, if the manifest sets one.
    pub id: Option<String>,
    /// The metadata the manifest gives.
    pub metadata: Metadata,
    /// 1-based line of the entry's `file` key, for messages.
    pub line: usize,
    /// The document has no text (`no_text = true`: a source whose text its REFI-QDA project
    /// did not hold); its empty file is read as an empty document rather than refused.
    pub no_text: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    corpus: Option<RawCorpus>,
    #[serde(default)]
    document: Vec<RawDocument>,
    #[serde(default)]
    group: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Spanned<String>,
    description: Option<String>,
    #[serde(default)]
    documents: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorpus {
    name: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    file: Option<Spanned<String>>,
    id: Option<Spanned<String>>,
    title: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    year: Option<i32>,
    kind: Option<String>,
    #[serde(default)]
    languages: Vec<String>,
    source: Option<String>,
    doi: Option<String>,
    url: Option<String>,
    licence: Option<String>,
    encoding: Option<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, Spanned<toml::Value>>,
    no_text: Option<Spanned<bool>>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn from_path(path: &Path) -> Result<Manifest> {
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Manifest::parse(&source, Some(path))
    }

    /// Parses and validates manifest text; `path` is used in messages only.
    pub fn parse(source: &str, path: Option<&Path>) -> Result<Manifest> {
        let fail = |message: String, span: Option<std::ops::Range<usize>>| {
            Error::Manifest(Box::new(
                Diagnostic::new(message)
                    .with_path(path)
                    .with_span(source, span),
            ))
        };
        let raw: RawManifest = toml::from_str(source).map_err(|e| {
            fail(
                format!("invalid corpus manifest: {}", e.message()),
                e.span(),
            )
        })?;
        let mut seen_files = HashSet::new();
        let mut seen_ids = HashSet::new();
        let mut documents = Vec::with_capacity(raw.document.len());
        for mut doc in raw.document {
            let Some(file) = doc.file.take() else {
                return Err(fail(
                    "invalid corpus manifest: a [[document]] has no `file`".to_string(),
                    None,
                ));
            };
            let file_span = file.span();
            let file = file.into_inner().replace('\\', "/");
            if file.trim().is_empty() || Path::new(&file).is_absolute() || file.contains("..") {
                return Err(fail(
                    format!(
                        "invalid corpus manifest: `file` must be a path inside the corpus folder, not {file:?}"
                    ),
                    Some(file_span),
                ));
            }
            if !seen_files.insert(file.clone()) {
                return Err(fail(
                    format!("invalid corpus manifest: {file:?} is listed twice"),
                    Some(file_span),
                ));
            }
            let id = match doc.id.take() {
                Some(id) => {
                    let span = id.span();
                    let id = id.into_inner();
                    if let Some(problem) = super::id_problem(&id) {
                        return Err(fail(
                            format!("invalid corpus manifest: document id {id:?} {problem}"),
                            Some(span),
                        ));
                    }
                    if !seen_ids.insert(id.clone()) {
                        return Err(fail(
                            format!("invalid corpus manifest: document id {id:?} is used twice"),
                            Some(span),
                        ));
                    }
                    Some(id)
                }
                None => None,
            };
            documents.push(ManifestEntry {
                line: crate::error::Location::from_span(source, file_span.clone()).line,
                file,
                id,
                no_text: doc.no_text.as_ref().is_some_and(|n| *n.get_ref()),
                metadata: metadata(doc, &fail)?,
            });
        }
        let mut groups: Vec<DocumentGroup> = Vec::with_capacity(raw.group.len());
        for group in raw.group {
            let span = group.name.span();
            let name = group.name.into_inner();
            if name.trim().is_empty() || groups.iter().any(|g| g.name == name) {
                return Err(fail(
                    format!(
                        "invalid corpus manifest: a [[group]] needs a name of its own, not {name:?}"
                    ),
                    Some(span),
                ));
            }
            groups.push(DocumentGroup {
                name,
                description: group.description,
                documents: group.documents,
            });
        }
        let (name, description) = raw.corpus.map_or((None, None), |c| (c.name, c.description));
        Ok(Manifest {
            name,
            description,
            documents,
            groups,
        })
    }

    /// Reads a sidecar metadata file (`NAME.meta.toml` beside `NAME.pdf`): the keys of a
    /// manifest `[[document]]`, without `file` and `id`.
    pub fn sidecar(path: &Path) -> Result<Metadata> {
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let fail = |message: String, span: Option<std::ops::Range<usize>>| {
            Error::Manifest(Box::new(
                Diagnostic::new(message)
                    .with_path(Some(path))
                    .with_span(&source, span),
            ))
        };
        let doc: RawDocument = toml::from_str(&source)
            .map_err(|e| fail(format!("invalid metadata file: {}", e.message()), e.span()))?;
        if let Some(key) = doc.file.as_ref().or(doc.id.as_ref()) {
            return Err(fail(
                "invalid metadata file: `file` and `id` belong in corpus.toml; a sidecar names its document by its own name".to_string(),
                Some(key.span()),
            ));
        }
        if let Some(no_text) = &doc.no_text {
            return Err(fail(
                "invalid metadata file: `no_text` belongs in corpus.toml".to_string(),
                Some(no_text.span()),
            ));
        }
        metadata(doc, &fail)
    }

    /// The entry for `file` (relative, `/`-separated), if listed.
    pub fn entry(&self, file: &str) -> Option<&ManifestEntry> {
        self.documents.iter().find(|d| d.file == file)
    }
}

/// The metadata of a `[[document]]` (or sidecar), validated.
fn metadata(
    doc: RawDocument,
    fail: &dyn Fn(String, Option<std::ops::Range<usize>>) -> Error,
) -> Result<Metadata> {
    let encoding = match doc.encoding {
        Some(label) => {
            let span = label.span();
            let label = label.into_inner();
            let Some(enc) = encoding_rs::Encoding::for_label(label.trim().as_bytes()) else {
                return Err(fail(
                    format!(
                        "invalid corpus manifest: unknown encoding {label:?} (use a WHATWG label such as \"windows-1251\" or \"koi8-r\")"
                    ),
                    Some(span),
                ));
            };
            Some(enc.name().to_ascii_lowercase())
        }
        None => None,
    };
    let mut fields = BTreeMap::new();
    for (key, value) in doc.fields {
        let span = value.span();
        let text = match value.into_inner() {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(fail(
                    format!(
                        "invalid corpus manifest: field {key:?} must be a string, number or boolean, not {}",
                        other.type_str()
                    ),
                    Some(span),
                ));
            }
        };
        fields.insert(key, text);
    }
    Ok(Metadata {
        title: doc.title.unwrap_or_default(),
        authors: doc.authors,
        year: doc.year,
        kind: doc.kind,
        languages: doc.languages,
        source: doc.source,
        doi: doc.doi,
        url: doc.url,
        licence: doc.licence,
        encoding,
        fields,
    })
}

/// The manifest path of a corpus folder.
pub(crate) fn manifest_path(root: &Path) -> PathBuf {
    root.join(MANIFEST_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_fields() {
        let m = Manifest::parse(
            "[corpus]\nname = \"c\"\n\n[[document]]\nfile = \"a.txt\"\ntitle = \"A\"\nyear = 2023\nlanguages = [\"en\", \"kk\"]\nfields = { country = \"KZ\", pages = 12 }\n",
            None,
        )
        .unwrap();
        assert_eq!(m.name.as_deref(), Some("c"));
        let e = m.entry("a.txt").unwrap();
        assert_eq!(e.metadata.year, Some(2023));
        assert_eq!(e.metadata.fields["pages"], "12");
        assert_eq!(e.line, 5);
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_position() {
        let err = Manifest::parse(
            "[[document]]\nfile = \"a.txt\"\nautor = \"x\"\n",
            Some(Path::new("corpus.toml")),
        )
        .unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("unknown field `autor`"), "{shown}");
        assert!(shown.contains("corpus.toml:3:1"), "{shown}");
    }

    #[test]
    fn duplicate_files_and_ids_are_rejected() {
        let twice = "[[document]]\nfile = \"a.txt\"\n[[document]]\nfile = \"a.txt\"\n";
        assert!(
            Manifest::parse(twice, None)
                .unwrap_err()
                .to_string()
                .contains("listed twice")
        );
        let ids = "[[document]]\nfile = \"a.txt\"\nid = \"x\"\n[[document]]\nfile = \"b.txt\"\nid = \"x\"\n";
        let err = Manifest::parse(ids, None).unwrap_err().to_string();
        assert!(err.contains("used twice") && err.contains(":6:"), "{err}");
    }

    #[test]
    fn groups_and_documents_without_text_are_read() {
        let m = Manifest::parse(
            "[[document]]\nfile = \"a.txt\"\nno_text = true\n[[group]]\nname = \"G\"\ndocuments = [\"a\"]\n",
            None,
        )
        .unwrap();
        assert!(m.documents[0].no_text);
        assert_eq!(m.groups[0].documents, ["a"]);
        let err = Manifest::parse(
            "[[group]]\nname = \"G\"\n[[group]]\nname = \"G\"\n",
            Some(Path::new("corpus.toml")),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("name of its own") && err.contains("corpus.toml:4:"),
            "{err}"
        );
    }

    #[test]
    fn paths_outside_the_folder_are_rejected() {
        let err = Manifest::parse("[[document]]\nfile = \"../secret.txt\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("inside the corpus folder"), "{err}");
    }
}

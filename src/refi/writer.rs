//! Writing a codebook as a `.qdc`, and a coded corpus as a `.qdpx` project.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Cursor, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

use super::xml::XmlWriter;
use super::{
    CODE_ID_LABEL, CODEBOOK_NAMESPACE, EXCLUDE_LABEL, INCLUDE_LABEL, MEMO_LABEL, PROJECT_NAMESPACE,
    guid,
};
use crate::codebook::{Code, Codebook};
use crate::coding::{CodedSegment, Coding, Origin, slice_chars};
use crate::corpus::{Corpus, Document, DocumentGroup, Metadata};
use crate::error::{Error, Result};
use crate::export::write_atomic;
use crate::text::CharIndex;

/// Where an instance document says its schema is, as the tools write it.
const PROJECT_SCHEMA_LOCATION: &str =
    "urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd";
const CODEBOOK_SCHEMA_LOCATION: &str =
    "urn:QDA-XML:codebook:1.0 http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The longest selection name, in characters: the start of the selected text, for people
/// browsing the project in another tool.
const SELECTION_NAME_CHARS: usize = 80;

/// Writes `codebook` as a REFI-QDA codebook (`.qdc`): every code, nested under its parent, with
/// its label as the name, its colour, whether it is codable, and a description holding the
/// definition, the inclusion and exclusion notes, the memo and the code's id (see the
/// [module docs](super)); then its groups of codes as `<Sets>`.
///
/// Fails with [`io::ErrorKind::InvalidInput`] for a codebook without codes, which the schema
/// cannot express.
pub fn write_codebook(codebook: &Codebook, out: &mut dyn Write) -> io::Result<()> {
    if codebook.codes().is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "codebook {:?} has no codes, and a REFI-QDA codebook needs at least one",
                codebook.title()
            ),
        ));
    }
    let mut xml = XmlWriter::new(out)?;
    xml.open(
        "CodeBook",
        &[
            ("xmlns", CODEBOOK_NAMESPACE),
            ("xmlns:xsi", XSI_NAMESPACE),
            ("xsi:schemaLocation", CODEBOOK_SCHEMA_LOCATION),
            ("origin", &origin()),
        ],
    )?;
    write_codes(&mut xml, codebook)?;
    super::sets::write_codebook_sets(&mut xml, codebook)?;
    xml.close("CodeBook")
}

/// Writes the coded corpus as a REFI-QDA project (`.qdpx`) at `path`, atomically: a temporary
/// file in the same folder, renamed into place when complete.
///
/// The zip holds `project.qde` (users, the codebook, document metadata as variables, each
/// document with one selection per coded segment, and the groups of codes and documents as
/// sets) and each document's stored text as `sources/GUID.txt`. Fails with [`Error::Invalid`] if a segment names a document not in
/// `corpus` or a code not in `codebook`, or lies outside its document's text.
pub fn write_project(
    path: &Path,
    corpus: &Corpus,
    codebook: &Codebook,
    coding: &Coding,
) -> Result<()> {
    let project = Project::new(corpus, codebook, coding)?;
    let name = corpus
        .name()
        .map(str::to_string)
        .or_else(|| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "thematic".to_string());
    let bytes = project.zip(&name).map_err(|e| Error::io(path, e))?;
    write_atomic(path, |out| out.write_all(&bytes))
}

/// `origin` of everything written: the program and its version.
fn origin() -> String {
    format!("thematic {}", env!("CARGO_PKG_VERSION"))
}

/// Writes `<Codes>` with the codebook's codes nested by their ids.
fn write_codes(xml: &mut XmlWriter<'_>, codebook: &Codebook) -> io::Result<()> {
    let mut children: HashMap<Option<&str>, Vec<&Code>> = HashMap::new();
    for code in codebook.codes() {
        children.entry(code.parent()).or_default().push(code);
    }
    xml.open("Codes", &[])?;
    for code in children.get(&None).into_iter().flatten() {
        write_code(xml, code, &children)?;
    }
    xml.close("Codes")
}

fn write_code(
    xml: &mut XmlWriter<'_>,
    code: &Code,
    children: &HashMap<Option<&str>, Vec<&Code>>,
) -> io::Result<()> {
    let guid = guid("code", &[&code.id]);
    let colour = code.colour.as_deref().map(schema_colour);
    let mut attributes = vec![
        ("guid", guid.as_str()),
        ("name", code.label.as_str()),
        ("isCodable", if code.codable { "true" } else { "false" }),
    ];
    if let Some(colour) = &colour {
        attributes.push(("color", colour));
    }
    xml.open("Code", &attributes)?;
    xml.text("Description", &code_description(code))?;
    for child in children.get(&Some(&*code.id)).into_iter().flatten() {
        write_code(xml, child, children)?;
    }
    xml.close("Code")
}

/// A code's description for other tools: the definition, the notes and memo, each labelled,
/// and last the code's id, which [`read_codebook`](super::read_codebook) takes back.
fn code_description(code: &Code) -> String {
    let mut paragraphs = Vec::new();
    if let Some(description) = nonblank(&code.description) {
        paragraphs.push(description.to_string());
    }
    for (label, text) in [
        (INCLUDE_LABEL, &code.include),
        (EXCLUDE_LABEL, &code.exclude),
        (MEMO_LABEL, &code.memo),
    ] {
        if let Some(text) = nonblank(text) {
            paragraphs.push(format!("{label}{text}"));
        }
    }
    paragraphs.push(format!("{CODE_ID_LABEL}{}", code.id));
    paragraphs.join("\n\n")
}

fn nonblank(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `#rrggbb` or `#rgb` as the schema's examples and the tools write it: `#RRGGBB`.
fn schema_colour(colour: &str) -> String {
    let hex = colour.trim_start_matches('#');
    let full: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_string()
    };
    format!("#{}", full.to_ascii_uppercase())
}

/// A project laid out for writing: users, variables and sources with their selections, every
/// GUID assigned, everything in its final order.
struct Project<'a> {
    codebook: &'a Codebook,
    groups: &'a [DocumentGroup],
    description: String,
    users: Vec<User>,
    variables: Vec<Variable>,
    sources: Vec<Source<'a>>,
}

struct User {
    guid: String,
    name: String,
}

/// A metadata field written as a REFI-QDA variable.
struct Variable {
    guid: String,
    name: String,
    integer: bool,
}

struct Source<'a> {
    doc: &'a Document,
    guid: String,
    selections: Vec<Selection<'a>>,
    /// Values by index into [`Project::variables`].
    values: Vec<(usize, String)>,
}

struct Selection<'a> {
    segment: &'a CodedSegment,
    guid: String,
    coding_guid: String,
    user_guid: String,
    name: String,
}

impl<'a> Project<'a> {
    fn new(corpus: &'a Corpus, codebook: &'a Codebook, coding: &'a Coding) -> Result<Project<'a>> {
        let mut by_document: HashMap<&str, Vec<&CodedSegment>> = corpus
            .documents()
            .iter()
            .map(|doc| (&*doc.id, Vec::new()))
            .collect();
        for segment in &coding.segments {
            let Some(segments) = by_document.get_mut(&*segment.doc) else {
                return Err(Error::Invalid(format!(
                    "cannot export the coding: a segment codes document {:?}, which is not in the corpus",
                    segment.doc
                )));
            };
            if codebook.code(&segment.code).is_none() {
                return Err(Error::Invalid(format!(
                    "cannot export the coding: document {:?} is coded with `{}`, which is not in the codebook {:?}",
                    segment.doc,
                    segment.code,
                    codebook.title()
                )));
            }
            segments.push(segment);
        }
        let automatic = automatic_user(codebook);
        let users = users(&automatic, coding);
        let variables = variables(corpus);
        let mut sources = Vec::with_capacity(corpus.documents().len());
        for doc in corpus.documents() {
            let segments = by_document.remove(&*doc.id).unwrap_or_default();
            sources.push(Source {
                guid: guid("source", &[&doc.id]),
                selections: selections(doc, segments, codebook, &automatic)?,
                values: values(&doc.metadata, &variables),
                doc,
            });
        }
        let description = format!(
            "{} documents coded by {} with the codebook \"{}\" in passages of one {}; automatic codings are by the user \"{}\".",
            corpus.documents().len(),
            origin(),
            codebook.title(),
            coding.unit,
            automatic.name
        );
        Ok(Project {
            codebook,
            groups: corpus.groups(),
            description,
            users,
            variables,
            sources,
        })
    }

    /// The `.qdpx`: `project.qde`, then each source's text, deflated, dated at the zip epoch
    /// so that the same project gives the same bytes.
    fn zip(&self, name: &str) -> io::Result<Vec<u8>> {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("project.qde", options)?;
        self.write_qde(name, &mut zip)?;
        for source in &self.sources {
            zip.start_file(format!("sources/{}.txt", source.guid), options)?;
            zip.write_all(source.doc.text.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    }

    fn write_qde(&self, name: &str, out: &mut dyn Write) -> io::Result<()> {
        let origin = origin();
        let mut xml = XmlWriter::new(out)?;
        xml.open(
            "Project",
            &[
                ("xmlns", PROJECT_NAMESPACE),
                ("xmlns:xsi", XSI_NAMESPACE),
                ("xsi:schemaLocation", PROJECT_SCHEMA_LOCATION),
                ("name", name),
                ("origin", &origin),
                ("creatingUserGUID", &self.users[0].guid),
            ],
        )?;
        xml.open("Users", &[])?;
        for user in &self.users {
            xml.empty("User", &[("guid", &user.guid), ("name", &user.name)])?;
        }
        xml.close("Users")?;
        if !self.codebook.codes().is_empty() {
            xml.open("CodeBook", &[])?;
            write_codes(&mut xml, self.codebook)?;
            xml.close("CodeBook")?;
        }
        self.write_variables(&mut xml)?;
        if !self.sources.is_empty() {
            xml.open("Sources", &[])?;
            for source in &self.sources {
                self.write_source(&mut xml, source)?;
            }
            xml.close("Sources")?;
        }
        let source_guids: HashMap<&str, &str> = self
            .sources
            .iter()
            .map(|s| (&*s.doc.id, s.guid.as_str()))
            .collect();
        super::sets::write_project_sets(&mut xml, self.codebook, self.groups, &source_guids)?;
        xml.text("Description", &self.description)?;
        xml.close("Project")
    }

    fn write_variables(&self, xml: &mut XmlWriter<'_>) -> io::Result<()> {
        if self.variables.is_empty() {
            return Ok(());
        }
        xml.open("Variables", &[])?;
        for variable in &self.variables {
            let kind = if variable.integer { "Integer" } else { "Text" };
            xml.empty(
                "Variable",
                &[
                    ("guid", &variable.guid),
                    ("name", &variable.name),
                    ("typeOfVariable", kind),
                ],
            )?;
        }
        xml.close("Variables")
    }

    fn write_source(&self, xml: &mut XmlWriter<'_>, source: &Source<'_>) -> io::Result<()> {
        let path = format!("internal://{}.txt", source.guid);
        xml.open(
            "TextSource",
            &[
                ("guid", &source.guid),
                ("name", &source.doc.id),
                ("plainTextPath", &path),
            ],
        )?;
        for selection in &source.selections {
            let segment = selection.segment;
            let (start, end) = (segment.start.to_string(), segment.end.to_string());
            xml.open(
                "PlainTextSelection",
                &[
                    ("guid", &selection.guid),
                    ("name", &selection.name),
                    ("startPosition", &start),
                    ("endPosition", &end),
                    ("creatingUser", &selection.user_guid),
                ],
            )?;
            if let Some(memo) = nonblank(&segment.memo) {
                xml.text("Description", memo)?;
            }
            xml.open(
                "Coding",
                &[
                    ("guid", &selection.coding_guid),
                    ("creatingUser", &selection.user_guid),
                ],
            )?;
            xml.empty(
                "CodeRef",
                &[("targetGUID", &guid("code", &[&segment.code]))],
            )?;
            xml.close("Coding")?;
            xml.close("PlainTextSelection")?;
        }
        for (index, value) in &source.values {
            let variable = &self.variables[*index];
            xml.open("VariableValue", &[])?;
            xml.empty("VariableRef", &[("targetGUID", &variable.guid)])?;
            let element = if variable.integer {
                "IntegerValue"
            } else {
                "TextValue"
            };
            xml.text(element, value)?;
            xml.close("VariableValue")?;
        }
        xml.close("TextSource")
    }
}

/// The user that automatic codings are credited to: thematic with the codebook's name and
/// version, since a new version of the codebook is in effect a different coder.
fn automatic_user(codebook: &Codebook) -> User {
    let name = format!("thematic (codebook {})", codebook.title());
    User {
        guid: guid("user", &["auto", &name]),
        name,
    }
}

fn coder_user(coder: &str) -> User {
    User {
        guid: guid("user", &["coder", coder]),
        name: coder.to_string(),
    }
}

/// The automatic user first (it creates the project), then every manual coder by name.
fn users(automatic: &User, coding: &Coding) -> Vec<User> {
    let coders: BTreeSet<&str> = coding
        .segments
        .iter()
        .filter_map(|s| match &s.origin {
            Origin::Manual { coder } => Some(coder.as_str()),
            Origin::Auto | Origin::Model { .. } => None,
        })
        .collect();
    let mut users = vec![User {
        guid: automatic.guid.clone(),
        name: automatic.name.clone(),
    }];
    users.extend(coders.into_iter().map(coder_user));
    users
}

/// The selections of one document, in text order, after checking each segment fits its text.
fn selections<'a>(
    doc: &Document,
    mut segments: Vec<&'a CodedSegment>,
    codebook: &Codebook,
    automatic: &User,
) -> Result<Vec<Selection<'a>>> {
    let chars = doc.text.chars().count();
    if let Some(bad) = segments.iter().find(|s| s.start > s.end || s.end > chars) {
        return Err(Error::Invalid(format!(
            "cannot export the coding: segment {}..{} of document {:?} is not within its {chars} characters",
            bad.start, bad.end, doc.id
        )));
    }
    let coder = |s: &CodedSegment| match &s.origin {
        Origin::Auto | Origin::Model { .. } => None,
        Origin::Manual { coder } => Some(coder.clone()),
    };
    segments.sort_by_cached_key(|s| {
        (
            s.start,
            s.end,
            codebook.code_index(&s.code),
            coder(s),
            s.memo.clone(),
        )
    });
    let index = CharIndex::new(&doc.text);
    let mut seen: HashMap<(usize, usize, &str, Option<String>), usize> = HashMap::new();
    let mut out = Vec::with_capacity(segments.len());
    for segment in segments {
        let coder = coder(segment);
        let user_guid = match &coder {
            None => automatic.guid.clone(),
            Some(name) => coder_user(name).guid,
        };
        // The same code on the same span by the same coder twice still needs two GUIDs.
        let repeat = seen
            .entry((segment.start, segment.end, &segment.code, coder.clone()))
            .or_default();
        *repeat += 1;
        let identity = [
            &*doc.id,
            &segment.start.to_string(),
            &segment.end.to_string(),
            &*segment.code,
            coder.as_deref().unwrap_or("\0auto"),
            &repeat.to_string(),
        ];
        out.push(Selection {
            guid: guid("selection", &identity),
            coding_guid: guid("coding", &identity),
            user_guid,
            name: excerpt(slice_chars(&doc.text, &index, segment.start, segment.end)),
            segment,
        });
    }
    Ok(out)
}

/// The start of a selected text on one line, for a selection's name.
fn excerpt(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(SELECTION_NAME_CHARS) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

/// The built-in metadata fields written as variables, in order; `year` is the one integer.
const METADATA_VARIABLES: [&str; 9] = [
    "title",
    "authors",
    "year",
    "kind",
    "languages",
    "source",
    "doi",
    "url",
    "licence",
];

/// The variables any document has a value for: the built-in fields in their order, then the
/// manifest's further fields by name. The legacy encoding a file was decoded from is a detail
/// of reading, and is left out.
fn variables(corpus: &Corpus) -> Vec<Variable> {
    let mut names: Vec<String> = METADATA_VARIABLES
        .iter()
        .filter(|name| {
            corpus
                .documents()
                .iter()
                .any(|d| metadata_value(&d.metadata, name).is_some())
        })
        .map(|name| name.to_string())
        .collect();
    let extra: BTreeSet<&String> = corpus
        .documents()
        .iter()
        .flat_map(|d| d.metadata.fields.keys())
        .filter(|name| !METADATA_VARIABLES.contains(&name.as_str()) && *name != "encoding")
        .collect();
    names.extend(extra.into_iter().cloned());
    names
        .into_iter()
        .map(|name| Variable {
            guid: guid("variable", &[&name]),
            integer: name == "year",
            name,
        })
        .collect()
}

/// A document's value of each variable it has.
fn values(metadata: &Metadata, variables: &[Variable]) -> Vec<(usize, String)> {
    variables
        .iter()
        .enumerate()
        .filter_map(|(i, v)| metadata_value(metadata, &v.name).map(|value| (i, value)))
        .collect()
}

/// A metadata field's value, if set and not blank.
fn metadata_value(metadata: &Metadata, name: &str) -> Option<String> {
    metadata.get(name).filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_written_as_the_tools_write_them() {
        assert_eq!(schema_colour("#d55e00"), "#D55E00");
        assert_eq!(schema_colour("#0a3"), "#00AA33");
    }

    #[test]
    fn descriptions_label_each_part_and_end_with_the_id() {
        let mut code = Code::new("brain_drain/push", "Push factors");
        code.description = Some("Why people leave.\n".into());
        code.exclude = Some("Not return.".into());
        code.memo = Some("  ".into());
        assert_eq!(
            code_description(&code),
            "Why people leave.\n\nExclude: Not return.\n\nthematic code id: brain_drain/push"
        );
        assert_eq!(
            code_description(&Code::new("a", "A")),
            "thematic code id: a"
        );
    }

    #[test]
    fn excerpts_are_one_line_and_short() {
        assert_eq!(excerpt("  Brain\n\ndrain  "), "Brain drain");
        let long = "word ".repeat(40);
        let cut = excerpt(&long);
        assert!(cut.ends_with('…') && cut.chars().count() <= SELECTION_NAME_CHARS + 1);
    }

    #[test]
    fn repeated_codings_memos_and_metadata_survive_a_round_trip() {
        use crate::segment::Unit;
        let mut doc = Document::new("note", "Brain drain grows.\n\nStudents leave.");
        doc.metadata.year = Some(2024);
        doc.metadata.fields.insert("region".into(), "Almaty".into());
        let corpus = Corpus::from_documents([doc]);
        let codebook = Codebook::builder("cb")
            .code(Code::new("bd", "Brain drain"))
            .build()
            .unwrap();
        let mut coding = Coding::empty(&corpus, Unit::Paragraph);
        let doc = corpus.document("note").unwrap();
        // The same span coded twice by one coder: two selections, two GUIDs.
        coding
            .add_manual(doc, 0, 11, "bd", "aigerim", Some("first"))
            .unwrap();
        coding
            .add_manual(doc, 0, 11, "bd", "aigerim", Some("again"))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.qdpx");
        write_project(&path, &corpus, &codebook, &coding).unwrap();
        assert_eq!(super::super::check(&path).unwrap(), Vec::<String>::new());
        let back = super::super::read_project(&path).unwrap();
        let memos: Vec<_> = back.segments.iter().map(|s| s.memo.as_deref()).collect();
        assert_eq!(memos, [Some("again"), Some("first")]);
        let metadata = &back.documents[0].metadata;
        assert_eq!(
            (metadata.year, metadata.fields["region"].as_str()),
            (Some(2024), "Almaty")
        );

        coding.segments[0].code = "nope".into();
        let err = write_project(&path, &corpus, &codebook, &coding)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("coded with `nope`, which is not in the codebook"),
            "{err}"
        );
        coding.segments[0].code = "bd".into();
        coding.segments[0].end = 99;
        let err = write_project(&path, &corpus, &codebook, &coding)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("segment 0..99 of document \"note\" is not within its 35 characters"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_codebook_cannot_be_a_qdc() {
        let codebook = Codebook::builder("empty").build().unwrap();
        let err = write_codebook(&codebook, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}

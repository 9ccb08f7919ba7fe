//! Reading REFI-QDA codebooks and projects into thematic's codebook, documents and codings.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::archive::Package;
use super::codes::{ImportedCodes, read_codes};
use super::positions::StoredText;
use super::sets::{self, add_code_groups, document_groups, read_sets};
use super::xml::{Element, XmlFile};
use super::{CODEBOOK_NAMESPACE, PROJECT_NAMESPACE, guid_key, nonblank};
use crate::codebook::Codebook;
use crate::coding::{CodedSegment, Origin};
use crate::corpus::{Document, DocumentGroup, Metadata};
use crate::error::Result;

/// The coder of a coding whose file names none.
const UNKNOWN_CODER: &str = "unknown";

/// A REFI-QDA project read into thematic's terms.
#[derive(Debug)]
pub struct ImportedProject {
    /// The project's name (`<Project name>`).
    pub name: String,
    /// The program that wrote it (`<Project origin>`), if stated.
    pub origin: Option<String>,
    /// The codebook, as [`read_codebook`] reads it.
    pub codebook: Codebook,
    /// One document per text source, in file order: the id is the source's name (made unique
    /// with `_2`, `_3`, … where names repeat), the text is the source's text normalised as
    /// every document's is, and the metadata comes from the source's variables (`title`,
    /// `authors`, `year`, … by name, any other variable as a field; the title defaults to the
    /// name) and its description (the field `description`). A source whose text the file does
    /// not hold has empty text and is named in [`ImportedProject::warnings`].
    pub documents: Vec<Document>,
    /// Every coding of a text selection (and of a whole source) as a manual segment by the
    /// user who made it, with offsets in the document's stored text, in document and text
    /// order. The memo is the selection's description and the notes the coding refers to.
    ///
    /// A selection may span several passages, and `passage` is 0 for all: where a segment
    /// falls depends on the unit of coding, which a REFI-QDA file does not have. Place them
    /// with [`Coding::add_manual`](crate::Coding::add_manual), or write them as records and
    /// read them back with [`Coding::add_records`](crate::Coding::add_records), which place
    /// manual records into passages whatever passage they carry.
    pub segments: Vec<CodedSegment>,
    /// The project's sets that hold documents (MAXQDA's document sets), or nothing at all,
    /// with the ids of their documents; sets of codes are the codebook's
    /// [groups](Codebook::groups). Give them to the corpus with
    /// [`Corpus::with_groups`](crate::Corpus::with_groups) to write them back.
    pub groups: Vec<DocumentGroup>,
    /// What was read only in part or left out, one sentence each: sources without text,
    /// non-text sources, empty selections, set members that are notes.
    pub warnings: Vec<String>,
}

/// Reads a REFI-QDA codebook: a `.qdc`, or the codebook of a project (a `.qdpx`, or a bare
/// `.qde`).
///
/// Each code's id is made from its name, lower-cased with every run of characters other than
/// letters and digits made one `_`, under its parent's id (`Migration drivers` › `brain drain`
/// becomes `migration_drivers/brain_drain`), made unique with `_2`, `_3`, … among its
/// siblings. A code exported by thematic gets its own id back, from the last line of its
/// description. The label is the name; the description, include and exclude notes and memo
/// are read back from thematic's labelled paragraphs, and another tool's description is the
/// description. Colours are kept when valid (`#rrggbb`), and so is `isCodable="false"` (a code
/// that only heads its sub-codes). Sets of codes become the codebook's
/// [groups](Codebook::groups), names made unique with ` (2)`, … (Taguette's empty `<Sets/>`,
/// which the schema forbids, gives none). The codebook's name is the project's, or for a `.qdc`
/// the file's name.
pub fn read_codebook(path: impl AsRef<Path>) -> Result<Codebook> {
    let path = path.as_ref();
    let mut package = Package::open(path)?;
    let xml = package.main_xml()?;
    let root = xml.parse()?;
    let file_name = file_stem(path);
    let (codes, name, is_project) = match root.name.as_str() {
        "CodeBook" => {
            expect_namespace(&xml, &root, CODEBOOK_NAMESPACE)?;
            (root.child("Codes"), file_name.as_str(), false)
        }
        "Project" => {
            expect_namespace(&xml, &root, PROJECT_NAMESPACE)?;
            let name = root.attribute("name").unwrap_or(&file_name);
            let codes = root.child("CodeBook").and_then(|c| c.child("Codes"));
            (codes, name, true)
        }
        other => return Err(not_refi(&xml, &root, other)),
    };
    let ImportedCodes {
        mut codebook,
        by_guid,
    } = read_codes(&xml, codes, name)?;
    // A project's sets may hold sources too, which a codebook leaves out.
    let sources: HashMap<String, Option<Arc<str>>> = root
        .children_named("Sources")
        .flat_map(|s| &s.children)
        .filter_map(|source| Some((guid_key(source.attribute("guid")?), None)))
        .collect();
    let sets = read_sets(&xml, root.child("Sets"), &by_guid, &sources)?;
    add_code_groups(&xml, &mut codebook, &sets, !is_project)?;
    Ok(codebook)
}

/// Reads a REFI-QDA project: a `.qdpx`, or a bare `.qde` (whose sources have no text; see
/// [`ImportedProject::documents`]).
///
/// Text sources are read from `internal://` paths in the archive's `sources/` folder or from
/// their `PlainTextContent`; a source elsewhere (an absolute or relative path on someone's
/// disk) is never opened. Positions are code points of the source's text after its byte-order
/// mark, carried onto the stored text (LF line ends, NFC); a position inside a stretch the
/// normalisation rewrites (between CR and LF, or inside a decomposed letter) widens the
/// selection to cover the stretch.
///
/// The file is hostile input: zip entries named with an absolute path, `..` or a backslash
/// refuse the archive; no file read from it may inflate past 256 MB, nor all of them past
/// 1 GB; a DOCTYPE (and with it any entity declaration) refuses the file, as do entity
/// references other than XML's five and elements nested over 256 deep. A selection outside its
/// text, a coding of a code the codebook lacks, or a malformed number is an error naming the
/// file, the line and the column.
pub fn read_project(path: impl AsRef<Path>) -> Result<ImportedProject> {
    let path = path.as_ref();
    let mut package = Package::open(path)?;
    let xml = package.main_xml()?;
    let root = xml.parse()?;
    match root.name.as_str() {
        "Project" => expect_namespace(&xml, &root, PROJECT_NAMESPACE)?,
        "CodeBook" => {
            return Err(xml.error_at(
                root.offset,
                "this is a REFI-QDA codebook (<CodeBook>), not a project: import it as a codebook",
            ));
        }
        other => return Err(not_refi(&xml, &root, other)),
    }
    let name = root
        .attribute("name")
        .map(str::to_string)
        .unwrap_or_else(|| file_stem(path));
    let codes = root.child("CodeBook").and_then(|c| c.child("Codes"));
    let ImportedCodes {
        mut codebook,
        by_guid,
    } = read_codes(&xml, codes, &name)?;
    let mut project = ProjectReader {
        xml: &xml,
        package: &mut package,
        codes: &by_guid,
        users: users(&root),
        default_user: root.attribute("creatingUserGUID").map(guid_key),
        variables: variables(&root),
        notes: HashMap::new(),
        ids: HashSet::new(),
        sources: HashMap::new(),
        documents: Vec::new(),
        segments: Vec::new(),
        textless: Vec::new(),
        warnings: Vec::new(),
    };
    project.read_notes(&root)?;
    if let Some(sources) = root.child("Sources") {
        for source in &sources.children {
            project.read_source(source)?;
        }
    }
    project.finish_warnings();
    let sets = read_sets(&xml, root.child("Sets"), &by_guid, &project.sources)?;
    add_code_groups(&xml, &mut codebook, &sets, false)?;
    project.warnings.extend(sets::warnings(&sets));
    Ok(ImportedProject {
        name,
        origin: root.attribute("origin").map(str::to_string),
        codebook,
        documents: project.documents,
        groups: document_groups(&sets),
        segments: project.segments,
        warnings: project.warnings,
    })
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Refuses a root element in a namespace other than `expected`. One with no namespace at all
/// is let through: hand-made files leave it out.
fn expect_namespace(xml: &XmlFile, root: &Element, expected: &str) -> Result<()> {
    match root.namespace() {
        Some(ns) if ns != expected => Err(xml.error_at(
            root.offset,
            format!(
                "<{}> is in the namespace {ns:?}, not REFI-QDA's {expected:?}",
                root.name
            ),
        )),
        _ => Ok(()),
    }
}

fn not_refi(xml: &XmlFile, root: &Element, name: &str) -> crate::Error {
    xml.error_at(
        root.offset,
        format!("not a REFI-QDA file: the root element is <{name}>, not <Project> or <CodeBook>"),
    )
}

/// Users by GUID: their name, else their id, else the GUID itself.
fn users(root: &Element) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for user in root
        .children_named("Users")
        .flat_map(|u| u.children_named("User"))
    {
        let Some(guid) = user.attribute("guid") else {
            continue;
        };
        let name = [user.attribute("name"), user.attribute("id")]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .unwrap_or(guid);
        out.insert(guid_key(guid), name.to_string());
    }
    out
}

/// Variable names by GUID.
fn variables(root: &Element) -> HashMap<String, String> {
    root.children_named("Variables")
        .flat_map(|v| v.children_named("Variable"))
        .filter_map(|v| {
            Some((
                guid_key(v.attribute("guid")?),
                v.attribute("name")?.to_string(),
            ))
        })
        .collect()
}

/// Reads a project's sources, notes and codings.
struct ProjectReader<'a> {
    xml: &'a XmlFile,
    package: &'a mut Package,
    codes: &'a HashMap<String, Arc<str>>,
    users: HashMap<String, String>,
    default_user: Option<String>,
    variables: HashMap<String, String>,
    /// Note texts by GUID, for the memos of codings that refer to them.
    notes: HashMap<String, String>,
    ids: HashSet<String>,
    /// The document id of each source by GUID; `None` for a source left out (not text).
    sources: HashMap<String, Option<Arc<str>>>,
    documents: Vec<Document>,
    segments: Vec<CodedSegment>,
    /// Names of sources whose text the file does not hold.
    textless: Vec<String>,
    warnings: Vec<String>,
}

impl ProjectReader<'_> {
    fn read_notes(&mut self, root: &Element) -> Result<()> {
        for note in root
            .children_named("Notes")
            .flat_map(|n| n.children_named("Note"))
        {
            let Some(guid) = note.attribute("guid") else {
                continue;
            };
            if let Some(text) = self.text_of(note)? {
                let text = text.trim();
                if !text.is_empty() {
                    self.notes.insert(guid_key(guid), text.to_string());
                }
            }
        }
        Ok(())
    }

    /// The text of a text source (or note): its `PlainTextContent` element or attribute, or
    /// the archive entry its `internal://` path names. `None` when the file does not hold it.
    fn text_of(&mut self, source: &Element) -> Result<Option<String>> {
        if let Some(content) = source.child("PlainTextContent") {
            return Ok(Some(content.text.clone()));
        }
        if let Some(content) = source.attribute("plainTextContent") {
            return Ok(Some(content.to_string()));
        }
        let Some(path) = source.attribute("plainTextPath") else {
            return Ok(None);
        };
        let Some(file) = path.strip_prefix("internal://") else {
            return Ok(None);
        };
        if file.is_empty() || file.contains(['/', '\\']) || file == ".." {
            return Err(self.xml.error_at(
                source.offset,
                format!("plainTextPath {path:?} does not name a file in the sources folder"),
            ));
        }
        self.package.source_text(file)
    }

    /// Reads one source of `<Sources>`: a text source becomes a document with its codings;
    /// any other kind is left out with a warning.
    fn read_source(&mut self, source: &Element) -> Result<()> {
        let name = source.attribute("name").unwrap_or("").trim();
        if source.name != "TextSource" {
            if let Some(guid) = source.attribute("guid") {
                self.sources.insert(guid_key(guid), None);
            }
            let shown = match name {
                "" => source.attribute("guid").unwrap_or(""),
                name => name,
            };
            self.warnings.push(format!(
                "left out the {} {shown:?}: only text sources are imported",
                source.name
            ));
            return Ok(());
        }
        let guid = guid_key(self.xml.required(source, "guid")?);
        let id = self.unique_document_id(name);
        let text = self.text_of(source)?;
        let stored = text.as_deref().map(StoredText::new);
        if stored.is_none() {
            self.textless.push(id.clone());
        }
        let id: Arc<str> = id.into();
        self.sources.insert(guid, Some(id.clone()));
        let mut metadata = self.metadata(source);
        if metadata.title.is_empty() {
            metadata.title = name.to_string();
        }
        let first = self.segments.len();
        for selection in source.children_named("PlainTextSelection") {
            self.read_selection(selection, &id, stored.as_ref())?;
        }
        for coding in source.children_named("Coding") {
            // A coding of the source itself: the whole text.
            let whole = stored.as_ref().map_or(0, |s| s.source_chars);
            self.read_coding(coding, source, &id, stored.as_ref(), 0, whole)?;
        }
        // Tools write selections in no particular order; a stable sort keeps ties as written.
        self.segments[first..]
            .sort_by(|a, b| (a.start, a.end, &a.code).cmp(&(b.start, b.end, &b.code)));
        self.documents.push(Document {
            id,
            path: None,
            format: "refi-qda",
            source_len: text.as_ref().map_or(0, String::len),
            text: stored.map(|s| s.text).unwrap_or_default(),
            metadata,
            pages: Vec::new(),
            sections: Vec::new(),
        });
        Ok(())
    }

    /// A document id from a source's name: control characters made spaces, `source` if
    /// blank, `_2`, `_3`, … appended if taken.
    fn unique_document_id(&mut self, name: &str) -> String {
        let cleaned: String = name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let base = match cleaned.trim() {
            "" => "source",
            trimmed => trimmed,
        };
        let mut id = base.to_string();
        let mut n = 1;
        while self.ids.contains(&id) {
            n += 1;
            id = format!("{base}_{n}");
        }
        self.ids.insert(id.clone());
        id
    }

    /// A source's metadata: its variables by name, and its description.
    fn metadata(&self, source: &Element) -> Metadata {
        let mut metadata = Metadata::default();
        for value in source.children_named("VariableValue") {
            let variable = value
                .child("VariableRef")
                .and_then(|r| r.attribute("targetGUID"))
                .and_then(|guid| self.variables.get(&guid_key(guid)));
            let content = value
                .children
                .iter()
                .find(|c| c.name.ends_with("Value"))
                .map(|c| c.text.trim());
            if let (Some(variable), Some(content)) = (variable, content)
                && !content.is_empty()
            {
                set_field(&mut metadata, variable, content);
            }
        }
        if let Some(description) = source.child("Description").and_then(|d| nonblank(&d.text)) {
            metadata
                .fields
                .insert("description".to_string(), description);
        }
        metadata
    }

    fn read_selection(
        &mut self,
        selection: &Element,
        doc: &Arc<str>,
        stored: Option<&StoredText>,
    ) -> Result<()> {
        let start = self.position(selection, "startPosition")?;
        let end = self.position(selection, "endPosition")?;
        if start > end {
            return Err(self.xml.error_at(
                selection.offset,
                format!("the selection ends (endPosition {end}) before it starts (startPosition {start})"),
            ));
        }
        if let Some(stored) = stored
            && end > stored.source_chars
        {
            return Err(self.xml.error_at(
                selection.offset,
                format!(
                    "the selection {start}..{end} reaches past the end of the text of source {doc:?} ({} characters)",
                    stored.source_chars
                ),
            ));
        }
        for coding in selection.children_named("Coding") {
            self.read_coding(coding, selection, doc, stored, start, end)?;
        }
        Ok(())
    }

    /// A whole-number position attribute of a selection.
    fn position(&self, selection: &Element, name: &str) -> Result<usize> {
        let value = self.xml.required(selection, name)?;
        let trimmed = value.trim();
        trimmed
            .strip_prefix('+')
            .unwrap_or(trimmed)
            .parse::<usize>()
            .map_err(|_| {
                self.xml.error_at(
                    selection.offset,
                    format!("{name} {value:?} is not a whole number of characters from 0"),
                )
            })
    }

    /// Reads one `<Coding>` of `owner` (a selection, or a source for a whole-source coding)
    /// over the source positions `start..end`.
    fn read_coding(
        &mut self,
        coding: &Element,
        owner: &Element,
        doc: &Arc<str>,
        stored: Option<&StoredText>,
        start: usize,
        end: usize,
    ) -> Result<()> {
        let code_ref = coding.child("CodeRef").ok_or_else(|| {
            self.xml.error_at(
                coding.offset,
                "<Coding> has no <CodeRef>, so it codes nothing",
            )
        })?;
        let target = self.xml.required(code_ref, "targetGUID")?;
        let Some(code) = self.codes.get(&guid_key(target)) else {
            return Err(self.xml.error_at(
                code_ref.offset,
                format!("<CodeRef targetGUID=\"{target}\"> is not a code of the codebook"),
            ));
        };
        let Some(stored) = stored else {
            // Reported once per source in the warnings: the text is not in the file.
            return Ok(());
        };
        let (start, end) = (stored.start(start), stored.end(end));
        if start == end {
            self.warnings.push(format!(
                "left out an empty selection coded {code} in {doc:?} ({})",
                self.xml.place(owner.offset)
            ));
            return Ok(());
        }
        self.segments.push(CodedSegment {
            doc: doc.clone(),
            passage: 0,
            start,
            end,
            code: code.clone(),
            origin: Origin::Manual {
                coder: self.coder(coding, owner),
            },
            hits: Vec::new(),
            memo: self.memo(coding, owner),
            lang: None,
            role: crate::segment::Role::Body,
        });
        Ok(())
    }

    /// The name of the user who made a coding: the coding's `creatingUser`, else its
    /// selection's, else the project's creator.
    fn coder(&self, coding: &Element, owner: &Element) -> String {
        let guid = coding
            .attribute("creatingUser")
            .or_else(|| owner.attribute("creatingUser"))
            .map(guid_key)
            .or_else(|| self.default_user.clone());
        match guid {
            Some(guid) => self.users.get(&guid).cloned().unwrap_or(guid),
            None => UNKNOWN_CODER.to_string(),
        }
    }

    /// A coding's memo: its selection's description and the notes the selection and the
    /// coding refer to, in that order, separated by blank lines.
    fn memo(&self, coding: &Element, owner: &Element) -> Option<String> {
        let description = (owner.name != "TextSource")
            .then(|| owner.child("Description"))
            .flatten()
            .and_then(|d| nonblank(&d.text));
        let notes = owner
            .children_named("NoteRef")
            .chain(coding.children_named("NoteRef"))
            .filter_map(|r| {
                self.notes
                    .get(&guid_key(r.attribute("targetGUID")?))
                    .cloned()
            });
        let parts: Vec<String> = description.into_iter().chain(notes).collect();
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }

    /// One warning for all the sources without text, and why.
    fn finish_warnings(&mut self) {
        if self.textless.is_empty() {
            return;
        }
        let why = if self.package.is_archive() {
            "their text is neither in the archive's sources folder nor in the file, and paths outside the archive are never opened"
        } else {
            "a bare .qde holds no source texts: import the .qdpx archive to get them"
        };
        self.warnings.push(format!(
            "{} of {} documents have no text, so any codings of them were left out ({why}): {}",
            self.textless.len(),
            self.documents.len(),
            self.textless.join(", ")
        ));
    }
}

/// Sets a metadata field from a variable: the built-in fields by name (lists split on `;`),
/// any other as a field.
fn set_field(metadata: &mut Metadata, name: &str, value: &str) {
    let list = |v: &str| -> Vec<String> {
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    match name {
        "title" => metadata.title = value.to_string(),
        "authors" => metadata.authors = list(value),
        "languages" => metadata.languages = list(value),
        "year" => match value.parse() {
            Ok(year) => metadata.year = Some(year),
            Err(_) => {
                metadata.fields.insert(name.to_string(), value.to_string());
            }
        },
        "kind" => metadata.kind = Some(value.to_string()),
        "source" => metadata.source = Some(value.to_string()),
        "doi" => metadata.doi = Some(value.to_string()),
        "url" => metadata.url = Some(value.to_string()),
        "licence" => metadata.licence = Some(value.to_string()),
        other => {
            metadata.fields.insert(other.to_string(), value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refi::archive::test_archive;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const CODES: &str = r##"<Codes>
      <Code guid="11111111-1111-1111-1111-111111111111" name="Migration drivers" isCodable="false">
        <Code guid="22222222-2222-2222-2222-222222222222" name="Brain drain" isCodable="true" color="#B71C1C">
          <Description>Skilled people leaving.</Description>
        </Code>
        <Code guid="33333333-3333-3333-3333-333333333333" name="brain  drain" isCodable="true"/>
      </Code>
    </Codes>"##;

    #[test]
    fn a_codebook_nests_ids_and_makes_duplicates_unique() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "drivers.qdc",
            &format!(
                "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"x\">{CODES}<Sets/></CodeBook>"
            ),
        );
        let codebook = read_codebook(&path).unwrap();
        let ids: Vec<&str> = codebook.codes().iter().map(|c| &*c.id).collect();
        assert_eq!(
            ids,
            [
                "migration_drivers",
                "migration_drivers/brain_drain",
                "migration_drivers/brain_drain_2"
            ]
        );
        let code = &codebook.codes()[1];
        assert_eq!(code.label, "Brain drain");
        assert_eq!(code.description.as_deref(), Some("Skilled people leaving."));
        assert_eq!(code.colour.as_deref(), Some("#b71c1c"));
        assert_eq!(codebook.name, "drivers");
    }

    #[test]
    fn a_wrong_root_or_namespace_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "x.qdc",
            "<CodeBook xmlns=\"urn:other\"><Codes/></CodeBook>",
        );
        let err = read_codebook(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.qdc: line 1, column 1") && err.contains("urn:other"),
            "{err}"
        );
        let path = write(dir.path(), "y.qdc", "<html/>");
        let err = read_codebook(&path).unwrap_err().to_string();
        assert!(err.contains("root element is <html>"), "{err}");
        let path = write(
            dir.path(),
            "z.qdc",
            &format!("<CodeBook>{CODES}</CodeBook>"),
        );
        let err = read_project(&path).unwrap_err().to_string();
        assert!(err.contains("import it as a codebook"), "{err}");
    }

    fn project(sources: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="hand">
  <Users><User guid="AAAAAAAA-0000-0000-0000-000000000000" name="aigerim"/></Users>
  <CodeBook>{CODES}</CodeBook>
  <Variables><Variable guid="bbbbbbbb-0000-0000-0000-000000000000" name="year" typeOfVariable="Integer"/></Variables>
  <Sources>{sources}</Sources>
  <Notes><Note guid="cccccccc-0000-0000-0000-000000000000"><PlainTextContent>A note.</PlainTextContent></Note></Notes>
</Project>"#
        )
    }

    #[test]
    fn codings_are_mapped_through_the_normalisation_of_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let qde = project(
            r#"<TextSource guid="dddddddd-0000-0000-0000-000000000000" name="doc1" plainTextPath="internal://d.txt">
      <PlainTextSelection guid="eeeeeeee-0000-0000-0000-000000000001" startPosition="11" endPosition="22">
        <Description>Memo.</Description>
        <Coding guid="eeeeeeee-0000-0000-0000-000000000002" creatingUser="aaaaaaaa-0000-0000-0000-000000000000">
          <CodeRef targetGUID="{22222222-2222-2222-2222-222222222222}"/><NoteRef targetGUID="cccccccc-0000-0000-0000-000000000000"/>
        </Coding>
      </PlainTextSelection>
      <VariableValue><VariableRef targetGUID="bbbbbbbb-0000-0000-0000-000000000000"/><IntegerValue>2024</IntegerValue></VariableValue>
    </TextSource>
    <PDFSource guid="ffffffff-0000-0000-0000-000000000000" name="scan"/>"#,
        );
        // A BOM (not counted), a CRLF and a decomposed "ё" before the selection.
        let text = "\u{feff}е\u{308}\r\nAbc\r\n\r\nBrain drain.\r\n";
        let path = test_archive(
            dir.path(),
            &[
                ("project.qde", qde.as_bytes()),
                ("sources/d.txt", text.as_bytes()),
            ],
        );
        let project = read_project(&path).unwrap();
        let doc = &project.documents[0];
        assert_eq!(doc.text, "ё\nAbc\n\nBrain drain.\n");
        assert_eq!(
            (&*doc.id, doc.metadata.title.as_str(), doc.metadata.year),
            ("doc1", "doc1", Some(2024))
        );
        let seg = &project.segments[0];
        let selected: String = doc
            .text
            .chars()
            .skip(seg.start)
            .take(seg.end - seg.start)
            .collect();
        assert_eq!(selected, "Brain drain");
        assert_eq!(&*seg.code, "migration_drivers/brain_drain");
        assert_eq!(
            seg.origin,
            Origin::Manual {
                coder: "aigerim".into()
            }
        );
        assert_eq!(seg.memo.as_deref(), Some("Memo.\n\nA note."));
        assert_eq!(
            project.warnings,
            ["left out the PDFSource \"scan\": only text sources are imported"]
        );
    }

    #[test]
    fn selections_outside_the_text_or_codes_are_located_errors() {
        let dir = tempfile::tempdir().unwrap();
        let source = |start: &str, end: &str, code: &str| {
            project(&format!(
                r#"<TextSource guid="dddddddd-0000-0000-0000-000000000000" name="d"><PlainTextContent>Short.</PlainTextContent>
<PlainTextSelection guid="eeeeeeee-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{end}"><Coding guid="eeeeeeee-0000-0000-0000-000000000002"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection></TextSource>"#
            ))
        };
        let code = "22222222-2222-2222-2222-222222222222";
        for (qde, expected) in [
            (
                source("0", "99", code),
                "line 14, column 1: the selection 0..99 reaches past the end of the text of source \"d\" (6 characters)",
            ),
            (
                source("4", "2", code),
                "ends (endPosition 2) before it starts",
            ),
            (
                source("-1", "2", code),
                "startPosition \"-1\" is not a whole number",
            ),
            (
                source("0", "2", "99999999-2222-2222-2222-222222222222"),
                "line 14, column 151: <CodeRef targetGUID=\"99999999-2222-2222-2222-222222222222\"> is not a code",
            ),
        ] {
            let path = write(dir.path(), "p.qde", &qde);
            let err = read_project(&path).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{}: ", path.display())) && err.contains(expected),
                "{err}"
            );
        }
        let path = write(dir.path(), "p.qde", &source("0", "5", code));
        let project = read_project(&path).unwrap();
        assert_eq!(
            project.segments[0].origin,
            Origin::Manual {
                coder: UNKNOWN_CODER.into()
            }
        );
    }

    #[test]
    fn a_bare_qde_gives_documents_without_text_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let qde = project(
            r#"<TextSource guid="dddddddd-0000-0000-0000-000000000000" name="doc1" plainTextPath="internal://d.txt">
      <PlainTextSelection guid="eeeeeeee-0000-0000-0000-000000000001" startPosition="0" endPosition="5">
        <Coding guid="eeeeeeee-0000-0000-0000-000000000002"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
      </PlainTextSelection></TextSource>
    <TextSource guid="dddddddd-0000-0000-0000-000000000001" name="doc1" plainTextPath="absolute:///home/x/secret.txt"/>"#,
        );
        let path = write(dir.path(), "p.qde", &qde);
        let project = read_project(&path).unwrap();
        let ids: Vec<&str> = project.documents.iter().map(|d| &*d.id).collect();
        assert_eq!(ids, ["doc1", "doc1_2"]);
        assert!(project.documents.iter().all(|d| d.text.is_empty()));
        assert!(project.segments.is_empty());
        assert_eq!(project.warnings.len(), 1);
        assert!(
            project.warnings[0].contains("2 of 2 documents have no text")
                && project.warnings[0].contains("bare .qde")
        );
    }

    #[test]
    fn an_internal_path_cannot_leave_the_sources_folder() {
        let dir = tempfile::tempdir().unwrap();
        let qde = project(
            r#"<TextSource guid="dddddddd-0000-0000-0000-000000000000" name="d" plainTextPath="internal://../project.qde"/>"#,
        );
        let path = test_archive(dir.path(), &[("project.qde", qde.as_bytes())]);
        let err = read_project(&path).unwrap_err().to_string();
        assert!(
            err.contains("does not name a file in the sources folder"),
            "{err}"
        );
    }

    #[test]
    fn a_doctype_in_a_project_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let qde = "<?xml version=\"1.0\"?>\n<!DOCTYPE Project [\n<!ENTITY lol \"lol\">\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&xxe;\"><Description>&lol;</Description></Project>";
        let path = test_archive(dir.path(), &[("project.qde", qde.as_bytes())]);
        let err = read_project(&path).unwrap_err().to_string();
        assert!(
            err.contains("test.qdpx: project.qde, line 2, column 1: a DOCTYPE declaration"),
            "{err}"
        );
        assert!(
            !err.contains("root:"),
            "nothing of /etc/passwd may show: {err}"
        );
    }
}

//! What a REFI-QDA file must satisfy beyond its XML schema, checked.

use std::collections::HashMap;
use std::path::Path;

use super::archive::Package;
use super::guid_key;
use super::xml::{Element, XmlFile};
use crate::error::Result;

/// The kinds of source a `SourceRef` or `MemberSource` may point at.
const SOURCES: &[&str] = &[
    "TextSource",
    "PictureSource",
    "PDFSource",
    "AudioSource",
    "VideoSource",
];

/// The kinds of selection a `SelectionRef` may point at.
const SELECTIONS: &[&str] = &[
    "PlainTextSelection",
    "PictureSelection",
    "PDFSelection",
    "AudioSelection",
    "VideoSelection",
    "TranscriptSelection",
];

/// Attributes that name a user, on whatever element.
const USER_ATTRIBUTES: &[&str] = &[
    "creatingUser",
    "modifyingUser",
    "creatingUserGUID",
    "modifyingUserGUID",
];

/// Checks a REFI-QDA file (`.qdpx`, `.qde` or `.qdc`) for what its XML schema cannot express,
/// and returns the problems found, each naming where; an empty list means none. Fails only if
/// the file cannot be read or is not XML.
///
/// - every `guid` is unique (compared without case or braces);
/// - every reference resolves, to the right kind of object: a `CodeRef` or `MemberCode` to a
///   code, a `NoteRef` to a note, a `VariableRef` to a variable, a `SourceRef` to a source, a
///   `SelectionRef` to a selection, a `creatingUser` (and the like) to a user;
/// - every `Coding` has a `creatingUser`, which tools take as the coder;
/// - every text source has its text (an `internal://` file present in the archive, or
///   `PlainTextContent`, not both), and each of its selections lies within it:
///   0 ≤ start ≤ end ≤ its length in code points (after the byte-order mark, which positions
///   do not count).
pub fn check(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let mut package = Package::open(path.as_ref())?;
    let xml = package.main_xml()?;
    let root = xml.parse()?;
    let mut checker = Checker {
        xml: &xml,
        defined: HashMap::new(),
        problems: Vec::new(),
    };
    checker.define(&root);
    checker.check_references(&root);
    checker.check_sources(&root, &mut package)?;
    checker.problems.sort_by_key(|(offset, _)| *offset);
    Ok(checker
        .problems
        .into_iter()
        .map(|(offset, problem)| format!("{}: {problem}", xml.place(offset)))
        .collect())
}

struct Checker<'x> {
    xml: &'x XmlFile,
    /// Every defined GUID: the kind of element defining it, and where.
    defined: HashMap<String, (&'x str, usize)>,
    /// Problems, by byte offset.
    problems: Vec<(usize, String)>,
}

impl<'x> Checker<'x> {
    /// Records every GUID an element defines, and every one defined twice.
    fn define(&mut self, element: &'x Element) {
        // A codebook's <MemberCode guid> refers to a code; every other guid defines an object.
        if element.name != "MemberCode"
            && let Some(guid) = element.attribute("guid")
        {
            let key = guid_key(guid);
            if let Some((kind, first)) = self.defined.get(&key) {
                let message = format!(
                    "<{}> has the GUID {guid}, already used by <{kind}> at {}",
                    element.name,
                    self.xml.place(*first)
                );
                self.problems.push((element.offset, message));
            } else {
                self.defined.insert(key, (&element.name, element.offset));
            }
        }
        for child in &element.children {
            self.define(child);
        }
    }

    /// Checks every reference in `element` and below.
    fn check_references(&mut self, element: &Element) {
        let targets: Option<&[&str]> = match element.name.as_str() {
            "CodeRef" | "MemberCode" => Some(&["Code"]),
            "NoteRef" | "MemberNote" => Some(&["Note"]),
            "VariableRef" => Some(&["Variable"]),
            "SourceRef" | "MemberSource" => Some(SOURCES),
            "SelectionRef" => Some(SELECTIONS),
            _ => None,
        };
        if let Some(targets) = targets {
            // The codebook schema's MemberCode names its code with `guid`, the project's with
            // `targetGUID`.
            let reference = ["targetGUID", "guid"]
                .into_iter()
                .find_map(|name| Some((name, element.attribute(name)?)));
            match reference {
                Some((attribute, guid)) => self.resolve(element, attribute, guid, targets),
                None => self.problem(element, format!("<{}> refers to nothing", element.name)),
            }
        }
        for attribute in USER_ATTRIBUTES {
            if let Some(guid) = element.attribute(attribute) {
                self.resolve(element, attribute, guid, &["User"]);
            }
        }
        if element.name == "Coding" && element.attribute("creatingUser").is_none() {
            self.problem(element, "<Coding> has no creatingUser".to_string());
        }
        for child in &element.children {
            self.check_references(child);
        }
    }

    /// Checks that `guid`, found in `attribute` of `element`, is defined by one of `targets`.
    fn resolve(&mut self, element: &Element, attribute: &str, guid: &str, targets: &[&str]) {
        let message = match self.defined.get(&guid_key(guid)) {
            Some((kind, _)) if targets.contains(kind) => return,
            Some((kind, at)) => format!(
                "{attribute} {guid} of <{}> is a <{kind}> (at {}), not a <{}>",
                element.name,
                self.xml.place(*at),
                targets.join("> or <")
            ),
            None => format!(
                "{attribute} {guid} of <{}> is not the GUID of anything in the file",
                element.name
            ),
        };
        self.problem(element, message);
    }

    /// Checks each text source's text and the selections in it.
    fn check_sources(&mut self, root: &Element, package: &mut Package) -> Result<()> {
        let sources = root
            .children_named("Sources")
            .flat_map(|s| s.children_named("TextSource"));
        for source in sources {
            let Some(length) = self.text_length(source, package)? else {
                continue;
            };
            for selection in source.children_named("PlainTextSelection") {
                let position = |name: &str| {
                    selection
                        .attribute(name)
                        .and_then(|v| v.trim().parse::<i64>().ok())
                };
                let (Some(start), Some(end)) = (position("startPosition"), position("endPosition"))
                else {
                    self.problem(
                        selection,
                        "<PlainTextSelection> lacks a whole-number startPosition or endPosition"
                            .to_string(),
                    );
                    continue;
                };
                if !(0 <= start && start <= end && end <= length as i64) {
                    self.problem(
                        selection,
                        format!(
                            "the selection {start}..{end} is not within its source's text of {length} characters"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// The length in code points of a text source's text, if the file holds it; a problem
    /// otherwise.
    fn text_length(&mut self, source: &Element, package: &mut Package) -> Result<Option<usize>> {
        let content = source
            .child("PlainTextContent")
            .map(|c| c.text.clone())
            .or_else(|| source.attribute("plainTextContent").map(str::to_string));
        let path = source.attribute("plainTextPath");
        let text = match (content, path) {
            (Some(_), Some(_)) => {
                self.problem(
                    source,
                    "<TextSource> has both PlainTextContent and a plainTextPath; the schema wants one".to_string(),
                );
                return Ok(None);
            }
            (Some(content), None) => Some(content),
            (None, Some(path)) => match path.strip_prefix("internal://") {
                Some(file) if !file.contains(['/', '\\']) => package.source_text(file)?,
                _ => None,
            },
            (None, None) => None,
        };
        if text.is_none() {
            let message = match path {
                Some(path) => format!("the text of <TextSource> at {path:?} is not in the file"),
                None => "<TextSource> has neither PlainTextContent nor a plainTextPath".to_string(),
            };
            self.problem(source, message);
        }
        Ok(text.map(|t| t.chars().count()))
    }

    fn problem(&mut self, element: &Element, message: String) {
        self.problems.push((element.offset, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refi::archive::test_archive;

    #[test]
    fn finds_duplicates_dangling_references_and_selections_out_of_bounds() {
        let qde = r#"<Project xmlns="urn:QDA-XML:project:1.0" name="p">
<Users><User guid="00000000-0000-0000-0000-00000000000a" name="u"/></Users>
<CodeBook><Codes><Code guid="00000000-0000-0000-0000-000000000001" name="c" isCodable="true"/></Codes></CodeBook>
<Sources>
<TextSource guid="00000000-0000-0000-0000-000000000002" name="d" plainTextPath="internal://d.txt">
<PlainTextSelection guid="00000000-0000-0000-0000-000000000003" startPosition="0" endPosition="5" creatingUser="00000000-0000-0000-0000-00000000000b">
<Coding guid="00000000-0000-0000-0000-000000000001"><CodeRef targetGUID="00000000-0000-0000-0000-000000000002"/></Coding>
</PlainTextSelection>
<PlainTextSelection guid="00000000-0000-0000-0000-000000000004" startPosition="1" endPosition="2">
<Coding guid="00000000-0000-0000-0000-000000000005" creatingUser="{00000000-0000-0000-0000-00000000000A}"><CodeRef targetGUID="00000000-0000-0000-0000-000000000001"/></Coding>
</PlainTextSelection>
</TextSource>
<TextSource guid="00000000-0000-0000-0000-000000000006" name="gone" plainTextPath="internal://gone.txt"/>
</Sources>
</Project>"#;
        let dir = tempfile::tempdir().unwrap();
        let path = test_archive(
            dir.path(),
            &[
                ("project.qde", qde.as_bytes()),
                ("sources/d.txt", "\u{feff}ab😀d".as_bytes()),
            ],
        );
        let problems = check(&path).unwrap();
        assert_eq!(
            problems,
            [
                "project.qde, line 6, column 1: creatingUser 00000000-0000-0000-0000-00000000000b of <PlainTextSelection> is not the GUID of anything in the file",
                "project.qde, line 6, column 1: the selection 0..5 is not within its source's text of 4 characters",
                "project.qde, line 7, column 1: <Coding> has the GUID 00000000-0000-0000-0000-000000000001, already used by <Code> at project.qde, line 3, column 18",
                "project.qde, line 7, column 1: <Coding> has no creatingUser",
                "project.qde, line 7, column 53: targetGUID 00000000-0000-0000-0000-000000000002 of <CodeRef> is a <TextSource> (at project.qde, line 5, column 1), not a <Code>",
                "project.qde, line 13, column 1: the text of <TextSource> at \"internal://gone.txt\" is not in the file",
            ]
        );
    }

    #[test]
    fn a_codebook_member_code_refers_by_guid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.qdc");
        std::fs::write(
            &path,
            r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="00000000-0000-0000-0000-000000000001" name="c" isCodable="true"/></Codes>
<Sets><Set guid="00000000-0000-0000-0000-000000000002" name="s"><MemberCode guid="00000000-0000-0000-0000-000000000001"/><MemberCode guid="00000000-0000-0000-0000-000000000009"/></Set></Sets></CodeBook>"#,
        )
        .unwrap();
        let problems = check(&path).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains(
                "guid 00000000-0000-0000-0000-000000000009 of <MemberCode> is not the GUID"
            )
        );
    }
}

//! Reading `<Codes>` into a codebook: ids from names (or back from thematic's own
//! descriptions), labels, the parts of a description, colours.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use super::xml::{Element, XmlFile};
use super::{CODE_ID_LABEL, EXCLUDE_LABEL, INCLUDE_LABEL, MEMO_LABEL, guid_key, nonblank};
use crate::codebook::{Code, Codebook};
use crate::error::Result;

/// The longest code id segment made from a name, in characters.
const MAX_SLUG_CHARS: usize = 64;

/// A codebook read from `<Codes>`, with the id each code GUID became.
pub(super) struct ImportedCodes {
    /// The codes, parents first.
    pub codebook: Codebook,
    /// The id of each code, by its GUID as [`guid_key`] writes it.
    pub by_guid: HashMap<String, Arc<str>>,
}

/// Reads the codes under `codes` (none if absent) into a codebook named `name`.
pub(super) fn read_codes(
    xml: &XmlFile,
    codes: Option<&Element>,
    name: &str,
) -> Result<ImportedCodes> {
    let mut reader = CodeReader {
        xml,
        codes: Vec::new(),
        taken: HashSet::new(),
        by_guid: HashMap::new(),
    };
    if let Some(codes) = codes {
        reader.read_children(codes, None)?;
    }
    let mut builder = Codebook::builder(name);
    for code in reader.codes {
        builder = builder.code(code);
    }
    // Ids and colours were made valid above, so this cannot fail; report it as the file's
    // fault all the same rather than panic.
    let codebook = builder
        .build()
        .map_err(|e| xml.error(format!("cannot make a codebook of it: {e}")))?;
    Ok(ImportedCodes {
        codebook,
        by_guid: reader.by_guid,
    })
}

/// Walks nested `<Code>`s, parents before children, as a codebook wants them.
struct CodeReader<'x> {
    xml: &'x XmlFile,
    codes: Vec<Code>,
    taken: HashSet<String>,
    by_guid: HashMap<String, Arc<str>>,
}

impl CodeReader<'_> {
    fn read_children(&mut self, parent: &Element, parent_id: Option<&str>) -> Result<()> {
        for element in parent.children_named("Code") {
            let id = self.read_code(element, parent_id)?;
            self.read_children(element, Some(&id))?;
        }
        Ok(())
    }

    /// Reads one code; returns the id it got.
    fn read_code(&mut self, element: &Element, parent_id: Option<&str>) -> Result<Arc<str>> {
        let name = self.xml.required(element, "name")?;
        let guid = guid_key(self.xml.required(element, "guid")?);
        let text = element
            .child("Description")
            .map(|d| d.text.as_str())
            .unwrap_or("");
        let parts = DescriptionParts::parse(text);
        let local = parts
            .id
            .as_deref()
            .and_then(|id| id.rsplit('/').next())
            .filter(|segment| is_valid_segment(segment))
            .map(str::to_string)
            .unwrap_or_else(|| slug(name));
        let id: Arc<str> = self.unique(parent_id, &local).into();
        if self.by_guid.insert(guid.clone(), id.clone()).is_some() {
            return Err(self.xml.error_at(
                element.offset,
                format!("the GUID {guid} is used by two codes"),
            ));
        }
        let label = name.trim();
        let mut code = Code::new(id.clone(), if label.is_empty() { &*id } else { label });
        code.description = parts.description;
        code.include = parts.include;
        code.exclude = parts.exclude;
        code.memo = parts.memo;
        code.colour = element.attribute("color").and_then(colour);
        // xsd:boolean: "false" or "0"; the schema requires the attribute, but a file without
        // it means the usual, a code to code with.
        code.codable = !matches!(
            element.attribute("isCodable").map(str::trim),
            Some("false" | "0")
        );
        self.codes.push(code);
        Ok(id)
    }

    /// `parent/local`, or `parent/local_2`, `_3`, … if taken.
    fn unique(&mut self, parent_id: Option<&str>, local: &str) -> String {
        let path = |segment: &str| match parent_id {
            Some(parent) => format!("{parent}/{segment}"),
            None => segment.to_string(),
        };
        let mut id = path(local);
        let mut n = 1;
        while self.taken.contains(&id) {
            n += 1;
            id = path(&format!("{local}_{n}"));
        }
        self.taken.insert(id.clone());
        id
    }
}

/// The parts of a code's description. thematic writes them as labelled paragraphs ending with
/// the code's id; a description without that last line is another tool's, and all of it is
/// the description.
#[derive(Debug, Default, PartialEq, Eq)]
struct DescriptionParts {
    id: Option<String>,
    description: Option<String>,
    include: Option<String>,
    exclude: Option<String>,
    memo: Option<String>,
}

impl DescriptionParts {
    fn parse(text: &str) -> DescriptionParts {
        let text = text.trim();
        let (body, id) = match text.rsplit_once(&format!("\n\n{CODE_ID_LABEL}")) {
            Some((body, id)) => (body, Some(id)),
            None => match text.strip_prefix(CODE_ID_LABEL) {
                Some(id) => ("", Some(id)),
                None => (text, None),
            },
        };
        let id = id
            .map(str::trim)
            .filter(|id| !id.is_empty() && !id.contains('\n'));
        let Some(id) = id else {
            return DescriptionParts {
                description: nonblank(text),
                ..DescriptionParts::default()
            };
        };
        // Take the labelled paragraphs off the end, last first; what is left is the
        // description.
        let mut rest = format!("\n\n{body}");
        let mut take = |label: &str| {
            let (before, after) = rest.rsplit_once(&format!("\n\n{label}"))?;
            let after = after.to_string();
            rest = before.to_string();
            nonblank(&after)
        };
        let memo = take(MEMO_LABEL);
        let exclude = take(EXCLUDE_LABEL);
        let include = take(INCLUDE_LABEL);
        DescriptionParts {
            id: Some(id.to_string()),
            description: nonblank(&rest),
            include,
            exclude,
            memo,
        }
    }
}

/// A code id segment from a name: NFC, lower case, letters and digits kept, every other run
/// one `_`, at most [`MAX_SLUG_CHARS`] characters; `code` if nothing is left.
fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    let mut gap = false;
    for c in name.nfc().flat_map(char::to_lowercase) {
        if !c.is_alphanumeric() {
            gap = true;
            continue;
        }
        let separator = gap && !out.is_empty();
        if chars + usize::from(separator) + 1 > MAX_SLUG_CHARS {
            break;
        }
        if separator {
            out.push('_');
            chars += 1;
        }
        gap = false;
        out.push(c);
        chars += 1;
    }
    if out.is_empty() {
        "code".to_string()
    } else {
        out
    }
}

/// Can `segment` be one segment of a code id (the codebook's rule: not empty, no surrounding
/// whitespace, no control characters, and here no `/`)?
fn is_valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment.trim() == segment
        && !segment.contains('/')
        && !segment.chars().any(char::is_control)
}

/// `#rrggbb` from a REFI-QDA colour (`#RRGGBB` or `#RGB`), if it is one.
fn colour(value: &str) -> Option<String> {
    let hex = value.trim().strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let full: String = match hex.len() {
        6 => hex.to_string(),
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        _ => return None,
    };
    Some(format!("#{}", full.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_id_conventions() {
        assert_eq!(slug("Brain drain"), "brain_drain");
        assert_eq!(
            slug("THEME - Affinity Spaces (Gee)"),
            "theme_affinity_spaces_gee"
        );
        assert_eq!(slug("self-categorization"), "self_categorization");
        assert_eq!(slug("  Утечка   мозгов!"), "утечка_мозгов");
        assert_eq!(slug("???"), "code");
        assert_eq!(slug(&"word ".repeat(40)).chars().count(), MAX_SLUG_CHARS);
        for lead in 0..5 {
            let name = format!("{} {}", "x".repeat(lead), "ab ".repeat(40));
            let made = slug(&name);
            assert!(
                made.chars().count() <= MAX_SLUG_CHARS && !made.ends_with('_'),
                "{made}"
            );
        }
    }

    #[test]
    fn colours_are_checked_and_made_lower_case() {
        assert_eq!(colour("#EF8256").as_deref(), Some("#ef8256"));
        assert_eq!(colour("#AbC").as_deref(), Some("#aabbcc"));
        assert_eq!(colour("red"), None);
        assert_eq!(colour("#12345"), None);
    }

    #[test]
    fn thematic_descriptions_come_apart_and_others_stay_whole() {
        let ours = "Why people leave.\n\nSecond paragraph.\n\nInclude: Push factors.\n\nMemo: Check this.\n\nthematic code id: brain_drain/push";
        assert_eq!(
            DescriptionParts::parse(ours),
            DescriptionParts {
                id: Some("brain_drain/push".into()),
                description: Some("Why people leave.\n\nSecond paragraph.".into()),
                include: Some("Push factors.".into()),
                exclude: None,
                memo: Some("Check this.".into()),
            }
        );
        let bare = DescriptionParts::parse("thematic code id: a");
        assert_eq!((bare.id.as_deref(), bare.description), (Some("a"), None));
        let foreign = DescriptionParts::parse("Apply when…\n\nInclude: this stays.");
        assert_eq!(foreign.id, None);
        assert_eq!(
            foreign.description.as_deref(),
            Some("Apply when…\n\nInclude: this stays.")
        );
    }
}

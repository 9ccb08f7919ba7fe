//! REFI-QDA `<Sets>`: named groups of codes, sources and notes, read into the codebook's
//! groups of codes and the corpus's groups of documents, and written back from them.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use super::xml::{Element, XmlFile, XmlWriter};
use super::{guid, guid_key, nonblank};
use crate::codebook::{CodeGroup, Codebook};
use crate::corpus::DocumentGroup;
use crate::error::Result;

/// One `<Set>` as read: its members that thematic keeps, and counts of those it cannot.
#[derive(Debug, Default)]
pub(super) struct ReadSet {
    /// The name, made unique among the file's sets.
    pub name: String,
    pub description: Option<String>,
    /// Ids of the member codes.
    pub codes: Vec<Arc<str>>,
    /// Ids of the member documents (text sources).
    pub documents: Vec<String>,
    /// Member notes and sources other than text, which are not kept.
    pub left_out: usize,
}

/// Reads the `<Set>`s of `sets` (none if absent). `codes` gives the id of each code by GUID;
/// `sources` the document id of each source by GUID (`None` for a source that is not text, and
/// so not imported). A member naming nothing in the file is an error pointing at it.
pub(super) fn read_sets(
    xml: &XmlFile,
    sets: Option<&Element>,
    codes: &HashMap<String, Arc<str>>,
    sources: &HashMap<String, Option<Arc<str>>>,
) -> Result<Vec<ReadSet>> {
    let mut out: Vec<ReadSet> = Vec::new();
    for set in sets.into_iter().flat_map(|s| s.children_named("Set")) {
        let base = set
            .attribute("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("set");
        let mut name = base.to_string();
        let mut n = 1;
        while out.iter().any(|s| s.name == name) {
            n += 1;
            name = format!("{base} ({n})");
        }
        let mut read = ReadSet {
            name,
            description: set.child("Description").and_then(|d| nonblank(&d.text)),
            ..ReadSet::default()
        };
        for member in &set.children {
            // The codebook schema names a member code by `guid`, the project schema by
            // `targetGUID`.
            let target = || {
                member
                    .attribute("targetGUID")
                    .or_else(|| member.attribute("guid"))
                    .map(guid_key)
                    .ok_or_else(|| {
                        xml.error_at(
                            member.offset,
                            format!("<{}> has no targetGUID attribute", member.name),
                        )
                    })
            };
            let dangling = |what: &str| {
                xml.error_at(
                    member.offset,
                    format!(
                        "<{}> of set {:?} is not {what} of the file",
                        member.name, read.name
                    ),
                )
            };
            match member.name.as_str() {
                "MemberCode" => match codes.get(&target()?) {
                    Some(id) => read.codes.push(id.clone()),
                    None => return Err(dangling("a code")),
                },
                "MemberSource" => match sources.get(&target()?) {
                    Some(Some(id)) => read.documents.push(id.to_string()),
                    Some(None) => read.left_out += 1,
                    None => return Err(dangling("a source")),
                },
                "MemberNote" => read.left_out += 1,
                _ => {}
            }
        }
        out.push(read);
    }
    Ok(out)
}

/// Adds the sets with member codes to `codebook` as its groups of codes; with `keep_empty`
/// (a `.qdc`, whose sets can hold nothing else) the sets without members too.
pub(super) fn add_code_groups(
    xml: &XmlFile,
    codebook: &mut Codebook,
    sets: &[ReadSet],
    keep_empty: bool,
) -> Result<()> {
    for set in sets {
        let empty = set.codes.is_empty() && set.documents.is_empty();
        if set.codes.is_empty() && !(keep_empty && empty) {
            continue;
        }
        let group = CodeGroup {
            name: set.name.clone(),
            description: set.description.clone(),
            codes: set.codes.clone(),
        };
        // Names were made unique and members resolved above, so this cannot fail; report it
        // as the file's fault all the same rather than panic.
        codebook
            .push_group(group)
            .map_err(|e| xml.error(format!("cannot keep its sets: {e}")))?;
    }
    Ok(())
}

/// The sets of a project that hold documents, or nothing at all, as groups of documents.
pub(super) fn document_groups(sets: &[ReadSet]) -> Vec<DocumentGroup> {
    sets.iter()
        .filter(|s| !s.documents.is_empty() || s.codes.is_empty())
        .map(|s| DocumentGroup {
            name: s.name.clone(),
            description: s.description.clone(),
            documents: s.documents.clone(),
        })
        .collect()
}

/// One sentence for each set whose notes or non-text sources were left out.
pub(super) fn warnings(sets: &[ReadSet]) -> impl Iterator<Item = String> + '_ {
    sets.iter().filter(|s| s.left_out > 0).map(|s| {
        format!(
            "left out {} members of set {:?} that are notes or sources other than text",
            s.left_out, s.name
        )
    })
}

/// A set to write: a name, a description, and its members' GUIDs.
struct SetToWrite<'a> {
    name: &'a str,
    description: Option<&'a str>,
    codes: Vec<String>,
    sources: Vec<String>,
}

/// Writes `<Sets>` for a `.qdc`: the codebook's groups, members named by `guid`.
pub(super) fn write_codebook_sets(xml: &mut XmlWriter<'_>, codebook: &Codebook) -> io::Result<()> {
    let sets: Vec<SetToWrite<'_>> = codebook.groups().iter().map(code_set).collect();
    write_sets(xml, &sets, "guid")
}

/// Writes `<Sets>` for a project: the codebook's groups and the corpus's, one set for a name
/// both use, members named by `targetGUID`. Member documents not in the corpus (a file that
/// could not be read) are left out: there is no source to point at.
pub(super) fn write_project_sets(
    xml: &mut XmlWriter<'_>,
    codebook: &Codebook,
    groups: &[DocumentGroup],
    source_guids: &HashMap<&str, &str>,
) -> io::Result<()> {
    let mut sets: Vec<SetToWrite<'_>> = codebook.groups().iter().map(code_set).collect();
    for group in groups {
        let sources = group
            .documents
            .iter()
            .filter_map(|doc| source_guids.get(doc.as_str()).map(|g| g.to_string()));
        match sets.iter_mut().find(|s| s.name == group.name) {
            Some(set) => {
                set.description = set.description.or(group.description.as_deref());
                set.sources.extend(sources);
            }
            None => sets.push(SetToWrite {
                name: &group.name,
                description: group.description.as_deref(),
                codes: Vec::new(),
                sources: sources.collect(),
            }),
        }
    }
    write_sets(xml, &sets, "targetGUID")
}

fn code_set(group: &CodeGroup) -> SetToWrite<'_> {
    SetToWrite {
        name: &group.name,
        description: group.description.as_deref(),
        codes: group.codes.iter().map(|id| guid("code", &[id])).collect(),
        sources: Vec::new(),
    }
}

fn write_sets(xml: &mut XmlWriter<'_>, sets: &[SetToWrite<'_>], member: &str) -> io::Result<()> {
    if sets.is_empty() {
        return Ok(());
    }
    xml.open("Sets", &[])?;
    for set in sets {
        xml.open(
            "Set",
            &[("guid", &guid("set", &[set.name])), ("name", set.name)],
        )?;
        if let Some(description) = set.description.map(str::trim).filter(|d| !d.is_empty()) {
            xml.text("Description", description)?;
        }
        for code in &set.codes {
            xml.empty("MemberCode", &[(member, code)])?;
        }
        for source in &set.sources {
            xml.empty("MemberSource", &[("targetGUID", source)])?;
        }
        xml.close("Set")?;
    }
    xml.close("Sets")
}

//! Sections from the PDF's outline (bookmarks), placed where their titles are printed.

use crate::corpus::Section;

/// Sections from the PDF's outline: each entry starts where its title appears on its page in
/// the assembled text (compared word by word, ignoring case), or at the top of the page when
/// the title is not found there. Starts never go backwards, so the sections stay in order.
pub(super) fn outline_sections(
    text: &str,
    pages: &[usize],
    outline: &[(u8, String, usize)],
) -> Vec<Section> {
    if outline.is_empty() || pages.is_empty() {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut sections = Vec::new();
    let mut floor = 0;
    for (level, title, page) in outline {
        let Some(&page_start) = pages.get(page - 1) else {
            continue;
        };
        let page_end = pages.get(*page).copied().unwrap_or(chars.len());
        let from = page_start.max(floor);
        let start = find_words(&chars, from, page_end.max(from), title).unwrap_or(from);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        sections.push(Section {
            start,
            level: *level,
            title,
        });
        floor = start;
    }
    sections
}

/// The first character offset in `chars[from..to]` where the words of `title` occur in order,
/// separated by whitespace, ignoring case.
fn find_words(chars: &[char], from: usize, to: usize, title: &str) -> Option<usize> {
    let wanted: Vec<char> = title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(char::to_lowercase)
        .collect();
    if wanted.is_empty() {
        return None;
    }
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    (from..to).find(|&start| {
        let mut at = start;
        for &w in &wanted {
            if w == ' ' {
                if !chars.get(at).is_some_and(|c| c.is_whitespace()) {
                    return false;
                }
                while chars.get(at).is_some_and(|c| c.is_whitespace()) {
                    at += 1;
                }
                continue;
            }
            if chars.get(at).map(|&c| lower(c)) != Some(w) {
                return false;
            }
            at += 1;
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_entries_start_at_their_titles_or_their_page() {
        let text = "Cover page.\n\nINTRODUCTION\nof the  paper.\n\nBody of page two.\n";
        let page_two = text.find("Body").unwrap();
        let pages = vec![0, text[..page_two].chars().count()];
        let outline = vec![
            (1, "Introduction of the paper".to_string(), 1),
            (2, "Not printed anywhere".to_string(), 2),
            (1, "Lost".to_string(), 9),
        ];
        let sections = outline_sections(text, &pages, &outline);
        assert_eq!(sections.len(), 2);
        assert_eq!(
            (sections[0].start, sections[0].level),
            (text.find("INTRODUCTION").unwrap(), 1)
        );
        assert_eq!(sections[0].title, "Introduction of the paper");
        assert_eq!((sections[1].start, sections[1].level), (pages[1], 2));
    }
}

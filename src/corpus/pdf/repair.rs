//! The repair pipeline: clean each page's lines, strip running lines, join lines into paragraphs
//! and paragraphs across page breaks, and record where each page starts.

use super::clean::clean_lines;
use super::hyphenation::{Join, join_pair, paragraphs, vocabulary};
use super::running::strip_running_lines;

/// Turns the raw text of each page into the stored text and the character offset where each
/// page begins. See the [module documentation](super#repair).
///
/// ```
/// use thematic::corpus::pdf::assemble;
/// let pages = vec![
///     "Migration Review\n\nThe outflow of   interna-\ntional students\ngrew.\n\n1\n".to_string(),
///     "Migration Review\n\ncontinued on the next page.\n\n2\n".to_string(),
/// ];
/// let (text, starts) = assemble(pages);
/// assert_eq!(text, "The outflow of international students grew.\n\ncontinued on the next page.\n");
/// assert_eq!(starts, [0, 45]);
/// ```
pub fn assemble(pages: Vec<String>) -> (String, Vec<usize>) {
    let pages: Vec<Vec<String>> = pages.into_iter().map(|p| clean_lines(&p)).collect();
    let pages = strip_running_lines(pages);
    let vocabulary = vocabulary(&pages);
    let mut text = String::new();
    let mut chars = 0usize;
    let mut starts = Vec::with_capacity(pages.len());
    // Whether the text ends in a paragraph that the next page may continue.
    let mut open = false;
    for page in &pages {
        let paragraphs = paragraphs(page, &vocabulary);
        let mut first = true;
        for paragraph in paragraphs {
            let continues = first && open && starts_lowercase(&paragraph);
            if continues {
                let joined = join_pair(&text, &paragraph, &vocabulary);
                match joined {
                    Join::Dehyphenate => {
                        text.pop();
                        chars -= 1;
                    }
                    Join::Space => {
                        text.push(' ');
                        chars += 1;
                    }
                    Join::Direct => {}
                }
            } else if !text.is_empty() {
                text.push_str("\n\n");
                chars += 2;
            }
            if first {
                starts.push(chars);
                first = false;
            }
            text.push_str(&paragraph);
            chars += paragraph.chars().count();
            open = !ends_sentence(&paragraph);
        }
        if first {
            // A page without text begins where the next text will.
            starts.push(if text.is_empty() { 0 } else { chars + 2 });
        }
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let total = text.chars().count();
    for start in &mut starts {
        *start = (*start).min(total);
    }
    (text, starts)
}

fn starts_lowercase(paragraph: &str) -> bool {
    paragraph.chars().next().is_some_and(char::is_lowercase)
}

fn ends_sentence(paragraph: &str) -> bool {
    let trimmed = paragraph.trim_end_matches(|c: char| "\"'’”»)]".contains(c));
    trimmed.ends_with(['.', '!', '?', ':', ';', '…'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paragraph_broken_by_a_page_break_is_joined_again() {
        let (text, starts) = assemble(vec![
            "The policy aims to\n".into(),
            "attract talent.\n".into(),
        ]);
        assert_eq!(text, "The policy aims to attract talent.\n");
        assert_eq!(starts, [0, 19]);
        let (text, starts) = assemble(vec!["Brain drain.\n".into(), "Return policy.\n".into()]);
        assert_eq!(text, "Brain drain.\n\nReturn policy.\n");
        assert_eq!(starts, [0, 14]);
    }

    #[test]
    fn empty_pages_keep_their_place_in_the_page_map() {
        let (text, starts) = assemble(vec!["One.".into(), " \n".into(), "Three.".into()]);
        assert_eq!(text, "One.\n\nThree.\n");
        assert_eq!(starts, [0, 6, 6]);
    }
}

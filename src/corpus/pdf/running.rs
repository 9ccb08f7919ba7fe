//! Running headers and footers: lines at the edges of pages that repeat from page to page, which
//! would otherwise be coded once per page and cut paragraphs that cross a page break.

use super::page_numbers::{is_page_number, shape};

/// Removes, from the top and bottom of each page, lines that recur at the edges of at least
/// half the pages (running headers and footers) and bare page numbers. Lines with digits recur
/// when they agree apart from a number that moves with the page ("Page 3" on the third page,
/// "Page 4" on the fourth), so numbered headings that merely look alike stay.
pub(super) fn strip_running_lines(mut pages: Vec<Vec<String>>) -> Vec<Vec<String>> {
    const EDGE: usize = 3;
    let edges = |page: &Vec<String>| -> Vec<usize> {
        let lines: Vec<usize> = (0..page.len()).filter(|&i| !page[i].is_empty()).collect();
        let mut picked: Vec<usize> = lines.iter().take(EDGE).copied().collect();
        picked.extend(lines.iter().rev().take(EDGE).copied());
        picked.sort_unstable();
        picked.dedup();
        picked
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (number, page) in pages.iter().enumerate() {
        let mut keys: Vec<String> = edges(page)
            .into_iter()
            .map(|i| running_key(&page[i], number))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    let needed = pages.len().div_ceil(2).max(2);
    for (number, page) in pages.iter_mut().enumerate() {
        let running = |line: &str| {
            is_page_number(line)
                || counts
                    .get(&running_key(line, number))
                    .is_some_and(|&n| n >= needed)
        };
        for _ in 0..EDGE {
            match page.iter().position(|l| !l.is_empty()) {
                Some(i) if running(&page[i]) => page[i].clear(),
                _ => break,
            }
        }
        for _ in 0..EDGE {
            match page.iter().rposition(|l| !l.is_empty()) {
                Some(i) if running(&page[i]) => page[i].clear(),
                _ => break,
            }
        }
    }
    pages
}

/// What a running line on page `number` (0-based) has in common with its repeats: its shape,
/// and for a line with a number, that number less the page's.
fn running_key(line: &str, number: usize) -> String {
    let shape = shape(line);
    let digits: String = line
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    match digits.parse::<i64>() {
        Ok(value) => format!("{shape}\u{1f}{}", value - number as i64),
        Err(_) => shape,
    }
}

#[cfg(test)]
mod tests {
    use crate::corpus::pdf::assemble;

    #[test]
    fn running_headers_footers_and_page_numbers_go() {
        let topics = ["Education", "Research", "Return", "Labour"];
        let page = |n: usize| {
            let topic = topics[n - 1];
            format!(
                "Migration Policy Review\n{topic} policy is the body of page {n}.\nIt goes on here.\n\nPage {n}\n"
            )
        };
        let (text, starts) = assemble((1..=4).map(page).collect());
        assert!(
            !text.contains("Migration Policy Review") && !text.contains("Page "),
            "{text}"
        );
        assert_eq!(text.matches("policy is the body").count(), 4, "{text}");
        assert_eq!(starts.len(), 4);
        // Every page starts at its own body text.
        let chars: Vec<char> = text.chars().collect();
        for (i, &s) in starts.iter().enumerate() {
            let from: String = chars[s..].iter().take(topics[i].len()).collect();
            assert_eq!(from, topics[i]);
        }
    }

    #[test]
    fn a_line_recurring_in_the_middle_of_pages_stays() {
        let page =
            |n: usize| format!("Article {n}.\nSecond {n}.\nSee Table 1.\nFourth {n}.\nLast {n}.\n");
        // Article 7 and Article 9 head pages 1 and 2: numbered alike, but not page numbers.
        let (text, _) = assemble(vec![page(7), page(9)]);
        assert_eq!(text.matches("See Table 1.").count(), 2, "{text}");
        assert!(
            text.contains("Article 7.") && text.contains("Last 9."),
            "{text}"
        );
    }
}

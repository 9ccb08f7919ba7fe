//! What a paragraph is in its document: body text, or one of the parts a coder does not code
//! (headings, keyword lines, bylines, references, footnotes, captions, tables, page furniture).
//!
//! Coders code what a passage *discusses*; a theme named in a title, a keyword list, an
//! affiliation or a citation is a bare mention. The roles are told from the paragraph's own
//! shape — its first words, its length, how it ends — and from where it stands (a document's
//! first paragraph, the paragraphs under a "References" heading), in English, Russian, Kazakh
//! and Ukrainian.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The role of a passage in its document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Running text: what auto-coding reads.
    #[default]
    Body,
    /// A title, headline or section heading.
    Heading,
    /// A keyword line (`Keywords:`, `Ключевые слова:`, `Түйін сөздер:`).
    Keywords,
    /// Authors, affiliations, e-mail addresses, dates, identifiers (DOI, UDC).
    Byline,
    /// An entry of a reference list.
    Reference,
    /// A footnote or endnote.
    Footnote,
    /// A table or figure caption, or a source note.
    Caption,
    /// Rows of a table.
    Table,
    /// Page numbers, separators and other page furniture.
    Furniture,
}

impl Role {
    /// Every role, body first.
    pub const ALL: [Role; 9] = [
        Role::Body,
        Role::Heading,
        Role::Keywords,
        Role::Byline,
        Role::Reference,
        Role::Footnote,
        Role::Caption,
        Role::Table,
        Role::Furniture,
    ];

    /// The role's name, as in records: `body`, `heading`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Body => "body",
            Role::Heading => "heading",
            Role::Keywords => "keywords",
            Role::Byline => "byline",
            Role::Reference => "reference",
            Role::Footnote => "footnote",
            Role::Caption => "caption",
            Role::Table => "table",
            Role::Furniture => "furniture",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                crate::Error::Invalid(format!(
                    "unknown passage role {s:?}: expected one of {}",
                    Role::ALL.map(Role::as_str).join(", ")
                ))
            })
    }
}

/// A set of roles: which passages auto-coding reads.
///
/// ```
/// use thematic::segment::{Role, Roles};
/// assert!(Roles::BODY.contains(Role::Body) && !Roles::BODY.contains(Role::Heading));
/// let roles: Roles = "body,heading".parse()?;
/// assert!(roles.contains(Role::Heading));
/// assert!("all".parse::<Roles>()?.contains(Role::Reference));
/// # Ok::<(), thematic::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Roles(u16);

impl Roles {
    /// Body text only: the default of auto-coding.
    pub const BODY: Roles = Roles(1);
    /// Every passage, whatever its role.
    pub const ALL: Roles = Roles((1 << Role::ALL.len()) - 1);

    /// Does the set hold `role`?
    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// The set with `role` added.
    pub fn with(self, role: Role) -> Roles {
        Roles(self.0 | role.bit())
    }
}

impl Default for Roles {
    fn default() -> Roles {
        Roles::BODY
    }
}

impl FromStr for Roles {
    type Err = crate::Error;

    /// `all`, or roles separated by commas (`body,heading`).
    fn from_str(s: &str) -> crate::Result<Roles> {
        if s.trim() == "all" {
            return Ok(Roles::ALL);
        }
        s.split(',')
            .map(|r| r.trim().parse::<Role>())
            .try_fold(Roles(0), |set, role| Ok(set.with(role?)))
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Roles::ALL {
            return f.write_str("all");
        }
        let names: Vec<&str> = Role::ALL
            .into_iter()
            .filter(|r| self.contains(*r))
            .map(Role::as_str)
            .collect();
        f.write_str(&names.join(","))
    }
}

/// The part of a document a paragraph is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Section {
    /// The text itself.
    #[default]
    Text,
    /// After a "References" heading.
    References,
    /// After an "About the authors", "Cite this article" or "Funding" heading.
    BackMatter,
}

impl Section {
    /// The section after a paragraph of `role`.
    pub(crate) fn after(self, p: &str, role: Role) -> Section {
        match role {
            Role::Heading if is_references_heading(p) => Section::References,
            Role::Heading if is_back_matter_heading(p) => Section::BackMatter,
            Role::Heading if is_abstract_heading(p) => Section::Text,
            Role::Heading | Role::Body if self == Section::References => Section::Text,
            _ => self,
        }
    }
}

/// Where a paragraph stands, for [`classify`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Position {
    /// It is the document's first paragraph (a headline, when short).
    pub first: bool,
    /// The part of the document it is in.
    pub section: Section,
}

/// The role of one paragraph (trimmed text).
pub(crate) fn classify(p: &str, at: Position) -> Role {
    let first_char = p.chars().next().unwrap_or(' ');
    // Most paragraphs are long running text that starts with a letter: decided at once.
    if p.len() > 700
        && first_char.is_alphabetic()
        && at.section == Section::Text
        && !is_label_start(p)
    {
        return Role::Body;
    }
    if p.starts_with('#') {
        return if !p.contains('\n') {
            Role::Heading
        } else {
            Role::Body
        };
    }
    if is_back_matter_heading(p) || is_references_heading(p) || is_abstract_heading(p) {
        return Role::Heading;
    }
    if at.section == Section::BackMatter && p.len() < 700 {
        return Role::Byline;
    }
    if is_keywords(p) {
        return Role::Keywords;
    }
    if is_table(p) {
        return Role::Table;
    }
    if is_furniture(p) {
        return Role::Furniture;
    }
    if is_caption(p) {
        return Role::Caption;
    }
    if is_reference(p) {
        return Role::Reference;
    }
    if is_byline(p) {
        return Role::Byline;
    }
    if is_footnote(p) {
        return Role::Footnote;
    }
    if at.section == Section::References && p.len() < 600 && loose_reference(p) {
        return Role::Reference;
    }
    if is_heading(p, at.first) {
        return Role::Heading;
    }
    Role::Body
}

/// Inside a reference list, an entry needs less to be told: a year, pages, a publisher.
fn loose_reference(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(?-u:\b)(?:1[89]|20)\d{2}(?-u:\b)|\d\s*(?:p|pp|с|c|б)\.|(?:^|[\s,(])(?:p|pp|с|c|б)\.\s?\d|//|(?-u:\bpress\b)|издательство|баспа")
            .expect("a valid regex")
    });
    re.is_match(p)
}

/// A heading that opens the back matter: notes on the authors, how to cite, funding, rights.
fn is_back_matter_heading(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^[#*\s]*(?:authors? information|information about the authors?|about the authors?|about this article|details for publication|rights and permissions|cite this article|funding|acknowledge?ments?|conflicts? of interest|author contributions?|сведения об авторах?|информация об авторах?|об авторах?|авторлар туралы(?: мәлімет| ақпарат)?|автор туралы(?: мәлімет| ақпарат)?|відомості про авторів|інформація про авторів)[\s*:.]*$",
        )
        .expect("a valid regex")
    });
    p.len() < 120 && re.is_match(p)
}

/// A heading that opens an abstract (often another language's, after the back matter).
fn is_abstract_heading(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^[#*\s]*(?:abstract|annotation|summary|аннотация|резюме|анотація|аңдатпа|түйін)(?:\s+\p{L}+){0,3}[\s*:.]*$",
        )
        .expect("a valid regex")
    });
    p.len() < 120 && re.is_match(p)
}

/// Does the paragraph start the way keyword lines, captions or bylines start? (A cheap test
/// before the long-paragraph shortcut.)
fn is_label_start(p: &str) -> bool {
    is_keywords(p) || is_caption(p)
}

/// A heading that opens a reference list: the paragraphs after it are references.
pub(crate) fn is_references_heading(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^[#*\s]*(?:\d+\.?\s*)?(?:references|reference list|bibliography|literature|works cited|sources|notes|endnotes|список (?:использованной |использованных )?(?:литературы|источников)|литература|источники|библиография|пайдаланылған әдебиеттер(?: тізімі)?|әдебиеттер(?: тізімі)?|пайдаланылған дереккөздер|список (?:використаних )?джерел|література|використана література)[\s*:.]*$",
        )
        .expect("a valid regex")
    });
    p.len() < 120 && re.is_match(p)
}

fn is_keywords(p: &str) -> bool {
    is_keyword_label(p) || is_term_list(p)
}

/// A list of short terms with no sentence: `МИГРАЦИЯ / ТРУД / ВЫСШЕЕ ОБРАЗОВАНИЕ / …`, as
/// article databases print keywords, or an unlabelled keyword line under a title
/// (`migration, education, brain drain, foreign universities`).
fn is_term_list(p: &str) -> bool {
    let (separator, min_items, max_words) = if p.contains(" / ") {
        (" / ", 4, 6)
    } else if p.contains(" · ") {
        (" · ", 4, 6)
    } else if p.len() <= 400
        && !p.ends_with(['.', '!', '?', ':', '…'])
        && !p.starts_with(['-', '•', '*', '–', '—'])
        && (p.contains(", ") || p.contains("; "))
    {
        // Commas also separate a sentence's enumerations; a keyword line has many short items
        // and nothing that ends a sentence.
        if p.contains("; ") {
            ("; ", 4, 4)
        } else {
            (", ", 5, 4)
        }
    } else {
        return false;
    };
    let items: Vec<&str> = p.split(separator).collect();
    items.len() >= min_items
        && items
            .iter()
            .all(|i| (1..=max_words).contains(&i.split_whitespace().count()))
}

fn is_keyword_label(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^[\W_]{0,4}(?:key\s?words?|key terms|index terms|jel(?: classification| codes)?|ключевые слова|ключові слова|түйін(?:ді)?\s?сөздер|тірек сөздер|кілт сөздер|t[úu][iıy]{1,2}n(?:di)?\s?s[óo]zder|kilt s[óo]zder)[\W_]{0,4}[:.—–-]",
        )
        .expect("a valid regex")
    });
    re.is_match(head(p, 60))
}

fn is_caption(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^[\W_]{0,3}(?:table|figure|fig\.|chart|graph|diagram|scheme|source|sources|note|notes|photo|таблица|рисунок|рис\.|график|диаграмма|схема|источник|источники|примечание|фото|кесте|сурет|дереккөз|дерек көзі|ескерту|таблиця|джерело|примітка)(?:\s*[№#]?\s*\d+(?:\.\d+)*)?\s*[:.—–-]",
        )
        .expect("a valid regex")
    });
    (p.len() < 500 && re.is_match(head(p, 40))) || (p.starts_with("![") && p.len() < 500)
}

fn is_table(p: &str) -> bool {
    // Rows need cells or several lines.
    let bytes = p.as_bytes();
    if memchr::memchr3(b'|', b'\t', b'\n', bytes).is_none() {
        return false;
    }
    let lines: Vec<&str> = p.lines().collect();
    let cells = |l: &&str| l.matches('|').count() >= 2 || l.matches('\t').count() >= 2;
    if lines.iter().filter(|l| cells(l)).count() * 2 >= lines.len().max(1) && cells(&lines[0]) {
        return true;
    }
    // Rows of figures: mostly digits, no sentence.
    let (mut digits, mut letters) = (0usize, 0usize);
    for c in p.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    lines.len() >= 2 && digits >= 6 && digits > letters && !p.contains(". ")
}

/// A page number or separator on its own.
fn is_furniture(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:[-–—\s]*\d{1,4}[-–—\s]*|(?:page|p\.|стр\.|с\.|бет|сторінка)\s*\d{1,4}(?:\s*(?:of|из|/)\s*\d{1,4})?|[-–—*_=•·.\s]{3,})$",
        )
        .expect("a valid regex")
    });
    p.len() < 40 && re.is_match(p)
}

fn is_reference(p: &str) -> bool {
    static NUMBERED: OnceLock<Regex> = OnceLock::new();
    static SIGNAL: OnceLock<Regex> = OnceLock::new();
    static AUTHOR: OnceLock<Regex> = OnceLock::new();
    if p.len() > 1_200 {
        return p.contains('\n') && is_reference_block(p);
    }
    let numbered = NUMBERED.get_or_init(|| {
        Regex::new(r"^\s*(?:\[\d{1,3}\]|\d{1,3}[.)]|[-•–]\s)\s*(?:<sup>\d+</sup>)?\s*(?:\p{Lu}|\*|«|“|\x22)")
            .expect("a valid regex")
    });
    let author = AUTHOR.get_or_init(|| {
        // Surname, A. B. / Surname A.B. / A. B. Surname, at the start.
        Regex::new(r"^(?:\p{Lu}[\p{L}'’-]+,?\s+(?:\p{Lu}\.\s?){1,3}|(?:\p{Lu}\.\s?){1,3}\p{Lu}[\p{L}'’-]+,)")
            .expect("a valid regex")
    });
    let signal = SIGNAL.get_or_init(|| {
        Regex::new(
            r"(?i)\(\d{4}[a-z]?\)|(?-u:\b)(?:19|20)\d{2}[a-z]?\.\s|doi[:.]|https?://|(?-u:\bURL\b)|//\s*\p{L}|\[electronic resource\]|\[электрон|(?-u:\bpp?\.)\s?\d|(?:^|[\s,(])[сc]\.\s?\d|(?-u:\bvol\.)|(?:^|[\s,(])т\.\s?\d|retrieved from|accessed\s|(?-u:\b)(?:19|20)\d{2}\)\s*\d|[‘'][^’'\n]{4,}[’']\s*\(\d{4}\)",
        )
        .expect("a valid regex")
    });
    let year = || {
        static YEAR: OnceLock<Regex> = OnceLock::new();
        YEAR.get_or_init(|| {
            Regex::new(r"(?-u:\b)(?:1[89]|20)\d{2}(?-u:\b)").expect("a valid regex")
        })
        .is_match(p)
    };
    (numbered.is_match(p) && signal.is_match(p))
        || (author.is_match(p) && signal.is_match(p) && year())
}

/// A block of reference entries, one per line.
fn is_reference_block(p: &str) -> bool {
    let lines: Vec<&str> = p.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.len() >= 3 && lines.iter().filter(|l| is_reference(l.trim())).count() * 2 >= lines.len()
}

fn is_footnote(p: &str) -> bool {
    static MARK: OnceLock<Regex> = OnceLock::new();
    static SIGNAL: OnceLock<Regex> = OnceLock::new();
    if p.len() > 800 {
        return false;
    }
    let mark = MARK.get_or_init(|| {
        Regex::new(r"^(?:\d{1,3}\s+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*|<sup>\d{1,3}</sup>\s*|\*{1,3}\s+)\S")
            .expect("a valid regex")
    });
    let signal = SIGNAL.get_or_init(|| {
        Regex::new(r"(?i)(?-u:\b)(?:19|20)\d{2}(?-u:\b)|(?-u:\bibid\b)|(?-u:\bop\.)\s?cit|\(n \d+\)|(?-u:\bpp?\.)\s?\d|https?://|(?-u:\bsee\b)|(?:^|[\s(\[])см\.|там же|qarańyz|қараңыз")
            .expect("a valid regex")
    });
    mark.is_match(p) && signal.is_match(p)
}

fn is_byline(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    static NAMES: OnceLock<Regex> = OnceLock::new();
    static DATE: OnceLock<Regex> = OnceLock::new();
    if p.len() > 400 {
        return false;
    }
    // Labels at the start, anchored; e-mail addresses and ORCID iDs anywhere. No Unicode word
    // boundaries: they would keep the regex engine off its fast paths for every short paragraph.
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)^\W{0,3}(?:received|accepted|published|submitted|поступила|принята|опубликовано|doi|udc|удк|мрнти|грнти|irstі|irsti|ғтамр|хтар|jel|author|authors|автор|авторы|by|фото|photo|photos|cite this article|how to cite|для цитирования|дәйексөз үшін)[\s:.]",
        )
        .expect("a valid regex")
    });
    static EMAIL: OnceLock<Regex> = OnceLock::new();
    let email = || {
        EMAIL
            .get_or_init(|| Regex::new(r"[\w.+-]+@[\w-]+\.\w").expect("a valid regex"))
            .is_match(p)
    };
    static MARKS: OnceLock<Regex> = OnceLock::new();
    let marks =
        MARKS.get_or_init(|| Regex::new(r"(?i)orcid|corresponding author").expect("a valid regex"));
    if re.is_match(p)
        || (memchr::memchr(b'@', p.as_bytes()).is_some() && email())
        || marks.is_match(p)
        || (p.starts_with("http") && !p.contains(char::is_whitespace))
    {
        return true;
    }
    // Dates, names and affiliations are short.
    if p.split_whitespace().nth(25).is_some() {
        return false;
    }
    let words = p.split_whitespace().count();
    let date = DATE.get_or_init(|| {
        Regex::new(
            r"(?i)^\W*(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}\s+\p{L}+\s+(?:19|20)\d{2}|\p{L}+\s+\d{1,2},?\s+(?:19|20)\d{2}|(?:19|20)\d{2}\s+(?:ж\.|жыл\w*)\s+\d{1,2}\s+\p{L}+)(?:[,\s]+\d{1,2}:\d{2})?\W*$",
        )
        .expect("a valid regex")
    });
    if words <= 8
        && (date.is_match(p)
            || p.trim_end().ends_with(|c: char| c.is_ascii_digit())
                && p.contains(':')
                && p.len() < 40)
    {
        return true;
    }
    // A line of names with initials: "G.B. Kaliaskarova", "Bibinaz Almanova¹, Leila Delovarova".
    let names = NAMES.get_or_init(|| {
        Regex::new(r"^(?:(?:\p{Lu}\.\s?){1,2}\s?\p{Lu}\p{Ll}+(?:<sup>\d+</sup>|[¹²³⁴⁵⁶⁷⁸⁹⁰*]+)?[,;]?\s*)+$")
            .expect("a valid regex")
    });
    if words <= 12 && names.is_match(p) {
        return true;
    }
    // An affiliation: an institution, a place, no sentence.
    let institution = [
        "university",
        "institute",
        "academy",
        "университет",
        "институт",
        "академия",
        "академиясы",
        "college",
    ];
    words <= 25 && !ends_a_sentence(p) && (p.contains(',') || p.contains('(')) && {
        let lower = p.to_lowercase();
        institution.iter().any(|w| lower.contains(w))
    }
}

/// `p` without what may follow a sentence's last word: closing quotes and brackets, emphasis
/// marks, and note references (`<sup>4</sup>`, `⁴`, `[12]`).
fn trim_end(p: &str) -> &str {
    let mut p = p.trim_end();
    loop {
        let before = p.len();
        p = p.trim_end_matches(|c: char| {
            c.is_whitespace()
                || matches!(c, '"' | '\'' | '»' | '”' | '’' | ')' | '*' | '_')
                || "¹²³⁴⁵⁶⁷⁸⁹⁰".contains(c)
        });
        if let Some(rest) = p.strip_suffix("</sup>")
            && let Some(open) = rest.rfind("<sup>")
        {
            p = &rest[..open];
        }
        if p.ends_with(']')
            && let Some(open) = p.rfind('[')
            && p.len() - open < 24
        {
            p = &p[..open];
        }
        if p.len() == before {
            return p;
        }
    }
}

/// Does `p` end as a sentence does (closing quotes, brackets and note references aside)?
pub(crate) fn ends_a_sentence(p: &str) -> bool {
    trim_end(p).ends_with(['.', '!', '?', '…', ';', ':'])
}

fn is_heading(p: &str, first: bool) -> bool {
    if is_act_title(p) {
        return true;
    }
    // A title in capitals may run over two or three lines.
    let capitals = p.chars().any(char::is_alphabetic)
        && p.chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let lines = p.lines().count();
    if (lines > 1 && !(capitals && lines <= 3)) || p.len() > 300 {
        return false;
    }
    let words = p.split_whitespace().count();
    let limit = if first { 30 } else { 15 };
    if words == 0 || words > limit {
        return false;
    }
    let start = p.trim_start_matches(['*', '_', '«', '"', '“', '\'', ' ']);
    let Some(c) = start.chars().next() else {
        return false;
    };
    // Lowercase: a fragment of a sentence; a bullet or "1)": an item of a list.
    if c.is_lowercase() || matches!(c, '-' | '–' | '—' | '•' | '·') {
        return false;
    }
    if list_item(start) {
        return false;
    }
    let trimmed = trim_end(p);
    if trimmed.ends_with(['.', ';', ',', ':', '…']) {
        // "1. Introduction." and "II. METHODS." are headings too; a sentence is not.
        return is_numbered_title(start) && words <= 8;
    }
    if trimmed.ends_with(['?', '!']) {
        // A headline may ask or exclaim; a short question inside running text is rare.
        return first || words <= 12;
    }
    true
}

/// The title of a legal act or of an article as a database prints it: "… туралы" (Kazakh: "on
/// …"), "О …"/"Об …" (Russian), "On …", or a title followed by "Текст научной статьи по
/// специальности …"; no full stop at the end.
fn is_act_title(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    if p.len() > 1_200 || ends_a_sentence(p) {
        return false;
    }
    let re = RE.get_or_init(|| {
        Regex::new(r"(?s)(?:\sтуралы|\sжөнінде)$|^(?:О|Об|On|Concerning)\s.*(?:закон|постановлени|указ|приказ|правил|concept|law|decree|resolution|rules)|Текст научной статьи по специальности")
            .expect("a valid regex")
    });
    re.is_match(trim_end(p))
}

/// `1)`, `a)`, `а)`: an item of an enumerated list.
fn list_item(p: &str) -> bool {
    let mut chars = p.chars();
    let mut count = 0;
    for c in chars.by_ref() {
        if c.is_ascii_digit() || (count == 0 && c.is_alphabetic()) {
            count += 1;
            if count > 3 {
                return false;
            }
            continue;
        }
        return count > 0 && c == ')';
    }
    false
}

fn is_numbered_title(p: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+\p{Lu}").expect("a valid regex")
    });
    re.is_match(p)
}

/// The first `n` bytes of `p`, cut at a character boundary.
fn head(p: &str, n: usize) -> &str {
    let mut end = n.min(p.len());
    while !p.is_char_boundary(end) {
        end -= 1;
    }
    &p[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(p: &str) -> Role {
        classify(p, Position::default())
    }

    #[test]
    fn headings_and_headlines() {
        // From the shipped papers and collected press (English, Russian, Kazakh).
        assert_eq!(
            role("# THE ROLE OF EDUCATION AND RESEARCH COLLABORATION IN HIGHLY SKILLED MIGRATION"),
            Role::Heading
        );
        assert_eq!(role("Introduction"), Role::Heading);
        assert_eq!(
            role(
                "INTERNATIONAL INTELLECTUAL MIGRATION:\nFROM “\"BRAIN DRAIN” TO “\"BRAIN CIRCULATION\""
            ),
            Role::Heading,
            "a title in capitals over two lines"
        );
        assert_eq!(
            role("Analysis of the theoretical basis of the study of intellectual migration."),
            Role::Body,
            "a sentence ends with a full stop"
        );
        assert_eq!(role("1. Introduction"), Role::Heading);
        let first = Position {
            first: true,
            ..Position::default()
        };
        assert_eq!(
            classify(
                "Kazakhstan loses thousands of qualified specialists to emigration every year",
                first
            ),
            Role::Heading
        );
        assert_eq!(
            classify(
                "Почему утекшие мозги не спешат возвращаться в Казахстан?",
                first
            ),
            Role::Heading
        );
        assert_eq!(
            role("Шетелдік мамандарды тарту тетіктері жетілдіріледі"),
            Role::Heading
        );
        assert_eq!(
            role("– привлечение квалифицированных иностранных специалистов"),
            Role::Body,
            "a list item"
        );
        assert_eq!(role("1) образовательная иммиграция"), Role::Body);
        assert_eq!(
            role("the years of independence of the direction of intellectual migration"),
            Role::Body,
            "a fragment"
        );
    }

    #[test]
    fn keyword_lines_in_four_languages() {
        assert_eq!(
            role(
                "ТРАНСНАЦИОНАЛИЗМ / ТРАНСЛОКАЛЬНОСТЬ / МЕЖДУНАРОДНАЯ МИГРАЦИЯ / УЧЕБНАЯ МИГРАЦИЯ / КЫРГЫЗСТАН"
            ),
            Role::Keywords
        );
        assert_eq!(
            role(
                "Қазақстан Республикасының бейрезиденттері үшін инвесторлық виза алуға өтінішхатты беру қағидаларын бекіту туралы"
            ),
            Role::Heading
        );
        assert_eq!(
            role(
                "Академическая мобильность как фактор устойчивости системы высшего образования Текст научной статьи по специальности «Науки об образовании»"
            ),
            Role::Heading
        );
        assert_eq!(
            role(
                "1. \"Болашақ\" халықаралық стипендиясын тағайындау үшін үміткерлерді іріктеу қағидаларын бекіту туралы\" Қазақстан Республикасы Үкіметінің 2008 жылғы 11 маусымдағы № 573 қаулысына мынадай өзгерістер енгізілсін:"
            ),
            Role::Body
        );
        for p in [
            "Keywords: intellectual migration, brain drain, professionals, innovation.",
            "**Keywords:** highly skilled migration, education",
            "migration, education, international relations, the youth, globalization, brain drain, foreign universities",
            "миграция; образование; утечка мозгов; академическая мобильность",
            "Ключевые слова: интеллектуальная миграция, утечка мозгов",
            "Түйін сөздер: зияткерлік көші-қон, ақыл-ой кетуі",
            "Түйінді сөздер: білім беру көші-қоны",
            "Ключові слова: освітня міграція",
        ] {
            assert_eq!(role(p), Role::Keywords, "{p}");
        }
    }

    #[test]
    fn references_and_footnotes() {
        for p in [
            "4. Docquier, F., & Rapoport, H. (2012). Globalization, brain drain, and development. Journal of Economic Literature, 50(3), 681-730.",
            "[3] Дарский Л.И. Миграция населения. – М.: Статистика, 1974. – С. 45.",
            "Beine, M., Docquier, F. (2008). Brain drain and human capital formation. The Economic Journal.",
            "- Tan J. (2013). Introduction to migration studies. URL: https://example.org",
        ] {
            assert_eq!(role(p), Role::Reference, "{p}");
        }
        assert_eq!(
            role("<sup>29</sup> Bhardwaj and Sharma (n 2)."),
            Role::Footnote
        );
        assert_eq!(
            role(
                "2 Michel Beine and others, 'Brain Drain and Economic Growth' (2001) 64(1) Journal of Development Economics 275."
            ),
            Role::Footnote
        );
        assert_eq!(
            role("2. In 2023 the government approved a concept of migration policy."),
            Role::Body,
            "a numbered paragraph of a law"
        );
        let refs = Position {
            section: Section::References,
            ..Position::default()
        };
        assert_eq!(
            classify(
                "Darsky L.Y. Population Reproduction. (Progress Publisher, Moscow, 1978, 400 p.).",
                refs
            ),
            Role::Reference
        );
        let back = Position {
            section: Section::BackMatter,
            ..Position::default()
        };
        assert_eq!(
            classify(
                "Kaliaskarova Gulnaz Bazarbekkyzy – Ph.D. student in Political Science, L.N. Gumilyov Eurasian National University, Nur-Sultan, Kazakhstan.",
                back
            ),
            Role::Byline
        );
        assert_eq!(
            Section::References.after("Г.Б. Калиаскарова", Role::Byline),
            Section::References
        );
        assert_eq!(
            Section::References.after("Аңдатпа. Мақалада…", Role::Body),
            Section::Text
        );
        assert_eq!(
            Section::Text.after("## AUTHORS INFORMATION", Role::Heading),
            Section::BackMatter
        );
        assert_eq!(
            Section::BackMatter.after("## АНОТАЦІЯ УКРАЇНСЬКОЮ МОВОЮ", Role::Heading),
            Section::Text
        );
    }

    #[test]
    fn bylines_captions_tables_and_furniture() {
        for p in [
            "G.B. Kaliaskarova",
            "L.N. Gumilyov Eurasian National University, Nur-Sultan, Kazakhstan (E-mail: gulnaz.ciom@mail.ru)",
            "DOI: https://doi.org/10.32523/2616-6887/2022-138-1-79-85 Received: 12.08.2021 / Approved: 12.12.2021",
            "29 November 2022, 12:58",
            "УДК 314.15",
        ] {
            assert_eq!(role(p), Role::Byline, "{p}");
        }
        assert_eq!(
            role("Table 2. Number of foreign students in Kazakhstan, 2019-2023"),
            Role::Caption
        );
        assert_eq!(
            role("Источник: Бюро национальной статистики"),
            Role::Caption
        );
        assert_eq!(
            role("| Year | Students |\n|---|---|\n| 2022 | 28 000 |"),
            Role::Table
        );
        assert_eq!(role("12"), Role::Furniture);
        assert_eq!(role("Page 3 of 10"), Role::Furniture);
        assert_eq!(
            role("Nazarbayev University opened a new research campus in Astana in 2023."),
            Role::Body
        );
    }
}

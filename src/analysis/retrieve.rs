//! Retrieval by combination of codes (a "complex coding query"): the passages coded
//! `brain_drain AND return_policy`, `education_pull NOT brain_drain`,
//! `return_policy NEAR/2 brain_drain` (coded `return_policy`, with `brain_drain` within two
//! passages of the same document).
//!
//! ```text
//! query  := term (OR term)*
//! term   := factor ((AND | NOT | NEAR/n) factor)*
//! factor := CODE | NOT factor | ( query )
//! ```
//!
//! Operators are case-insensitive; `A NOT B` means A and not B; a code is its full path.
//! Parentheses and `NOT`s may nest [`MAX_QUERY_NESTING`] deep, and a query may join at most
//! [`MAX_QUERY_OPERATORS`] factors with `AND`, `OR`, `NOT` or `NEAR/n`: the query is read and
//! evaluated by recursion, and a hostile query must not exhaust the stack.
//!
//! ```
//! use thematic::analysis::retrieve::Query;
//! let q = Query::parse("brain_drain AND (return_policy OR talent_attraction) NOT brain_drain/push_factors")?;
//! assert_eq!(q.codes(), ["brain_drain", "return_policy", "talent_attraction", "brain_drain/push_factors"]);
//! # Ok::<(), thematic::Error>(())
//! ```

use crate::error::{Diagnostic, Error, Result};

use super::{Incidence, PassageSet};

/// How deep parentheses and `NOT`s may nest in a query.
pub const MAX_QUERY_NESTING: usize = 64;

/// How many binary operators (`AND`, `OR`, `NOT`, `NEAR/n`) a query may hold: each one deepens
/// the tree that evaluation walks.
pub const MAX_QUERY_OPERATORS: usize = 1_000;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    root: Node,
    source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Code(String, usize),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    AndNot(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Near(Box<Node>, Box<Node>, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Code(String),
    And,
    Or,
    Not,
    Near(usize),
    Open,
    Close,
}

fn fail(source: &str, at: usize, len: usize, message: String) -> Error {
    Error::Invalid(
        Diagnostic::new(message)
            .with_span(source, Some(at..at + len.max(1)))
            .to_string()
            .replace("<input>", "query"),
    )
}

fn tokenize(source: &str) -> Result<Vec<(Token, usize, usize)>> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '(' || c == ')' {
            chars.next();
            tokens.push((if c == '(' { Token::Open } else { Token::Close }, at, 1));
            continue;
        }
        let mut end = at;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '(' || c == ')' {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let word = &source[at..end];
        let upper = word.to_ascii_uppercase();
        let token = match upper.as_str() {
            "AND" => Token::And,
            "OR" => Token::Or,
            "NOT" => Token::Not,
            _ if upper.starts_with("NEAR/") => Token::Near(upper[5..].parse().map_err(|_| {
                fail(
                    source,
                    at,
                    word.len(),
                    format!("invalid distance in {word:?}: write NEAR/2"),
                )
            })?),
            _ => Token::Code(word.to_string()),
        };
        tokens.push((token, at, word.len()));
    }
    Ok(tokens)
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<(Token, usize, usize)>,
    pos: usize,
    /// Parentheses and `NOT`s open around the factor being read.
    nesting: usize,
    /// Binary operators read so far.
    operators: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _, _)| t)
    }

    fn error_here(&self, message: &str) -> Error {
        let (at, len) = self
            .tokens
            .get(self.pos)
            .map_or((self.source.len(), 1), |&(_, at, len)| (at, len));
        fail(self.source, at, len, message.to_string())
    }

    /// Counts the binary operator at the current token, refusing one too many.
    fn operator(&mut self) -> Result<()> {
        self.operators += 1;
        self.advance_within(self.operators <= MAX_QUERY_OPERATORS, || {
            format!(
                "the query has more than {MAX_QUERY_OPERATORS} operators (AND, OR, NOT, NEAR/n); split it into several queries"
            )
        })
    }

    /// Enters a parenthesis or a `NOT` at the current token, refusing to nest too deep.
    fn enter(&mut self) -> Result<()> {
        self.nesting += 1;
        self.advance_within(self.nesting <= MAX_QUERY_NESTING, || {
            format!("parentheses and NOTs nest more than {MAX_QUERY_NESTING} deep here")
        })
    }

    /// Moves past the current token if the query is `within` its limits, else fails there.
    fn advance_within(&mut self, within: bool, problem: impl FnOnce() -> String) -> Result<()> {
        if !within {
            return Err(self.error_here(&problem()));
        }
        self.pos += 1;
        Ok(())
    }

    fn query(&mut self) -> Result<Node> {
        let mut node = self.term()?;
        while self.peek() == Some(&Token::Or) {
            self.operator()?;
            node = Node::Or(Box::new(node), Box::new(self.term()?));
        }
        Ok(node)
    }

    fn term(&mut self) -> Result<Node> {
        let mut node = self.factor()?;
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.operator()?;
                    // `A AND NOT B` reads naturally; NOT binds to the factor.
                    node = Node::And(Box::new(node), Box::new(self.factor()?));
                }
                Some(Token::Not) => {
                    self.operator()?;
                    node = Node::AndNot(Box::new(node), Box::new(self.factor()?));
                }
                Some(&Token::Near(n)) => {
                    self.operator()?;
                    node = Node::Near(Box::new(node), Box::new(self.factor()?), n);
                }
                _ => return Ok(node),
            }
        }
    }

    fn factor(&mut self) -> Result<Node> {
        match self.tokens.get(self.pos).cloned() {
            Some((Token::Code(code), at, _)) => {
                self.pos += 1;
                Ok(Node::Code(code, at))
            }
            Some((Token::Not, _, _)) => {
                self.enter()?;
                let inner = self.factor()?;
                self.nesting -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            Some((Token::Open, _, _)) => {
                self.enter()?;
                let inner = self.query()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error_here("expected `)`"));
                }
                self.pos += 1;
                self.nesting -= 1;
                Ok(inner)
            }
            _ => Err(self.error_here("expected a code, NOT or `(`")),
        }
    }
}

impl Query {
    /// Parses a query; errors show the query with the fault underlined.
    pub fn parse(source: &str) -> Result<Query> {
        let mut parser = Parser {
            source,
            tokens: tokenize(source)?,
            pos: 0,
            nesting: 0,
            operators: 0,
        };
        let root = parser.query()?;
        if parser.pos < parser.tokens.len() {
            return Err(parser.error_here("expected AND, OR, NOT, NEAR/n or the end of the query"));
        }
        Ok(Query {
            root,
            source: source.to_string(),
        })
    }

    /// The codes the query names, in order of appearance.
    pub fn codes(&self) -> Vec<&str> {
        fn walk<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
            match n {
                Node::Code(c, _) => out.push(c),
                Node::Not(a) => walk(a, out),
                Node::And(a, b) | Node::Or(a, b) | Node::AndNot(a, b) | Node::Near(a, b, _) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// The passages that satisfy the query; an unknown code is an error pointing at it.
    pub fn evaluate(&self, incidence: &Incidence) -> Result<PassageSet> {
        self.eval(&self.root, incidence)
    }

    fn eval(&self, node: &Node, inc: &Incidence) -> Result<PassageSet> {
        Ok(match node {
            Node::Code(code, at) => {
                let i = inc.code_index(code).ok_or_else(|| {
                    fail(
                        &self.source,
                        *at,
                        code.len(),
                        format!("unknown code `{code}`"),
                    )
                })?;
                inc.sets[i].clone()
            }
            Node::Not(a) => everything(inc).and_not(&self.eval(a, inc)?),
            Node::And(a, b) => self.eval(a, inc)?.and(&self.eval(b, inc)?),
            Node::Or(a, b) => self.eval(a, inc)?.or(&self.eval(b, inc)?),
            Node::AndNot(a, b) => self.eval(a, inc)?.and_not(&self.eval(b, inc)?),
            Node::Near(a, b, n) => self.eval(a, inc)?.and(&inc.widen(&self.eval(b, inc)?, *n)),
        })
    }
}

fn everything(inc: &Incidence) -> PassageSet {
    let mut all = PassageSet::new(inc.passages());
    all.insert_range(0..inc.passages());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::OriginFilter;
    use crate::codebook::{Code, Codebook, Pattern};
    use crate::coding::Coder;
    use crate::corpus::{Corpus, Document};

    fn incidence() -> Incidence {
        let cb = Codebook::builder("t")
            .code(Code::new("a", "A").pattern(Pattern::phrase("alpha")))
            .code(Code::new("b", "B").pattern(Pattern::phrase("beta")))
            .build()
            .unwrap();
        let corpus = Corpus::from_documents([
            Document::new("d1", "alpha beta\n\nalpha\n\nx\n\nbeta"),
            Document::new("d2", "beta\n\nalpha"),
        ]);
        let coding = Coder::new(&cb).unwrap().code_corpus(&corpus);
        Incidence::new(&coding, &cb, false, OriginFilter::Any)
    }

    fn run(q: &str) -> Vec<usize> {
        Query::parse(q)
            .unwrap()
            .evaluate(&incidence())
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn boolean_and_proximity() {
        // Global passages: d1 = 0..4 (a b, a, x, b), d2 = 4..6 (b, a).
        assert_eq!(run("a AND b"), [0]);
        assert_eq!(run("a NOT b"), [1, 5]);
        assert_eq!(run("a or b"), [0, 1, 3, 4, 5]);
        assert_eq!(run("NOT (a OR b)"), [2]);
        assert_eq!(run("a NEAR/1 b"), [0, 1, 5]);
        assert_eq!(run("b NEAR/2 a"), [0, 3, 4]);
        assert_eq!(run("a AND NOT b"), run("a NOT b"));
    }

    #[test]
    fn deep_nesting_is_an_error_pointing_at_the_parenthesis_not_a_stack_overflow() {
        let deep = format!("{}a{}", "(".repeat(30_000), ")".repeat(30_000));
        let err = Query::parse(&deep).unwrap_err().to_string();
        assert!(
            err.contains("nest more than 64 deep")
                && err.contains(&format!("query:1:{}", MAX_QUERY_NESTING + 1))
                && err.contains('^'),
            "{err}"
        );
        assert!(
            err.len() < 1_000,
            "the query is quoted around the fault only"
        );
        let nots = format!("{}a", "NOT ".repeat(30_000));
        let err = Query::parse(&nots).unwrap_err().to_string();
        assert!(err.contains("nest more than 64 deep"), "{err}");
        let chain = vec!["a"; 30_000].join(" OR ");
        let err = Query::parse(&chain).unwrap_err().to_string();
        assert!(err.contains("more than 1000 operators"), "{err}");
        let fine = format!("{}a{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(run(&fine), run("a"));
        assert!(Query::parse(&vec!["a"; 1_001].join(" OR ")).is_ok());
    }

    #[test]
    fn errors_point_into_the_query() {
        let err = Query::parse("a AND (b OR").unwrap_err().to_string();
        assert!(err.contains("expected a code"), "{err}");
        let err = Query::parse("a b").unwrap_err().to_string();
        assert!(
            err.contains("expected AND, OR") && err.contains("query:1:3"),
            "{err}"
        );
        let err = Query::parse("a NEAR/x b").unwrap_err().to_string();
        assert!(err.contains("NEAR/2"), "{err}");
        let err = Query::parse("a AND zeta")
            .unwrap()
            .evaluate(&incidence())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown code `zeta`") && err.contains("^^^^"),
            "{err}"
        );
    }
}

//! Rust source as the few tokens the module check reads: identifiers, `::`
//! and single punctuation, each with its line.
//!
//! Comments (doc comments too: an intra-doc link is not a dependency),
//! string and character literals and lifetimes are dropped or reduced to a
//! bare [`Kind::Literal`], so that no text inside them reads as a path.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// An identifier or keyword; `r#name` reads as `name` and `$crate` as
    /// `crate`.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other single character outside literals and comments.
    Punct(char),
    /// A string, character or number literal, its content dropped.
    Literal,
}

/// A token and the line it starts on, counted from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) line: usize,
}

impl Token {
    /// The identifier, if the token is one.
    pub(super) fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(name) => Some(name),
            _ => None,
        }
    }

    /// Whether the token is the punctuation `c`.
    pub(super) fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// The tokens of `source`.
///
/// Malformed source (an unterminated string or comment) ends the tokens
/// where the malformed part begins; the compiler reports such files, and the
/// check only needs to read the ones that build.
pub(super) fn tokenize(source: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        at: 0,
        line: 1,
        tokens: Vec::new(),
    };
    lexer.run();
    lexer.tokens
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let next = self.peek(1);
            match c {
                '/' if next == Some('/') => self.skip_while(|c| c != '\n'),
                '/' if next == Some('*') => self.skip_block_comment(),
                '"' => {
                    self.push(Kind::Literal);
                    self.at += 1;
                    self.skip_string();
                }
                '\'' => self.quote(),
                ':' if next == Some(':') => {
                    self.push(Kind::PathSep);
                    self.at += 2;
                }
                '$' if self.word_at(1) == "crate" => {
                    self.push(Kind::Ident("crate".to_owned()));
                    self.at += 1 + "crate".len();
                }
                c if c.is_alphabetic() || c == '_' => self.word(),
                c if c.is_ascii_digit() => {
                    self.push(Kind::Literal);
                    self.skip_number();
                }
                c if c.is_whitespace() => self.advance(),
                c => {
                    self.push(Kind::Punct(c));
                    self.at += 1;
                }
            }
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn push(&mut self, kind: Kind) {
        self.tokens.push(Token {
            kind,
            line: self.line,
        });
    }

    /// Steps over one character, counting lines.
    fn advance(&mut self) {
        if self.peek(0) == Some('\n') {
            self.line += 1;
        }
        self.at += 1;
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek(0).is_some_and(&keep) {
            self.advance();
        }
    }

    /// The identifier characters from `ahead` on, without consuming them.
    fn word_at(&self, ahead: usize) -> String {
        self.chars
            .iter()
            .skip(self.at + ahead)
            .take_while(|c| is_ident_char(**c))
            .collect()
    }

    /// Block comments nest in Rust.
    fn skip_block_comment(&mut self) {
        let mut depth = 0_usize;
        while let Some(c) = self.peek(0) {
            match (c, self.peek(1)) {
                ('/', Some('*')) => {
                    depth += 1;
                    self.at += 2;
                }
                ('*', Some('/')) => {
                    self.at += 2;
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.advance(),
            }
        }
    }

    /// From just after the opening `"` to just after the closing one.
    fn skip_string(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => {
                    self.at += 1;
                    self.advance();
                }
                '"' => {
                    self.at += 1;
                    return;
                }
                _ => self.advance(),
            }
        }
    }

    /// From the first `#` or the `"` of a raw string to its end, or `false`
    /// (nothing consumed) when what follows is not a raw string.
    fn skip_raw_string(&mut self) -> bool {
        let hashes = self.chars[self.at..]
            .iter()
            .take_while(|c| **c == '#')
            .count();
        if self.peek(hashes) != Some('"') {
            return false;
        }
        self.push(Kind::Literal);
        self.at += hashes + 1;
        while let Some(c) = self.peek(0) {
            if c == '"' && (1..=hashes).all(|ahead| self.peek(ahead) == Some('#')) {
                self.at += hashes + 1;
                return true;
            }
            self.advance();
        }
        true
    }

    /// A character literal (`'a'`, `'\''`, `'\u{1F600}'`) or a lifetime or
    /// label (`'a`, `'outer`), which is dropped.
    fn quote(&mut self) {
        match (self.peek(1), self.peek(2)) {
            (Some('\\'), _) => {
                self.push(Kind::Literal);
                // The escaped character may itself be a quote: `'\''`.
                self.at += 3;
                self.skip_while(|c| c != '\'');
                self.at += 1;
            }
            (Some(_), Some('\'')) => {
                self.push(Kind::Literal);
                self.at += 3;
            }
            _ => {
                self.at += 1;
                self.skip_while(is_ident_char);
            }
        }
    }

    /// An identifier, or the prefix of a literal: `r"…"`, `r#"…"#`, `b"…"`,
    /// `br"…"`, `c"…"`, `b'x'`, or a raw identifier `r#type`.
    fn word(&mut self) {
        let word = self.word_at(0);
        self.at += word.chars().count();
        let next = self.peek(0);
        match (word.as_str(), next) {
            ("r" | "br" | "cr", Some('"' | '#')) if self.skip_raw_string() => {}
            ("r", Some('#')) => {
                self.at += 1;
                let name = self.word_at(0);
                self.at += name.chars().count();
                self.push(Kind::Ident(name));
            }
            // The literal itself is read next, as `"` or `'`.
            ("b" | "c", Some('"')) | ("b", Some('\'')) => {}
            _ => self.push(Kind::Ident(word)),
        }
    }

    /// Digits, suffixes and a fractional part, but not the `..` of a range.
    fn skip_number(&mut self) {
        while let Some(c) = self.peek(0) {
            let fraction = c == '.' && self.peek(1).is_some_and(|c| c.is_ascii_digit());
            if !(is_ident_char(c) || fraction) {
                return;
            }
            self.at += 1;
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens as text, one string per token, literals as `<lit>`.
    fn texts(source: &str) -> Vec<String> {
        tokenize(source)
            .into_iter()
            .map(|token| match token.kind {
                Kind::Ident(name) => name,
                Kind::PathSep => "::".to_owned(),
                Kind::Punct(c) => c.to_string(),
                Kind::Literal => "<lit>".to_owned(),
            })
            .collect()
    }

    #[test]
    fn drops_comments_of_every_kind() {
        let source =
            "a // crate::x\n/// [`crate::y`]\n/* crate::z /* nested */ crate::w */ b //! c";
        assert_eq!(texts(source), ["a", "b"]);
    }

    #[test]
    fn string_contents_never_read_as_code() {
        let source =
            r####"x("crate::a \" crate::b", r#"crate::c " "#, br##"d"##, b"e", c"f") y"####;
        assert_eq!(
            texts(source),
            [
                "x", "(", "<lit>", ",", "<lit>", ",", "<lit>", ",", "<lit>", ",", "<lit>", ")", "y"
            ]
        );
    }

    #[test]
    fn tells_characters_from_lifetimes() {
        let source = r"f::<'a>('\'', '{', b'}', '\u{7d}') 'outer: loop {}";
        assert_eq!(
            texts(source),
            [
                "f", "::", "<", ">", "(", "<lit>", ",", "<lit>", ",", "<lit>", ",", "<lit>", ")",
                ":", "loop", "{", "}"
            ]
        );
    }

    #[test]
    fn reads_raw_identifiers_macro_crate_and_ranges() {
        assert_eq!(
            texts("r#type $crate::a 0..10 1.5f32"),
            [
                "type", "crate", "::", "a", "<lit>", ".", ".", "<lit>", "<lit>"
            ]
        );
    }

    #[test]
    fn counts_lines_through_literals_and_comments() {
        let source = "a\n\"x\ny\"\n/* \n */ b";
        let lines: Vec<usize> = tokenize(source).iter().map(|token| token.line).collect();
        assert_eq!(lines, [1, 2, 5]);
    }
}

//! `use` declarations expanded into the paths they import: `use
//! crate::{a, b::{self, c as d}}` imports `crate::a` as `a`, `crate::b` as
//! `b` and `crate::b::c` as `d`.

use super::lexer::{Kind, Token};

/// One path a `use` declaration imports.
pub(super) struct Leaf {
    /// The whole path, the group prefixes included.
    pub(super) segments: Vec<String>,
    /// The name it binds: its last segment or its `as` name, `*` for a
    /// glob.
    pub(super) bound: String,
    /// The line of its last segment.
    pub(super) line: usize,
}

/// Expands the use tree in `tokens` from `at`, its segments after
/// `prefix`, into `leaves`, and returns the index after it. `self` in a
/// group names the group's prefix.
pub(super) fn expand(
    tokens: &[Token],
    mut at: usize,
    prefix: &[String],
    leaves: &mut Vec<Leaf>,
) -> usize {
    let mut path = prefix.to_vec();
    if tokens
        .get(at)
        .is_some_and(|token| token.kind == Kind::PathSep)
    {
        // `use ::name`: always another crate, which no module path names.
        path.push(String::new());
        at += 1;
    }
    while let Some(token) = tokens.get(at) {
        match &token.kind {
            Kind::Ident(name) => {
                at += 1;
                if tokens
                    .get(at)
                    .is_some_and(|token| token.kind == Kind::PathSep)
                {
                    path.push(name.clone());
                    at += 1;
                    continue;
                }
                if name != "self" {
                    path.push(name.clone());
                }
                let mut bound = path.last().cloned().unwrap_or_default();
                if tokens.get(at).and_then(Token::ident) == Some("as") {
                    bound = tokens
                        .get(at + 1)
                        .and_then(Token::ident)
                        .unwrap_or_default()
                        .to_owned();
                    at += 2;
                }
                leaves.push(Leaf {
                    segments: path,
                    bound,
                    line: token.line,
                });
                return at;
            }
            Kind::Punct('*') => {
                path.push("*".to_owned());
                leaves.push(Leaf {
                    segments: path,
                    bound: "*".to_owned(),
                    line: token.line,
                });
                return at + 1;
            }
            Kind::Punct('{') => {
                at += 1;
                while let Some(token) = tokens.get(at) {
                    if token.is('}') {
                        return at + 1;
                    }
                    if token.is(',') {
                        at += 1;
                        continue;
                    }
                    at = expand(tokens, at, &path, leaves);
                }
                return at;
            }
            _ => return at + 1,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::lexer;

    fn leaves(source: &str) -> Vec<(String, String, usize)> {
        let tokens = lexer::tokenize(source);
        let mut leaves = Vec::new();
        expand(&tokens, 0, &[], &mut leaves);
        leaves
            .into_iter()
            .map(|leaf| (leaf.segments.join("::"), leaf.bound, leaf.line))
            .collect()
    }

    #[test]
    fn expands_grouped_use_trees() {
        let leaf = |path: &str, bound: &str, line| (path.to_owned(), bound.to_owned(), line);
        assert_eq!(
            leaves("crate::{a, b::{self, c as d,\n e::*}, super::f}"),
            [
                leaf("crate::a", "a", 1),
                leaf("crate::b", "b", 1),
                leaf("crate::b::c", "d", 1),
                leaf("crate::b::e::*", "*", 2),
                leaf("crate::super::f", "f", 2),
            ]
        );
    }
}

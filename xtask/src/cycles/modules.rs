//! One crate target's module tree, read from its source: which modules
//! there are, which items each declares and how visibly, and every path
//! each one writes.
//!
//! The tree follows `mod name;` (to `name.rs` or `name/mod.rs` beside the
//! declaring file, or inside its folder when that file is `name.rs`) and
//! inline `mod name { … }`. Test code is left out, since tests may import
//! anything: an item under `#[cfg(test)]` (and so every `tests.rs` a
//! `#[cfg(test)] mod tests;` would load) is skipped unread.
//!
//! A path is any `a::b…` written in code, in a `use` tree (expanded by
//! [`use_tree`]) or anywhere else, macro input included. Paths stay as written here; which module
//! they name is decided once the whole tree is known ([`Tree::resolve`]).

use std::{
    collections::{BTreeMap, HashMap},
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};

use super::{
    lexer::{self, Kind, Token},
    use_tree::{self, Leaf},
};

/// Index of a module in [`Tree::modules`]; the crate root is 0.
pub(super) type ModuleId = usize;

/// A crate target's modules.
#[derive(Debug)]
pub(super) struct Tree {
    pub(super) modules: Vec<Module>,
}

/// One module, from a file of its own or inline.
#[derive(Debug)]
pub(super) struct Module {
    /// Its name in its parent; empty for the crate root.
    pub(super) name: String,
    pub(super) parent: Option<ModuleId>,
    pub(super) children: BTreeMap<String, ModuleId>,
    /// The names it declares or imports at its top level, with how far
    /// they are visible.
    pub(super) names: HashMap<String, Visibility>,
    /// Every path written in the module itself (not in its children).
    pub(super) references: Vec<Reference>,
}

/// Whether a name is visible outside the module that declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Visibility {
    /// Seen only by the module and its descendants: no `pub`, `pub(self)`
    /// or `pub(in` the module itself`)`.
    Private,
    /// Part of the module's interface: `pub`, `pub(crate)`, `pub(super)`,
    /// `pub(in` an ancestor`)`.
    Interface,
}

/// A path written in a module, and where.
#[derive(Debug, Clone)]
pub(super) struct Reference {
    /// The segments, `crate`, `super` and `self` included; a glob import
    /// ends in `*`.
    pub(super) segments: Vec<String>,
    /// The file, relative to the folder the tree was loaded from.
    pub(super) file: PathBuf,
    pub(super) line: usize,
}

impl Tree {
    /// Reads the tree whose root file is `root` (a `lib.rs` or `main.rs`).
    /// File names in the result are relative to `base`.
    ///
    /// # Errors
    /// When a file cannot be read, a declared module has no file, or a
    /// module uses `#[path]`, which the check does not follow.
    pub(super) fn load(root: &Path, base: &Path) -> anyhow::Result<Self> {
        let mut loader = Loader {
            tree: Self {
                modules: vec![Module::new(String::new(), None)],
            },
            base: base.to_path_buf(),
        };
        let dir = root.parent().unwrap_or(Path::new("")).to_path_buf();
        loader.load_file(0, root, &dir)?;
        Ok(loader.tree)
    }

    /// The module's path from the crate root, `crate` for the root itself.
    pub(super) fn name(&self, id: ModuleId) -> String {
        let mut names = Vec::new();
        let mut at = Some(id);
        while let Some(module) = at.map(|id| &self.modules[id]) {
            if module.parent.is_some() {
                names.push(module.name.as_str());
            }
            at = module.parent;
        }
        if names.is_empty() {
            return "crate".to_owned();
        }
        names.reverse();
        names.join("::")
    }

    /// The module and its ancestors, the crate root first.
    pub(super) fn lineage(&self, id: ModuleId) -> Vec<ModuleId> {
        let mut lineage = vec![id];
        let mut at = id;
        while let Some(parent) = self.modules[at].parent {
            lineage.push(parent);
            at = parent;
        }
        lineage.reverse();
        lineage
    }

    /// The module a path written in `from` names, and the first segment
    /// after the module part (the item, or `*`), if any.
    ///
    /// `crate::`, `super::` and `self::` paths resolve from where they
    /// point; a path whose first segment is a child module of `from`
    /// resolves from that child. Any other path (another crate, a type's
    /// associated item, a name brought in by `use`) gives `None`: the `use`
    /// that brought the name in is a path of its own.
    pub(super) fn resolve<'path>(
        &self,
        from: ModuleId,
        segments: &'path [String],
    ) -> Option<(ModuleId, Option<&'path str>)> {
        let (first, rest) = segments.split_first()?;
        let mut at = match first.as_str() {
            "crate" => 0,
            "super" => self.modules[from].parent?,
            "self" => from,
            child => *self.modules[from].children.get(child)?,
        };
        for segment in rest {
            at = match segment.as_str() {
                "super" => self.modules[at].parent?,
                "self" => at,
                name => match self.modules[at].children.get(name) {
                    Some(&child) => child,
                    None => return Some((at, Some(segment))),
                },
            };
        }
        Some((at, None))
    }
}

impl Module {
    fn new(name: String, parent: Option<ModuleId>) -> Self {
        Self {
            name,
            parent,
            children: BTreeMap::new(),
            names: HashMap::new(),
            references: Vec::new(),
        }
    }
}

/// Keywords after which, at a module's top level, the next identifier not
/// among [`QUALIFIERS`] is the name of an item.
const ITEMS: [&str; 9] = [
    "struct",
    "enum",
    "union",
    "fn",
    "const",
    "static",
    "type",
    "trait",
    "macro_rules",
];
const QUALIFIERS: [&str; 5] = ["fn", "unsafe", "async", "extern", "mut"];

struct Loader {
    tree: Tree,
    base: PathBuf,
}

impl Loader {
    /// Reads `file` as the body of `module`, whose file modules live in
    /// `dir`.
    fn load_file(&mut self, module: ModuleId, file: &Path, dir: &Path) -> anyhow::Result<()> {
        let source =
            fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let shown = file.strip_prefix(&self.base).unwrap_or(file).to_path_buf();
        let tokens = lexer::tokenize(&source);
        self.scan(&tokens, module, dir, &shown)
    }

    /// Reads one module body: its child modules, its top-level names and
    /// the paths it writes.
    fn scan(
        &mut self,
        tokens: &[Token],
        module: ModuleId,
        dir: &Path,
        file: &Path,
    ) -> anyhow::Result<()> {
        let mut at = 0;
        let mut depth = 0_usize;
        // The visibility just read, for the item it introduces.
        let mut visibility = Visibility::Private;
        while let Some(token) = tokens.get(at) {
            let next = tokens.get(at + 1);
            match &token.kind {
                Kind::Punct('#') => {
                    let inner = next.is_some_and(|token| token.is('!'));
                    let open = at + 1 + usize::from(inner);
                    if !tokens.get(open).is_some_and(|token| token.is('[')) {
                        at += 1;
                        continue;
                    }
                    let close = closing(tokens, open);
                    let attribute = &tokens[open + 1..close.min(tokens.len())];
                    if attribute.first().and_then(Token::ident) == Some("path") {
                        bail!(
                            "{}:{}: #[path] on a module is not followed by the cycle check",
                            file.display(),
                            token.line
                        );
                    }
                    if is_test_only(attribute) {
                        if inner {
                            // `#![cfg(test)]`: the whole module is test code.
                            return Ok(());
                        }
                        at = skip_item(tokens, close + 1);
                        visibility = Visibility::Private;
                    } else {
                        // An attribute's arguments may hold paths of their
                        // own (`#[serde(with = …)]` aside, which is a string).
                        at = open + 1;
                    }
                    continue;
                }
                // A visibility belongs to the item right after it; one
                // left over (a field's) must not reach the next item.
                Kind::Punct('{') => {
                    depth += 1;
                    visibility = Visibility::Private;
                }
                Kind::Punct('}') => {
                    depth = depth.saturating_sub(1);
                    visibility = Visibility::Private;
                }
                Kind::Punct(';') => visibility = Visibility::Private,
                Kind::Ident(word) if word == "pub" => {
                    let (read, after) = self.visibility(tokens, at, module);
                    visibility = read;
                    at = after;
                    continue;
                }
                Kind::Ident(word) if word == "mod" => {
                    if let Some(name) = next.and_then(Token::ident) {
                        let child = self.child(module, name, visibility);
                        // `name.rs` and `name/mod.rs` alike keep their
                        // children in `name/`, as an inline `mod name`
                        // does.
                        let child_dir = dir.join(name);
                        match tokens.get(at + 2) {
                            Some(end) if end.is(';') => {
                                let child_file = module_file(dir, name).with_context(|| {
                                    format!(
                                        "{}:{}: no file for module {name}",
                                        file.display(),
                                        token.line
                                    )
                                })?;
                                self.load_file(child, &child_file, &child_dir)?;
                                at += 3;
                            }
                            Some(open) if open.is('{') => {
                                let close = closing(tokens, at + 2);
                                let body = &tokens[at + 3..close.min(tokens.len())];
                                self.scan(body, child, &child_dir, file)?;
                                at = close + 1;
                            }
                            _ => at += 2,
                        }
                        visibility = Visibility::Private;
                        continue;
                    }
                }
                // Not `use<'a>`, the capture list of an `impl Trait`.
                Kind::Ident(word) if word == "use" && !next.is_some_and(|next| next.is('<')) => {
                    let end = (at..tokens.len())
                        .find(|&index| tokens[index].is(';'))
                        .unwrap_or(tokens.len());
                    let mut leaves = Vec::new();
                    use_tree::expand(&tokens[at + 1..end], 0, &[], &mut leaves);
                    for Leaf {
                        segments,
                        bound,
                        line,
                    } in leaves
                    {
                        if depth == 0 && bound != "*" && bound != "_" {
                            self.tree.modules[module].names.insert(bound, visibility);
                        }
                        self.record(module, segments, file, line);
                    }
                    visibility = Visibility::Private;
                    at = end + 1;
                    continue;
                }
                Kind::Ident(word) if depth == 0 && ITEMS.contains(&word.as_str()) => {
                    let name = tokens[at + 1..]
                        .iter()
                        .filter_map(Token::ident)
                        .find(|word| !QUALIFIERS.contains(word));
                    if let Some(name) = name {
                        let names = &mut self.tree.modules[module].names;
                        names.insert(name.to_owned(), visibility);
                    }
                    visibility = Visibility::Private;
                }
                Kind::Ident(first) if next.is_some_and(|next| next.kind == Kind::PathSep) => {
                    let continues = at
                        .checked_sub(1)
                        .and_then(|before| tokens.get(before))
                        .is_some_and(|before| before.kind == Kind::PathSep || before.is('.'));
                    let mut segments = vec![first.clone()];
                    at += 1;
                    while let (Some(sep), Some(segment)) = (tokens.get(at), tokens.get(at + 1)) {
                        match (&sep.kind, segment.ident()) {
                            (Kind::PathSep, Some(name)) => segments.push(name.to_owned()),
                            _ => break,
                        }
                        at += 2;
                    }
                    if !continues {
                        self.record(module, segments, file, token.line);
                    }
                    continue;
                }
                _ => {}
            }
            at += 1;
        }
        Ok(())
    }

    /// Reads `pub`, `pub(crate)`, `pub(super)`, `pub(self)` or
    /// `pub(in path)` at `at`, and returns it with the index after it.
    fn visibility(&self, tokens: &[Token], at: usize, module: ModuleId) -> (Visibility, usize) {
        if !tokens.get(at + 1).is_some_and(|token| token.is('(')) {
            return (Visibility::Interface, at + 1);
        }
        let close = closing(tokens, at + 1);
        let restriction: Vec<&str> = tokens[at + 2..close.min(tokens.len())]
            .iter()
            .filter_map(Token::ident)
            .collect();
        let visibility = match restriction.as_slice() {
            ["self"] | ["in", "self"] => Visibility::Private,
            ["in", path @ ..] => {
                let segments: Vec<String> =
                    path.iter().map(|&segment| segment.to_owned()).collect();
                match self.tree.resolve(module, &segments) {
                    Some((target, None)) if target == module => Visibility::Private,
                    _ => Visibility::Interface,
                }
            }
            _ => Visibility::Interface,
        };
        (visibility, close + 1)
    }

    fn child(&mut self, parent: ModuleId, name: &str, visibility: Visibility) -> ModuleId {
        let id = self.tree.modules.len();
        self.tree
            .modules
            .push(Module::new(name.to_owned(), Some(parent)));
        let module = &mut self.tree.modules[parent];
        module.children.insert(name.to_owned(), id);
        module.names.insert(name.to_owned(), visibility);
        id
    }

    fn record(&mut self, module: ModuleId, segments: Vec<String>, file: &Path, line: usize) {
        self.tree.modules[module].references.push(Reference {
            segments,
            file: file.to_path_buf(),
            line,
        });
    }
}

/// `name.rs` or `name/mod.rs` in `dir`.
fn module_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|file| file.is_file())
}

/// The index of the bracket that closes the one at `open`, or the length of
/// `tokens` when it is never closed.
fn closing(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0_usize;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return index;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The index after the item starting at `at`: after its `;`, or after the
/// block that ends it, whichever comes first outside brackets.
fn skip_item(tokens: &[Token], mut at: usize) -> usize {
    while let Some(token) = tokens.get(at) {
        match token.kind {
            Kind::Punct(';') => return at + 1,
            Kind::Punct('{') => return closing(tokens, at) + 1,
            Kind::Punct('(' | '[') => at = closing(tokens, at) + 1,
            _ => at += 1,
        }
    }
    at
}

/// Whether an attribute's tokens (inside `#[…]`) are `cfg(test)`, or a
/// `cfg(all(…))` that requires `test`.
fn is_test_only(attribute: &[Token]) -> bool {
    let words: Vec<Option<&str>> = attribute.iter().map(Token::ident).collect();
    match words.as_slice() {
        [Some("cfg"), None, Some("test"), None] => true,
        [Some("cfg"), None, Some("all"), None, inner @ ..] => {
            // `test` directly inside `all(…)`, not nested in `any`/`not`.
            let mut depth = 0_usize;
            attribute[4..].iter().zip(inner).any(|(token, word)| {
                match token.kind {
                    Kind::Punct('(') => depth += 1,
                    Kind::Punct(')') => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth == 0 && *word == Some("test")
            })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_test_only_attributes() {
        let test_only = |source: &str| is_test_only(&lexer::tokenize(source));
        assert!(test_only("cfg(test)"));
        assert!(test_only("cfg(all(test, feature = \"x\"))"));
        assert!(!test_only("cfg(any(test, feature = \"x\"))"));
        assert!(!test_only("cfg(all(not(test), unix))"));
        assert!(!test_only("cfg(feature = \"fuzzing\")"));
        assert!(!test_only("test"));
    }
}

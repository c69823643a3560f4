//! serde's `rename_all` rules, applied to a variant's name as serde applies
//! them (`serde_derive`'s `internals/case.rs`).

/// One of serde's `rename_all` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl Case {
    /// The rule serde spells `rule`.
    pub(crate) fn parse(rule: &str) -> Option<Self> {
        Some(match rule {
            "lowercase" => Self::Lower,
            "UPPERCASE" => Self::Upper,
            "PascalCase" => Self::Pascal,
            "camelCase" => Self::Camel,
            "snake_case" => Self::Snake,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "kebab-case" => Self::Kebab,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebab,
            _ => return None,
        })
    }

    /// `variant`, a PascalCase name, as the rule renames it.
    pub(crate) fn apply(self, variant: &str) -> String {
        match self {
            Self::Lower => variant.to_ascii_lowercase(),
            Self::Upper => variant.to_ascii_uppercase(),
            Self::Pascal => variant.to_owned(),
            Self::Camel => {
                let mut chars = variant.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            Self::Snake => snake(variant),
            Self::ScreamingSnake => snake(variant).to_ascii_uppercase(),
            Self::Kebab => snake(variant).replace('_', "-"),
            Self::ScreamingKebab => snake(variant).replace('_', "-").to_ascii_uppercase(),
        }
    }
}

/// serde's snake case: an underscore before every capital but the first.
fn snake(variant: &str) -> String {
    let mut snake = String::with_capacity(variant.len() + 4);
    for (index, character) in variant.char_indices() {
        if character.is_uppercase() && index > 0 {
            snake.push('_');
        }
        snake.push(character.to_ascii_lowercase());
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_as_serde_does() {
        let cases = [
            ("lowercase", "orderhttpcreated"),
            ("UPPERCASE", "ORDERHTTPCREATED"),
            ("PascalCase", "OrderHTTPCreated"),
            ("camelCase", "orderHTTPCreated"),
            ("snake_case", "order_h_t_t_p_created"),
            ("SCREAMING_SNAKE_CASE", "ORDER_H_T_T_P_CREATED"),
            ("kebab-case", "order-h-t-t-p-created"),
            ("SCREAMING-KEBAB-CASE", "ORDER-H-T-T-P-CREATED"),
        ];
        for (rule, renamed) in cases {
            let case = Case::parse(rule).unwrap();
            assert_eq!(case.apply("OrderHTTPCreated"), renamed, "{rule}");
        }
        assert_eq!(Case::parse("Title Case"), None);
    }
}

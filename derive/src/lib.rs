//! `#[derive(Event)]`: implements `herald_wire::Event` for an app's own event
//! type, naming each kind as serde names the variant in the `type` tag, so
//! the SSE `event:` field and the JSON `type` can never disagree.
//!
//! ```
//! use herald_wire::Event;
//! use serde::{Deserialize, Serialize};
//!
//! # #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! # struct Order { id: u64 }
//! #[derive(Debug, PartialEq, Serialize, Deserialize, herald_wire::Event)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum ShopEvent {
//!     OrderCreated(Order),           // kind `order_created`
//!     OrderShipped { id: u64 },      // kind `order_shipped`
//!     #[serde(rename = "refund")]
//!     RefundIssued { id: u64 },      // kind `refund`
//! }
//!
//! let kinds: Vec<&str> = ShopEvent::kinds().iter().map(|kind| kind.as_str()).collect();
//! assert_eq!(kinds, ["order_created", "order_shipped", "refund"]);
//! let refund = ShopEvent::RefundIssued { id: 7 };
//! assert_eq!(refund.kind().as_str(), "refund");
//! let json = serde_json::to_string(&refund)?;
//! assert_eq!(json, r#"{"type":"refund","id":7}"#);
//! assert_eq!(ShopEvent::from_json(json.as_bytes())?, refund);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A type without the tag does not compile:
//!
//! ```compile_fail
//! #[derive(serde::Serialize, serde::Deserialize, herald_wire::Event)]
//! enum Untagged {
//!     Ping,
//! }
//! ```
//!
//! The macro reads the serde attributes it depends on (`tag`, `rename_all`,
//! `rename`) and refuses a type without `tag = "type"`, which the hub reads
//! a kind from. Each name is checked by `Kind::of` when the program is
//! compiled.

#![warn(missing_docs)]

mod case;

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr, parse_macro_input};

use crate::case::Case;

/// Derives `herald_wire::Event`; see the crate's documentation.
#[proc_macro_derive(Event, attributes(serde))]
pub fn derive_event(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// What a type's or a variant's `#[serde(...)]` says about names.
#[derive(Default)]
struct Serde {
    tag: Option<LitStr>,
    rename: Option<LitStr>,
    rename_all: Option<Case>,
    rename_all_fields: Option<LitStr>,
    /// Other names serde reads a variant by.
    aliases: Vec<LitStr>,
}

/// A struct of a struct variant's fields, with their serde attributes and
/// the enum's `rename_all_fields`: what serde reads the variant's content
/// as, so that reading it alone names the field at fault. It never decides
/// what is accepted (`herald_wire::decode::located` reads the enum first), so a
/// difference costs only the path's precision. Its name is one no field's
/// type is likely to have, since it hides any other of that name.
fn shadow(fields: &syn::FieldsNamed, rename_all_fields: Option<&LitStr>) -> TokenStream {
    let fields = fields.named.iter().map(|field| {
        let attrs = field
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("serde"));
        let (name, ty) = (&field.ident, &field.ty);
        quote! { #(#attrs)* #name: #ty }
    });
    let rename = rename_all_fields.map(|rule| quote! { #[serde(rename_all = #rule)] });
    quote! {
        #[derive(::serde::Deserialize)]
        #[allow(dead_code)]
        #rename
        struct __HeraldFields {
            #(#fields,)*
        }
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let container = serde(&input.attrs)?;
    match &container.tag {
        Some(tag) if tag.value() == "type" => {}
        Some(tag) => {
            return Err(syn::Error::new(
                tag.span(),
                "an Event is tagged by `type`, which the hub reads its kind from: \
                 #[serde(tag = \"type\")]",
            ));
        }
        None => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "an Event is tagged by `type`, which the hub reads its kind from: \
                 add #[serde(tag = \"type\")]",
            ));
        }
    }
    let ident = &input.ident;
    let mut readers = Vec::new();
    let (names, arms) = match &input.data {
        Data::Enum(data) => {
            if data.variants.is_empty() {
                return Err(syn::Error::new_spanned(
                    ident,
                    "an Event has at least one kind",
                ));
            }
            let mut names = Vec::with_capacity(data.variants.len());
            let mut arms = Vec::with_capacity(data.variants.len());
            for (index, variant) in data.variants.iter().enumerate() {
                let attrs = serde(&variant.attrs)?;
                let aliases = attrs.aliases;
                let name = match attrs.rename {
                    Some(rename) => rename.value(),
                    None => {
                        let name = variant.ident.to_string();
                        container
                            .rename_all
                            .map_or_else(|| name.clone(), |case| case.apply(&name))
                    }
                };
                match &variant.fields {
                    Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                        let ident = &variant.ident;
                        readers.push(quote! {
                            #name #(| #aliases)* => ::herald_wire::decode::newtype(json, Self::#ident)
                        });
                    }
                    // A struct variant's fields, read on their own only to
                    // find the path of a refusal, which needs a type of
                    // its own, so not for a generic enum.
                    Fields::Named(fields) if input.generics.params.is_empty() => {
                        let shadow = shadow(fields, container.rename_all_fields.as_ref());
                        readers.push(quote! {
                            #name #(| #aliases)* => {
                                #shadow
                                ::herald_wire::decode::located::<Self, __HeraldFields>(json, &kind)
                            }
                        });
                    }
                    _ => {}
                }
                names.push(name);
                let variant = &variant.ident;
                arms.push(quote! { Self::#variant { .. } => &Self::kinds()[#index] });
            }
            (names, arms)
        }
        // A struct is one kind, named as serde names it in the tag.
        Data::Struct(_) => {
            let name = container
                .rename
                .as_ref()
                .map_or_else(|| ident.to_string(), LitStr::value);
            (vec![name], vec![quote! { _ => &Self::kinds()[0] }])
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                ident,
                "an Event is an enum or a struct",
            ));
        }
    };
    let count = names.len();
    // Each newtype variant is read as its own struct, so a refusal's path
    // reaches into it, and a struct variant's refusal is found in its own
    // fields; the rest as serde reads the whole type.
    let from_json = (!readers.is_empty()).then(|| {
        quote! {
            fn from_json(json: &[u8]) -> ::core::result::Result<Self, ::herald_wire::DecodeError> {
                let kind = ::herald_wire::decode::kind(json)?;
                match kind.as_str() {
                    #(#readers,)*
                    _ => ::herald_wire::decode::whole(json, &kind),
                }
            }
        }
    });
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::herald_wire::Event for #ident #type_generics #where_clause {
            fn kinds() -> &'static [::herald_wire::Kind] {
                static KINDS: [::herald_wire::Kind; #count] = [#(::herald_wire::Kind::of(#names)),*];
                &KINDS
            }

            fn kind(&self) -> &'static ::herald_wire::Kind {
                match self {
                    #(#arms,)*
                }
            }

            #from_json
        }
    })
}

/// The names the `#[serde(...)]` attributes among `attrs` give; every
/// other serde setting is passed over.
fn serde(attrs: &[Attribute]) -> syn::Result<Serde> {
    let mut found = Serde::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") {
                found.tag = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("rename") {
                found.rename = Some(plain(&meta, "rename")?);
            } else if meta.path.is_ident("alias") {
                found.aliases.push(meta.value()?.parse()?);
            } else if meta.path.is_ident("rename_all_fields") {
                found.rename_all_fields = Some(plain(&meta, "rename_all_fields")?);
            } else if meta.path.is_ident("rename_all") {
                let rule = plain(&meta, "rename_all")?;
                found.rename_all = Some(Case::parse(&rule.value()).ok_or_else(|| {
                    syn::Error::new(rule.span(), "not a rename rule serde knows")
                })?);
            } else {
                skip(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

/// The one name of `rename = "…"` or `rename_all = "…"`; names that differ
/// between serializing and deserializing would make a kind's name depend
/// on the direction, so they are refused.
fn plain(meta: &ParseNestedMeta<'_>, what: &str) -> syn::Result<LitStr> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse()
    } else {
        Err(meta.error(format!(
            "an Event's kinds have one name each way: use `{what} = \"…\"`"
        )))
    }
}

/// Passes over a serde setting the names do not depend on.
fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

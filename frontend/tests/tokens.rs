//! Browser tests of the reader's token: the field that takes and clears
//! it, its keeping in `sessionStorage`, and what the page says when the
//! hub refuses it.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::cell::RefCell;
use std::rc::Rc;

use frontend::components::connection_indicator::{ConnectionIndicator, ConnectionIndicatorProps};
use frontend::components::token_field::{TokenField, TokenFieldProps};
use frontend::token;
use herald_wire::{ErrorBody, ErrorCode};
use herald_yew::{ConnectionState, StopReason, StreamStatus, Token};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::common::{click, root, select, text};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_refusal_shows_not_authorised_with_the_hubs_reason() {
    let status = StreamStatus {
        state: ConnectionState::Stopped {
            reason: StopReason::NotAuthorised(ErrorBody {
                code: ErrorCode::Forbidden,
                message: "the token may not read private/a".to_owned(),
                field: None,
            }),
        },
        last_event_ms: Some(0.0),
    };
    let root = root();
    let app = yew::Renderer::<ConnectionIndicator>::with_root_and_props(
        root.clone(),
        ConnectionIndicatorProps {
            status,
            now_ms: 5_000.0,
        },
    )
    .render();
    yew::scheduler::flush().await;
    let indicator = &select(&root, "#connection[data-state=stopped]")[0];
    assert_eq!(
        indicator.get_attribute("data-reason").as_deref(),
        Some("not-authorised")
    );
    assert_eq!(
        text(indicator),
        "Not authorised: the token may not read private/a"
    );
    app.destroy();
    root.remove();
}

type Tokens = Rc<RefCell<Vec<Option<Token>>>>;

#[wasm_bindgen_test]
async fn the_token_field_takes_a_token_shows_none_and_clears_it() {
    let tokens = Tokens::default();
    let on_change = {
        let tokens = Rc::clone(&tokens);
        Callback::from(move |token| tokens.borrow_mut().push(token))
    };
    let root = root();
    let props = TokenFieldProps {
        token: None,
        on_change: on_change.clone(),
    };
    let mut app = yew::Renderer::<TokenField>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let field: HtmlInputElement = select(&root, "form#token input[name=token]")[0]
        .clone()
        .dyn_into()
        .expect("the field is an input");
    assert_eq!(field.type_(), "password");
    assert!(select(&root, "button#clear-token[disabled]").len() == 1);
    let submit = &select(&root, "form#token button[type=submit]")[0];
    field.set_value("two words");
    click(submit);
    yew::scheduler::flush().await;
    assert!(tokens.borrow().is_empty());
    assert!(text(&select(&root, ".error")[0]).contains("no spaces"));

    field.set_value(" eyJ.payload.signature ");
    click(submit);
    yew::scheduler::flush().await;
    let expected = Token::parse("eyJ.payload.signature").expect("a valid token");
    assert_eq!(*tokens.borrow(), [Some(expected.clone())]);
    assert_eq!(field.value(), "", "the token is not left on screen");
    assert!(select(&root, ".error").is_empty());

    app.update(TokenFieldProps {
        token: Some(expected),
        on_change,
    });
    yew::scheduler::flush().await;
    assert_eq!(select(&root, "form#token[data-set=true]").len(), 1);
    click(&select(&root, "button#clear-token")[0]);
    yew::scheduler::flush().await;
    assert_eq!(tokens.borrow().last(), Some(&None));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
fn the_token_is_kept_in_session_storage_until_cleared() {
    let token = Token::parse("eyJ.kept.here").expect("a valid token");
    token::save(Some(&token));
    assert_eq!(token::load(), Some(token));
    let stored = web_sys::window()
        .and_then(|window| window.session_storage().ok().flatten())
        .and_then(|storage| storage.get_item(token::STORAGE_KEY).ok().flatten());
    assert_eq!(stored.as_deref(), Some("eyJ.kept.here"));
    token::save(None);
    assert_eq!(token::load(), None);
}

//! Where the page keeps the reader's [`Token`] between reloads.
//!
//! The token lives in `sessionStorage`, not `localStorage`: it stays for
//! reloads and links followed in the same tab, and is gone with the tab, so
//! a token pasted on a shared screen does not outlive the session. How it
//! travels to the hub is [`herald_yew::Token`]'s to say.

use herald_yew::Token;

/// The `sessionStorage` key the token is kept under.
pub const STORAGE_KEY: &str = "herald_token";

/// The token kept in this tab's session storage, if any (and if it is
/// still a valid token: a value edited by hand that is not is ignored).
pub fn load() -> Option<Token> {
    let stored = storage()?.get_item(STORAGE_KEY).ok()??;
    Token::parse(&stored).ok()
}

/// Keeps `token` in this tab's session storage, or forgets the stored one
/// when `None`. A browser that refuses storage (private mode, quota) only
/// loses the token at the next reload.
pub fn save(token: Option<&Token>) {
    let Some(storage) = storage() else {
        return;
    };
    let _ = match token {
        Some(token) => storage.set_item(STORAGE_KEY, token.as_str()),
        None => storage.remove_item(STORAGE_KEY),
    };
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

//! The dashboard's controls as the tests drive them, spelled once: the
//! publish form, the token field, and where a chat message shows.

use std::time::Duration;

use anyhow::Context;
use fantoccini::{Client, Locator};

use crate::wait;

/// How long a form may take to appear once the page has loaded.
const FORM_TIMEOUT: Duration = Duration::from_secs(10);

/// Fills `form#publish` with a chat message and submits it.
///
/// # Errors
/// Fails when the form or one of its fields is missing.
pub async fn submit_chat(
    page: &Client,
    topic: &str,
    author: &str,
    text: &str,
) -> anyhow::Result<()> {
    let form = wait::element(page, "form#publish", FORM_TIMEOUT).await?;
    form.find(Locator::Css(r#"select[name="kind"]"#))
        .await
        .context("form#publish has no select[name=\"kind\"]")?
        .select_by_value("chat")
        .await
        .context("select[name=\"kind\"] has no option \"chat\"")?;
    for (name, value) in [("topic", topic), ("author", author), ("text", text)] {
        let css = format!(r#"input[name="{name}"], textarea[name="{name}"]"#);
        let field = form
            .find(Locator::Css(&css))
            .await
            .with_context(|| format!("form#publish has no field named {name}"))?;
        field.clear().await?;
        field.send_keys(value).await?;
    }
    form.find(Locator::Css(r#"button[type="submit"]"#))
        .await
        .context("form#publish has no button[type=\"submit\"]")?
        .click()
        .await?;
    Ok(())
}

/// Enters `token` in `form#token` and submits it.
///
/// # Errors
/// Fails when the form or its field is missing.
pub async fn enter_token(page: &Client, token: &str) -> anyhow::Result<()> {
    let form = wait::element(page, "form#token", FORM_TIMEOUT).await?;
    let field = form
        .find(Locator::Css(r#"input[name="token"]"#))
        .await
        .context("form#token has no input[name=\"token\"]")?;
    field.clear().await?;
    field.send_keys(token).await?;
    form.find(Locator::Css(r#"button[type="submit"]"#))
        .await
        .context("form#token has no button[type=\"submit\"]")?
        .click()
        .await?;
    Ok(())
}

/// `section#chat li.chat-message` containing `text`, as XPath (CSS cannot
/// match on text).
pub fn chat_message_xpath(text: &str) -> String {
    format!(
        "//section[@id='chat']//li[{} and contains(., {})]",
        wait::has_class("chat-message"),
        wait::literal(text)
    )
}

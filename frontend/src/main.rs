//! Entry point of the browser bundle: renders [`frontend::App`] into the page body.

fn main() {
    yew::Renderer::<frontend::App>::new().render();
}

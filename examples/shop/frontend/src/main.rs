//! Mounts the shop's page; trunk bundles this binary.

fn main() {
    yew::Renderer::<shop_frontend::App>::new().render();
}

//! The example shop's page: one stream of the shop's own events, typed as
//! [`ShopEvent`] by `herald-yew`, each kind rendered its own way.
//!
//! The page's DOM contract, which the browser test relies on:
//! `#connection[data-state]` in {connecting, live, reconnecting, stopped};
//! `button#place` places an order; `ol#orders > li.order[data-id]` per
//! order, newest first, with `data-shipped` once shipped and a
//! `button.ship`; `ul#stock > li.low[data-sku]` per item that ran low.

mod actions;
pub mod board;

use herald_yew::{ConnectionState, StreamMessage, StreamOptions, StreamSource, use_event_stream};
use shop_shared::ShopEvent;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::board::{Board, Placed, dollars};

/// The page.
#[function_component]
pub fn App() -> Html {
    let board = use_reducer(Board::default);
    let on_message = {
        let board = board.dispatcher();
        Callback::from(move |message: StreamMessage<ShopEvent>| {
            let deliveries = match message {
                StreamMessage::History(items) => {
                    items.into_iter().map(|item| item.message).collect()
                }
                StreamMessage::Live(item) => vec![item.message],
            };
            board.dispatch(deliveries);
        })
    };
    let source = use_memo((), |()| StreamSource {
        url: actions::stream_url().into(),
        history: Some(actions::history_url().into()),
        token: None,
    });
    let status = use_event_stream::<ShopEvent>(
        Some((*source).clone()),
        StreamOptions::default(),
        on_message,
    );
    let state = match status.state {
        ConnectionState::Connecting => "connecting",
        ConnectionState::Live => "live",
        ConnectionState::Reconnecting { .. } => "reconnecting",
        ConnectionState::Stopped { .. } => "stopped",
    };
    // Whether the shop refused the last thing asked of it (sold out, say).
    let refused = use_state_eq(|| false);
    let place = {
        let refused = refused.setter();
        Callback::from(move |_: MouseEvent| {
            let refused = refused.clone();
            spawn_local(async move {
                refused.set(!actions::place("Ada", &[("tea", 2), ("cake", 4)]).await);
            });
        })
    };
    html! {
        <main>
            <header>
                <h1>{ "Herald shop" }</h1>
                <span id="connection" data-state={state}>{ state }</span>
                <button id="place" onclick={place}>{ "Place an order" }</button>
            </header>
            <section>
                <h2>{ "Orders" }</h2>
                <ol id="orders">
                    { for board.orders.values().rev().map(|placed| order(placed, refused.setter())) }
                </ol>
            </section>
            <section>
                <h2>{ "Running low" }</h2>
                <ul id="stock">
                    { for board.low.iter().map(|(sku, left)| html! {
                        <li class="low" data-sku={sku.clone()}>{ format!("{sku}: {left} left") }</li>
                    }) }
                </ul>
            </section>
            if *refused {
                <p id="refused">{ "The shop refused that; see its reply in the network log." }</p>
            }
            if board.unknown > 0 {
                <p id="unknown">{ format!("{} events this page cannot show", board.unknown) }</p>
            }
        </main>
    }
}

/// One order: who, what, the total, and its shipping.
fn order(placed: &Placed, refused: UseStateSetter<bool>) -> Html {
    let id = placed.order.id;
    let ship = Callback::from(move |_: MouseEvent| {
        let refused = refused.clone();
        spawn_local(async move {
            refused.set(!actions::ship(id).await);
        });
    });
    let lines: Vec<String> = placed
        .order
        .lines
        .iter()
        .map(|line| format!("{} × {}", line.quantity, line.sku))
        .collect();
    html! {
        <li class="order" data-id={id.to_string()} data-shipped={placed.tracking.clone()}>
            <strong>{ format!("Order #{id}") }</strong>
            { format!(" · {} · {} · {}", placed.order.customer, lines.join(", "), dollars(placed.order.total_cents())) }
            if let Some(tracking) = &placed.tracking {
                <span class="shipped">{ format!(" · shipped, tracking {tracking}") }</span>
            } else {
                <button class="ship" onclick={ship}>{ "Ship" }</button>
            }
        </li>
    }
}

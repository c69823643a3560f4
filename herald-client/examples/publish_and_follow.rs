//! Publish a typed event to Herald, then read it back: `cargo run -p herald-client --example publish_and_follow [HUB]`.
#![allow(clippy::print_stdout, reason = "an example shows what it got")]
use futures_util::StreamExt;
use herald_client::Client;
use herald_wire::{Delivery, Event, EventId, Topic, TopicPattern};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Message {
    Chat { author: String, text: String },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hub = std::env::args().nth(1);
    publish_and_follow(hub.as_deref().unwrap_or("http://127.0.0.1:3000")).await
}

/// Publishes a chat to the hub at `url`; returns once a stream delivers it.
pub(crate) async fn publish_and_follow(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let hub = Client::new(format!("{url}/api"))?;
    let topic = Topic::parse("chat/lobby")?;
    let author = String::from("rust");
    let text = format!("hello from Rust {}", std::process::id());
    let sent = Message::Chat { author, text };
    let id = hub.publish(&topic, &sent).await?.id;
    // Follow the topic from just before the event, so the stream replays it.
    let before = EventId::new(id.epoch(), id.sequence().saturating_sub(1));
    let mut events = hub.subscribe::<Message>([TopicPattern::from(topic)], Some(before));
    while let Some(delivery) = events.next().await {
        if matches!(delivery?, Delivery::Event(envelope) if envelope.event == sent) {
            println!("received {sent:?}");
            return Ok(());
        }
    }
    Err("the stream ended before the event came".into())
}

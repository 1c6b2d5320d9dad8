//! A chat community: one signed message, sent to every peer, shown by every receiver.
mod common;
use ipv8::prelude::*;

#[derive(Payload, Debug, Clone)]
#[payload(id = 1, signed)]
struct ChatMessage {
    text: String,
}

struct Chat;
impl Community for Chat {
    type Command = String; // what to say
    type Event = (Peer, String); // who said what
    fn handlers(h: &mut Handlers<Self>) {
        h.signed(|_, cx, peer, m: ChatMessage| cx.emit((peer.clone(), m.text)));
    }
    fn on_command(&mut self, cx: &mut Cx<'_, Self>, text: String) {
        cx.broadcast(&ChatMessage { text });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_tracker, tracker) = common::local_tracker().await?;
    let config = common::tutorial_overlay(CommunityId(*b"ipv8-rs chat example"), "Chat");
    let mut alice = common::loopback_node(tracker);
    let mut bob = common::loopback_node(tracker);
    let a = alice.community(config.clone(), Chat);
    let mut b = bob.community(config, Chat);
    let _nodes = (alice.spawn()?, bob.spawn()?);
    common::wait_for_peers(&[&a, &b], 20).await?;
    a.send("Hello, IPv8!".to_owned()).await?;
    let (from, text) = common::next_event(&mut b, 10).await?;
    println!("{from} says: {text}");
    Ok(())
}

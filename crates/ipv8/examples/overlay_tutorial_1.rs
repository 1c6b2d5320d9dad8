//! py-ipv8's `overlay_tutorial_1.py`: run one IPv8 node with the default configuration
//! (DiscoveryCommunity, RandomWalk, RandomChurn, PeriodicSimilarity).
//!
//! The Python runs until Ctrl+C; this port stops after three seconds. It bootstraps from a
//! tracker on 127.0.0.1 instead of py-ipv8's public trackers (see `common/mod.rs`).

mod common;

use std::time::Duration;

use ipv8::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;

    // Create an IPv8 node with the default settings (only the trackers differ) and start it.
    let config = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&[tracker_addr]),
        ..NodeConfig::default()
    };
    let key = KeyIdentity::new(ipv8::keys::PrivateKey::generate()).into_arc();
    let ipv8 = Ipv8Builder::new(config, key)
        .bind_v4(common::loopback_bind())
        .driver_config(common::loopback_driver())
        .spawn()?;
    println!("IPv8 is running on {}", common::bound_addr(&ipv8).await?);

    // Wait (the Python waits forever, or until the user presses Ctrl+C).
    tokio::time::sleep(Duration::from_secs(3)).await;
    for overlay in &ipv8.snapshot().await?.overlays {
        println!("{} has {} peers", overlay.name, overlay.peers.len());
    }

    // Shut IPv8 down.
    ipv8.shutdown().await?;
    tracker.shutdown().await?;
    Ok(())
}

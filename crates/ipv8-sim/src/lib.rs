//! ipv8-sim: a deterministic discrete-event simulator for ipv8-rs nodes.
//!
//! One event queue ordered by `(time, sequence number)`, one thread, no tokio, one master seed
//! from which every node seed is derived. The clock jumps to the next event. Datagrams travel
//! through [`LinkModel`]s (latency, jitter, loss, duplication, reordering), partitions and
//! [`Nat`] boxes (full cone, address- and port-restricted, symmetric); sends to dead addresses
//! come back as "send failed" notifications. Everything observable is hashed into a trace
//! digest so two runs can be compared byte for byte.
//!
//! The simulator drives anything implementing [`SimNode`]; `ProtoNode` adapts
//! `ipv8_proto::Node`, [`toy::PingNode`] tests the harness itself.
//!
//! ```
//! use std::time::Duration;
//! use ipv8_sim::{Location, PingNode, SimConfig, SimTime, Simulator};
//!
//! let mut sim = Simulator::new(SimConfig::new(7));
//! let a = sim.add_node(Location::Public, 9000, |c| PingNode::responder(c.now));
//! let target = sim.local_addr(a);
//! let b = sim.add_node(Location::Public, 9000, |c| {
//!     PingNode::new(vec![target], Duration::from_secs(1), c.now)
//! });
//! sim.run_until(SimTime::from_secs(10));
//! assert_eq!(sim.node(b).unwrap().pongs[&target], 10);
//! ```

#![warn(missing_docs)]

mod cheap;
mod control;
pub mod craft;
mod link;
mod metrics;
mod nat;
mod net;
mod node;
mod proto_node;
mod queue;
pub mod scenario;
mod seed;
mod sim;
pub mod testing;
mod time;
pub mod toy;
mod trace;

pub use cheap::{CHEAP_SIGNATURE_LEN, cheap_public_bin, cheap_sign, cheap_verify};
pub use control::Restart;
pub use link::{Fate, LanModel, LinkModel, LinkTable};
pub use metrics::Summary;
pub use nat::{Nat, NatConfig, NatDrop, NatKind, NatStats};
pub use net::{Location, NatId};
pub use node::{NodeCtx, SimNode, SimOutput};
pub use proto_node::{CheapCrypto, CheapIdentity, ProtoNode, SimCrypto};
pub use queue::EventQueue;
pub use scenario::{World, WorldConfig};
pub use seed::{SEED_ENV, SimRng, derive_bytes, derive_seed, env_seed, sim_seed};
pub use sim::{HostStats, SimConfig, Simulator};
pub use time::SimTime;
pub use toy::{PingNode, ToyEvent};
pub use trace::{NetStats, Trace, TraceDigest, TraceRecord};

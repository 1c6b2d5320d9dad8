//! [`EdgeWalk`]: depth-first walks ("edges") from the direct neighbourhood.
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` `EdgeWalk` (edge length 4, neighbourhood 6,
//! edge timeout 3 s). Completed edges are kept (at most 32, oldest forgotten first) for
//! inspection only, as in py-ipv8.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use ipv8_crypto::Mid;

use super::DiscoveryStrategy;
use crate::community::{Community, Cx};
use crate::config::EdgeWalkConfig;
use crate::peer::Peer;
use crate::time::Instant;

const MAX_COMPLETE_EDGES: usize = 32;

/// EdgeWalk state.
#[derive(Debug, Clone)]
pub struct EdgeWalk {
    config: EdgeWalkConfig,
    neighborhood: Vec<Mid>,
    complete_edges: VecDeque<Vec<Mid>>,
    under_construction: BTreeMap<Mid, Vec<Mid>>,
    last_edge_responses: BTreeMap<Mid, Instant>,
}

impl EdgeWalk {
    /// An EdgeWalk with `config`.
    #[must_use]
    pub fn new(config: EdgeWalkConfig) -> Self {
        Self {
            config,
            neighborhood: Vec::new(),
            complete_edges: VecDeque::new(),
            under_construction: BTreeMap::new(),
            last_edge_responses: BTreeMap::new(),
        }
    }

    fn complete(&mut self, edge: Vec<Mid>) {
        if self.complete_edges.len() >= MAX_COMPLETE_EDGES {
            self.complete_edges.pop_front();
        }
        self.complete_edges.push_back(edge);
    }

    /// Edges completed so far (at most 32, oldest first), as member ids from the root.
    pub fn complete_edges(&self) -> impl Iterator<Item = &[Mid]> + '_ {
        self.complete_edges.iter().map(Vec::as_slice)
    }
}

impl<C: Community> DiscoveryStrategy<C> for EdgeWalk {
    fn name(&self) -> &'static str {
        "EdgeWalk"
    }

    fn take_step(&mut self, _community: &mut C, cx: &mut Cx<'_, C>) {
        let size = self.config.neighborhood_size;
        let now = cx.now();
        if self.neighborhood.is_empty() || self.neighborhood.len() < size {
            // Wait for the immediate neighbourhood to be discovered.
            self.neighborhood = cx.peers().iter().take(size).map(Peer::mid).collect();
            cx.bootstrap();
            let walkable: Vec<SocketAddr> = cx.walkable_addresses();
            for addr in walkable.into_iter().take(size) {
                cx.walk_to(addr);
            }
            return;
        }
        let roots: Vec<Mid> = self
            .neighborhood
            .iter()
            .filter(|m| !self.under_construction.contains_key(m))
            .copied()
            .collect();
        if let Some(root) = cx.rng().choose(&roots).copied() {
            self.under_construction.insert(root, vec![root]);
            self.last_edge_responses.insert(root, now);
            cx.get_new_introduction(Some(root));
            return;
        }
        let mut completed = Vec::new();
        let roots: Vec<Mid> = self.under_construction.keys().copied().collect();
        for root in roots {
            let Some(last) = self
                .under_construction
                .get(&root)
                .and_then(|e| e.last().copied())
            else {
                continue;
            };
            let mut introductions = Vec::new();
            for intro in cx.network().introductions_from(&last) {
                match cx.network().mid_by_address(intro) {
                    Some(mid) => introductions.push(mid),
                    None => cx.walk_to(intro),
                }
            }
            if let Some(next) = cx.rng().choose(&introductions).copied() {
                self.last_edge_responses.insert(root, now);
                let edge = self.under_construction.entry(root).or_default();
                edge.push(next);
                if edge.len() >= self.config.edge_length {
                    completed.push((root, true));
                } else if let Some(addr) = cx.network().peer(&next).map(Peer::address) {
                    cx.walk_to(addr);
                }
            } else if self
                .last_edge_responses
                .get(&root)
                .is_none_or(|at| *at + self.config.edge_timeout < now)
            {
                let keep = self
                    .under_construction
                    .get(&root)
                    .is_some_and(|e| e.len() > 1);
                completed.push((root, keep));
            }
        }
        for (root, keep) in completed {
            self.last_edge_responses.remove(&root);
            if let Some(edge) = self.under_construction.remove(&root)
                && keep
            {
                self.complete(edge);
            }
        }
    }
}

//! [`Crawl`]: the state of one iterative lookup (py-ipv8 `community.Crawl`).
//!
//! A crawl starts with the [`MAX_CRAWL_NODES`] closest nodes of the routing table, contacts at
//! most [`MAX_CRAWL_TASKS`] at a time and [`MAX_CRAWL_REQUESTS`] in all, and keeps a node
//! from a response only when it is closer than the fourth-best node still to contact. A node
//! learnt from a responder other than as its first answer is contacted through a
//! puncture: a find-request for the node's id goes to the responder first, which makes it send
//! a puncture-request. The community drives the crawl (sending, timeouts); this type only
//! decides.

use crate::routing::{Node, NodeId, RoutingTable, distance};
use crate::{MAX_CRAWL_NODES, MAX_CRAWL_REQUESTS, MAX_CRAWL_TASKS};
use ipv8::proto::Instant;

/// What one contacted node answered.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// Serialized values.
    Values(Vec<Vec<u8>>),
    /// Nodes closer to the target.
    Nodes(Vec<Node>),
}

/// What one value lookup did (py-ipv8's `GET /dht/values/{key}` `debug` block).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrawlReport {
    /// Nodes sent a find-request (punctures excluded).
    pub requests: usize,
    /// Answers received.
    pub responses: usize,
    /// Answers with nodes.
    pub responses_with_nodes: usize,
    /// Answers with values.
    pub responses_with_values: usize,
}

/// A node still to contact, and the node to ask for a puncture first.
#[derive(Debug, Clone)]
pub(crate) struct Todo {
    pub(crate) node: Node,
    pub(crate) puncture: Option<Node>,
}

/// One iterative lookup.
#[derive(Debug)]
pub(crate) struct Crawl {
    pub(crate) target: NodeId,
    pub(crate) force_nodes: bool,
    pub(crate) offset: u32,
    pub(crate) todo: Vec<Todo>,
    tried: Vec<Node>,
    responses: Vec<(Node, Answer)>,
    /// find-requests (or their punctures) in flight.
    pub(crate) running: usize,
}

impl Crawl {
    /// A crawl from the closest nodes of `table`; `None` when the table has none.
    pub(crate) fn new(
        target: NodeId,
        table: &RoutingTable,
        force_nodes: bool,
        offset: u32,
        now: Instant,
    ) -> Option<Self> {
        let closest = table.closest_nodes(&target, MAX_CRAWL_NODES, None, now);
        if closest.is_empty() {
            return None;
        }
        Some(Self {
            target,
            force_nodes,
            offset,
            todo: closest
                .into_iter()
                .map(|node| Todo {
                    node,
                    puncture: None,
                })
                .collect(),
            tried: Vec::new(),
            responses: Vec::new(),
            running: 0,
        })
    }

    /// Whether no more requests may start: the request budget is spent or nothing is left.
    pub(crate) fn done(&self) -> bool {
        self.tried.len() >= MAX_CRAWL_REQUESTS || self.todo.is_empty()
    }

    /// Whether the crawl is over: no more requests may start and none is in flight.
    pub(crate) fn finished(&self) -> bool {
        self.done() && self.running == 0
    }

    /// The next node to contact, if the crawl may start another request now; it counts as
    /// tried from here on.
    pub(crate) fn next(&mut self) -> Option<Todo> {
        if self.done() || self.running >= MAX_CRAWL_TASKS {
            return None;
        }
        let todo = self.todo.remove(0);
        self.tried.push(todo.node.clone());
        self.running += 1;
        Some(todo)
    }

    fn was_tried(&self, id: &NodeId) -> bool {
        self.tried.iter().any(|n| n.id == *id)
    }

    /// Records `sender`'s answer (py-ipv8 `Crawl.add_response`).
    pub(crate) fn add_response(&mut self, sender: Node, answer: Answer) {
        if let Answer::Nodes(nodes) = &answer {
            for (index, node) in nodes.iter().enumerate() {
                if self.was_tried(&node.id) {
                    continue;
                }
                let d = distance(&node.id, &self.target);
                if self.todo.len() >= 4 && d > distance(&self.todo[3].node.id, &self.target) {
                    continue;
                }
                let puncture = (index != 0).then(|| sender.clone());
                if let Some(existing) = self.todo.iter_mut().find(|t| t.node.id == node.id) {
                    existing.puncture = puncture;
                    continue;
                }
                self.todo.push(Todo {
                    node: node.clone(),
                    puncture,
                });
                self.todo
                    .sort_by_key(|t| distance(&t.node.id, &self.target));
            }
        }
        self.responses.push((sender, answer));
    }

    /// The closest responder that answered without values (py-ipv8 `cache_candidate`).
    pub(crate) fn cache_candidate(&self) -> Option<Node> {
        self.responses
            .iter()
            .filter(|(_, a)| matches!(a, Answer::Nodes(_)))
            .map(|(n, _)| n)
            .min_by_key(|n| distance(&n.id, &self.target))
            .cloned()
    }

    /// The values found: the first of every answer, then the second, ..., without repeats
    /// (py-ipv8 `Crawl.values`).
    pub(crate) fn values(&self) -> Vec<Vec<u8>> {
        let lists: Vec<&Vec<Vec<u8>>> = self
            .responses
            .iter()
            .filter_map(|(_, a)| match a {
                Answer::Values(v) => Some(v),
                Answer::Nodes(_) => None,
            })
            .collect();
        let longest = lists.iter().map(|l| l.len()).max().unwrap_or(0);
        let mut out: Vec<Vec<u8>> = Vec::new();
        for i in 0..longest {
            for list in &lists {
                if let Some(v) = list.get(i)
                    && !out.contains(v)
                {
                    out.push(v.clone());
                }
            }
        }
        out
    }

    /// What the crawl did (py-ipv8's REST `debug` block).
    pub(crate) fn report(&self) -> CrawlReport {
        let with_values = self
            .responses
            .iter()
            .filter(|(_, a)| matches!(a, Answer::Values(_)))
            .count();
        CrawlReport {
            requests: self.tried.len(),
            responses: self.responses.len(),
            responses_with_nodes: self.responses.len() - with_values,
            responses_with_values: with_values,
        }
    }

    /// The contacted nodes, closest first (py-ipv8 `Crawl.nodes`).
    pub(crate) fn nodes(&self) -> Vec<Node> {
        let mut nodes = self.tried.clone();
        nodes.sort_by_key(|n| distance(&n.id, &self.target));
        nodes
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    const T0: Instant = Instant::from_secs(10);

    fn node(first: u8) -> Node {
        let mut n = Node::new(vec![first; 74], SocketAddr::from(([10, 0, 0, first], 1)));
        n.id = [first; 20];
        n
    }

    fn table(firsts: &[u8]) -> RoutingTable {
        let mut t = RoutingTable::new([0xff; 20]);
        for f in firsts {
            t.add(node(*f), T0);
        }
        t
    }

    #[test]
    fn empty_table_no_crawl() {
        assert!(Crawl::new([0; 20], &table(&[]), false, 0, T0).is_none());
    }

    #[test]
    fn at_most_four_in_flight_and_twenty_four_in_all() {
        let mut c = Crawl::new([0; 20], &table(&[1, 2, 3, 4, 5, 6]), false, 0, T0).unwrap();
        let started: Vec<u8> = std::iter::from_fn(|| c.next())
            .map(|t| t.node.id[0])
            .collect();
        assert_eq!(started, [1, 2, 3, 4], "closest first, four at a time");
        assert!(c.next().is_none());
        let mut sent = 4;
        // Every answer brings a new closer node; the budget still ends the crawl.
        for i in 0..100u8 {
            c.running -= 1;
            let mut closer = node(200);
            closer.id = [0; 20];
            closer.id[19] = 100 + i;
            c.add_response(node(1), Answer::Nodes(vec![closer]));
            while c.next().is_some() {
                sent += 1;
            }
            if c.finished() {
                break;
            }
        }
        assert!(sent <= MAX_CRAWL_REQUESTS, "{sent}");
        assert_eq!(sent, MAX_CRAWL_REQUESTS);
    }

    #[test]
    fn only_nodes_better_than_the_fourth_are_kept_and_punctures_are_marked() {
        let mut c = Crawl::new([0; 20], &table(&[1, 2, 3, 4, 5]), false, 0, T0).unwrap();
        let first = c.next().unwrap();
        assert_eq!(c.todo.len(), 4);
        // 9 is farther than the fourth todo (5): dropped; 0x01-prefixed... closer ones kept.
        c.add_response(first.node.clone(), Answer::Nodes(vec![node(9), node(0)]));
        let ids: Vec<u8> = c.todo.iter().map(|t| t.node.id[0]).collect();
        assert_eq!(ids, [0, 2, 3, 4, 5]);
        assert!(c.todo[0].puncture.is_some(), "not the first of the answer");
    }

    #[test]
    fn values_interleave_without_repeats_and_cache_candidate() {
        let mut c = Crawl::new([0; 20], &table(&[1, 2, 3]), false, 0, T0).unwrap();
        let v = |s: &str| s.as_bytes().to_vec();
        c.add_response(node(3), Answer::Values(vec![v("a"), v("b"), v("c")]));
        c.add_response(node(1), Answer::Values(vec![v("x"), v("a")]));
        c.add_response(node(2), Answer::Nodes(vec![]));
        c.add_response(node(5), Answer::Nodes(vec![]));
        assert_eq!(c.values(), [v("a"), v("x"), v("b"), v("c")]);
        assert_eq!(c.cache_candidate().map(|n| n.id[0]), Some(2));
    }
}

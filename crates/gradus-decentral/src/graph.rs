//! Undirected simple graphs of m nodes: the standard topologies of the decentralized literature and connectivity
//! checks.
//!
//! | constructor | edges | note |
//! |---|---|---|
//! | [`Graph::ring`] | i ~ i+1 mod m | the authors' `'Circular'` (their self-loops live in the mixing matrix) |
//! | [`Graph::path`] | i ~ i+1 | |
//! | [`Graph::star`] | 0 ~ i | |
//! | [`Graph::complete`] | all pairs | the authors' `'Connected'` |
//! | [`Graph::torus`] | 2-D grid r × c with wrap-around | |
//! | [`Graph::barbell`] | two cliques of ⌈m/2⌉ and ⌊m/2⌋ nodes joined by one edge | the authors' `'Barbell'` |
//! | [`Graph::erdos_renyi`] | each pair with probability p | redrawn until connected, else an error |
//! | [`Graph::random_geometric`] | points uniform in \[0,1\]², edges within distance r | redrawn until connected |
//!
//! Every graph stores sorted adjacency lists, so products by a gossip matrix visit neighbours in a fixed order.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{DecentralError, Result};

/// An undirected simple graph (no self-loops, no multi-edges) on nodes 0..n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    name: String,
    neighbors: Vec<Vec<usize>>,
}

impl Graph {
    /// A graph from an edge list. Duplicate edges are merged.
    ///
    /// Errors: [`DecentralError::InvalidEdge`] for an end ≥ n or a self-loop; [`DecentralError::InvalidParameter`]
    /// for n = 0.
    pub fn from_edges(name: impl Into<String>, n: usize, edges: &[(usize, usize)]) -> Result<Self> {
        check_nodes("graph", n, 1)?;
        let mut neighbors = vec![Vec::new(); n];
        for &(i, j) in edges {
            if i >= n || j >= n {
                return Err(DecentralError::InvalidEdge {
                    i,
                    j,
                    n,
                    reason: "a node index is out of range",
                });
            }
            if i == j {
                return Err(DecentralError::InvalidEdge {
                    i,
                    j,
                    n,
                    reason: "self-loops are not allowed (a gossip matrix puts its own diagonal)",
                });
            }
            neighbors[i].push(j);
            neighbors[j].push(i);
        }
        for list in &mut neighbors {
            list.sort_unstable();
            list.dedup();
        }
        Ok(Graph {
            name: name.into(),
            neighbors,
        })
    }

    /// The ring (cycle) on m ≥ 1 nodes: i ~ i+1 mod m (for m = 2 a single edge, for m = 1 no edge).
    pub fn ring(m: usize) -> Result<Self> {
        check_nodes("ring", m, 1)?;
        let edges: Vec<(usize, usize)> = if m < 2 {
            Vec::new()
        } else {
            (0..m).map(|i| (i, (i + 1) % m)).filter(|(i, j)| i != j).collect()
        };
        Graph::from_edges(format!("ring(m = {m})"), m, &edges)
    }

    /// The path 0 ~ 1 ~ … ~ m−1.
    pub fn path(m: usize) -> Result<Self> {
        check_nodes("path", m, 1)?;
        let edges: Vec<(usize, usize)> = (1..m).map(|i| (i - 1, i)).collect();
        Graph::from_edges(format!("path(m = {m})"), m, &edges)
    }

    /// The star with centre 0.
    pub fn star(m: usize) -> Result<Self> {
        check_nodes("star", m, 1)?;
        let edges: Vec<(usize, usize)> = (1..m).map(|i| (0, i)).collect();
        Graph::from_edges(format!("star(m = {m})"), m, &edges)
    }

    /// The complete graph.
    pub fn complete(m: usize) -> Result<Self> {
        check_nodes("complete", m, 1)?;
        let edges: Vec<(usize, usize)> = (0..m).flat_map(|i| (i + 1..m).map(move |j| (i, j))).collect();
        Graph::from_edges(format!("complete(m = {m})"), m, &edges)
    }

    /// The 2-D torus: a rows × cols grid with wrap-around; node (r, c) is r·cols + c.
    pub fn torus(rows: usize, cols: usize) -> Result<Self> {
        check_nodes("torus rows", rows, 1)?;
        check_nodes("torus cols", cols, 1)?;
        let id = |r: usize, c: usize| r * cols + c;
        let mut edges = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let right = id(r, (c + 1) % cols);
                let down = id((r + 1) % rows, c);
                for other in [right, down] {
                    if other != id(r, c) {
                        edges.push((id(r, c), other));
                    }
                }
            }
        }
        Graph::from_edges(format!("torus({rows} x {cols})"), rows * cols, &edges)
    }

    /// The barbell: two cliques on nodes 0..⌈m/2⌉ and ⌈m/2⌉..m joined by the edge (⌈m/2⌉ − 1, ⌈m/2⌉). Needs m ≥ 2.
    pub fn barbell(m: usize) -> Result<Self> {
        check_nodes("barbell", m, 2)?;
        let h = m.div_ceil(2);
        let mut edges = Vec::new();
        for (lo, hi) in [(0, h), (h, m)] {
            for i in lo..hi {
                for j in i + 1..hi {
                    edges.push((i, j));
                }
            }
        }
        edges.push((h - 1, h));
        Graph::from_edges(format!("barbell(m = {m})"), m, &edges)
    }

    /// The Erdős–Rényi graph G(m, p), drawn from `StdRng::seed_from_u64(seed)` and redrawn (same stream) until it
    /// is connected, at most `max_tries` times.
    ///
    /// Errors: p outside (0, 1]; [`DecentralError::NotConnectedAfter`] when no draw is connected.
    pub fn erdos_renyi(m: usize, p: f64, seed: u64, max_tries: usize) -> Result<Self> {
        check_nodes("erdos_renyi", m, 1)?;
        if !(p > 0.0 && p <= 1.0) {
            return Err(crate::error::invalid("erdos_renyi", "p", p, "must lie in (0, 1]"));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..max_tries {
            let mut edges = Vec::new();
            for i in 0..m {
                for j in i + 1..m {
                    if rng.random::<f64>() < p {
                        edges.push((i, j));
                    }
                }
            }
            let g = Graph::from_edges(format!("erdos_renyi(m = {m}, p = {p})"), m, &edges)?;
            if g.is_connected() {
                return Ok(g);
            }
        }
        Err(DecentralError::NotConnectedAfter {
            what: format!("erdos_renyi(m = {m}, p = {p}, seed = {seed})"),
            tries: max_tries,
        })
    }

    /// The random geometric graph: m points uniform in the unit square, an edge between points at distance ≤
    /// `radius`; redrawn until connected, at most `max_tries` times.
    pub fn random_geometric(m: usize, radius: f64, seed: u64, max_tries: usize) -> Result<Self> {
        check_nodes("random_geometric", m, 1)?;
        if !(radius.is_finite() && radius > 0.0) {
            return Err(crate::error::invalid(
                "random_geometric",
                "radius",
                radius,
                "must be finite and > 0",
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..max_tries {
            let pts: Vec<(f64, f64)> = (0..m).map(|_| (rng.random::<f64>(), rng.random::<f64>())).collect();
            let mut edges = Vec::new();
            for i in 0..m {
                for j in i + 1..m {
                    let (dx, dy) = (pts[i].0 - pts[j].0, pts[i].1 - pts[j].1);
                    if dx * dx + dy * dy <= radius * radius {
                        edges.push((i, j));
                    }
                }
            }
            let g = Graph::from_edges(format!("random_geometric(m = {m}, r = {radius})"), m, &edges)?;
            if g.is_connected() {
                return Ok(g);
            }
        }
        Err(DecentralError::NotConnectedAfter {
            what: format!("random_geometric(m = {m}, r = {radius}, seed = {seed})"),
            tries: max_tries,
        })
    }

    /// A short description, e.g. `ring(m = 10)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of nodes m.
    pub fn nodes(&self) -> usize {
        self.neighbors.len()
    }

    /// The number of edges.
    pub fn edge_count(&self) -> usize {
        self.neighbors.iter().map(Vec::len).sum::<usize>() / 2
    }

    /// The sorted neighbours of node i.
    pub fn neighbors(&self, i: usize) -> &[usize] {
        &self.neighbors[i]
    }

    /// The degree of node i.
    pub fn degree(&self, i: usize) -> usize {
        self.neighbors[i].len()
    }

    /// The largest degree.
    pub fn max_degree(&self) -> usize {
        self.neighbors.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Whether (i, j) is an edge.
    pub fn has_edge(&self, i: usize, j: usize) -> bool {
        self.neighbors[i].binary_search(&j).is_ok()
    }

    /// The connected components, each sorted, in order of their smallest node.
    pub fn components(&self) -> Vec<Vec<usize>> {
        let n = self.nodes();
        let mut seen = vec![false; n];
        let mut out = Vec::new();
        for s in 0..n {
            if seen[s] {
                continue;
            }
            let mut comp = vec![s];
            seen[s] = true;
            let mut k = 0;
            while k < comp.len() {
                let u = comp[k];
                for &v in &self.neighbors[u] {
                    if !seen[v] {
                        seen[v] = true;
                        comp.push(v);
                    }
                }
                k += 1;
            }
            comp.sort_unstable();
            out.push(comp);
        }
        out
    }

    /// Whether the graph is connected.
    pub fn is_connected(&self) -> bool {
        self.components().len() == 1
    }

    /// `Ok` when connected, else [`DecentralError::Disconnected`] naming the components.
    pub fn check_connected(&self) -> Result<()> {
        let components = self.components();
        if components.len() == 1 {
            Ok(())
        } else {
            Err(DecentralError::Disconnected { components })
        }
    }
}

fn check_nodes(what: &'static str, n: usize, min: usize) -> Result<()> {
    if n >= min {
        Ok(())
    } else {
        Err(DecentralError::InvalidParameter {
            solver: what,
            name: "m (nodes)",
            value: n.to_string(),
            reason: if min == 1 { "must be >= 1" } else { "must be >= 2" },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_topologies_have_the_right_edges() {
        assert_eq!(Graph::ring(10).unwrap().edge_count(), 10);
        assert_eq!(Graph::ring(2).unwrap().edge_count(), 1);
        assert_eq!(Graph::ring(1).unwrap().edge_count(), 0);
        assert_eq!(Graph::path(5).unwrap().edge_count(), 4);
        assert_eq!(Graph::star(6).unwrap().max_degree(), 5);
        assert_eq!(Graph::complete(6).unwrap().edge_count(), 15);
        let t = Graph::torus(4, 4).unwrap();
        assert_eq!(t.edge_count(), 32);
        assert!((0..16).all(|i| t.degree(i) == 4));
        let b = Graph::barbell(10).unwrap();
        assert_eq!(b.edge_count(), 2 * 10 + 1);
        assert!(b.has_edge(4, 5) && !b.has_edge(3, 6));
        for g in [t, b, Graph::ring(7).unwrap(), Graph::star(3).unwrap()] {
            assert!(g.is_connected(), "{}", g.name());
        }
    }

    #[test]
    fn random_graphs_are_connected_and_seeded() {
        let a = Graph::erdos_renyi(20, 0.3, 7, 100).unwrap();
        assert!(a.is_connected());
        assert_eq!(a, Graph::erdos_renyi(20, 0.3, 7, 100).unwrap());
        let g = Graph::random_geometric(20, 0.5, 3, 100).unwrap();
        assert!(g.is_connected());
        let e = Graph::erdos_renyi(30, 0.01, 1, 5).unwrap_err();
        assert!(matches!(e, DecentralError::NotConnectedAfter { tries: 5, .. }), "{e}");
        assert!(Graph::erdos_renyi(5, 1.5, 1, 5).is_err());
    }

    #[test]
    fn disconnected_graphs_name_their_components() {
        let g = Graph::from_edges("two pieces", 5, &[(0, 1), (1, 2), (3, 4)]).unwrap();
        assert_eq!(g.components(), vec![vec![0, 1, 2], vec![3, 4]]);
        let e = g.check_connected().unwrap_err();
        assert!(e.to_string().contains("[0, 1, 2], [3, 4]"), "{e}");
        assert!(matches!(
            Graph::from_edges("bad", 3, &[(0, 3)]),
            Err(DecentralError::InvalidEdge { .. })
        ));
        assert!(matches!(
            Graph::from_edges("loop", 3, &[(1, 1)]),
            Err(DecentralError::InvalidEdge { .. })
        ));
        assert!(Graph::ring(0).is_err());
    }
}

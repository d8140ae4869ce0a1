//! The error type of gradus-decentral.

use gradus_classic::ClassicError;
use gradus_oracle::OracleError;
use thiserror::Error;

/// Everything that can go wrong when building a graph, a gossip matrix, a consensus problem or a solver.
///
/// Messages say what was wrong and where (which components of a disconnected graph, which entry of a
/// non-symmetric matrix, which eigenvalue, which parameter and its value).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DecentralError {
    /// The graph is not connected; the components are listed (node indices, each sorted, in order of their
    /// smallest node).
    #[error("the graph is disconnected: it has {} components {}", components.len(), format_components(components))]
    Disconnected {
        /// The connected components.
        components: Vec<Vec<usize>>,
    },
    /// A random graph stayed disconnected after every allowed draw.
    #[error("{what}: no connected sample in {tries} draws; raise the edge probability or radius")]
    NotConnectedAfter {
        /// The generator (`erdos_renyi(m = 16, p = 0.05)`, …).
        what: String,
        /// How many graphs were drawn.
        tries: usize,
    },
    /// An edge names a node outside 0..n or is a self-loop.
    #[error("invalid edge ({i}, {j}) in a graph with {n} nodes: {reason}")]
    InvalidEdge {
        /// One end.
        i: usize,
        /// The other end.
        j: usize,
        /// The number of nodes.
        n: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A gossip matrix is not symmetric.
    #[error("the gossip matrix is not symmetric: W[{i},{j}] = {wij:e} but W[{j},{i}] = {wji:e}")]
    NotSymmetric {
        /// Row.
        i: usize,
        /// Column.
        j: usize,
        /// W[i, j].
        wij: f64,
        /// W[j, i].
        wji: f64,
    },
    /// A gossip matrix has a negative eigenvalue.
    #[error("the gossip matrix is not positive semi-definite: its smallest eigenvalue is {eigenvalue:e}")]
    NotPsd {
        /// The most negative eigenvalue.
        eigenvalue: f64,
    },
    /// The kernel of a gossip matrix is not span(1).
    #[error("the kernel of the gossip matrix is not span(1): {detail}")]
    WrongKernel {
        /// Which way it fails (a row sum that is not 0, or a kernel of dimension > 1).
        detail: String,
    },
    /// A gossip matrix has a nonzero entry where the graph has no edge.
    #[error("the gossip matrix has W[{i},{j}] = {value:e} but ({i}, {j}) is not an edge of the graph")]
    NotOnGraph {
        /// Row.
        i: usize,
        /// Column.
        j: usize,
        /// The entry.
        value: f64,
    },
    /// A parameter is outside its range.
    #[error("{solver}: invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The solver or builder.
        solver: &'static str,
        /// The parameter's name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// Sizes that must agree do not.
    #[error("{what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was compared.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// The problem does not support what a solver needs (e.g. closed-form dual gradients).
    #[error("{solver} cannot run on this problem: {reason}")]
    Unsupported {
        /// The solver.
        solver: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A numerical procedure failed (a factorization, Sinkhorn–Knopp not converging, …).
    #[error("numerical failure in {what}: {reason}")]
    Numerical {
        /// The procedure.
        what: &'static str,
        /// What happened.
        reason: String,
    },
    /// Another process of a multi-process run rejected its part of the setup (its own error says what), so every
    /// process stops with an error instead of waiting for it.
    #[error("another process rejected {what}; see its error")]
    OtherProcess {
        /// What was rejected (the start, the problem, the network).
        what: &'static str,
    },
    /// An error of the shared base (e.g. an invalid stopping rule).
    #[error(transparent)]
    Oracle(#[from] OracleError),
    /// An error of gradus-classic (e.g. the Newton reference solve).
    #[error(transparent)]
    Classic(#[from] ClassicError),
}

/// `Result` with [`DecentralError`].
pub type Result<T> = std::result::Result<T, DecentralError>;

fn format_components(components: &[Vec<usize>]) -> String {
    let parts: Vec<String> = components
        .iter()
        .map(|c| {
            if c.len() <= 12 {
                format!("{c:?}")
            } else {
                format!("[{}, {}, … ({} nodes) …, {}]", c[0], c[1], c.len(), c[c.len() - 1])
            }
        })
        .collect();
    parts.join(", ")
}

/// An [`DecentralError::InvalidParameter`].
pub(crate) fn invalid(solver: &'static str, name: &'static str, value: f64, reason: &'static str) -> DecentralError {
    DecentralError::InvalidParameter {
        solver,
        name,
        value: format!("{value}"),
        reason,
    }
}

/// Checks that `v` is finite and > 0.
pub(crate) fn check_positive(solver: &'static str, name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(solver, name, v, "must be finite and > 0"))
    }
}

/// Checks that `v` is finite and >= 0.
pub(crate) fn check_nonnegative(solver: &'static str, name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(solver, name, v, "must be finite and >= 0"))
    }
}

/// Checks that `v` lies in [0, 1).
pub(crate) fn check_momentum(solver: &'static str, name: &'static str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(solver, name, v, "must lie in [0, 1)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnected_message_names_components() {
        let e = DecentralError::Disconnected {
            components: vec![vec![0, 1, 2], vec![3, 4]],
        };
        assert_eq!(
            e.to_string(),
            "the graph is disconnected: it has 2 components [0, 1, 2], [3, 4]"
        );
        let big = DecentralError::Disconnected {
            components: vec![(0..20).collect(), vec![20]],
        };
        assert!(big.to_string().contains("(20 nodes)"));
    }
}

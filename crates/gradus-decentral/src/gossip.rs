//! Gossip matrices W: symmetric, positive semi-definite, with kernel span(1) and W_ij ≠ 0 only on edges; their
//! spectra; and the mixing matrix W_mix = I − W/s the primal baselines (DGD, EXTRA, DIGing, NIDS, APM-C) average
//! with.
//!
//! | kind | W | W_mix = I − W/s, s |
//! |---|---|---|
//! | [`GossipKind::Laplacian`] | L = D − A | s = λ_max(L) (so W_mix ⪰ 0 and its entries are ≥ 0) |
//! | [`GossipKind::MetropolisHastings`] | I − W_mix, W_mix,ij = 1/(1 + max(dᵢ, dⱼ)) | s = 1 |
//! | [`GossipKind::MaxDegree`] | L/(d_max + 1) | s = 1 |
//! | [`GossipKind::SinkhornKnopp`] | I − W_mix, W_mix = (r·I + SK(A + I))/(1 + r) | s = 1 |
//!
//! SK(A + I) is the doubly-stochastic Sinkhorn–Knopp scaling of adjacency plus identity, as in the IDEAL authors'
//! code, which regularizes with r = 3.1 (1e-9 for the complete graph). Every W is built with its diagonal set to
//! minus the sum of its off-diagonal row, so W·1 = 0 up to one rounding per entry.
//!
//! The spectrum comes from nalgebra's symmetric eigen-solver (`SymmetricEigen`) on the dense m × m matrix. For
//! m = 1 the spectrum is empty; by convention λ_max = λ_min⁺ = 1, κ_W = 1 (products by W = \[0\] are zero anyway).

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{DecentralError, Result};
use crate::graph::Graph;

/// Which gossip matrix to build from a graph (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GossipKind {
    /// The graph Laplacian D − A.
    Laplacian,
    /// I − W_mix with Metropolis–Hastings weights.
    MetropolisHastings,
    /// L/(d_max + 1) = I − W_mix with max-degree weights.
    MaxDegree,
    /// I − W_mix with W_mix = (r·I + SK(A + I))/(1 + r), as in the IDEAL authors' code.
    SinkhornKnopp {
        /// The regularization weight r ≥ 0 (the authors use 3.1, and 1e-9 for the complete graph).
        regularization: f64,
    },
}

impl GossipKind {
    /// Sinkhorn–Knopp with the authors' regularization r = 3.1.
    pub fn sinkhorn_knopp() -> Self {
        GossipKind::SinkhornKnopp { regularization: 3.1 }
    }

    /// A short name.
    pub fn name(&self) -> &'static str {
        match self {
            GossipKind::Laplacian => "laplacian",
            GossipKind::MetropolisHastings => "metropolis-hastings",
            GossipKind::MaxDegree => "max-degree",
            GossipKind::SinkhornKnopp { .. } => "sinkhorn-knopp",
        }
    }
}

/// The spectral quantities of a gossip matrix W that the parameter rules use.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Every eigenvalue, ascending (the first is 0 up to rounding).
    pub eigenvalues: Vec<f64>,
    /// λ_max(W).
    pub lambda_max: f64,
    /// λ_min⁺(W), the smallest nonzero eigenvalue.
    pub lambda_min_pos: f64,
    /// κ_W = λ_max/λ_min⁺.
    pub kappa_w: f64,
    /// s in W_mix = I − W/s.
    pub mixing_scale: f64,
    /// λ₂ of the mixing matrix: its second largest eigenvalue in modulus,
    /// max(|1 − λ_min⁺/s|, |1 − λ_max/s|) (< 1 for a connected graph).
    pub lambda2: f64,
}

impl Spectrum {
    /// The spectrum of W with m ≥ 2 from its ascending eigenvalues (the first one is the kernel's).
    fn from_eigenvalues(eigenvalues: Vec<f64>, mixing_scale: f64) -> Self {
        if eigenvalues.len() < 2 {
            return Spectrum {
                eigenvalues,
                lambda_max: 1.0,
                lambda_min_pos: 1.0,
                kappa_w: 1.0,
                mixing_scale: 1.0,
                lambda2: 0.0,
            };
        }
        let lambda_max = eigenvalues[eigenvalues.len() - 1];
        let lambda_min_pos = eigenvalues[1];
        Spectrum {
            lambda2: mixing_lambda2(lambda_min_pos, lambda_max, mixing_scale),
            kappa_w: lambda_max / lambda_min_pos,
            lambda_max,
            lambda_min_pos,
            eigenvalues,
            mixing_scale,
        }
    }

    /// A spectrum known only by its bounds (used for P_K(W), whose nonzero eigenvalues lie in [lo, hi]).
    pub fn from_bounds(lo: f64, hi: f64) -> Self {
        Spectrum {
            eigenvalues: Vec::new(),
            lambda_max: hi,
            lambda_min_pos: lo,
            kappa_w: hi / lo,
            mixing_scale: hi,
            lambda2: mixing_lambda2(lo, hi, hi),
        }
    }
}

/// The second largest eigenvalue modulus of I − W/s: max(|1 − λ_min⁺/s|, |1 − λ_max/s|).
pub fn mixing_lambda2(lambda_min_pos: f64, lambda_max: f64, s: f64) -> f64 {
    (1.0 - lambda_min_pos / s).abs().max((1.0 - lambda_max / s).abs())
}

/// A validated gossip matrix with its graph, its CSR form (for products) and its spectrum.
#[derive(Debug, Clone)]
pub struct GossipMatrix {
    graph: Graph,
    dense: Array2<f64>,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    values: Vec<f64>,
    spectrum: Spectrum,
    kind: String,
}

impl GossipMatrix {
    /// Builds the gossip matrix of a connected graph.
    ///
    /// Errors: [`DecentralError::Disconnected`] (naming the components); for Sinkhorn–Knopp, a negative
    /// regularization or a scaling that does not converge.
    pub fn from_graph(graph: &Graph, kind: GossipKind) -> Result<Self> {
        graph.check_connected()?;
        let m = graph.nodes();
        let mut w = Array2::<f64>::zeros((m, m));
        let mut mixing_scale = 1.0;
        match kind {
            GossipKind::Laplacian => {
                set_off_diagonal(graph, &mut w, |_, _| -1.0);
                mixing_scale = f64::NAN; // λ_max, set below
            }
            GossipKind::MetropolisHastings => {
                set_off_diagonal(graph, &mut w, |i, j| {
                    -1.0 / (1.0 + graph.degree(i).max(graph.degree(j)) as f64)
                });
            }
            GossipKind::MaxDegree => {
                let scale = 1.0 / (graph.max_degree() as f64 + 1.0);
                set_off_diagonal(graph, &mut w, |_, _| -scale);
            }
            GossipKind::SinkhornKnopp { regularization } => {
                crate::error::check_nonnegative("sinkhorn_knopp", "regularization", regularization)?;
                let p = sinkhorn_knopp(graph)?;
                // W = I − (r I + P)/(1 + r): off-diagonal −P_ij/(1 + r).
                set_off_diagonal(graph, &mut w, |i, j| -p[[i, j]] / (1.0 + regularization));
            }
        }
        set_diagonal_from_rows(&mut w);
        let eig = eigenvalues_ascending(&w);
        if mixing_scale.is_nan() {
            mixing_scale = eig.last().copied().filter(|&l| l > 0.0).unwrap_or(1.0);
        }
        Self::assemble(graph.clone(), w, eig, mixing_scale, kind.name().to_string())
    }

    /// Validates a user-given W on `graph` and uses W_mix = I − W/s with s = `mixing_scale` (None: s = λ_max).
    ///
    /// Errors, in the order checked: a size that is not m × m; [`DecentralError::Disconnected`];
    /// [`DecentralError::NotSymmetric`] (first offending pair); [`DecentralError::NotOnGraph`];
    /// [`DecentralError::WrongKernel`] when a row does not sum to 0 (W·1 ≠ 0); [`DecentralError::NotPsd`];
    /// [`DecentralError::WrongKernel`] when the kernel has dimension > 1; an s ≤ λ_max/2 (W_mix would have an
    /// eigenvalue ≤ −1).
    pub fn from_matrix(graph: &Graph, w: Array2<f64>, mixing_scale: Option<f64>) -> Result<Self> {
        let m = graph.nodes();
        if w.nrows() != m || w.ncols() != m {
            return Err(DecentralError::DimensionMismatch {
                what: "gossip matrix rows × columns (must be m × m)",
                expected: m,
                got: if w.nrows() != m { w.nrows() } else { w.ncols() },
            });
        }
        graph.check_connected()?;
        if let Some(((i, j), v)) = w.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(DecentralError::NotSymmetric {
                i,
                j,
                wij: *v,
                wji: w[[j, i]],
            });
        }
        let scale = w.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(f64::MIN_POSITIVE);
        for i in 0..m {
            for j in 0..i {
                if (w[[i, j]] - w[[j, i]]).abs() > 1e-12 * scale {
                    return Err(DecentralError::NotSymmetric {
                        i,
                        j,
                        wij: w[[i, j]],
                        wji: w[[j, i]],
                    });
                }
            }
        }
        for i in 0..m {
            for j in 0..m {
                if i != j && w[[i, j]] != 0.0 && !graph.has_edge(i, j) {
                    return Err(DecentralError::NotOnGraph { i, j, value: w[[i, j]] });
                }
            }
        }
        for i in 0..m {
            let s: f64 = w.row(i).sum();
            if s.abs() > 1e-10 * scale {
                return Err(DecentralError::WrongKernel {
                    detail: format!("row {i} sums to {s:e}, so W·1 ≠ 0"),
                });
            }
        }
        let mut w = w;
        for i in 0..m {
            for j in 0..i {
                let v = 0.5 * (w[[i, j]] + w[[j, i]]);
                w[[i, j]] = v;
                w[[j, i]] = v;
            }
        }
        let eig = eigenvalues_ascending(&w);
        let lambda_max = eig.last().copied().unwrap_or(0.0);
        let tol = 1e-10 * scale * m as f64;
        if eig[0] < -tol {
            return Err(DecentralError::NotPsd { eigenvalue: eig[0] });
        }
        let nullity = eig.iter().filter(|&&l| l <= tol).count();
        if nullity > 1 {
            return Err(DecentralError::WrongKernel {
                detail: format!(
                    "the kernel has dimension {nullity} (eigenvalues {:?} are 0 up to {tol:e})",
                    &eig[..nullity]
                ),
            });
        }
        let s = mixing_scale.unwrap_or(if m > 1 { lambda_max } else { 1.0 });
        if m > 1 && !(s.is_finite() && s > 0.5 * lambda_max) {
            return Err(crate::error::invalid(
                "gossip",
                "mixing_scale",
                s,
                "must exceed λ_max/2 so that W_mix = I − W/s has eigenvalues > −1",
            ));
        }
        Self::assemble(graph.clone(), w, eig, s, "user".to_string())
    }

    fn assemble(graph: Graph, dense: Array2<f64>, eig: Vec<f64>, mixing_scale: f64, kind: String) -> Result<Self> {
        let m = graph.nodes();
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for i in 0..m {
            for j in 0..m {
                if i == j || graph.has_edge(i, j) {
                    indices.push(j);
                    values.push(dense[[i, j]]);
                }
            }
            indptr.push(indices.len());
        }
        let spectrum = Spectrum::from_eigenvalues(eig, mixing_scale);
        Ok(GossipMatrix {
            graph,
            dense,
            indptr,
            indices,
            values,
            spectrum,
            kind,
        })
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The number of nodes m.
    pub fn nodes(&self) -> usize {
        self.graph.nodes()
    }

    /// W as a dense matrix.
    pub fn dense(&self) -> &Array2<f64> {
        &self.dense
    }

    /// The spectrum.
    pub fn spectrum(&self) -> &Spectrum {
        &self.spectrum
    }

    /// Which kind built it (`laplacian`, …, `user`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The number of stored entries (edges in both directions plus the diagonal).
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The mixing matrix W_mix = I − W/s as a dense matrix.
    pub fn mixing_matrix(&self) -> Array2<f64> {
        let m = self.nodes();
        let mut w = self.dense.mapv(|v| -v / self.spectrum.mixing_scale);
        for i in 0..m {
            w[[i, i]] += 1.0;
        }
        w
    }

    /// The stored entries of row i of W: (column ids ascending, including i itself; the weights W_ij).
    pub fn row_entries(&self, i: usize) -> (&[usize], &[f64]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    /// out = row i of W·X given the rows x_j of the nodes j of row i: out = 0, then out += W_ij·x_j for j in
    /// ascending order ([`GossipMatrix::row_entries`]). Every backend computes a gossip row with this function, so
    /// every backend gives the same bits.
    pub fn apply_row<'x>(&self, i: usize, row_of: impl Fn(usize) -> ArrayView1<'x, f64>, mut out: ArrayViewMut1<f64>) {
        out.fill(0.0);
        for k in self.indptr[i]..self.indptr[i + 1] {
            out.scaled_add(self.values[k], &row_of(self.indices[k]));
        }
    }

    /// out = W x for an m × d matrix x (row i = node i), as a sparse product over the graph. Each output row is
    /// computed by one thread, in the fixed neighbour order ([`GossipMatrix::apply_row`]), so the result does not
    /// depend on the thread count.
    pub fn apply(&self, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
        let d = x.ncols();
        let body = |i: usize, row: ArrayViewMut1<f64>| self.apply_row(i, |j| x.row(j), row);
        if self.nnz() * d >= PARALLEL_WORK {
            out.axis_iter_mut(Axis(0))
                .into_par_iter()
                .enumerate()
                .for_each(|(i, row)| body(i, row));
        } else {
            for (i, row) in out.axis_iter_mut(Axis(0)).enumerate() {
                body(i, row);
            }
        }
    }
}

/// Work (multiply-adds) above which a product is split over rayon threads.
pub(crate) const PARALLEL_WORK: usize = 1 << 15;

fn set_off_diagonal(graph: &Graph, w: &mut Array2<f64>, value: impl Fn(usize, usize) -> f64) {
    for i in 0..graph.nodes() {
        for &j in graph.neighbors(i) {
            w[[i, j]] = value(i, j);
        }
    }
}

/// W_ii = −Σ_{j≠i} W_ij, so W·1 = 0.
fn set_diagonal_from_rows(w: &mut Array2<f64>) {
    for i in 0..w.nrows() {
        let off: f64 = (0..w.ncols()).filter(|&j| j != i).map(|j| w[[i, j]]).sum();
        w[[i, i]] = -off;
    }
}

/// The eigenvalues of a symmetric matrix, ascending (nalgebra `SymmetricEigen`).
pub fn eigenvalues_ascending(w: &Array2<f64>) -> Vec<f64> {
    let m = w.nrows();
    let mat = DMatrix::from_fn(m, m, |i, j| w[[i, j]]);
    let mut eig: Vec<f64> = SymmetricEigen::new(mat).eigenvalues.iter().copied().collect();
    eig.sort_by(f64::total_cmp);
    eig
}

/// The Sinkhorn–Knopp doubly-stochastic scaling of A + I (A the adjacency), made exactly symmetric.
///
/// Alternates r ← 1/((A+I) c), c ← 1/((A+I)ᵀ r) until every row and column sum of diag(r)(A+I)diag(c) is within
/// 1e-14 of 1 (at most 100 000 sweeps), then returns (P + Pᵀ)/2.
pub fn sinkhorn_knopp(graph: &Graph) -> Result<Array2<f64>> {
    let m = graph.nodes();
    let mut a = Array2::<f64>::eye(m);
    for i in 0..m {
        for &j in graph.neighbors(i) {
            a[[i, j]] = 1.0;
        }
    }
    let mut r = vec![1.0; m];
    let mut c = vec![1.0; m];
    for _ in 0..100_000 {
        for i in 0..m {
            r[i] = 1.0 / (0..m).map(|j| a[[i, j]] * c[j]).sum::<f64>();
        }
        for j in 0..m {
            c[j] = 1.0 / (0..m).map(|i| a[[i, j]] * r[i]).sum::<f64>();
        }
        let worst = (0..m)
            .map(|i| ((0..m).map(|j| r[i] * a[[i, j]] * c[j]).sum::<f64>() - 1.0).abs())
            .fold(0.0, f64::max);
        if worst <= 1e-14 {
            let p = Array2::from_shape_fn((m, m), |(i, j)| r[i] * a[[i, j]] * c[j]);
            return Ok((&p + &p.t()) * 0.5);
        }
    }
    Err(DecentralError::Numerical {
        what: "Sinkhorn–Knopp scaling",
        reason: format!("row sums did not reach 1 ± 1e-14 in 100000 sweeps on {}", graph.name()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    fn kinds() -> Vec<GossipKind> {
        vec![
            GossipKind::Laplacian,
            GossipKind::MetropolisHastings,
            GossipKind::MaxDegree,
            GossipKind::sinkhorn_knopp(),
            GossipKind::SinkhornKnopp { regularization: 1e-9 },
        ]
    }

    fn graphs() -> Vec<Graph> {
        vec![
            Graph::ring(10).unwrap(),
            Graph::path(7).unwrap(),
            Graph::star(6).unwrap(),
            Graph::complete(5).unwrap(),
            Graph::torus(3, 4).unwrap(),
            Graph::barbell(8).unwrap(),
            Graph::erdos_renyi(12, 0.3, 1, 100).unwrap(),
            Graph::random_geometric(12, 0.5, 2, 100).unwrap(),
        ]
    }

    #[test]
    fn gossip_matrices_are_symmetric_psd_with_kernel_one() {
        for g in graphs() {
            for kind in kinds() {
                let w = GossipMatrix::from_graph(&g, kind).unwrap();
                let d = w.dense();
                let m = g.nodes();
                assert_eq!(d, &d.t().to_owned(), "{} {kind:?}", g.name());
                let ones = Array1::<f64>::ones(m);
                assert!(d.dot(&ones).iter().all(|v| v.abs() < 1e-14), "{} {kind:?}", g.name());
                let s = w.spectrum();
                assert!(s.eigenvalues[0].abs() < 1e-12 && s.lambda_min_pos > 1e-8);
                assert!(s.lambda2 < 1.0 && s.kappa_w >= 1.0);
                // Re-validation of the built matrix succeeds and gives the same spectrum.
                let again = GossipMatrix::from_matrix(&g, d.clone(), Some(s.mixing_scale)).unwrap();
                assert!((again.spectrum().lambda_max - s.lambda_max).abs() < 1e-12);
                // The mixing matrix is symmetric, doubly stochastic and has entries >= 0 (except SK/MH/MD: always).
                let wm = w.mixing_matrix();
                assert!(wm.dot(&ones).iter().all(|v| (v - 1.0).abs() < 1e-13));
                assert!(wm.iter().all(|&v| v >= -1e-15), "{} {kind:?}", g.name());
            }
        }
    }

    #[test]
    fn ring_laplacian_spectrum_is_known() {
        let w = GossipMatrix::from_graph(&Graph::ring(10).unwrap(), GossipKind::Laplacian).unwrap();
        let s = w.spectrum();
        assert!((s.lambda_max - 4.0).abs() < 1e-12);
        let l1 = 2.0 - 2.0 * (2.0 * std::f64::consts::PI / 10.0).cos();
        assert!((s.lambda_min_pos - l1).abs() < 1e-12);
        assert!((s.kappa_w - 10.47).abs() < 0.01);
    }

    #[test]
    fn products_match_the_dense_matrix() {
        let g = Graph::erdos_renyi(40, 0.2, 3, 100).unwrap();
        let w = GossipMatrix::from_graph(&g, GossipKind::MetropolisHastings).unwrap();
        for d in [3, 2000] {
            let x = Array2::from_shape_fn((40, d), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let mut out = Array2::zeros((40, d));
            w.apply(x.view(), out.view_mut());
            let reference = w.dense().dot(&x);
            assert!((&out - &reference).iter().all(|v| v.abs() < 1e-12));
        }
    }

    #[test]
    fn invalid_matrices_give_typed_errors() {
        let g = Graph::ring(4).unwrap();
        let lap = GossipMatrix::from_graph(&g, GossipKind::Laplacian)
            .unwrap()
            .dense()
            .clone();
        let mut asym = lap.clone();
        asym[[0, 1]] = -0.5;
        assert!(matches!(
            GossipMatrix::from_matrix(&g, asym, None),
            Err(DecentralError::NotSymmetric { i: 1, j: 0, .. })
        ));
        // −L is symmetric with kernel span(1) but negative definite elsewhere.
        let e = GossipMatrix::from_matrix(&g, -&lap, None).unwrap_err();
        assert!(matches!(e, DecentralError::NotPsd { .. }), "{e}");
        // L + I: rows do not sum to zero.
        let e = GossipMatrix::from_matrix(&g, &lap + &Array2::<f64>::eye(4), None).unwrap_err();
        assert!(
            matches!(e, DecentralError::WrongKernel { .. }) && e.to_string().contains("row 0"),
            "{e}"
        );
        // A Laplacian of two disjoint edges on the ring's nodes: kernel of dimension 2.
        let mut two = Array2::zeros((4, 4));
        for (i, j) in [(0, 1), (2, 3)] {
            two[[i, j]] = -1.0;
            two[[j, i]] = -1.0;
            two[[i, i]] = 1.0;
            two[[j, j]] = 1.0;
        }
        let e = GossipMatrix::from_matrix(&g, two, None).unwrap_err();
        assert!(e.to_string().contains("dimension 2"), "{e}");
        // An entry off the graph.
        let full = GossipMatrix::from_graph(&Graph::complete(4).unwrap(), GossipKind::Laplacian)
            .unwrap()
            .dense()
            .clone();
        assert!(matches!(
            GossipMatrix::from_matrix(&g, full, None),
            Err(DecentralError::NotOnGraph { .. })
        ));
        // A disconnected graph names its components.
        let split = Graph::from_edges("split", 4, &[(0, 1), (2, 3)]).unwrap();
        let e = GossipMatrix::from_graph(&split, GossipKind::Laplacian).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the graph is disconnected: it has 2 components [0, 1], [2, 3]"
        );
        assert!(GossipMatrix::from_matrix(&g, Array2::zeros((3, 3)), None).is_err());
    }

    #[test]
    fn single_node_has_the_conventional_spectrum() {
        let w = GossipMatrix::from_graph(&Graph::ring(1).unwrap(), GossipKind::Laplacian).unwrap();
        assert_eq!(w.dense()[[0, 0]], 0.0);
        assert_eq!(w.spectrum().kappa_w, 1.0);
        assert_eq!(w.mixing_matrix()[[0, 0]], 1.0);
    }
}

//! Quadratic min–max games as finite-sum operators: F(z) = (1/n) Σᵢ Fᵢ(z) with affine components
//!
//! Fᵢ(x, y) = (Aᵢ x + Bᵢ y + aᵢ, −Bᵢᵀ x + Cᵢ y + cᵢ),
//!
//! the operator of fᵢ(x, y) = ½ xᵀAᵢx + xᵀBᵢy − ½ yᵀCᵢy + aᵢᵀx − cᵢᵀy (min over x, max over y), with Aᵢ, Cᵢ
//! symmetric. In matrix form Fᵢ(z) = Mᵢ z + qᵢ with Mᵢ = [[Aᵢ, Bᵢ], [−Bᵢᵀ, Cᵢ]] and qᵢ = (aᵢ, cᵢ).
//!
//! One type, [`QuadraticGame`], covers every game of the SEG-RR paper (Emmanouilidis, Vidal, Loizou, AISTATS 2024):
//!
//! | generator | game | monotonicity |
//! |---|---|---|
//! | [`QuadraticGame::random_identical`] | Aᵢ = A, Cᵢ = C with spectrum linspace(μ, L), Bᵢ = B with spectrum linspace(0, 1), random offsets (the paper's final generator) | μ-strongly monotone |
//! | [`QuadraticGame::random_per_component`] | one eigenbasis per matrix family, per-component spectra (the 2023 generator) | μ-strongly monotone |
//! | [`QuadraticGame::random_bilinear`] | Aᵢ = Cᵢ = 0, Bᵢ = B with spectrum linspace(μ, L) | monotone, σ_min(M̄) = μ |
//! | [`QuadraticGame::random_bilinear_per_component`] | Aᵢ = Cᵢ = 0, Bᵢ with per-component spectra in [μ, L] | monotone, σ_min(M̄) = μ |
//! | [`QuadraticGame::random_monotone`] | A = C with spectrum linspace(0, L) (singular), B with spectrum linspace(b_lo, b_hi) | monotone, not strongly; unique solution |
//! | [`QuadraticGame::wgan_toy`] | the linear WGAN learning a Gaussian mean | monotone (bilinear) |
//!
//! Every game carries its constants, computed at construction from the matrices: Lᵢ = ‖Mᵢ‖₂, L_max = max Lᵢ,
//! L = ‖M̄‖₂ = σ_max(M̄), μ = λ_min((M̄ + M̄ᵀ)/2) = min(λ_min(Ā), λ_min(C̄)), σ_min(M̄), A = (2/n) Σ Lᵢ² and
//! σ*² = (1/n) Σ ‖Fᵢ(z*)‖². The solution z* = −M̄⁻¹q̄ comes from a dense LU solve with partial pivoting and one
//! step of iterative refinement; a singular M̄ (no unique solution) is a typed error.
//!
//! The dense linear algebra (LU, a cyclic Jacobi eigenvalue solver, random orthogonal matrices) is written here in
//! a few small functions: the games are at most a few hundred coordinates, and gradus-oracle has no linear-algebra
//! dependency.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, Zip};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::design::{axpy, dot};
use crate::error::{OracleError, Result, check_dim, check_finite, check_nonnegative, check_positive};
use crate::operator::{FiniteSumOperator, Operator};

/// The matrices of one component's game: A (d_x × d_x, symmetric), B (d_x × d_y), C (d_y × d_y, symmetric).
/// `None` stands for a zero block (and is skipped when the operator is evaluated).
#[derive(Debug, Clone, PartialEq)]
pub struct GameBlocks {
    /// d_x, the dimension of the minimizing player x.
    pub dx: usize,
    /// d_y, the dimension of the maximizing player y.
    pub dy: usize,
    /// A, the x–x block (symmetric), or zero.
    pub a: Option<Array2<f64>>,
    /// B, the coupling, or zero.
    pub b: Option<Array2<f64>>,
    /// C, the y–y block (symmetric), or zero.
    pub c: Option<Array2<f64>>,
}

impl GameBlocks {
    /// The dense matrix M = [[A, B], [−Bᵀ, C]] (D × D, D = d_x + d_y).
    pub fn to_dense(&self) -> Array2<f64> {
        let (dx, dy) = (self.dx, self.dy);
        let mut m = Array2::zeros((dx + dy, dx + dy));
        if let Some(a) = &self.a {
            m.slice_mut(ndarray::s![..dx, ..dx]).assign(a);
        }
        if let Some(b) = &self.b {
            m.slice_mut(ndarray::s![..dx, dx..]).assign(b);
            m.slice_mut(ndarray::s![dx.., ..dx]).assign(&b.t().mapv(|v| -v));
        }
        if let Some(c) = &self.c {
            m.slice_mut(ndarray::s![dx.., dx..]).assign(c);
        }
        m
    }

    /// Checks shapes, finiteness and symmetry; returns the blocks in row-major layout.
    fn validated(self) -> Result<Self> {
        let (dx, dy) = (self.dx, self.dy);
        if dx == 0 || dy == 0 {
            return Err(OracleError::Empty {
                what: "game player (d_x or d_y is 0)",
            });
        }
        let a = self.a.map(|a| check_block("A", a, dx, dx, true)).transpose()?;
        let b = self.b.map(|b| check_block("B", b, dx, dy, false)).transpose()?;
        let c = self.c.map(|c| check_block("C", c, dy, dy, true)).transpose()?;
        Ok(GameBlocks { dx, dy, a, b, c })
    }

    /// out = M z + q for row-major blocks and contiguous slices (z, q, out of length D).
    fn apply(&self, q: &[f64], z: &[f64], out: &mut [f64]) {
        let (x, y) = z.split_at(self.dx);
        out.copy_from_slice(q);
        let (ox, oy) = out.split_at_mut(self.dx);
        if let Some(a) = &self.a {
            add_matvec(row_major(a), x, ox);
        }
        if let Some(b) = &self.b {
            add_coupling(row_major(b), x, y, ox, oy);
        }
        if let Some(c) = &self.c {
            add_matvec(row_major(c), y, oy);
        }
    }
}

fn row_major(m: &Array2<f64>) -> &[f64] {
    m.as_slice().expect("validated blocks are row-major")
}

/// out += M v for a row-major M whose rows have v's length, four rows at a time (each load of v serves four
/// rows, and sixteen accumulators run independently).
fn add_matvec(m: &[f64], v: &[f64], out: &mut [f64]) {
    let cols = v.len();
    let mut groups = m.chunks_exact(4 * cols);
    let mut outs = out.chunks_exact_mut(4);
    for (rows, o) in (&mut groups).zip(&mut outs) {
        let s = dot4(rows, cols, v);
        for (oi, si) in o.iter_mut().zip(s) {
            *oi += si;
        }
    }
    for (row, o) in groups.remainder().chunks_exact(cols).zip(outs.into_remainder()) {
        *o += dot(row, v);
    }
}

/// ox += B y and oy −= Bᵀ x in one pass over the rows of a row-major B (d_x × d_y), four rows at a time.
fn add_coupling(b: &[f64], x: &[f64], y: &[f64], ox: &mut [f64], oy: &mut [f64]) {
    let cols = y.len();
    let mut groups = b.chunks_exact(4 * cols);
    let mut xs = x.chunks_exact(4);
    let mut outs = ox.chunks_exact_mut(4);
    for ((rows, xg), o) in (&mut groups).zip(&mut xs).zip(&mut outs) {
        let s = dot4(rows, cols, y);
        for (oi, si) in o.iter_mut().zip(s) {
            *oi += si;
        }
        let (r0, rest) = rows.split_at(cols);
        let (r1, rest) = rest.split_at(cols);
        let (r2, r3) = rest.split_at(cols);
        for ((((o, a0), a1), a2), a3) in oy.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *o -= xg[0] * a0 + xg[1] * a1 + xg[2] * a2 + xg[3] * a3;
        }
    }
    for ((row, &xr), o) in groups
        .remainder()
        .chunks_exact(cols)
        .zip(xs.remainder())
        .zip(outs.into_remainder())
    {
        *o += dot(row, y);
        axpy(-xr, row, oy);
    }
}

/// The dot products of four consecutive rows (of length `cols`, stored contiguously in `rows`) with v, with four
/// accumulators per row.
#[inline]
fn dot4(rows: &[f64], cols: usize, v: &[f64]) -> [f64; 4] {
    let (r0, rest) = rows.split_at(cols);
    let (r1, rest) = rest.split_at(cols);
    let (r2, r3) = rest.split_at(cols);
    let mut acc = [[0.0f64; 4]; 4];
    let chunks = v
        .chunks_exact(4)
        .zip(r0.chunks_exact(4))
        .zip(r1.chunks_exact(4))
        .zip(r2.chunks_exact(4))
        .zip(r3.chunks_exact(4));
    for ((((x, a0), a1), a2), a3) in chunks {
        for l in 0..4 {
            acc[0][l] += a0[l] * x[l];
            acc[1][l] += a1[l] * x[l];
            acc[2][l] += a2[l] * x[l];
            acc[3][l] += a3[l] * x[l];
        }
    }
    let tail = cols - cols % 4;
    let mut out = [0.0; 4];
    for (k, r) in [r0, r1, r2, r3].into_iter().enumerate() {
        let t: f64 = (tail..cols).map(|j| r[j] * v[j]).sum();
        out[k] = (acc[k][0] + acc[k][1]) + (acc[k][2] + acc[k][3]) + t;
    }
    out
}

/// Checks one block's shape, finiteness and (for A and C) symmetry to 1e-12 relative; returns it row-major.
fn check_block(name: &'static str, m: Array2<f64>, rows: usize, cols: usize, symmetric: bool) -> Result<Array2<f64>> {
    let [what_rows, what_cols, what_entries] = block_labels(name);
    check_dim(what_rows, rows, m.nrows())?;
    check_dim(what_cols, cols, m.ncols())?;
    check_finite(what_entries, m.iter())?;
    if symmetric {
        let scale = m.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(f64::MIN_POSITIVE);
        for i in 0..rows {
            for j in 0..i {
                if (m[[i, j]] - m[[j, i]]).abs() > 1e-12 * scale {
                    return Err(OracleError::InvalidParameter {
                        name,
                        value: format!("{name}[{i},{j}] = {} but {name}[{j},{i}] = {}", m[[i, j]], m[[j, i]]),
                        reason: "must be symmetric",
                    });
                }
            }
        }
    }
    Ok(m.as_standard_layout().into_owned())
}

/// Labels of a block's checks (rows, columns, entries), for error messages.
fn block_labels(name: &str) -> [&'static str; 3] {
    match name {
        "A" => [
            "game block A rows",
            "game block A columns",
            "game block A (row-major index)",
        ],
        "B" => [
            "game block B rows",
            "game block B columns",
            "game block B (row-major index)",
        ],
        _ => [
            "game block C rows",
            "game block C columns",
            "game block C (row-major index)",
        ],
    }
}

/// The component matrices of a game: one set shared by every component, or one per component.
#[derive(Debug, Clone, PartialEq)]
pub enum GameMatrices {
    /// Mᵢ = M for every i (the noise comes only from the offsets).
    Shared(GameBlocks),
    /// Mᵢ for each component (as many as there are offset rows).
    PerComponent(Vec<GameBlocks>),
}

/// The constants of a game (see the module docs for their definitions).
#[derive(Debug, Clone, PartialEq)]
pub struct GameConstants {
    /// Lᵢ = ‖Mᵢ‖₂ for each component.
    pub component_lipschitz: Vec<f64>,
    /// L_max = max Lᵢ.
    pub max_component_lipschitz: f64,
    /// L = ‖M̄‖₂ = σ_max(M̄), the Lipschitz constant of F.
    pub lipschitz: f64,
    /// σ_min(M̄) (the "μ" the paper's code uses for bilinear games).
    pub min_singular_value: f64,
    /// μ = λ_min((M̄ + M̄ᵀ)/2), the strong-monotonicity modulus (0 for merely monotone games).
    pub strong_monotonicity: f64,
    /// A = (2/n) Σ Lᵢ², the constant of the paper's growth assumption.
    pub growth: f64,
    /// σ*² = (1/n) Σ ‖Fᵢ(z*)‖², the noise at the solution.
    pub noise_at_solution: f64,
}

/// A quadratic min–max game F = (1/n) Σ Fᵢ with Fᵢ(z) = Mᵢ z + qᵢ (see the module docs), its constants and its
/// exact solution.
///
/// ```
/// use gradus_oracle::{FiniteSumOperator, Operator, QuadraticGame};
/// use ndarray::Array1;
///
/// let game = QuadraticGame::random_identical(5, 20, 1.0, 10.0, 7).unwrap();
/// assert_eq!((game.dim(), game.len()), (10, 20));
/// let mut f = Array1::zeros(10);
/// game.apply(game.solution_view(), f.view_mut());
/// assert!(f.dot(&f).sqrt() <= 1e-12);
/// assert!((game.strong_monotonicity() - 1.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone)]
pub struct QuadraticGame {
    matrices: GameMatrices,
    mean: GameBlocks,
    /// n × D, row i = qᵢ = (aᵢ, cᵢ).
    offsets: Array2<f64>,
    mean_offset: Array1<f64>,
    solution: Array1<f64>,
    constants: GameConstants,
}

impl QuadraticGame {
    /// Builds the game from its component matrices and offsets (row i of `offsets` is qᵢ = (aᵢ, cᵢ), length
    /// D = d_x + d_y), computes its constants and solves for z*.
    ///
    /// Errors: no components, a player of dimension 0, blocks of the wrong shape, non-finite entries, A or C not
    /// symmetric, per-component blocks of differing dimensions or a count that differs from the offsets', a mean
    /// operator that is not monotone (λ_min((M̄ + M̄ᵀ)/2) < 0) or singular (no unique solution).
    ///
    /// Cost: O(n D²) plus one D × D eigenvalue solve per distinct component matrix (O(D³) each).
    pub fn new(matrices: GameMatrices, offsets: Array2<f64>) -> Result<Self> {
        QuadraticGame::build(matrices, offsets, None)
    }

    /// Builds a game whose mean operator may be singular, from a known solution z* (F(z*) = 0): the solution
    /// set is then z* + ker M̄, and [`Operator::solution`] reports this z*. Everything else is as in
    /// [`QuadraticGame::new`].
    ///
    /// Errors: those of [`QuadraticGame::new`] except singularity, a `solution` of the wrong length, and
    /// ‖M̄z* + q̄‖ > 1e-10 (1 + ‖q̄‖ + L‖z*‖) (z* does not solve the game).
    pub fn with_solution(matrices: GameMatrices, offsets: Array2<f64>, solution: Array1<f64>) -> Result<Self> {
        QuadraticGame::build(matrices, offsets, Some(solution))
    }

    fn build(matrices: GameMatrices, offsets: Array2<f64>, known: Option<Array1<f64>>) -> Result<Self> {
        let n = offsets.nrows();
        if n == 0 {
            return Err(OracleError::Empty {
                what: "game (no components)",
            });
        }
        let matrices = match matrices {
            GameMatrices::Shared(b) => GameMatrices::Shared(b.validated()?),
            GameMatrices::PerComponent(list) => {
                check_dim("game: number of component matrices vs offsets", n, list.len())?;
                let list = list
                    .into_iter()
                    .map(GameBlocks::validated)
                    .collect::<Result<Vec<_>>>()?;
                let (dx, dy) = (list[0].dx, list[0].dy);
                for b in &list {
                    check_dim("game: component d_x", dx, b.dx)?;
                    check_dim("game: component d_y", dy, b.dy)?;
                }
                GameMatrices::PerComponent(list)
            }
        };
        let first = match &matrices {
            GameMatrices::Shared(b) => b,
            GameMatrices::PerComponent(list) => &list[0],
        };
        let (dx, dy) = (first.dx, first.dy);
        check_dim("game offsets columns (d_x + d_y)", dx + dy, offsets.ncols())?;
        check_finite("game offsets (row-major index)", offsets.iter())?;
        let offsets = offsets.as_standard_layout().into_owned();
        let mean = match &matrices {
            GameMatrices::Shared(b) => b.clone(),
            GameMatrices::PerComponent(list) => mean_blocks(list),
        };
        let mean_offset = offsets.mean_axis(ndarray::Axis(0)).expect("n >= 1");
        let m_bar = mean.to_dense();
        let singular = singular_value_range(&m_bar);
        let solution = match known {
            None => {
                let solution = solve_game(&m_bar, &mean_offset)?;
                if singular.0 <= 0.0 {
                    return Err(singular_error(singular.0));
                }
                solution
            }
            Some(z) => {
                check_dim("game solution length (d_x + d_y)", dx + dy, z.len())?;
                check_finite("game solution", z.iter())?;
                let r = m_bar.dot(&z) + &mean_offset;
                let norm = |v: &Array1<f64>| v.dot(v).sqrt();
                let tolerance = 1e-10 * (1.0 + norm(&mean_offset) + singular.1 * norm(&z));
                if norm(&r) > tolerance {
                    return Err(OracleError::InvalidParameter {
                        name: "game solution",
                        value: format!("||M z* + q|| = {:e}", norm(&r)),
                        reason: "the given point does not solve the game (F(z*) must be 0)",
                    });
                }
                z
            }
        };
        let mu = symmetric_part_min_eigenvalue(&mean);
        let scale = singular.1.max(f64::MIN_POSITIVE);
        if mu < -1e-10 * scale {
            return Err(OracleError::InvalidParameter {
                name: "game matrices",
                value: format!("lambda_min((M + M^T)/2) = {mu:e}"),
                reason: "the mean operator must be monotone (A and C positive semi-definite on average)",
            });
        }
        let component_lipschitz = match &matrices {
            GameMatrices::Shared(b) => vec![spectral_norm(b); n],
            GameMatrices::PerComponent(list) => list.iter().map(spectral_norm).collect(),
        };
        let mut game = QuadraticGame {
            matrices,
            mean,
            offsets,
            mean_offset,
            solution,
            constants: GameConstants {
                max_component_lipschitz: component_lipschitz.iter().copied().fold(0.0, f64::max),
                growth: growth_constant(&component_lipschitz),
                component_lipschitz,
                lipschitz: singular.1,
                min_singular_value: singular.0,
                // Round-off below the tolerance above is not negative monotonicity.
                strong_monotonicity: mu.max(0.0),
                noise_at_solution: 0.0,
            },
        };
        game.constants.noise_at_solution = game.noise_at(game.solution.view());
        Ok(game)
    }

    /// The paper's final (2024) strongly monotone generator: A and C with spectrum linspace(μ, L, d), B with
    /// spectrum linspace(0, 1, d), each Q diag(λ) Qᵀ with its own random orthogonal Q; the same matrices in every
    /// component; offsets aᵢ, cᵢ ~ N(0, I_d). The noise comes only from the offsets. μ(F) = μ exactly.
    ///
    /// With d = 1 the spectra collapse to their lower end (A = C = μ, B = 0), as NumPy's `linspace` does.
    pub fn random_identical(d: usize, n: usize, mu: f64, l: f64, seed: u64) -> Result<Self> {
        check_spectrum(mu, l, true)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let a = random_symmetric(&linspace(mu, l, d), &mut rng);
        let b = random_symmetric(&linspace(0.0, 1.0, d), &mut rng);
        let c = random_symmetric(&linspace(mu, l, d), &mut rng);
        let offsets = normal_matrix(n, 2 * d, 1.0, &mut rng);
        let blocks = GameBlocks {
            dx: d,
            dy: d,
            a: Some(a),
            b: Some(b),
            c: Some(c),
        };
        QuadraticGame::new(GameMatrices::Shared(blocks), offsets)
    }

    /// The 2023 strongly monotone generator: one random eigenbasis per matrix family (Q_A, Q_B, Q_C), and for
    /// each component i the diagonal spectra of Aᵢ, Bᵢ, Cᵢ have their first two entries equal to μ and L and the
    /// other d − 2 drawn uniformly in [μ, L] (independently per component and family). Offsets ~ N(0, I).
    /// So the noise comes from the matrices and the offsets, μ(F) = μ and ‖Ā‖ = ‖C̄‖ = L exactly.
    ///
    /// Requires d ≥ 2.
    pub fn random_per_component(d: usize, n: usize, mu: f64, l: f64, seed: u64) -> Result<Self> {
        check_spectrum(mu, l, true)?;
        check_at_least_two(d)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let (qa, qb, qc) = (
            random_orthogonal(d, &mut rng),
            random_orthogonal(d, &mut rng),
            random_orthogonal(d, &mut rng),
        );
        let list = (0..n)
            .map(|_| {
                let a = conjugate(&qa, &spectrum_with_ends(d, mu, l, &mut rng));
                let b = conjugate(&qb, &spectrum_with_ends(d, mu, l, &mut rng));
                let c = conjugate(&qc, &spectrum_with_ends(d, mu, l, &mut rng));
                GameBlocks {
                    dx: d,
                    dy: d,
                    a: Some(a),
                    b: Some(b),
                    c: Some(c),
                }
            })
            .collect();
        let offsets = normal_matrix(n, 2 * d, 1.0, &mut rng);
        QuadraticGame::new(GameMatrices::PerComponent(list), offsets)
    }

    /// The paper's bilinear generator: fᵢ(x, y) = xᵀB y + aᵢᵀx + cᵢᵀy with B = Q diag(linspace(μ, L, d)) Qᵀ in
    /// every component and offsets with independent N(0, `offset_std`²) entries (the paper takes std 1/n).
    /// σ_min(M̄) = μ and σ_max(M̄) = L (with d = 1, B = μ).
    ///
    /// In this type's convention the y-offset is −cᵢ, which has the same distribution as cᵢ; it is drawn as such.
    pub fn random_bilinear(d: usize, n: usize, mu: f64, l: f64, offset_std: f64, seed: u64) -> Result<Self> {
        check_spectrum(mu, l, false)?;
        check_nonnegative("offset_std", offset_std)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let b = random_symmetric(&linspace(mu, l, d), &mut rng);
        let offsets = normal_matrix(n, 2 * d, offset_std, &mut rng);
        QuadraticGame::new(GameMatrices::Shared(bilinear_blocks(b)), offsets)
    }

    /// The 2023 bilinear generator: Bᵢ = Q diag(βᵢ) Qᵀ with one shared random Q and per-component spectra βᵢ
    /// whose first two entries are μ and L and the other d − 2 uniform in [μ, L]; offsets ~ N(0, `offset_std`²).
    /// σ_min(M̄) = μ and σ_max(M̄) = L exactly. Requires d ≥ 2.
    pub fn random_bilinear_per_component(
        d: usize,
        n: usize,
        mu: f64,
        l: f64,
        offset_std: f64,
        seed: u64,
    ) -> Result<Self> {
        check_spectrum(mu, l, false)?;
        check_at_least_two(d)?;
        check_nonnegative("offset_std", offset_std)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let q = random_orthogonal(d, &mut rng);
        let list = (0..n)
            .map(|_| bilinear_blocks(conjugate(&q, &spectrum_with_ends(d, mu, l, &mut rng))))
            .collect();
        let offsets = normal_matrix(n, 2 * d, offset_std, &mut rng);
        QuadraticGame::new(GameMatrices::PerComponent(list), offsets)
    }

    /// A monotone but not strongly monotone game with a unique, known solution (our design; the paper's
    /// convex–concave generator uses B = 0, which makes M̄ singular).
    ///
    /// A = C = Q diag(linspace(0, L, d)) Qᵀ (positive semi-definite with a zero eigenvalue, each its own Q),
    /// B = Q_B diag(linspace(b_lo, b_hi, d)) Q_Bᵀ with 0 < b_lo ≤ b_hi, the same in every component; offsets
    /// ~ N(0, I). Then μ = λ_min(diag(A, C)) = 0, but M̄ is nonsingular: M̄z = 0 gives
    /// zᵀM̄z = xᵀAx + yᵀCy = 0, so Ax = Cy = 0, and then By = Bᵀx = 0 forces z = 0. Requires d ≥ 1.
    pub fn random_monotone(d: usize, n: usize, l: f64, b_lo: f64, b_hi: f64, seed: u64) -> Result<Self> {
        check_positive("L", l)?;
        check_spectrum(b_lo, b_hi, false)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let a = random_symmetric(&linspace(0.0, l, d), &mut rng);
        let b = random_symmetric(&linspace(b_lo, b_hi, d), &mut rng);
        let c = random_symmetric(&linspace(0.0, l, d), &mut rng);
        let offsets = normal_matrix(n, 2 * d, 1.0, &mut rng);
        let blocks = GameBlocks {
            dx: d,
            dy: d,
            a: Some(a),
            b: Some(b),
            c: Some(c),
        };
        QuadraticGame::new(GameMatrices::Shared(blocks), offsets)
    }

    /// A bilinear game whose mean operator is **singular**: fᵢ(x, y) = xᵀB y + aᵢᵀx + cᵢᵀy with
    /// B = Q diag(linspace(0, L, d)) Qᵀ (one zero singular value, the others evenly spread up to L) in every
    /// component, so σ_min(M̄) = 0 and μ = 0: monotone, neither strongly monotone nor with a unique solution.
    ///
    /// The solution set is z* + ker M̄ with z* = (x*, y*) drawn N(0, I) and then projected onto (ker M̄)^⊥ (the
    /// minimum-norm solution, which [`Operator::solution`] reports); the offsets are qᵢ = ξᵢ − ξ̄ + q̄ with
    /// q̄ = −M̄z* and ξᵢ of independent N(0, `offset_std`²) entries. Distances to z* are therefore not a measure
    /// of accuracy here (the component of z along ker M̄ is free); use the residual ‖F(z)‖. Requires d ≥ 2.
    pub fn random_bilinear_singular(d: usize, n: usize, l: f64, offset_std: f64, seed: u64) -> Result<Self> {
        check_positive("L", l)?;
        check_at_least_two(d)?;
        check_nonnegative("offset_std", offset_std)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let q = random_orthogonal(d, &mut rng);
        let spectrum = linspace(0.0, l, d);
        let b = conjugate(&q, &spectrum);
        // ker B = ker Bᵀ = span of the eigenvector with eigenvalue 0 (row 0 of Q).
        let null = q.row(0).to_owned();
        let mut draw_in_range = || {
            let mut v: Array1<f64> = (0..d).map(|_| standard_normal(&mut rng)).collect();
            let c = v.dot(&null);
            v.scaled_add(-c, &null);
            v
        };
        let (x, y) = (draw_in_range(), draw_in_range());
        let mut noise = normal_matrix(n, 2 * d, offset_std, &mut rng);
        let noise_mean = noise.mean_axis(ndarray::Axis(0)).expect("n >= 1");
        // q̄ = −M̄z* = (−B y*, Bᵀ x*).
        let mut q_bar = Array1::zeros(2 * d);
        q_bar.slice_mut(ndarray::s![..d]).assign(&b.dot(&y).mapv(|v| -v));
        q_bar.slice_mut(ndarray::s![d..]).assign(&b.t().dot(&x));
        for mut row in noise.rows_mut() {
            row -= &noise_mean;
            row += &q_bar;
        }
        let mut z = Array1::zeros(2 * d);
        z.slice_mut(ndarray::s![..d]).assign(&x);
        z.slice_mut(ndarray::s![d..]).assign(&y);
        QuadraticGame::with_solution(GameMatrices::Shared(bilinear_blocks(b)), noise, z)
    }

    /// The linear WGAN toy: a generator θ + zᵢ learns the mean of data xᵢ against a linear critic w,
    /// min_θ max_w (1/n) Σᵢ ⟨w, xᵢ⟩ − ⟨w, zᵢ + θ⟩, so Fᵢ(θ, w) = (−w, θ − (xᵢ − zᵢ)) and z = (θ, w).
    ///
    /// xᵢ ~ N(`data_mean`, `data_var`·I) and zᵢ ~ N(0, `noise_var`·I), n samples. The exact solution is the
    /// empirical one, θ* = (1/n) Σ (xᵢ − zᵢ) and w* = 0 (not the nominal `data_mean`). M = [[0, −I], [I, 0]], so
    /// L = L_max = σ_min(M̄) = 1 and μ = 0.
    pub fn wgan_toy(n: usize, data_mean: &[f64], data_var: f64, noise_var: f64, seed: u64) -> Result<Self> {
        let p = data_mean.len();
        if p == 0 {
            return Err(OracleError::Empty {
                what: "WGAN data mean (dimension 0)",
            });
        }
        check_finite("WGAN data mean", data_mean.iter())?;
        check_nonnegative("data_var", data_var)?;
        check_nonnegative("noise_var", noise_var)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let (sx, sz) = (data_var.sqrt(), noise_var.sqrt());
        let mut offsets = Array2::zeros((n, 2 * p));
        for mut row in offsets.rows_mut() {
            for k in 0..p {
                let x = data_mean[k] + sx * standard_normal(&mut rng);
                let z = sz * standard_normal(&mut rng);
                row[p + k] = z - x;
            }
        }
        let b = Array2::from_diag(&Array1::from_elem(p, -1.0));
        QuadraticGame::new(GameMatrices::Shared(bilinear_blocks(b)), offsets)
    }

    /// (d_x, d_y).
    pub fn player_dims(&self) -> (usize, usize) {
        (self.mean.dx, self.mean.dy)
    }

    /// The exact solution z* (F(z*) = 0).
    pub fn solution_view(&self) -> ArrayView1<'_, f64> {
        self.solution.view()
    }

    /// The constants of the game.
    pub fn constants(&self) -> &GameConstants {
        &self.constants
    }

    /// σ_min(M̄).
    pub fn min_singular_value(&self) -> f64 {
        self.constants.min_singular_value
    }

    /// A = (2/n) Σ Lᵢ².
    pub fn growth_constant(&self) -> f64 {
        self.constants.growth
    }

    /// σ*² = (1/n) Σ ‖Fᵢ(z*)‖².
    pub fn noise_at_solution(&self) -> f64 {
        self.constants.noise_at_solution
    }

    /// The component matrices.
    pub fn matrices(&self) -> &GameMatrices {
        &self.matrices
    }

    /// The mean matrix M̄ as dense D × D.
    pub fn mean_matrix(&self) -> Array2<f64> {
        self.mean.to_dense()
    }

    /// The offsets, n × D (row i = qᵢ).
    pub fn offsets(&self) -> &Array2<f64> {
        &self.offsets
    }

    /// The mean offset q̄.
    pub fn mean_offset(&self) -> ArrayView1<'_, f64> {
        self.mean_offset.view()
    }

    /// (1/n) Σ ‖Fᵢ(z)‖².
    pub fn noise_at(&self, z: ArrayView1<f64>) -> f64 {
        let mut out = Array1::zeros(self.dim());
        let n = self.len();
        (0..n)
            .map(|i| {
                self.apply_component(i, z, out.view_mut());
                out.dot(&out)
            })
            .sum::<f64>()
            / n as f64
    }

    fn blocks(&self, i: usize) -> &GameBlocks {
        match &self.matrices {
            GameMatrices::Shared(b) => b,
            GameMatrices::PerComponent(list) => &list[i],
        }
    }
}

/// Applies blocks with offset q at z into out, through contiguous slices when the views have them.
fn apply_affine(blocks: &GameBlocks, q: ArrayView1<f64>, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    let q = q.as_slice().expect("offsets are row-major");
    match (z.as_slice(), out.as_slice_mut()) {
        (Some(zs), Some(os)) => blocks.apply(q, zs, os),
        _ => {
            let zc = z.to_vec();
            let mut oc = vec![0.0; out.len()];
            blocks.apply(q, &zc, &mut oc);
            Zip::from(&mut out).and(&oc[..]).for_each(|o, &v| *o = v);
        }
    }
}

impl Operator for QuadraticGame {
    fn dim(&self) -> usize {
        self.mean.dx + self.mean.dy
    }

    /// F(z) = M̄ z + q̄ (O(D²), independent of n).
    fn apply(&self, z: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        apply_affine(&self.mean, self.mean_offset.view(), z, out);
    }

    fn lipschitz(&self) -> f64 {
        self.constants.lipschitz
    }

    fn strong_monotonicity(&self) -> f64 {
        self.constants.strong_monotonicity
    }

    fn solution(&self) -> Option<Array1<f64>> {
        Some(self.solution.clone())
    }

    fn min_singular_value(&self) -> Option<f64> {
        Some(self.constants.min_singular_value)
    }
}

impl FiniteSumOperator for QuadraticGame {
    fn len(&self) -> usize {
        self.offsets.nrows()
    }

    /// Fᵢ(z) = Mᵢ z + qᵢ. Panics if i ≥ n (an index bug in the caller, like slice indexing).
    fn apply_component(&self, i: usize, z: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        apply_affine(self.blocks(i), self.offsets.row(i), z, out);
    }

    fn component_lipschitz(&self, i: usize) -> f64 {
        self.constants.component_lipschitz[i]
    }

    fn max_component_lipschitz(&self) -> f64 {
        self.constants.max_component_lipschitz
    }
}

/// A finite-sum matrix game min_{x ∈ Δ_m} max_{y ∈ Δ_k} xᵀĀy with Ā = (1/n) Σᵢ Aᵢ, on probability simplices:
/// the constrained variational inequality of Fᵢ(x, y) = (Aᵢ y, −Aᵢᵀ x) over Δ_m × Δ_k (solve it with a
/// projection onto [`MatrixGame::feasible_set`]).
///
/// Its accuracy measure is the duality gap, computable exactly because a linear function attains its extremes
/// over a simplex at a vertex: gap(x, y) = max_j (Āᵀx)_j − min_i (Āy)_i ≥ 0, zero exactly at a Nash equilibrium.
/// There is no known solution point ([`Operator::solution`] is `None`).
///
/// ```
/// use gradus_oracle::{ConvexSet, MatrixGame};
/// use ndarray::Array1;
///
/// // Matching pennies: the equilibrium is (1/2, 1/2) for both players, with gap 0.
/// let a = ndarray::array![[1.0, -1.0], [-1.0, 1.0]];
/// let game = MatrixGame::new(vec![a]).unwrap();
/// let z = Array1::from_elem(4, 0.5);
/// assert!(game.duality_gap(z.view()).abs() < 1e-15);
/// assert_eq!(game.feasible_set().dim(), 4);
/// ```
#[derive(Debug, Clone)]
pub struct MatrixGame {
    game: QuadraticGame,
    x_set: crate::operator::Simplex,
    y_set: crate::operator::Simplex,
}

impl MatrixGame {
    /// The game of the payoff matrices Aᵢ (each m × k, at least one). Errors: no matrices, differing shapes,
    /// an empty dimension, non-finite entries.
    pub fn new(payoffs: Vec<Array2<f64>>) -> Result<Self> {
        if payoffs.is_empty() {
            return Err(OracleError::Empty {
                what: "matrix game (no payoff matrices)",
            });
        }
        let (m, k) = payoffs[0].dim();
        let n = payoffs.len();
        let list = payoffs.into_iter().map(bilinear_blocks).collect();
        let game = QuadraticGame::with_solution(
            GameMatrices::PerComponent(list),
            Array2::zeros((n, m + k)),
            Array1::zeros(m + k),
        )?;
        Ok(MatrixGame {
            game,
            x_set: crate::operator::Simplex::new(m)?,
            y_set: crate::operator::Simplex::new(k)?,
        })
    }

    /// A random game: Ā with independent U[−1, 1] entries and Aᵢ = Ā + Eᵢ − Ē with Eᵢ of independent
    /// N(0, `noise_std`²) entries (so the mean payoff is exactly Ā).
    pub fn random(m: usize, k: usize, n: usize, noise_std: f64, seed: u64) -> Result<Self> {
        check_nonnegative("noise_std", noise_std)?;
        if n == 0 {
            return Err(OracleError::Empty {
                what: "matrix game (no payoff matrices)",
            });
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mean = Array2::from_shape_simple_fn((m, k), || 2.0 * rng.random::<f64>() - 1.0);
        let noise: Vec<Array2<f64>> = (0..n).map(|_| normal_matrix(m, k, noise_std, &mut rng)).collect();
        let mut noise_mean = Array2::zeros((m, k));
        for e in &noise {
            noise_mean += e;
        }
        noise_mean /= n as f64;
        MatrixGame::new(noise.into_iter().map(|e| &mean + &e - &noise_mean).collect())
    }

    /// (m, k): the numbers of pure strategies of x and y.
    pub fn player_dims(&self) -> (usize, usize) {
        self.game.player_dims()
    }

    /// Ā = (1/n) Σ Aᵢ.
    pub fn mean_payoff(&self) -> Array2<f64> {
        let (m, _) = self.player_dims();
        self.game.mean_matrix().slice(ndarray::s![..m, m..]).to_owned()
    }

    /// gap(x, y) = max_j (Āᵀx)_j − min_i (Āy)_i for z = (x, y) (exact; O(mk)). Meaningful for z in Δ_m × Δ_k.
    pub fn duality_gap(&self, z: ArrayView1<f64>) -> f64 {
        let (m, _) = self.player_dims();
        let mut f = Array1::zeros(self.dim());
        self.game.apply(z, f.view_mut());
        // F(x, y) = (Āy, −Āᵀx).
        let best_response_y = f
            .slice(ndarray::s![m..])
            .iter()
            .fold(f64::NEG_INFINITY, |a, &v| a.max(-v));
        let best_response_x = f.slice(ndarray::s![..m]).iter().fold(f64::INFINITY, |a, &v| a.min(v));
        best_response_y - best_response_x
    }

    /// Δ_m × Δ_k, the feasible set.
    pub fn feasible_set(&self) -> crate::operator::ProductSet<'_> {
        crate::operator::ProductSet::new(vec![&self.x_set, &self.y_set]).expect("two blocks")
    }

    /// The underlying affine game (for its constants: L = σ_max(Ā), Lᵢ, …).
    pub fn as_game(&self) -> &QuadraticGame {
        &self.game
    }
}

impl Operator for MatrixGame {
    fn dim(&self) -> usize {
        self.game.dim()
    }

    fn apply(&self, z: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.game.apply(z, out);
    }

    fn lipschitz(&self) -> f64 {
        self.game.lipschitz()
    }

    fn min_singular_value(&self) -> Option<f64> {
        Operator::min_singular_value(&self.game)
    }
}

impl FiniteSumOperator for MatrixGame {
    fn len(&self) -> usize {
        self.game.len()
    }

    fn apply_component(&self, i: usize, z: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.game.apply_component(i, z, out);
    }

    fn component_lipschitz(&self, i: usize) -> f64 {
        self.game.component_lipschitz(i)
    }

    fn max_component_lipschitz(&self) -> f64 {
        self.game.max_component_lipschitz()
    }
}

/// A = (2/n) Σ Lᵢ².
fn growth_constant(component_lipschitz: &[f64]) -> f64 {
    2.0 * component_lipschitz.iter().map(|l| l * l).sum::<f64>() / component_lipschitz.len().max(1) as f64
}

/// The blocks of a bilinear component (A = C = 0).
fn bilinear_blocks(b: Array2<f64>) -> GameBlocks {
    GameBlocks {
        dx: b.nrows(),
        dy: b.ncols(),
        a: None,
        b: Some(b),
        c: None,
    }
}

/// The entrywise mean of per-component blocks (a block is zero in the mean only if it is zero in every component).
fn mean_blocks(list: &[GameBlocks]) -> GameBlocks {
    let n = list.len() as f64;
    let mean_of = |pick: fn(&GameBlocks) -> &Option<Array2<f64>>, rows: usize, cols: usize| {
        if list.iter().all(|b| pick(b).is_none()) {
            return None;
        }
        let mut m = Array2::zeros((rows, cols));
        for b in list {
            if let Some(x) = pick(b) {
                m += x;
            }
        }
        Some(m / n)
    };
    let (dx, dy) = (list[0].dx, list[0].dy);
    GameBlocks {
        dx,
        dy,
        a: mean_of(|b| &b.a, dx, dx),
        b: mean_of(|b| &b.b, dx, dy),
        c: mean_of(|b| &b.c, dy, dy),
    }
}

/// μ = λ_min((M + Mᵀ)/2) = min(λ_min(A), λ_min(C)) (a missing block counts as 0).
fn symmetric_part_min_eigenvalue(blocks: &GameBlocks) -> f64 {
    let lmin = |m: &Option<Array2<f64>>| match m {
        Some(m) => symmetric_eigenvalues(m.clone())
            .into_iter()
            .fold(f64::INFINITY, f64::min),
        None => 0.0,
    };
    lmin(&blocks.a).min(lmin(&blocks.c))
}

/// ‖M‖₂ of a component: ‖B‖₂ for bilinear blocks, else σ_max of the dense M.
fn spectral_norm(blocks: &GameBlocks) -> f64 {
    match (&blocks.a, &blocks.b, &blocks.c) {
        (None, Some(b), None) => singular_value_range(b).1,
        _ => singular_value_range(&blocks.to_dense()).1,
    }
}

/// (σ_min, σ_max) of a square or tall matrix, from the eigenvalues of MᵀM.
fn singular_value_range(m: &Array2<f64>) -> (f64, f64) {
    let gram = m.t().dot(m);
    let eig = symmetric_eigenvalues(gram);
    let lo = eig.iter().copied().fold(f64::INFINITY, f64::min).max(0.0);
    let hi = eig.iter().copied().fold(0.0, f64::max);
    (lo.sqrt(), hi.sqrt())
}

fn singular_error(sigma_min: f64) -> OracleError {
    OracleError::InvalidParameter {
        name: "game matrices",
        value: format!("sigma_min(M) = {sigma_min:e}"),
        reason: "the mean operator is singular, so the game has no unique solution",
    }
}

/// z* = −M̄⁻¹ q̄ by LU with partial pivoting and one step of iterative refinement.
fn solve_game(m_bar: &Array2<f64>, q_bar: &Array1<f64>) -> Result<Array1<f64>> {
    let lu = Lu::factor(m_bar.clone()).ok_or_else(|| singular_error(0.0))?;
    let mut z = lu.solve(&q_bar.mapv(|v| -v));
    // Refinement: r = M̄z + q̄, z ← z − M̄⁻¹r.
    let r = m_bar.dot(&z) + q_bar;
    z -= &lu.solve(&r);
    Ok(z)
}

/// An LU factorization P M = L U with partial pivoting (L unit lower, stored below U's diagonal).
struct Lu {
    lu: Array2<f64>,
    pivots: Vec<usize>,
}

impl Lu {
    /// Factors a square matrix; `None` if a pivot is zero or below D·ε·max|M| (numerically singular).
    fn factor(mut a: Array2<f64>) -> Option<Lu> {
        let d = a.nrows();
        let tol = d as f64 * f64::EPSILON * a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut pivots = Vec::with_capacity(d);
        for k in 0..d {
            let p = (k..d).max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))?;
            let magnitude = a[[p, k]].abs();
            if magnitude.is_nan() || magnitude <= tol {
                return None;
            }
            if p != k {
                for j in 0..d {
                    a.swap([p, j], [k, j]);
                }
            }
            pivots.push(p);
            let pivot = a[[k, k]];
            for i in k + 1..d {
                let f = a[[i, k]] / pivot;
                a[[i, k]] = f;
                for j in k + 1..d {
                    a[[i, j]] -= f * a[[k, j]];
                }
            }
        }
        Some(Lu { lu: a, pivots })
    }

    /// Solves M x = b.
    fn solve(&self, b: &Array1<f64>) -> Array1<f64> {
        let d = self.lu.nrows();
        let mut x = b.clone();
        for (k, &p) in self.pivots.iter().enumerate() {
            x.swap(k, p);
        }
        for i in 0..d {
            let s: f64 = (0..i).map(|j| self.lu[[i, j]] * x[j]).sum();
            x[i] -= s;
        }
        for i in (0..d).rev() {
            let s: f64 = (i + 1..d).map(|j| self.lu[[i, j]] * x[j]).sum();
            x[i] = (x[i] - s) / self.lu[[i, i]];
        }
        x
    }
}

/// The eigenvalues of a symmetric matrix (unsorted), by the cyclic Jacobi method: rotations zero the off-diagonal
/// entries one at a time until their norm is below ε times the matrix's Frobenius norm. Accurate to a few ε·‖M‖.
fn symmetric_eigenvalues(mut a: Array2<f64>) -> Vec<f64> {
    let d = a.nrows();
    let frobenius_sq: f64 = a.iter().map(|v| v * v).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (i + 1..d).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]].powi(2))
            .sum();
        if off <= (f64::EPSILON * f64::EPSILON) * frobenius_sq || off == 0.0 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[[p, p]], a[[q, q]]);
                let (c, s, t) = jacobi_rotation(app, aqq, apq);
                for k in 0..d {
                    if k != p && k != q {
                        let (akp, akq) = (a[[k, p]], a[[k, q]]);
                        let (nkp, nkq) = (c * akp - s * akq, s * akp + c * akq);
                        a[[k, p]] = nkp;
                        a[[p, k]] = nkp;
                        a[[k, q]] = nkq;
                        a[[q, k]] = nkq;
                    }
                }
                a[[p, p]] = app - t * apq;
                a[[q, q]] = aqq + t * apq;
                a[[p, q]] = 0.0;
                a[[q, p]] = 0.0;
            }
        }
    }
    (0..d).map(|i| a[[i, i]]).collect()
}

/// The Jacobi rotation (cos, sin, tan) that zeroes the (p, q) entry: θ = (a_qq − a_pp)/(2 a_pq),
/// t = sign(θ)/(|θ| + √(θ² + 1)), c = 1/√(t² + 1), s = t c.
fn jacobi_rotation(app: f64, aqq: f64, apq: f64) -> (f64, f64, f64) {
    let theta = (aqq - app) / (2.0 * apq);
    let t = if theta.abs() > 1e150 {
        0.5 / theta
    } else {
        theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
    };
    let c = 1.0 / (t * t + 1.0).sqrt();
    (c, t * c, t)
}

/// d equally spaced values from lo to hi inclusive; `[lo]` when d = 1 (as NumPy's `linspace`).
fn linspace(lo: f64, hi: f64, d: usize) -> Vec<f64> {
    match d {
        0 => Vec::new(),
        1 => vec![lo],
        _ => (0..d).map(|k| lo + (hi - lo) * k as f64 / (d - 1) as f64).collect(),
    }
}

/// A spectrum of length d ≥ 2: μ, L, then d − 2 values uniform in [μ, L].
fn spectrum_with_ends<R: Rng + ?Sized>(d: usize, mu: f64, l: f64, rng: &mut R) -> Vec<f64> {
    let mut s = vec![mu, l];
    s.extend((2..d).map(|_| mu + (l - mu) * rng.random::<f64>()));
    s
}

fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// An n × m matrix of independent N(0, std²) entries, drawn row by row.
fn normal_matrix<R: Rng + ?Sized>(n: usize, m: usize, std: f64, rng: &mut R) -> Array2<f64> {
    Array2::from_shape_simple_fn((n, m), || std * standard_normal(rng))
}

/// A random d × d orthogonal matrix: Gram–Schmidt (twice, for orthogonality to machine precision) on rows of
/// independent standard normal entries, redrawing a row in the (probability-zero) event that it is dependent.
fn random_orthogonal<R: Rng + ?Sized>(d: usize, rng: &mut R) -> Array2<f64> {
    let mut q = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        loop {
            let mut row: Array1<f64> = (0..d).map(|_| standard_normal(rng)).collect();
            for _ in 0..2 {
                for k in 0..i {
                    let prev = q.row(k);
                    let c = prev.dot(&row);
                    row.scaled_add(-c, &prev);
                }
            }
            let norm = row.dot(&row).sqrt();
            if norm > 1e-8 {
                q.row_mut(i).assign(&(row / norm));
                break;
            }
        }
    }
    q
}

/// Q diag(λ) Qᵀ for the rows of Q as eigenvectors: Σₖ λₖ qₖ qₖᵀ with qₖ the k-th row; exactly symmetric.
fn conjugate(q: &Array2<f64>, eigenvalues: &[f64]) -> Array2<f64> {
    let d = eigenvalues.len();
    let mut scaled = q.clone();
    for (mut row, &l) in scaled.rows_mut().into_iter().zip(eigenvalues) {
        row *= l;
    }
    let m = q.t().dot(&scaled);
    // Symmetrize exactly (the product is symmetric up to round-off).
    let mut s = Array2::zeros((d, d));
    for i in 0..d {
        for j in 0..d {
            s[[i, j]] = 0.5 * (m[[i, j]] + m[[j, i]]);
        }
    }
    s
}

/// Q diag(λ) Qᵀ with a fresh random orthogonal Q (the paper's `make_sym`).
fn random_symmetric<R: Rng + ?Sized>(eigenvalues: &[f64], rng: &mut R) -> Array2<f64> {
    let q = random_orthogonal(eigenvalues.len(), rng);
    conjugate(&q, eigenvalues)
}

/// Checks 0 ≤ lo ≤ hi (lo > 0 when `strict`), both finite.
fn check_spectrum(lo: f64, hi: f64, strict: bool) -> Result<()> {
    if strict || lo != 0.0 {
        check_positive("mu", lo)?;
    } else {
        check_nonnegative("mu", lo)?;
    }
    check_positive("L", hi)?;
    if lo > hi {
        return Err(OracleError::InvalidParameter {
            name: "L",
            value: format!("{hi} (mu = {lo})"),
            reason: "must be >= mu",
        });
    }
    Ok(())
}

fn check_at_least_two(d: usize) -> Result<()> {
    if d >= 2 {
        Ok(())
    } else {
        Err(OracleError::InvalidParameter {
            name: "d",
            value: d.to_string(),
            reason: "must be >= 2 (the spectrum holds mu and L exactly)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn residual(game: &QuadraticGame) -> f64 {
        let mut f = Array1::zeros(game.dim());
        game.apply(game.solution_view(), f.view_mut());
        f.dot(&f).sqrt()
    }

    fn every_generator() -> Vec<(&'static str, QuadraticGame)> {
        vec![
            (
                "identical",
                QuadraticGame::random_identical(6, 30, 1.0, 10.0, 1).unwrap(),
            ),
            (
                "identical d=1",
                QuadraticGame::random_identical(1, 100, 1.0, 10.0, 2).unwrap(),
            ),
            (
                "per-component",
                QuadraticGame::random_per_component(6, 8, 1.0, 2.0, 3).unwrap(),
            ),
            (
                "bilinear",
                QuadraticGame::random_bilinear(6, 10, 1.0, 5.0, 0.1, 4).unwrap(),
            ),
            (
                "bilinear d=1",
                QuadraticGame::random_bilinear(1, 100, 0.1, 10.0, 0.01, 5).unwrap(),
            ),
            (
                "bilinear per-component",
                QuadraticGame::random_bilinear_per_component(6, 5, 1.0, 2.0, 0.2, 6).unwrap(),
            ),
            (
                "monotone",
                QuadraticGame::random_monotone(6, 20, 1.0, 0.5, 1.0, 7).unwrap(),
            ),
            ("wgan", QuadraticGame::wgan_toy(100, &[3.0, 4.0], 0.1, 0.1, 8).unwrap()),
        ]
    }

    #[test]
    fn singular_bilinear_and_matrix_games() {
        let g = QuadraticGame::random_bilinear_singular(6, 20, 2.0, 0.5, 9).unwrap();
        assert!(residual(&g) <= 1e-12, "{}", residual(&g));
        assert!(g.min_singular_value() < 1e-7, "{}", g.min_singular_value());
        assert!((g.lipschitz() - 2.0).abs() < 1e-9);
        assert_eq!(g.strong_monotonicity(), 0.0);
        assert_eq!(Operator::min_singular_value(&g), Some(g.min_singular_value()));
        // The solution set is z* + ker M̄: moving along the kernel keeps F = 0.
        let m = g.mean_matrix();
        let (lo, _) = singular_value_range(&m);
        assert!(lo < 1e-7);
        assert!(QuadraticGame::random_bilinear_singular(1, 5, 1.0, 0.1, 1).is_err());
        // A wrong solution is refused.
        let blocks = bilinear_blocks(ndarray::array![[1.0, 0.0], [0.0, 0.0]]);
        let e = QuadraticGame::with_solution(
            GameMatrices::Shared(blocks),
            Array2::from_elem((2, 4), 1.0),
            Array1::zeros(4),
        );
        assert!(e.unwrap_err().to_string().contains("does not solve"));

        let mg = MatrixGame::random(4, 3, 5, 0.3, 2).unwrap();
        assert_eq!(mg.player_dims(), (4, 3));
        assert_eq!(mg.dim(), 7);
        let mut z = Array1::from_elem(7, 0.0);
        z[0] = 1.0;
        z[4] = 1.0;
        // At pure strategies (e₀, e₀): gap = max_j Ā[0, j] − min_i Ā[i, 0].
        let a = mg.mean_payoff();
        let expected =
            a.row(0).fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - a.column(0).fold(f64::INFINITY, |m, &v| m.min(v));
        assert!((mg.duality_gap(z.view()) - expected).abs() < 1e-14);
        assert!(mg.duality_gap(z.view()) >= 0.0);
        // The component mean is Ā.
        let mut f = Array1::zeros(7);
        let mut mean = Array1::zeros(7);
        for i in 0..5 {
            mg.apply_component(i, z.view(), f.view_mut());
            mean += &(&f / 5.0);
        }
        mg.apply(z.view(), f.view_mut());
        assert!((&mean - &f).iter().all(|v| v.abs() < 1e-14));
        assert!(mg.solution().is_none());
        assert!(MatrixGame::new(vec![]).is_err());
    }

    #[test]
    fn solutions_have_residual_below_1e_12() {
        for (name, g) in every_generator() {
            let r = residual(&g);
            assert!(r <= 1e-12, "{name}: residual {r:e}");
        }
    }

    #[test]
    fn constants_match_the_construction() {
        let g = QuadraticGame::random_identical(6, 30, 1.0, 10.0, 1).unwrap();
        assert!((g.strong_monotonicity() - 1.0).abs() < 1e-12);
        // Shared matrices: every Lᵢ equals L = ‖M̄‖ and A = 2 L².
        let c = g.constants();
        assert!((c.max_component_lipschitz - c.lipschitz).abs() < 1e-12 * c.lipschitz);
        assert!((c.growth - 2.0 * c.lipschitz.powi(2)).abs() < 1e-10 * c.growth);
        // ‖M‖ ≥ ‖A‖ = 10 (the x–x block is a compression of M).
        assert!(c.lipschitz >= 10.0 - 1e-9);

        let b = QuadraticGame::random_bilinear(6, 10, 1.0, 5.0, 0.1, 4).unwrap();
        assert!((b.min_singular_value() - 1.0).abs() < 1e-12);
        assert!((b.lipschitz() - 5.0).abs() < 1e-12);
        assert_eq!(b.strong_monotonicity(), 0.0);

        let p = QuadraticGame::random_bilinear_per_component(6, 5, 1.0, 2.0, 0.2, 6).unwrap();
        assert!((p.min_singular_value() - 1.0).abs() < 1e-12);
        assert!((p.lipschitz() - 2.0).abs() < 1e-12);
        for i in 0..5 {
            assert!((p.component_lipschitz(i) - 2.0).abs() < 1e-12);
        }

        let sc = QuadraticGame::random_per_component(6, 8, 1.0, 2.0, 3).unwrap();
        assert!((sc.strong_monotonicity() - 1.0).abs() < 1e-12);

        let m = QuadraticGame::random_monotone(6, 20, 1.0, 0.5, 1.0, 7).unwrap();
        assert!(m.strong_monotonicity() < 1e-12);
        assert!(m.min_singular_value() > 1e-3);

        let w = QuadraticGame::wgan_toy(100, &[3.0, 4.0], 0.1, 0.1, 8).unwrap();
        assert!((w.lipschitz() - 1.0).abs() < 1e-12 && (w.min_singular_value() - 1.0).abs() < 1e-12);
        let z = w.solution_view();
        let theta = w.offsets().column(2).mean().unwrap();
        assert!((z[0] + theta).abs() < 1e-12 && z[2].abs() < 1e-12 && z[3].abs() < 1e-12);
        assert!((z[0] - 3.0).abs() < 0.2 && (z[1] - 4.0).abs() < 0.2);
    }

    #[test]
    fn sigma_star_and_growth_by_definition() {
        let g = QuadraticGame::random_per_component(4, 6, 1.0, 3.0, 11).unwrap();
        let z = g.solution_view();
        let mut out = Array1::zeros(g.dim());
        let mut s = 0.0;
        let mut a = 0.0;
        for i in 0..g.len() {
            g.apply_component(i, z, out.view_mut());
            s += out.dot(&out);
            a += g.component_lipschitz(i).powi(2);
        }
        assert!((g.noise_at_solution() - s / 6.0).abs() < 1e-12 * s);
        assert!((g.growth_constant() - 2.0 * a / 6.0).abs() < 1e-12 * a);
        // Lᵢ is ‖Mᵢ‖₂: ‖Mᵢ v‖ ≤ Lᵢ‖v‖ for random v, and Lᵢ ≥ the largest entry's magnitude.
        let mut rng = StdRng::seed_from_u64(3);
        for i in 0..g.len() {
            let mi = match g.matrices() {
                GameMatrices::PerComponent(list) => list[i].to_dense(),
                GameMatrices::Shared(b) => b.to_dense(),
            };
            for _ in 0..20 {
                let v: Array1<f64> = (0..8).map(|_| standard_normal(&mut rng)).collect();
                let mv = mi.dot(&v);
                assert!(mv.dot(&mv).sqrt() <= g.component_lipschitz(i) * v.dot(&v).sqrt() * (1.0 + 1e-12));
            }
        }
    }

    #[test]
    fn jacobi_and_lu_on_known_matrices() {
        let q = random_orthogonal(12, &mut StdRng::seed_from_u64(5));
        let eig: Vec<f64> = (0..12).map(|k| (k as f64 - 3.0) * 0.7).collect();
        let mut got = symmetric_eigenvalues(conjugate(&q, &eig));
        got.sort_by(f64::total_cmp);
        for (g, e) in got.iter().zip(&eig) {
            assert!((g - e).abs() < 1e-13, "{g} vs {e}");
        }
        let qqt = q.dot(&q.t());
        for ((i, j), v) in qqt.indexed_iter() {
            assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
        }
        let m = ndarray::array![[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]];
        let x = Lu::factor(m.clone()).unwrap().solve(&ndarray::array![1.0, 2.0, 3.0]);
        let r = m.dot(&x) - ndarray::array![1.0, 2.0, 3.0];
        assert!(r.dot(&r).sqrt() < 1e-14);
        assert!(Lu::factor(ndarray::array![[1.0, 2.0], [2.0, 4.0]]).is_none());
        assert_eq!(linspace(1.0, 3.0, 1), vec![1.0]);
        assert_eq!(linspace(1.0, 3.0, 3), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn generators_are_seeded() {
        let a = QuadraticGame::random_identical(4, 5, 1.0, 5.0, 9).unwrap();
        let b = QuadraticGame::random_identical(4, 5, 1.0, 5.0, 9).unwrap();
        let c = QuadraticGame::random_identical(4, 5, 1.0, 5.0, 10).unwrap();
        assert_eq!(a.offsets(), b.offsets());
        assert_eq!(a.mean_matrix(), b.mean_matrix());
        assert_ne!(a.offsets(), c.offsets());
    }

    #[test]
    fn bad_input_gives_typed_errors() {
        let empty = QuadraticGame::random_identical(3, 0, 1.0, 2.0, 1);
        assert!(matches!(empty, Err(OracleError::Empty { .. })));
        assert!(matches!(
            QuadraticGame::random_identical(3, 4, 0.0, 2.0, 1),
            Err(OracleError::InvalidParameter { name: "mu", .. })
        ));
        assert!(matches!(
            QuadraticGame::random_identical(3, 4, 3.0, 2.0, 1),
            Err(OracleError::InvalidParameter { name: "L", .. })
        ));
        assert!(QuadraticGame::random_per_component(1, 4, 1.0, 2.0, 1).is_err());
        assert!(QuadraticGame::random_bilinear(2, 3, 1.0, 2.0, -1.0, 1).is_err());
        assert!(QuadraticGame::wgan_toy(3, &[], 0.1, 0.1, 1).is_err());
        // Wrong block shape.
        let blocks = GameBlocks {
            dx: 2,
            dy: 2,
            a: Some(Array2::eye(3)),
            b: None,
            c: Some(Array2::eye(2)),
        };
        assert!(matches!(
            QuadraticGame::new(GameMatrices::Shared(blocks), Array2::zeros((3, 4))),
            Err(OracleError::DimensionMismatch { .. })
        ));
        // Offsets of the wrong width.
        let blocks = GameBlocks {
            dx: 2,
            dy: 2,
            a: Some(Array2::eye(2)),
            b: None,
            c: Some(Array2::eye(2)),
        };
        assert!(matches!(
            QuadraticGame::new(GameMatrices::Shared(blocks.clone()), Array2::zeros((3, 5))),
            Err(OracleError::DimensionMismatch { .. })
        ));
        // Non-finite offsets.
        let mut q = Array2::zeros((3, 4));
        q[[1, 2]] = f64::NAN;
        assert!(matches!(
            QuadraticGame::new(GameMatrices::Shared(blocks.clone()), q),
            Err(OracleError::NonFinite { index: 6, .. })
        ));
        // Per-component count differs from the offsets'.
        assert!(matches!(
            QuadraticGame::new(GameMatrices::PerComponent(vec![blocks.clone()]), Array2::zeros((3, 4))),
            Err(OracleError::DimensionMismatch { .. })
        ));
        // Non-symmetric A.
        let mut bad = blocks.clone();
        bad.a = Some(ndarray::array![[1.0, 1.0], [0.0, 1.0]]);
        assert!(QuadraticGame::new(GameMatrices::Shared(bad), Array2::zeros((3, 4))).is_err());
        // Singular (the paper's convex–concave game: A = C singular, B = 0) and non-monotone games.
        let singular = GameBlocks {
            dx: 2,
            dy: 2,
            a: Some(ndarray::array![[0.0, 0.0], [0.0, 1.0]]),
            b: None,
            c: Some(ndarray::array![[0.0, 0.0], [0.0, 1.0]]),
        };
        assert!(QuadraticGame::new(GameMatrices::Shared(singular), Array2::zeros((3, 4))).is_err());
        let mut nonmonotone = blocks;
        nonmonotone.a = Some(-Array2::eye(2));
        assert!(QuadraticGame::new(GameMatrices::Shared(nonmonotone), Array2::zeros((3, 4))).is_err());
    }

    #[test]
    fn strided_views_give_the_same_values() {
        let g = QuadraticGame::random_identical(3, 4, 1.0, 2.0, 1).unwrap();
        let z = Array1::from(vec![0.3, -1.0, 2.0, 0.5, 0.1, -0.7]);
        let mut contiguous = Array1::zeros(6);
        g.apply_component(2, z.view(), contiguous.view_mut());
        let wide = Array1::from_iter(z.iter().flat_map(|&v| [v, 99.0]));
        let strided = wide.slice(ndarray::s![..;2]);
        let mut out_wide = Array1::zeros(12);
        g.apply_component(2, strided, out_wide.slice_mut(ndarray::s![..;2]));
        assert_eq!(out_wide.slice(ndarray::s![..;2]), contiguous);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Each component is the operator of fᵢ: central finite differences of (∇ₓfᵢ, −∇_y fᵢ) match Fᵢ, and
        /// F is the mean of the Fᵢ.
        #[test]
        fn operators_match_finite_differences(seed in 0u64..1000, which in 0usize..8, i in 0usize..5) {
            let games = every_generator();
            let (_, g) = &games[which];
            let i = i % g.len();
            let d = g.dim();
            let (dx, _) = g.player_dims();
            let mut rng = StdRng::seed_from_u64(seed);
            let z: Array1<f64> = (0..d).map(|_| standard_normal(&mut rng)).collect();
            let mut fi = Array1::zeros(d);
            g.apply_component(i, z.view(), fi.view_mut());
            let h = 1e-5;
            for k in 0..d {
                let mut zp = z.clone();
                let mut zm = z.clone();
                zp[k] += h;
                zm[k] -= h;
                let fd = (component_payoff(g, i, zp.view()) - component_payoff(g, i, zm.view())) / (2.0 * h);
                let expected = if k < dx { fi[k] } else { -fi[k] };
                prop_assert!((fd - expected).abs() <= 1e-6 * (1.0 + expected.abs()), "k={k}: {fd} vs {expected}");
            }
            let mut mean = Array1::zeros(d);
            for j in 0..g.len() {
                g.apply_component(j, z.view(), fi.view_mut());
                mean += &fi;
            }
            mean /= g.len() as f64;
            let mut full = Array1::zeros(d);
            g.apply(z.view(), full.view_mut());
            let err = (&mean - &full).mapv(f64::abs).fold(0.0f64, |m, &v| m.max(v));
            prop_assert!(err <= 1e-12 * (1.0 + full.mapv(f64::abs).sum()));
        }
    }

    /// fᵢ(x, y) = ½xᵀAᵢx + xᵀBᵢy − ½yᵀCᵢy + aᵢᵀx − cᵢᵀy, written independently of the operator code.
    fn component_payoff(g: &QuadraticGame, i: usize, z: ArrayView1<f64>) -> f64 {
        let b = g.blocks(i);
        let (dx, dy) = (b.dx, b.dy);
        let x = z.slice(ndarray::s![..dx]);
        let y = z.slice(ndarray::s![dx..]);
        let q = g.offsets().row(i);
        let mut f = q.slice(ndarray::s![..dx]).dot(&x) - q.slice(ndarray::s![dx..]).dot(&y);
        if let Some(a) = &b.a {
            f += 0.5 * x.dot(&a.dot(&x));
        }
        if let Some(bm) = &b.b {
            f += x.dot(&bm.dot(&y));
        }
        if let Some(c) = &b.c {
            f -= 0.5 * y.dot(&c.dot(&y));
        }
        let _ = dy;
        f
    }
}

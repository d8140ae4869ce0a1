//! The minimum-norm point of a convex hull: the simplex QP
//!
//! ```text
//! minimize ½‖Pᵀλ‖²  subject to  λ ≥ 0, Σᵢ λᵢ = 1,
//! ```
//!
//! where the rows of P are the points p₁, …, p_m ∈ ℝⁿ, solved **exactly** (finitely many steps, up to
//! floating-point round-off) by Wolfe's method (P. Wolfe, "Finding the nearest point in a polytope", Math.
//! Programming 11, 1976).
//!
//! Wolfe's method keeps an affinely independent corral S with weights λ > 0. A *major* step adds the point that
//! minimizes ⟨x, pⱼ⟩ (x the current point) unless ⟨x, pⱼ⟩ ≥ ‖x‖² (optimality); *minor* steps move toward the
//! minimizer of the norm over the affine hull of S, solved from (G_SS + 11ᵀ)v = 1, λ = v/Σv, and drop points
//! whose weight reaches zero. Every weight vector stays in the simplex, so ‖x‖ is always a valid upper bound.
//!
//! The result carries its own optimality certificate: for every z in the hull ⟨x, z⟩ ≥ minⱼ ⟨x, pⱼ⟩, so
//! ‖z‖ ≥ minⱼ⟨x, pⱼ⟩/‖x‖ — [`MinNormPoint::lower_bound`]. The gap `norm − lower_bound` is the certified accuracy
//! (≈ 1e-15 relative in practice).

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::error::{NonsmoothError, Result, check_finite};

/// The minimum-norm point of conv{p₁, …, p_m}.
#[derive(Debug, Clone, PartialEq)]
pub struct MinNormPoint {
    /// x = Σᵢ λᵢ pᵢ.
    pub point: Array1<f64>,
    /// λ (in the simplex; zero outside the final corral).
    pub weights: Array1<f64>,
    /// ‖x‖: an upper bound on the distance from 0 to the hull (exact up to round-off).
    pub norm: f64,
    /// A certified lower bound on the distance: max(0, minⱼ⟨x, pⱼ⟩/‖x‖) (0 when x = 0).
    pub lower_bound: f64,
    /// Major iterations of Wolfe's method.
    pub iterations: usize,
}

/// The point of the segment [a, b] nearest to the origin and its weight θ (point = a + θ(b − a), θ ∈ [0, 1]).
pub fn min_norm_on_segment(a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>) -> (Array1<f64>, f64) {
    let diff = &b - &a;
    let dd = diff.dot(&diff);
    let theta = if dd > 0.0 {
        (-a.dot(&diff) / dd).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (&a + &(theta * &diff), theta)
}

/// Solves (G + 11ᵀ) v = 1 over the corral by Cholesky and returns λ = v / Σv, or `None` when the corral is
/// (numerically) affinely dependent.
fn affine_minimizer(gram: &Array2<f64>, corral: &[usize], scale: f64) -> Option<Vec<f64>> {
    let k = corral.len();
    // Lower-triangular Cholesky factor of A = G_SS + 11ᵀ, row-major k×k.
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = gram[[corral[i], corral[j]]] + scale;
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if s <= 1e-13 * scale {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    // Forward then backward substitution for A v = scale·1.
    let mut v = vec![scale; k];
    for i in 0..k {
        for p in 0..i {
            v[i] -= l[i * k + p] * v[p];
        }
        v[i] /= l[i * k + i];
    }
    for i in (0..k).rev() {
        for p in i + 1..k {
            v[i] -= l[p * k + i] * v[p];
        }
        v[i] /= l[i * k + i];
    }
    let sum: f64 = v.iter().sum();
    if !(sum.is_finite() && sum > 0.0) {
        return None;
    }
    Some(v.iter().map(|x| x / sum).collect())
}

/// Computes the minimum-norm point of the convex hull of the rows of `points` (Wolfe's method).
///
/// Errors: no rows or no columns ([`NonsmoothError::Empty`]), a non-finite entry
/// ([`NonsmoothError::NonFinite`]).
///
/// ```
/// use gradus_nonsmooth::min_norm_point;
/// use ndarray::array;
///
/// // conv{(1, 1), (−1, 1)} is the segment at height 1: its nearest point to 0 is (0, 1).
/// let r = min_norm_point(array![[1.0, 1.0], [-1.0, 1.0]].view()).unwrap();
/// assert!((r.point[0]).abs() < 1e-15 && (r.norm - 1.0).abs() < 1e-15);
/// assert!(r.norm - r.lower_bound < 1e-14);
/// ```
pub fn min_norm_point(points: ArrayView2<f64>) -> Result<MinNormPoint> {
    let (m, n) = points.dim();
    if m == 0 || n == 0 {
        return Err(NonsmoothError::Empty { what: "point set" });
    }
    check_finite("points", points.iter())?;
    let gram = points.dot(&points.t());
    let max_sq = (0..m).map(|j| gram[[j, j]]).fold(0.0_f64, f64::max);
    if max_sq == 0.0 {
        return Ok(MinNormPoint {
            point: Array1::zeros(n),
            weights: unit(m, 0),
            norm: 0.0,
            lower_bound: 0.0,
            iterations: 0,
        });
    }
    // Scale of the 11ᵀ term: comparable with G so the Cholesky factorisation is well conditioned.
    let scale = max_sq;
    let tol = 1e-14 * max_sq;
    let first = (0..m)
        .min_by(|&a, &b| gram[[a, a]].total_cmp(&gram[[b, b]]))
        .expect("m >= 1");
    let mut corral = vec![first];
    let mut lambda = vec![1.0];
    let mut iterations = 0;
    let max_major = 50 * (m + n) + 100;
    while iterations < max_major {
        iterations += 1;
        // ⟨x, pⱼ⟩ = Σᵢ λᵢ G[Sᵢ, j] and ‖x‖² = Σᵢ λᵢ ⟨x, p_{Sᵢ}⟩.
        let xp = inner_with_all(&gram, &corral, &lambda);
        let xx: f64 = corral.iter().zip(&lambda).map(|(&s, &l)| l * xp[s]).sum();
        let (j, &best) = xp.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).expect("m >= 1");
        if best >= xx - tol || corral.contains(&j) {
            break;
        }
        corral.push(j);
        lambda.push(0.0);
        // Minor cycle.
        loop {
            let Some(alpha) = affine_minimizer(&gram, &corral, scale) else {
                // Numerically dependent: the newest point adds nothing; stop at the current x.
                let last = corral.len() - 1;
                if lambda[last] == 0.0 {
                    corral.pop();
                    lambda.pop();
                }
                return Ok(finish(points, corral, lambda, iterations, &gram));
            };
            if alpha.iter().all(|&a| a > 1e-15) {
                lambda = alpha;
                break;
            }
            // Move from λ toward α until the first weight hits zero.
            let mut theta = 1.0_f64;
            for (l, a) in lambda.iter().zip(&alpha) {
                if *a <= 1e-15 && l - a > 0.0 {
                    theta = theta.min(l / (l - a));
                }
            }
            for (l, a) in lambda.iter_mut().zip(&alpha) {
                *l = (1.0 - theta) * *l + theta * a;
            }
            // Drop the points whose weight vanished (at least one).
            let min_pos = (0..lambda.len())
                .min_by(|&a, &b| lambda[a].total_cmp(&lambda[b]))
                .expect("non-empty corral");
            let keep: Vec<usize> = (0..corral.len())
                .filter(|&i| i != min_pos && lambda[i] > 1e-15)
                .collect();
            corral = keep.iter().map(|&i| corral[i]).collect();
            lambda = keep.iter().map(|&i| lambda[i]).collect();
            let s: f64 = lambda.iter().sum();
            lambda.iter_mut().for_each(|l| *l /= s);
        }
    }
    Ok(finish(points, corral, lambda, iterations, &gram))
}

fn unit(m: usize, j: usize) -> Array1<f64> {
    let mut e = Array1::zeros(m);
    e[j] = 1.0;
    e
}

/// ⟨x, pⱼ⟩ for every j, with x = Σᵢ λᵢ p_{Sᵢ}.
fn inner_with_all(gram: &Array2<f64>, corral: &[usize], lambda: &[f64]) -> Array1<f64> {
    let mut xp = Array1::zeros(gram.nrows());
    for (&s, &l) in corral.iter().zip(lambda) {
        xp.scaled_add(l, &gram.index_axis(Axis(0), s));
    }
    xp
}

fn finish(
    points: ArrayView2<f64>,
    corral: Vec<usize>,
    lambda: Vec<f64>,
    iterations: usize,
    gram: &Array2<f64>,
) -> MinNormPoint {
    let (m, n) = points.dim();
    let mut weights = Array1::zeros(m);
    let mut point = Array1::zeros(n);
    for (&s, &l) in corral.iter().zip(&lambda) {
        weights[s] += l;
        point.scaled_add(l, &points.row(s));
    }
    let norm = point.dot(&point).sqrt();
    let lower_bound = if norm > 0.0 {
        let xp = inner_with_all(gram, &corral, &lambda);
        (xp.iter().copied().fold(f64::INFINITY, f64::min) / norm).max(0.0)
    } else {
        0.0
    };
    MinNormPoint {
        point,
        weights,
        norm,
        lower_bound: lower_bound.min(norm),
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use proptest::prelude::*;

    /// Brute force: the minimum over every subset S of ≤ n + 1 points whose affine minimizer has non-negative
    /// weights (the optimum is the affine minimizer of its support, Carathéodory).
    fn brute_force(p: &Array2<f64>) -> f64 {
        let (m, n) = p.dim();
        let gram = p.dot(&p.t());
        let scale = (0..m).map(|j| gram[[j, j]]).fold(1e-300, f64::max);
        let mut best = f64::INFINITY;
        for mask in 1u32..(1 << m) {
            let s: Vec<usize> = (0..m).filter(|i| mask & (1 << i) != 0).collect();
            if s.len() > n + 1 {
                continue;
            }
            if let Some(l) = affine_minimizer(&gram, &s, scale)
                && l.iter().all(|&w| w >= -1e-12)
            {
                let mut x = Array1::<f64>::zeros(n);
                for (&i, &w) in s.iter().zip(&l) {
                    x.scaled_add(w, &p.row(i));
                }
                best = best.min(x.dot(&x).sqrt());
            }
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn agrees_with_brute_force(m in 1usize..7, n in 1usize..4, seed in any::<u64>()) {
            use rand::{RngExt, SeedableRng, rngs::StdRng};
            let mut rng = StdRng::seed_from_u64(seed);
            let shift: f64 = rng.random_range(-1.0..1.0);
            let p = Array2::from_shape_fn((m, n), |_| rng.random_range(-1.0..1.0) + shift);
            let r = min_norm_point(p.view()).unwrap();
            let b = brute_force(&p);
            prop_assert!((r.norm - b).abs() <= 1e-10, "wolfe {} brute {}", r.norm, b);
            prop_assert!(r.norm - r.lower_bound <= 1e-10);
            prop_assert!((r.weights.sum() - 1.0).abs() < 1e-12);
            prop_assert!(r.weights.iter().all(|&w| w >= 0.0));
            let x = p.t().dot(&r.weights);
            prop_assert!((&x - &r.point).iter().all(|v| v.abs() < 1e-12));
        }
    }

    #[test]
    fn simple_hulls() {
        // 0 inside a triangle.
        let r = min_norm_point(array![[1.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]].view()).unwrap();
        assert!(r.norm < 1e-15);
        // A vertex is nearest.
        let r = min_norm_point(array![[1.0, 2.0], [3.0, 3.0], [1.0, 5.0]].view()).unwrap();
        assert!((r.norm - 5f64.sqrt()).abs() < 1e-14);
        // Duplicates and a single point.
        let r = min_norm_point(array![[2.0, 0.0], [2.0, 0.0]].view()).unwrap();
        assert!((r.norm - 2.0).abs() < 1e-15);
        // Many points in high dimension: ± unit vectors contain 0.
        let mut p = Array2::zeros((20, 10));
        for i in 0..10 {
            p[[2 * i, i]] = 1.0;
            p[[2 * i + 1, i]] = -1.0 + 0.5;
        }
        let r = min_norm_point(p.view()).unwrap();
        assert!(r.norm - r.lower_bound < 1e-12);
        // Nearest point of a face: (1, t) for t ∈ [−1, 1] and (1, 0) is nearest; distance 1.
        let (x, th) = min_norm_on_segment(array![1.0, -1.0].view(), array![1.0, 1.0].view());
        assert!((x[1]).abs() < 1e-15 && (th - 0.5).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            min_norm_point(Array2::<f64>::zeros((0, 3)).view()),
            Err(NonsmoothError::Empty { .. })
        ));
        assert!(matches!(
            min_norm_point(array![[f64::NAN]].view()),
            Err(NonsmoothError::NonFinite { .. })
        ));
    }
}

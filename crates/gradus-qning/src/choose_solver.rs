//! `auto` of `gradus fit` and of the Python package: one solver name for a linear model, from the data's shape,
//! sparsity and regularization, with the reason (one line). It spans both solver crates: gradus-classic's
//! preconditioned L-BFGS for smooth problems, FISTA or gradus-qning's own rule ([`crate::auto::choose`]) for L1.

use gradus_classic::preconditioner::SAMPLED_HESSIAN_MAX_PASSES;
use gradus_classic::{LinearModelPreconditioner, PreconditionerKind};
use gradus_oracle::{LinearModel, Objective};

/// The smallest n for which `auto` leaves ISTA/FISTA-type full-gradient solvers for the stochastic ones on an L1
/// problem (Cyanure's threshold).
pub const AUTO_STOCHASTIC_MIN_N: usize = 1000;

/// `auto`: the solver `gradus fit` uses by default, from the data's shape, sparsity and regularization, with the
/// reason (printed on stderr as one line).
///
/// | condition | choice | measured reason |
/// |---|---|---|
/// | λ₁ > 0, n < 1000 | `fista` | full gradients are cheap at small n; L-BFGS and Newton need a smooth objective |
/// | λ₁ > 0, n ≥ 1000 | gradus-qning's rule ([`crate::auto::choose`]: qning-svrg, qning-miso or catalyst-miso) | proximal stochastic solvers with a certified duality gap |
/// | λ₁ = 0, dense, sampled Hessian ≤ 8 passes (32 d rows × ⌈d/20⌉ ≤ 8 n) | `lbfgs-precond`, H⁰ = a sampled Hessian's inverse | peer data 100000 × 200: 12.6 passes against lbfgs's 31, newton's 5 passes + 5 Hessians (≈ 10 passes each) |
/// | λ₁ = 0, sparse or wider | `lbfgs-precond`, H⁰ = the Hessian's diagonal, inverted | sparse peer data 100000 × 20000: 22 passes against lbfgs's 444 and qning-svrg's 77 (shuffle-once; 106 uniform) |
///
/// The preconditioner is chosen inside the solver ([`gradus_classic::LinearModelPreconditioner`]). Measured on
/// 100000 × d dense logistic data (the peer generator, λ₂ = 1/(10n), certified 1e-10, one thread, load 5–6, so
/// seconds are only indicative): lbfgs-precond 11.0 / 11.1 / 12.2 / 12.6 / 14.6 passes at d = 25 / 50 / 100 /
/// 200 / 400 (0.040 / 0.07 / 0.12–0.17 / 0.18–0.43 / 0.72 s) against newton's 0.045–0.056 / 0.10–0.15 / 0.23–0.35 /
/// – / 2.7 s and lbfgs's 26 / 30 / 31 / 31 / 31 passes (docs/benchmarks.md, "QNing vs Cyanure and
/// scikit-learn"). Why not gradus-qning's choice on smooth problems: on the peer data qning-svrg took 1.61 / 1.43 s
/// on 1 / 2 threads against 0.51 / 0.28 s for plain lbfgs (importance sampling; shuffle-once, `gradus fit`'s
/// default for it, took 0.97–1.04 / 0.67–0.73 s against `auto`'s 0.23–0.24 / 0.13–0.14 s), and on a third-party
/// benchmark's simulated logistic data the QNing rule's picks (qning-ista at 200 × 500, qning-svrg at 100000 × 400) were 2–5.5× slower than lbfgs.
pub fn choose_solver(model: &LinearModel) -> (&'static str, String) {
    let (n, d) = (model.n(), model.dim());
    if model.l1() > 0.0 {
        if n < AUTO_STOCHASTIC_MIN_N {
            return ("fista", format!("λ₁ > 0 and n = {n} < {AUTO_STOCHASTIC_MIN_N}"));
        }
        let (name, why) = crate::auto::choose(model);
        return (
            name,
            format!("λ₁ > 0 and n = {n} >= {AUTO_STOCHASTIC_MIN_N}; gradus-qning's rule: {why}"),
        );
    }
    let shape = if model.design().is_sparse() { "sparse" } else { "dense" };
    let recipe = LinearModelPreconditioner::default();
    let preconditioner = match recipe.resolve(model) {
        PreconditionerKind::SampledHessian => {
            let rows = recipe.sample_size(model);
            let cost = LinearModelPreconditioner::sampled_hessian_work(rows, d).passes(n);
            format!(
                "H⁰ = the inverse Hessian of {rows} sampled rows ({cost:.2} pass, at most {SAMPLED_HESSIAN_MAX_PASSES})"
            )
        }
        _ => "H⁰ = the inverse Hessian diagonal (1 pass)".to_string(),
    };
    (
        "lbfgs-precond",
        format!("smooth (λ₁ = 0), {shape}, n = {n}, d = {d}: L-BFGS with {preconditioner}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::Loss;
    use gradus_oracle::{Csr, Design};
    use ndarray::Array1;
    use ndarray::Array2;

    /// n × d logistic data (deterministic, no zero column), dense or CSR, with penalties λ₂ and λ₁.
    fn model(n: usize, d: usize, sparse: bool, l2: f64, l1: f64) -> LinearModel {
        let a = Array2::from_shape_fn((n, d), |(i, j)| (((i * 7 + j * 13) % 17) as f64 - 8.0) / 8.0 + 0.01);
        let y = Array1::from_shape_fn(n, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
        let design = if sparse {
            let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
            for row in a.rows() {
                for (j, &v) in row.iter().enumerate() {
                    indices.push(j as u32);
                    data.push(v);
                }
                indptr.push(data.len());
            }
            Design::sparse(Csr::new(n, d, indptr, indices, data).unwrap()).unwrap()
        } else {
            Design::dense(a).unwrap()
        };
        LinearModel::new(design, y, Loss::Logistic, l2, l1).unwrap()
    }

    #[test]
    fn smooth_problems_get_lbfgs_with_the_preconditioner_the_shape_allows() {
        // Dense, 2000 × 10: a sampled Hessian of 320 rows (0.16 pass).
        let (name, why) = choose_solver(&model(2000, 10, false, 1e-3, 0.0));
        assert_eq!(name, "lbfgs-precond");
        assert!(why.contains("320 sampled rows") && why.contains("dense"), "{why}");
        // Sparse: the diagonal.
        let (name, why) = choose_solver(&model(2000, 10, true, 1e-3, 0.0));
        assert_eq!(name, "lbfgs-precond");
        assert!(why.contains("diagonal") && why.contains("sparse"), "{why}");
        // Dense but wide for its n (200 × 60: 200 rows × 3 gradients = 3 passes ≤ 8 → sampled; 100 × 200: 100 rows ×
        // 10 = 10 passes > 8 → diagonal).
        assert!(
            choose_solver(&model(200, 60, false, 1e-3, 0.0))
                .1
                .contains("sampled rows")
        );
        assert!(choose_solver(&model(100, 200, false, 1e-3, 0.0)).1.contains("diagonal"));
        // λ₂ = 0 stays smooth.
        assert_eq!(choose_solver(&model(500, 5, false, 0.0, 0.0)).0, "lbfgs-precond");
    }

    #[test]
    fn l1_problems_get_fista_below_1000_samples_and_qnings_rule_above() {
        assert_eq!(choose_solver(&model(999, 5, false, 1e-3, 1e-3)).0, "fista");
        let (name, why) = choose_solver(&model(1000, 5, true, 1e-3, 1e-3));
        assert!(["qning-svrg", "qning-miso", "catalyst-miso"].contains(&name), "{name}");
        assert!(why.contains("gradus-qning's rule"), "{why}");
    }

    #[test]
    fn the_reason_fits_on_one_line() {
        for m in [
            model(2000, 10, false, 1e-3, 0.0),
            model(2000, 10, true, 1e-3, 1e-3),
            model(50, 5, true, 0.0, 1e-3),
        ] {
            let (name, why) = choose_solver(&m);
            assert!(!why.contains('\n') && !why.is_empty(), "{name}: {why}");
            let known = crate::SOLVER_NAMES.contains(&name) || name == "lbfgs-precond";
            assert!(known, "{name} is a solver name");
        }
    }
}

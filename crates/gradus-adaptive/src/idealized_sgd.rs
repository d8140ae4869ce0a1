//! The idealized noise-adaptive step (A2 of the spec): SGD whose step follows a **known** noise schedule m_t,
//!
//! ```text
//! η_t = min{ cap, c / m_t^p },     x_{t+1} = x_t − η_t · g_t,     g_t = ∇f(x_t; ξ_t),  E‖g_t‖² ≤ m_t²
//! output: x_τ with P(τ = t) = η_t / Σ_s η_s          (the randomized output the bounds are about)
//! ```
//!
//! The derived bounds of the spec (§3.1–§3.5, tagged [D]; the paper's own theorems could not be read) start from
//! Σ_t η_t E‖∇f(x_t)‖² ≤ Δ + (L/2) Σ_t η_t² m_t², valid for any step η_t fixed before g_t is drawn. With the
//! best constant c:
//!
//! | power p | step | η-weighted E‖∇f(x_τ)‖² ≤ | gain over tuned SGD (bound ratio) |
//! |---|---|---|---|
//! | 0 | c (SGD) | √(2ΔL/T) · M₂(m) | 1 |
//! | 1 | c/m_t (RMSProp-like; c* = √(2Δ/(LT)) does not depend on the noise) | √(2ΔL/T) · M₋₁(m) | M₂/M₋₁ |
//! | 2 | c/m_t² (optimal for the bound) | √(2ΔL/T) · M₋₂(m) | M₂/M₋₂ |
//!
//! where M_q(m) = ((1/T) Σ m_t^q)^{1/q} is the power mean (M₂ quadratic, M₋₁ harmonic); M₋₂ ≤ M₋₁ ≤ M₁ ≤ M₂,
//! with equality iff m_t is constant, so adapting to a known schedule never makes the bound worse. The capped
//! form min{1/L, c/σ_t²} is the variance version (E‖g_t − ∇f(x_t)‖² ≤ σ_t², where the step must stay ≤ 1/L;
//! spec §3.5); it keeps the M₂ : M₋₂ comparison on σ_t.
//!
//! The update counter t starts at 0 and advances by one per [`StochasticStep::update`]; the schedule `m` is
//! indexed by it and extended by its last value past its end. With m_t ≡ m the iterates are bit-for-bit those
//! of [`crate::Sgd`] with η = c/m^p.
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `c` | — | > 0 | step constant |
//! | `power` p | 1 | 0, 1 or 2 | η_t ∝ 1/m_t^p |
//! | `m` | — | finite, > 0 | the known noise levels m_0, m_1, … (one per update) |
//! | `cap` | none | > 0 | upper bound on η_t (1/L for the variance version) |
//!
//! Paper: Zhang, Lin, Das, Sra, Jadbabaie, "Stochastic optimization with non-stationary noise",
//! arXiv 2006.04429 (Abstract: "if the noise variation is known, a dynamic step-size scheme … is always
//! beneficial").

use ndarray::Array1;

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::error::{AdaptiveError, Result, check_positive, check_positive_entries};

/// η_t = min{cap, c / m_t^p}.
pub fn noise_adaptive_step(c: f64, m_t: f64, power: u32, cap: f64) -> f64 {
    (c / m_t.powi(power as i32)).min(cap)
}

/// SGD with the idealized noise-adaptive step (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct IdealizedSgd {
    c: f64,
    power: u32,
    m: Vec<f64>,
    cap: f64,
    t: usize,
    last_step: Option<f64>,
    step_sum: f64,
    g: Array1<f64>,
}

impl IdealizedSgd {
    /// The step c/m_t^p in dimension `dim` for the known noise levels `m` (one per update).
    pub fn new(dim: usize, c: f64, power: u32, m: Vec<f64>) -> Result<Self> {
        check_positive("c", c)?;
        if power > 2 {
            return Err(AdaptiveError::InvalidParameter {
                name: "power",
                value: format!("{power}"),
                reason: "must be 0, 1 or 2",
            });
        }
        check_positive_entries("m", &m)?;
        Ok(IdealizedSgd {
            c,
            power,
            m,
            cap: f64::INFINITY,
            t: 0,
            last_step: None,
            step_sum: 0.0,
            g: Array1::zeros(dim),
        })
    }

    /// Caps the step: η_t = min{cap, c/m_t^p} (cap = 1/L for the variance version).
    pub fn with_cap(mut self, cap: f64) -> Result<Self> {
        check_positive("cap", cap)?;
        self.cap = cap;
        Ok(self)
    }

    /// The noise level used at update t (the schedule extended by its last value).
    pub fn level(&self, t: usize) -> f64 {
        self.m[t.min(self.m.len() - 1)]
    }

    /// Σ_s η_s over the updates made (the normalizer of the η-weighted output).
    pub fn step_sum(&self) -> f64 {
        self.step_sum
    }

    /// Updates made.
    pub fn updates(&self) -> usize {
        self.t
    }
}

impl StochasticStep for IdealizedSgd {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let eta = noise_adaptive_step(self.c, self.level(self.t), self.power, self.cap);
        let loss = grad(x.view(), self.g.view_mut());
        x.scaled_add(-eta, &self.g);
        self.t += 1;
        self.step_sum += eta;
        self.last_step = Some(eta);
        loss
    }
    fn step_size(&self) -> Option<f64> {
        self.last_step
    }
    fn name(&self) -> &'static str {
        "idealized"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sgd;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    fn gradient_of_half_square(p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>) -> f64 {
        o.assign(&p);
        0.5 * p.dot(&p)
    }

    #[test]
    fn follows_the_schedule_and_the_cap() {
        let mut opt = IdealizedSgd::new(1, 2.0, 2, vec![1.0, 2.0]).unwrap();
        let mut x = array![1.0];
        let mut f = gradient_of_half_square;
        opt.update(&mut x, &mut f); // η = 2: x = 1 − 2 = −1
        assert_eq!(x[0], -1.0);
        opt.update(&mut x, &mut f); // η = 2/4 = 0.5: x = −0.5
        assert_eq!(x[0], -0.5);
        opt.update(&mut x, &mut f); // past the end: m = 2 again
        assert_eq!(opt.step_size(), Some(0.5));
        assert_eq!(opt.step_sum(), 3.0);
        let mut capped = IdealizedSgd::new(1, 2.0, 1, vec![1.0]).unwrap().with_cap(0.25).unwrap();
        capped.update(&mut x, &mut f);
        assert_eq!(capped.step_size(), Some(0.25));
        assert!(IdealizedSgd::new(1, 1.0, 3, vec![1.0]).is_err());
        assert!(IdealizedSgd::new(1, 1.0, 1, vec![]).is_err());
        assert!(matches!(
            IdealizedSgd::new(1, 1.0, 1, vec![1.0, 0.0]),
            Err(AdaptiveError::InvalidEntry { index: 1, .. })
        ));
    }

    /// Spec C4: with m_t ≡ m the idealized step is SGD with η = c/m^p, bit for bit.
    #[test]
    fn constant_schedule_is_sgd_bitwise() {
        let (c, m) = (0.3, 1.7);
        for power in 0..=2 {
            let mut a = IdealizedSgd::new(2, c, power, vec![m; 5]).unwrap();
            let mut b = Sgd::new(2, c / m.powi(power as i32)).unwrap();
            let (mut xa, mut xb) = (array![1.0, -3.0], array![1.0, -3.0]);
            for k in 0..20 {
                let noise = (k as f64 * 0.37).sin();
                let mut f = |p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| {
                    o.assign(&p.mapv(|v| v.sin() + 0.5 * v + noise));
                    0.0
                };
                a.update(&mut xa, &mut f);
                b.update(&mut xb, &mut f);
            }
            assert!(xa.iter().all(|v| v.is_finite()));
            assert_eq!(xa, xb, "power {power}");
        }
    }
}

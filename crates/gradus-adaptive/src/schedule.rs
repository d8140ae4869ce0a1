//! Step decay by epochs (PyTorch's `MultiStepLR`), shared by every optimizer of the crate:
//!
//! ```text
//! lr_e = lr · γ^{#milestones ≤ e}      (e the current epoch, 0-based)
//! ```
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `milestones` | none | epochs | lr ← γ·lr at each |
//! | `gamma` γ | 0.1 | (0, 1] | decay factor |
//!
//! The authors' CIFAR script (Zhang et al., non-stationary noise, `main.py`) divides every optimizer's lr by 10
//! at 50 % and 75 % of the epochs; [`StepDecay::halves_and_three_quarters`] is that schedule.

use crate::error::{Result, check_decay_factor};

/// lr · γ^{#milestones ≤ epoch}.
pub fn step_decay(lr: f64, gamma: f64, milestones: &[usize], epoch: usize) -> f64 {
    lr * gamma.powi(milestones.iter().filter(|&&m| m <= epoch).count() as i32)
}

/// A step-decay schedule (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepDecay {
    milestones: Vec<usize>,
    gamma: f64,
}

impl StepDecay {
    /// No decay: the lr stays constant.
    pub fn none() -> Self {
        StepDecay {
            milestones: Vec::new(),
            gamma: 1.0,
        }
    }

    /// Multiplies the lr by γ ∈ (0, 1] at each milestone epoch.
    pub fn new(milestones: Vec<usize>, gamma: f64) -> Result<Self> {
        check_decay_factor("gamma", gamma)?;
        Ok(StepDecay { milestones, gamma })
    }

    /// ÷10 at 50 % and 75 % of `epochs` (the authors' schedule, 100 and 150 of 200).
    pub fn halves_and_three_quarters(epochs: usize) -> Self {
        StepDecay {
            milestones: vec![epochs / 2, epochs * 3 / 4],
            gamma: 0.1,
        }
    }

    /// The lr in epoch `epoch` for a base lr.
    pub fn lr_at(&self, lr: f64, epoch: usize) -> f64 {
        step_decay(lr, self.gamma, &self.milestones, epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_at_milestones() {
        assert_eq!(step_decay(0.1, 0.1, &[5, 7], 4), 0.1);
        assert!((step_decay(0.1, 0.1, &[5, 7], 7) - 0.001).abs() < 1e-18);
        let s = StepDecay::halves_and_three_quarters(20);
        assert_eq!(s.lr_at(1.0, 9), 1.0);
        assert!((s.lr_at(1.0, 10) - 0.1).abs() < 1e-16);
        assert!((s.lr_at(1.0, 15) - 0.01).abs() < 1e-16);
        assert_eq!(StepDecay::none().lr_at(0.3, 1000), 0.3);
        assert!(StepDecay::new(vec![1], 0.0).is_err());
        assert!(StepDecay::new(vec![1], 1.5).is_err());
    }
}

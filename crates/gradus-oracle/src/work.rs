//! Typed work counters. Nested solvers add their counts into the outer solver's, so the work of an inner
//! solver shows on the outer solver's trace.

use serde::{Deserialize, Serialize};

/// What a solver has spent. Every field is a count of oracle calls of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    /// Gradients of single components ∇fᵢ.
    pub component_gradients: u64,
    /// Full gradients ∇f (each worth n component gradients).
    pub full_gradients: u64,
    /// Function values f(x) or F(x) (line searches, monitors that are counted).
    pub function_values: u64,
    /// Evaluations of single operator components Fᵢ.
    pub operator_evaluations: u64,
    /// Evaluations of the full operator F (each worth n component evaluations).
    pub full_operator_evaluations: u64,
    /// Proximal operator calls.
    pub prox_calls: u64,
    /// Communication rounds: gossip rounds, one neighbour exchange each (a product by W).
    pub communication_rounds: u64,
    /// Global reductions over the whole network (all-reduce sum/max/min, gather, broadcast), one each.
    pub all_reduces: u64,
    /// Numbers (f64 values) one node sends, summed over the run: for a neighbour exchange of a d-vector, d per
    /// neighbour; for a reduction, what the node contributes.
    pub values_sent: u64,
    /// Stochastic or directional oracle calls.
    pub oracle_calls: u64,
}

impl Work {
    /// Adds `other` into `self` (for nested solvers).
    pub fn merge(&mut self, other: &Work) {
        self.component_gradients += other.component_gradients;
        self.full_gradients += other.full_gradients;
        self.function_values += other.function_values;
        self.operator_evaluations += other.operator_evaluations;
        self.full_operator_evaluations += other.full_operator_evaluations;
        self.prox_calls += other.prox_calls;
        self.communication_rounds += other.communication_rounds;
        self.all_reduces += other.all_reduces;
        self.values_sent += other.values_sent;
        self.oracle_calls += other.oracle_calls;
    }

    /// Passes over the data for a finite sum of `n` components: every full gradient, full operator evaluation or
    /// function value f(x) (a line search's trial, QNing's h(z), a recomputation of the margins) is one pass, every
    /// n component gradients or component operator evaluations are one more.
    /// (An extragradient epoch, 2n component evaluations, is two passes; see [`Work::operator_epochs`].)
    pub fn passes(&self, n: usize) -> f64 {
        let full = self.full_gradients + self.full_operator_evaluations + self.function_values;
        let components = self.component_gradients + self.operator_evaluations;
        full as f64 + components as f64 / n.max(1) as f64
    }

    /// Operator epochs for a finite-sum operator of `n` components: (component evaluations + n · full
    /// evaluations) / (2n), as one extragradient epoch evaluates 2n components.
    pub fn operator_epochs(&self, n: usize) -> f64 {
        let n = n.max(1) as f64;
        (self.operator_evaluations as f64 + n * self.full_operator_evaluations as f64) / (2.0 * n)
    }

    /// The column names of [`Work::columns`].
    pub const COLUMN_NAMES: [&'static str; 10] = [
        "component_gradients",
        "full_gradients",
        "function_values",
        "operator_evaluations",
        "full_operator_evaluations",
        "prox_calls",
        "communication_rounds",
        "all_reduces",
        "values_sent",
        "oracle_calls",
    ];

    /// Every counter, in the order of [`Work::COLUMN_NAMES`].
    pub fn columns(&self) -> [u64; 10] {
        [
            self.component_gradients,
            self.full_gradients,
            self.function_values,
            self.operator_evaluations,
            self.full_operator_evaluations,
            self.prox_calls,
            self.communication_rounds,
            self.all_reduces,
            self.values_sent,
            self.oracle_calls,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_and_passes_count_full_gradients() {
        let mut a = Work {
            component_gradients: 10,
            full_gradients: 1,
            ..Work::default()
        };
        let b = Work {
            component_gradients: 30,
            prox_calls: 2,
            ..Work::default()
        };
        a.merge(&b);
        assert_eq!(a.component_gradients, 40);
        assert_eq!(a.prox_calls, 2);
        assert_eq!(a.passes(20), 3.0);
        let ops = Work {
            operator_evaluations: 40,
            full_operator_evaluations: 1,
            ..Work::default()
        };
        assert_eq!(ops.passes(20), 3.0);
        assert_eq!(ops.operator_epochs(20), 1.5);
        let values = Work {
            function_values: 2,
            component_gradients: 10,
            ..Work::default()
        };
        assert_eq!(values.passes(20), 2.5);
    }
}

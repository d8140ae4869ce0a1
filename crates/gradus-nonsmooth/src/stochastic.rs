//! Running stochastic methods: the drivers live in the shared base ([`gradus_oracle::stochastic`]) so that the
//! optimizers of every crate (Stochastic INGD here; SGD, SGD-momentum, Adam, AdapSGD and RMSProp in
//! gradus-adaptive) run on every problem. Re-exported here for convenience.

pub use gradus_oracle::stochastic::{
    DirectionalGradientFn, EpochTrainer, GradientFn, StochasticRunner, StochasticStep,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StochasticIngd;
    use gradus_oracle::problems::Mlp;
    use gradus_oracle::problems::nonsmooth_toys::normal;
    use gradus_oracle::{NoMetrics, RunConfig, Silent, Stop, run};
    use ndarray::{Array1, Array2};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Two Gaussian blobs per class, 3 classes in 6 dimensions.
    fn blobs() -> Mlp {
        let mut rng = StdRng::seed_from_u64(9);
        let n = 300;
        let y = Array1::from_shape_fn(n, |i| (i % 3) as f64);
        let x = Array2::from_shape_fn((n, 6), |(i, j)| {
            normal(&mut rng) * 0.5 + if j == i % 3 { 2.0 } else { 0.0 }
        });
        Mlp::new(&[6, 16, 3], x, &y).unwrap()
    }

    #[test]
    fn stochastic_ingd_learns_and_runs_are_deterministic() {
        let mlp = blobs();
        let d = mlp.num_params();
        let train = || {
            let opt = Box::new(StochasticIngd::paper(d, 1).unwrap());
            let mut t = EpochTrainer::new(&mlp, opt, mlp.init(2).view(), 32, 3).unwrap();
            let r = run(
                &mut t,
                &NoMetrics,
                &RunConfig::new(Stop::iterations(5), 300),
                &mut Silent,
            )
            .unwrap();
            (r, t.last_epoch_loss())
        };
        let (a, loss) = train();
        let (b, _) = train();
        assert_eq!(a.x, b.x, "S-INGD is not deterministic");
        assert_eq!(a.work.component_gradients, 5 * 300);
        assert_eq!(a.work.oracle_calls, 5 * 10);
        let (_, acc) = mlp.evaluate_train(a.x.view());
        assert!(acc > 0.9 && loss < 0.5, "accuracy {acc}, loss {loss}");
    }
}

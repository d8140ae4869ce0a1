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
    use gradus_oracle::{NoMetrics, RunConfig, Silent, Stop, run};

    #[test]
    fn stochastic_ingd_learns_and_runs_are_deterministic() {
        let mlp = Mlp::three_blobs(9);
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

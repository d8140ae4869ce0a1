//! Problems with directional oracles ([`toys`]) and the ReLU MLP as a stochastic objective ([`mlp`]).
//!
//! They depend only on `gradus-oracle`'s traits and belong in its shared problem library; they live here until
//! that crate is free to edit.

pub mod mlp;
pub mod toys;

pub use mlp::{MiniBatchObjective, Mlp};
pub use toys::{AbsAbs, ChebyshevRosenbrock, MaxAffine, NoisyOracle, ReluRegression};

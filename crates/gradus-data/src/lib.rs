//! gradus-data: the data layer of gradus — file readers, seeded synthetic generators, preprocessing and
//! diagnostics. It depends only on `gradus-oracle`, whose [`Design`](gradus_oracle::design::Design) (dense
//! row-major or CSR) is what the readers return and the solvers consume.
//!
//! | module | what |
//! |---|---|
//! | [`libsvm`] | LIBSVM/svmlight text (`label idx:val …`), plain or gzip → CSR or dense [`Design`](gradus_oracle::design::Design) + raw labels; ±1 and one-vs-rest label maps |
//! | [`npy`] | NumPy `.npy` v1–v3 reader (f8/f4/integers, C or Fortran order) and float64 writer |
//! | [`npz`] | SciPy's sparse `.npz` (CSR; stored or deflated ZIP) → CSR [`Design`](gradus_oracle::design::Design) |
//! | [`idx`] | IDX files of (Fashion-)MNIST, plain or gzip, every IDX element type |
//! | [`fashion_mnist`] | finds and loads Fashion-MNIST (`GRADUS_DATA_DIR` or the Debian package `dataset-fashion-mnist`) |
//! | [`generate`] | correlated Gaussian logistic data, sparse tf-idf bag of words, random orthogonal matrices, quadratics with a given spectrum |
//! | [`preprocess`] | column standardization, L2 row normalization |
//! | [`diagnostics`] | spread of the per-sample smoothness constants L_i ∝ ‖a_i‖², label counts |
//! | [`error`] | [`DataError`]: every failure with the file, line, column, byte offset or parameter involved |
//!
//! Readers never panic on malformed input and never allocate what a header merely claims: every size is checked
//! against the bytes actually present (the fuzz tests in `tests/fuzz_readers.rs` feed them arbitrary and mutated
//! bytes). Each reader has a path-based function and one taking bytes or a reader plus a name used in error
//! messages, so in-memory data needs no files. Generators take a seed; the same seed gives the same bits.
//!
//! # Example
//!
//! ```
//! use gradus_data::diagnostics::{label_counts, row_norm_stats};
//! use gradus_data::libsvm::{LibsvmOptions, parse_libsvm};
//! use gradus_data::npy::{npy_bytes_vector, parse_npy_vector};
//! use gradus_data::preprocess::normalize_rows;
//! use gradus_data::{DataError, generate};
//!
//! // LIBSVM text from memory: 1-based indices, comments and blank lines allowed.
//! let text = b"# toy data\n+1 1:3 3:4\n-1 2:1\n\n+1 1:1 2:1 3:1 # last\n";
//! let mut data = parse_libsvm(&text[..], "toy.svm", &LibsvmOptions::default())?;
//! assert_eq!((data.nrows(), data.ncols()), (3, 3));
//! assert_eq!(label_counts(&data.y), vec![(-1.0, 1), (1.0, 2)]);
//! normalize_rows(&mut data.x);
//! assert!((data.x.row_norm_sq(0) - 1.0).abs() < 1e-15);
//! assert!(row_norm_stats(&data.x).warning().is_none());
//!
//! // Errors say where: line 2, byte column 7.
//! let err = parse_libsvm(&b"1 1:1\n1 2:1 0:5\n"[..], "bad.svm", &LibsvmOptions::default()).unwrap_err();
//! assert_eq!(err.to_string(), "bad.svm:2:7: feature index 0 is not >= 1 (LIBSVM indices are 1-based)");
//!
//! // Seeded synthetic data, and an NPY round trip in memory.
//! let (x, y) = generate::correlated_gaussian_logistic(200, 5, 42);
//! assert_eq!(x.dim(), (200, 5));
//! let bytes = npy_bytes_vector(y.view());
//! assert_eq!(parse_npy_vector(&bytes, "y.npy")?, y);
//! # Ok::<(), DataError>(())
//! ```

#![deny(missing_docs)]

pub mod diagnostics;
pub mod error;
pub mod fashion_mnist;
pub mod generate;
pub mod idx;
pub mod libsvm;
pub mod npy;
pub mod npz;
pub mod preprocess;

pub use error::{DataError, Result};

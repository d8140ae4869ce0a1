//! Property tests: the LIBSVM, NPY, NPZ and IDX readers return `Ok` or `Err` — never panic — on arbitrary bytes and on
//! arbitrary mutations (byte edits, truncation, insertion) of valid files, plain and gzip-compressed.
//!
//! The number of cases per property is read from `GRADUS_FUZZ_CASES` (CI sets 100000); the local default is
//! [`DEFAULT_CASES`]. Inputs are at most 512 bytes so that 100000 cases per reader run in well under a minute.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use gradus_data::idx::parse_idx;
use gradus_data::libsvm::{LibsvmOptions, parse_libsvm};
use gradus_data::npy::{npy_bytes_matrix, parse_npy, parse_npy_matrix, parse_npy_vector, read_npy};
use gradus_data::npz::parse_npz_csr;
use ndarray::array;
use proptest::prelude::*;

/// Cases per property when `GRADUS_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 10_000;
/// Largest generated input.
const MAX_LEN: usize = 512;

/// The case count: `GRADUS_FUZZ_CASES` if set to a number, else [`DEFAULT_CASES`].
fn cases() -> u32 {
    std::env::var("GRADUS_FUZZ_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases())
    }
}

/// Byte edits, an optional insertion and an optional truncation, applied to a valid file.
#[derive(Debug, Clone)]
struct Mutation {
    edits: Vec<(usize, u8)>,
    insert: Option<(usize, Vec<u8>)>,
    truncate: Option<usize>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        prop::option::of((any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))),
        prop::option::weighted(0.3, any::<usize>()),
    )
        .prop_map(|(edits, insert, truncate)| Mutation {
            edits,
            insert,
            truncate,
        })
}

impl Mutation {
    fn apply(&self, valid: &[u8]) -> Vec<u8> {
        let mut b = valid.to_vec();
        if !b.is_empty() {
            for &(pos, byte) in &self.edits {
                let k = pos % b.len();
                b[k] = byte;
            }
        }
        if let Some((pos, bytes)) = &self.insert {
            let k = pos % (b.len() + 1);
            b.splice(k..k, bytes.iter().copied());
        }
        if let Some(t) = self.truncate {
            b.truncate(t % (b.len() + 1));
        }
        b.truncate(MAX_LEN);
        b
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..MAX_LEN)
}

/// Every LIBSVM entry point on one input (sparse, dense with a small limit, with an n_features bound).
fn all_libsvm(bytes: &[u8]) {
    let _ = parse_libsvm(bytes, "fuzz.svm", &LibsvmOptions::default());
    let dense = LibsvmOptions {
        dense: true,
        max_dense_elements: 1 << 16,
        n_features: None,
    };
    let _ = parse_libsvm(bytes, "fuzz.svm", &dense);
    let _ = parse_libsvm(bytes, "fuzz.svm", &LibsvmOptions::default().n_features(7));
}

/// Every NPY entry point on one input.
fn all_npy(bytes: &[u8]) {
    let _ = parse_npy(bytes, "fuzz.npy");
    let _ = parse_npy_matrix(bytes, "fuzz.npy");
    let _ = parse_npy_vector(bytes, "fuzz.npy");
}

fn all_npz(bytes: &[u8]) {
    let _ = parse_npz_csr(std::io::Cursor::new(bytes), "fuzz.npz");
}

/// A valid SciPy CSR `.npz` (stored, so mutations reach the NPY members) of the 2 × 3 matrix [[1, 0, 2], [0, 3, 0]].
fn valid_npz() -> Vec<u8> {
    let ints = |v: &[f64]| gradus_data::npy::npy_bytes_vector(ndarray::ArrayView1::from(v));
    let mut format = b"\x93NUMPY\x01\x00".to_vec();
    let dict = "{'descr': '|S3', 'fortran_order': False, 'shape': (), }\n";
    format.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    format.extend_from_slice(dict.as_bytes());
    format.extend_from_slice(b"csr");
    let members = [
        ("format.npy", format),
        ("shape.npy", ints(&[2.0, 3.0])),
        ("indptr.npy", ints(&[0.0, 2.0, 3.0])),
        ("indices.npy", ints(&[0.0, 2.0, 1.0])),
        ("data.npy", ints(&[1.0, 2.0, 3.0])),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in members {
        w.start_file(name, opts).expect("zip in memory");
        w.write_all(&bytes).expect("zip in memory");
    }
    let bytes = w.finish().expect("zip in memory").into_inner();
    assert!(parse_npz_csr(std::io::Cursor::new(&bytes), "valid.npz").is_ok());
    bytes
}

/// `read_npy` on a file holding `bytes` (header first, then the data straight into the output) agrees with
/// `parse_npy` on the bytes: the same array, or an error with the same message apart from the path.
fn npy_file_agrees(bytes: &[u8], dir: &std::path::Path, case: u64) {
    let path = dir.join(format!("case{case}.npy"));
    std::fs::write(&path, bytes).expect("writing a temporary file");
    let from_file = read_npy(&path).map_err(|e| e.to_string().replace(&path.display().to_string(), "FILE"));
    let from_bytes = parse_npy(bytes, "FILE").map_err(|e| e.to_string());
    assert_eq!(from_file, from_bytes);
}

/// The IDX parser and every conversion of its result.
fn all_idx(bytes: &[u8]) {
    if let Ok(a) = parse_idx(bytes, "fuzz.idx") {
        let _ = a.to_matrix();
        let _ = a.head_matrix(3);
        let _ = a.to_vector();
        let _ = a.head_vector(3);
    }
}

const VALID_LIBSVM: &[u8] = b"# comment\n+1 1:0.5 3:-2 qid:3 # x\n\n-1 2:1e-3 10:4\n0 \n2.5 4:1 5:2 6:3\n";

fn valid_npy_f8() -> Vec<u8> {
    npy_bytes_matrix(array![[1.0, 2.0, 3.0], [4.0, -5.0, 6.5]].view())
}

/// A v2.0 Fortran-order float32 2 × 2 file.
fn valid_npy_f4_fortran() -> Vec<u8> {
    let dict = b"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n";
    let mut out = b"\x93NUMPY\x02\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    out.extend_from_slice(dict);
    for v in [1.0f32, 2.0, 3.0, 4.0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// An IDX file of `n` 2 × 3 unsigned-byte images.
fn valid_idx_images() -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, 3];
    for d in [4u32, 2, 3] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend((0..24).map(|k| k as u8 * 10));
    out
}

/// A 1-D IDX file of f64 values.
fn valid_idx_f64() -> Vec<u8> {
    let mut out = vec![0, 0, 0x0E, 1, 0, 0, 0, 3];
    for v in [1.5f64, -2.0, 0.0] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out
}

#[test]
fn valid_seeds_parse() {
    assert!(parse_libsvm(VALID_LIBSVM, "seed", &LibsvmOptions::default()).is_ok());
    assert!(parse_npy_matrix(&valid_npy_f8(), "seed").is_ok());
    assert!(parse_npy_matrix(&valid_npy_f4_fortran(), "seed").is_ok());
    assert!(parse_idx(&valid_idx_images(), "seed").unwrap().to_matrix().is_ok());
    assert!(parse_idx(&gzip(&valid_idx_images()), "seed").is_ok());
    assert!(parse_idx(&valid_idx_f64(), "seed").unwrap().to_vector().is_ok());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn libsvm_arbitrary_bytes(bytes in arbitrary_bytes()) {
        all_libsvm(&bytes);
    }

    #[test]
    fn libsvm_arbitrary_text(text in "[-+0-9:.eEinfaINFqid# \t\r\n]{0,200}") {
        all_libsvm(text.as_bytes());
    }

    #[test]
    fn libsvm_mutated(m in mutation()) {
        all_libsvm(&m.apply(VALID_LIBSVM));
    }

    #[test]
    fn npy_arbitrary_bytes(tail in arbitrary_bytes(), with_magic in any::<bool>()) {
        // Half of the inputs start with the magic string so the header parser is reached.
        let mut bytes = if with_magic { b"\x93NUMPY".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(&tail);
        bytes.truncate(MAX_LEN);
        all_npy(&bytes);
    }

    #[test]
    fn npz_arbitrary_bytes(tail in arbitrary_bytes(), with_magic in any::<bool>()) {
        // Half of the inputs start with a ZIP local header signature.
        let mut bytes = if with_magic { b"PK\x03\x04".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(&tail);
        bytes.truncate(MAX_LEN);
        all_npz(&bytes);
    }

    #[test]
    fn npz_mutated(m in mutation()) {
        all_npz(&m.apply(&valid_npz()));
    }

    #[test]
    fn npy_mutated(m in mutation(), fortran in any::<bool>()) {
        let valid = if fortran { valid_npy_f4_fortran() } else { valid_npy_f8() };
        all_npy(&m.apply(&valid));
    }

    #[test]
    fn npy_arbitrary_header(header in "\\{[ -~]{0,120}\\}", data in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&data);
        all_npy(&bytes);
    }

    #[test]
    fn idx_arbitrary_bytes(tail in arbitrary_bytes(), prefix in 0usize..3) {
        // Prefixes that reach the type, dimension and gzip code paths.
        let mut bytes = match prefix {
            0 => Vec::new(),
            1 => vec![0, 0],
            _ => vec![0x1f, 0x8b],
        };
        bytes.extend_from_slice(&tail);
        bytes.truncate(MAX_LEN);
        all_idx(&bytes);
    }

    #[test]
    fn idx_mutated_plain(m in mutation(), floats in any::<bool>()) {
        let valid = if floats { valid_idx_f64() } else { valid_idx_images() };
        all_idx(&m.apply(&valid));
    }

    #[test]
    fn idx_mutated_before_and_after_gzip(m in mutation(), compress_after in any::<bool>()) {
        if compress_after {
            // Valid gzip around a damaged IDX file.
            all_idx(&gzip(&m.apply(&valid_idx_images())));
        } else {
            // A damaged gzip stream.
            all_idx(&m.apply(&gzip(&valid_idx_images())));
        }
    }
}

proptest! {
    // Each case writes a file, so a tenth of the cases (10000 in CI).
    #![proptest_config(ProptestConfig { cases: (cases() / 10).max(1), ..config() })]

    #[test]
    fn npy_file_reader_agrees_with_bytes(m in mutation(), fortran in any::<bool>(), case in any::<u64>()) {
        let valid = if fortran { valid_npy_f4_fortran() } else { valid_npy_f8() };
        let dir = std::env::temp_dir().join(format!("gradus-npy-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating a temporary directory");
        npy_file_agrees(&m.apply(&valid), &dir, case % 64);
    }
}

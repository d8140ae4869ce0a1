//! LIBSVM / svmlight text files.
//!
//! # Format
//!
//! One sample per line: `label index:value index:value ... # comment`.
//!
//! - Indices are **1-based** integers in `1..=4294967295` and must be strictly increasing within a line; feature
//!   `k` of the file becomes column `k − 1` of the matrix.
//! - Blank lines and lines that hold only a `#` comment are skipped; anything after `#` is ignored.
//! - `qid:` tokens (svmlight's query ids for ranking) are skipped.
//! - Labels and values are decimal floating-point numbers; NaN and ±∞ are rejected with the line and column.
//!   Labels are kept as written (±1, 0/1, class numbers, regression targets); [`binary_pm1`] and
//!   [`one_vs_rest_pm1`] map them to ±1 for classification.
//! - The number of features is the largest index in the file unless [`LibsvmOptions::n_features`] is given (useful to
//!   give a test file the width of its training file); an index beyond it is an error.
//! - Files starting with the gzip magic bytes `1f 8b` are decompressed on the fly (detected by content, not name).
//!
//! The matrix is returned as CSR by default (the format is sparse), dense on request. Explicit zeros in the file are
//! stored as they are.
//!
//! Every error names the file, the 1-based line and the 1-based byte column of the offending token, for example
//! `data.svm:17:4: feature index 0 is not >= 1 (LIBSVM indices are 1-based)`. No input makes the reader panic.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use gradus_oracle::design::{Csr, Design};
use ndarray::{Array1, Array2};

use crate::error::{DataError, Result, invalid, snippet};

/// How to read a LIBSVM file.
#[derive(Debug, Clone, PartialEq)]
pub struct LibsvmOptions {
    /// Number of features (columns). `None`: the largest index in the file. An index larger than this is an error.
    pub n_features: Option<usize>,
    /// Return a dense matrix instead of CSR.
    pub dense: bool,
    /// Largest number of entries (rows × columns) a dense result may have; a larger request is an error rather than a
    /// huge allocation. Default 2²⁷ (1 GiB of `f64`).
    pub max_dense_elements: usize,
}

/// Default limit on rows × columns of a dense result: 2²⁷ values, 1 GiB of `f64`.
pub const DEFAULT_MAX_DENSE_ELEMENTS: usize = 1 << 27;

impl Default for LibsvmOptions {
    fn default() -> Self {
        LibsvmOptions {
            n_features: None,
            dense: false,
            max_dense_elements: DEFAULT_MAX_DENSE_ELEMENTS,
        }
    }
}

impl LibsvmOptions {
    /// Sets the number of features.
    pub fn n_features(mut self, n: usize) -> Self {
        self.n_features = Some(n);
        self
    }

    /// Asks for a dense (`true`) or CSR (`false`) matrix.
    pub fn dense(mut self, dense: bool) -> Self {
        self.dense = dense;
        self
    }
}

/// A LIBSVM data set: the design matrix, the raw labels and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LibsvmData {
    /// The n × d data matrix (CSR unless a dense one was asked for).
    pub x: Design,
    /// The labels as written in the file.
    pub y: Array1<f64>,
    /// The file path (or the name given to an in-memory input).
    pub path: String,
}

impl LibsvmData {
    /// Number of samples n.
    pub fn nrows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of features d.
    pub fn ncols(&self) -> usize {
        self.x.ncols()
    }

    /// The labels mapped to ±1 by [`binary_pm1`].
    pub fn binary_labels(&self) -> Result<Array1<f64>> {
        binary_pm1(&self.y)
    }

    /// The labels mapped to ±1 by [`one_vs_rest_pm1`] (+1 for `class`, −1 for every other label).
    pub fn one_vs_rest_labels(&self, class: f64) -> Result<Array1<f64>> {
        one_vs_rest_pm1(&self.y, class)
    }
}

/// Reads a LIBSVM file (plain or gzip) into a CSR matrix with the default options.
pub fn read_libsvm(path: impl AsRef<Path>) -> Result<LibsvmData> {
    read_libsvm_with(path, &LibsvmOptions::default())
}

/// Reads a LIBSVM file (plain or gzip) with the given options.
pub fn read_libsvm_with(path: impl AsRef<Path>, options: &LibsvmOptions) -> Result<LibsvmData> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let io_err = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io_err)?);
    let is_gzip = reader.fill_buf().map_err(io_err)?.starts_with(&GZIP_MAGIC);
    if is_gzip {
        parse_libsvm(BufReader::new(MultiGzDecoder::new(reader)), &name, options)
    } else {
        parse_libsvm(reader, &name, options)
    }
}

/// The first two bytes of every gzip stream.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Parses LIBSVM text from any buffered reader (a `&[u8]` works); `name` is used in error messages.
pub fn parse_libsvm(mut reader: impl BufRead, name: &str, options: &LibsvmOptions) -> Result<LibsvmData> {
    if let Some(nf) = options.n_features
        && nf > u32::MAX as usize
    {
        return Err(invalid(
            "n_features",
            nf,
            "must be at most 4294967295 (indices are stored in 32 bits)",
        ));
    }
    let mut rows = RowsBuilder::new();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf).map_err(|source| DataError::Io {
            path: name.into(),
            source,
        })?;
        if read == 0 {
            break;
        }
        line_no += 1;
        let at = Location {
            path: name,
            line: line_no,
        };
        parse_line(&buf, &at, options.n_features, &mut rows)?;
    }
    rows.finish(name, options)
}

/// Where a line came from, for error messages.
struct Location<'a> {
    path: &'a str,
    line: usize,
}

/// Rows accumulated in CSR form while parsing.
struct RowsBuilder {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
    labels: Vec<f64>,
    /// Largest 1-based index seen.
    max_index: u64,
}

impl RowsBuilder {
    fn new() -> Self {
        RowsBuilder {
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
            labels: Vec::new(),
            max_index: 0,
        }
    }

    /// The data set, with the column count, the empty-file check and the dense conversion.
    fn finish(self, name: &str, options: &LibsvmOptions) -> Result<LibsvmData> {
        let nrows = self.labels.len();
        if nrows == 0 {
            return Err(DataError::NoSamples { path: name.into() });
        }
        // max_index <= u32::MAX (checked per token), so it fits in usize on 32- and 64-bit targets.
        let ncols = options.n_features.unwrap_or(self.max_index as usize);
        let csr = Csr::new(nrows, ncols, self.indptr, self.indices, self.data)?;
        let x = if options.dense {
            let too_large = DataError::DenseTooLarge {
                path: name.into(),
                nrows,
                ncols,
                max: options.max_dense_elements,
            };
            match nrows.checked_mul(ncols) {
                Some(size) if size <= options.max_dense_elements => Design::dense(csr_to_dense(&csr))?,
                _ => return Err(too_large),
            }
        } else {
            Design::sparse(csr)?
        };
        Ok(LibsvmData {
            x,
            y: Array1::from(self.labels),
            path: name.into(),
        })
    }
}

/// The dense copy of a CSR matrix.
fn csr_to_dense(csr: &Csr) -> Array2<f64> {
    let mut a = Array2::zeros((csr.nrows(), csr.ncols()));
    for (i, mut row) in a.rows_mut().into_iter().enumerate() {
        let (idx, val) = csr.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            row[j as usize] = v;
        }
    }
    a
}

/// Whitespace-separated tokens of a line with their 0-based byte offsets.
fn tokens(line: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < line.len() && line[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= line.len() {
            return None;
        }
        let start = pos;
        while pos < line.len() && !line[pos].is_ascii_whitespace() {
            pos += 1;
        }
        Some((start, &line[start..pos]))
    })
}

/// The line without its `#` comment.
fn strip_comment(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == b'#') {
        Some(k) => &line[..k],
        None => line,
    }
}

/// A decimal floating-point number (Rust's `f64` syntax, which accepts what C's `strtod` does for decimal input).
fn parse_f64(token: Option<&str>) -> Option<f64> {
    token?.parse::<f64>().ok()
}

/// A LIBSVM feature index: an unsigned decimal integer (an optional `+`, then at least one digit, as Rust's
/// `u64` syntax) that fits in 32 bits (0 is checked by the caller). Read digit by digit from the bytes.
fn parse_index(token: &[u8]) -> Option<u64> {
    let digits = token.strip_prefix(b"+").unwrap_or(token);
    if digits.is_empty() {
        return None;
    }
    let mut v = 0u64;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
        if v > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(v)
}

/// Parses one line into `rows` (blank and comment lines add nothing).
fn parse_line(line: &[u8], at: &Location, n_features: Option<usize>, rows: &mut RowsBuilder) -> Result<()> {
    let bytes = strip_comment(line);
    // One UTF-8 check per line; a line that is not UTF-8 is checked token by token, so its error names the token.
    let text = std::str::from_utf8(bytes).ok();
    let as_str = |offset: usize, len: usize| -> Option<&str> {
        match text {
            // Token boundaries are ASCII whitespace, ':' or the line's ends: always char boundaries.
            Some(t) => t.get(offset..offset + len),
            None => std::str::from_utf8(&bytes[offset..offset + len]).ok(),
        }
    };
    let mut toks = tokens(bytes);
    let Some((label_at, label_tok)) = toks.next() else {
        return Ok(());
    };
    let line = at.line;
    let path = || at.path.to_string();
    let label = parse_f64(as_str(label_at, label_tok.len())).ok_or_else(|| DataError::BadLabel {
        path: path(),
        line,
        token: snippet(label_tok),
    })?;
    if !label.is_finite() {
        return Err(DataError::NonFiniteLabel {
            path: path(),
            line,
            value: label,
        });
    }
    let mut previous = 0u64;
    for (offset, tok) in toks {
        if tok.starts_with(b"qid:") {
            continue;
        }
        let column = offset + 1;
        let Some(colon) = tok.iter().position(|&b| b == b':') else {
            return Err(DataError::BadPair {
                path: path(),
                line,
                column,
                token: snippet(tok),
            });
        };
        let (index_tok, value_tok) = (&tok[..colon], &tok[colon + 1..]);
        let Some(index) = parse_index(index_tok) else {
            return Err(DataError::BadIndex {
                path: path(),
                line,
                column,
                token: snippet(index_tok),
            });
        };
        if index == 0 {
            return Err(DataError::ZeroIndex {
                path: path(),
                line,
                column,
            });
        }
        if index <= previous {
            return Err(DataError::IndexNotIncreasing {
                path: path(),
                line,
                column,
                index,
                previous,
            });
        }
        if let Some(nf) = n_features
            && index > nf as u64
        {
            return Err(DataError::IndexOutOfRange {
                path: path(),
                line,
                column,
                index,
                n_features: nf,
            });
        }
        let Some(value) = parse_f64(as_str(offset + colon + 1, value_tok.len())) else {
            return Err(DataError::BadValue {
                path: path(),
                line,
                column,
                index,
                token: snippet(value_tok),
            });
        };
        if !value.is_finite() {
            return Err(DataError::NonFiniteValue {
                path: path(),
                line,
                column,
                index,
                value,
            });
        }
        previous = index;
        // 1 <= index <= u32::MAX, so index - 1 fits in u32.
        rows.indices.push((index - 1) as u32);
        rows.data.push(value);
    }
    rows.max_index = rows.max_index.max(previous);
    rows.labels.push(label);
    rows.indptr.push(rows.data.len());
    Ok(())
}

/// The distinct values of `y` in increasing order.
fn distinct_sorted(y: &Array1<f64>) -> Vec<f64> {
    let mut v: Vec<f64> = y.iter().copied().collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| a.total_cmp(b).is_eq());
    v
}

/// Largest number of distinct values shown in a [`DataError::NotBinary`].
const MAX_SHOWN_LABELS: usize = 10;

/// Maps binary labels to ±1: the smaller of the two distinct values becomes −1 and the larger +1, so {0, 1},
/// {−1, 1}, {1, 2} all give the usual convention.
///
/// Labels that take a single value are kept if that value is −1 or +1 and 0 is mapped to −1 (a one-class subset of
/// {0, 1} or {−1, 1} data); any other single value, or more than two values, is a [`DataError::NotBinary`] (use
/// [`one_vs_rest_pm1`] for multiclass labels). An empty vector maps to an empty vector.
pub fn binary_pm1(y: &Array1<f64>) -> Result<Array1<f64>> {
    let values = distinct_sorted(y);
    match values.as_slice() {
        [] => Ok(Array1::zeros(0)),
        [v] if *v == 1.0 || *v == -1.0 => Ok(y.clone()),
        [v] if *v == 0.0 => Ok(Array1::from_elem(y.len(), -1.0)),
        [lo, _hi] => Ok(y.mapv(|t| if t == *lo { -1.0 } else { 1.0 })),
        _ => Err(DataError::NotBinary {
            distinct: values.len(),
            values: values.iter().copied().take(MAX_SHOWN_LABELS).collect(),
        }),
    }
}

/// One-vs-rest labels: +1 where `y == class`, −1 elsewhere. It is an error if `class` never occurs in `y`.
pub fn one_vs_rest_pm1(y: &Array1<f64>, class: f64) -> Result<Array1<f64>> {
    if !y.iter().any(|&t| t == class) {
        return Err(invalid("class", class, "does not occur among the labels"));
    }
    Ok(y.mapv(|t| if t == class { 1.0 } else { -1.0 }))
}

/// Convenience for tests and small inputs: parses a byte string with the default options.
pub fn parse_libsvm_bytes(bytes: &[u8], name: &str) -> Result<LibsvmData> {
    parse_libsvm(bytes, name, &LibsvmOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn parse(text: &str) -> Result<LibsvmData> {
        parse_libsvm_bytes(text.as_bytes(), "t.svm")
    }

    fn dense_of(d: &LibsvmData) -> Array2<f64> {
        match &d.x {
            Design::Dense(a) => a.to_array(),
            Design::Sparse(s) => s.to_dense(),
        }
    }

    #[test]
    fn reads_rows_labels_comments_and_qid() {
        let text = "# header comment\n\
                    +1 1:0.5 3:2 # trailing comment\n\
                    \n\
                    -1 qid:7 2:-1.5e0\r\n\
                    \t  \n\
                    1\n\
                    0 3:4";
        let d = parse(text).unwrap();
        assert_eq!(d.path, "t.svm");
        assert!(d.x.is_sparse());
        assert_eq!(d.y, array![1.0, -1.0, 1.0, 0.0]);
        assert_eq!(
            dense_of(&d),
            array![[0.5, 0.0, 2.0], [0.0, -1.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 4.0]]
        );
    }

    #[test]
    fn dense_and_n_features_options() {
        let opts = LibsvmOptions::default().n_features(5).dense(true);
        let d = parse_libsvm("2 1:1 4:3\n7 2:1\n".as_bytes(), "t.svm", &opts).unwrap();
        assert!(!d.x.is_sparse());
        assert_eq!((d.nrows(), d.ncols()), (2, 5));
        assert_eq!(dense_of(&d).row(0).to_vec(), vec![1.0, 0.0, 0.0, 3.0, 0.0]);
    }

    /// A predicate on the error an input must produce.
    type ErrorCheck = fn(&DataError) -> bool;

    #[test]
    fn every_error_names_line_and_column() {
        let cases: Vec<(&str, ErrorCheck)> = vec![
            (
                "1 1:1\nabc 1:1\n",
                |e| matches!(e, DataError::BadLabel { line: 2, token, .. } if token == "abc"),
            ),
            ("1 1:1\n\nnan 1:1\n", |e| {
                matches!(e, DataError::NonFiniteLabel { line: 3, .. })
            }),
            ("1 1:1 foo\n", |e| {
                matches!(e, DataError::BadPair { line: 1, column: 7, .. })
            }),
            ("1 x:1\n", |e| {
                matches!(e, DataError::BadIndex { line: 1, column: 3, .. })
            }),
            ("1 -2:1\n", |e| matches!(e, DataError::BadIndex { line: 1, .. })),
            ("1 4294967296:1\n", |e| matches!(e, DataError::BadIndex { line: 1, .. })),
            ("1 1:1\n1 0:1\n", |e| {
                matches!(e, DataError::ZeroIndex { line: 2, column: 3, .. })
            }),
            ("1 3:1 2:1\n", |e| {
                matches!(
                    e,
                    DataError::IndexNotIncreasing {
                        line: 1,
                        column: 7,
                        index: 2,
                        previous: 3,
                        ..
                    }
                )
            }),
            ("1 3:1 3:1\n", |e| {
                matches!(
                    e,
                    DataError::IndexNotIncreasing {
                        index: 3,
                        previous: 3,
                        ..
                    }
                )
            }),
            (
                "1 2:abc\n",
                |e| matches!(e, DataError::BadValue { line: 1, index: 2, token, .. } if token == "abc"),
            ),
            ("1 2:\n", |e| matches!(e, DataError::BadValue { index: 2, .. })),
            ("1 2:inf\n", |e| {
                matches!(e, DataError::NonFiniteValue { line: 1, index: 2, .. })
            }),
            ("# only a comment\n\n", |e| matches!(e, DataError::NoSamples { .. })),
            ("", |e| matches!(e, DataError::NoSamples { .. })),
        ];
        for (text, check) in cases {
            let err = parse(text).unwrap_err();
            assert!(check(&err), "input {text:?} gave {err:?}");
        }
        assert_eq!(parse("1 1:1\n1 1:1 9:2\n").unwrap().ncols(), 9);
        let opts = LibsvmOptions::default().n_features(4);
        let err = parse_libsvm("1 1:1\n1 1:1 9:2\n".as_bytes(), "t.svm", &opts).unwrap_err();
        assert!(matches!(
            err,
            DataError::IndexOutOfRange {
                line: 2,
                index: 9,
                n_features: 4,
                ..
            }
        ));
        assert_eq!(err.to_string(), "t.svm:2:7: feature index 9 exceeds n_features = 4");
    }

    #[test]
    fn index_parsing_agrees_with_rusts_u64_syntax_within_32_bits() {
        let reference = |t: &[u8]| {
            let v = std::str::from_utf8(t).ok()?.parse::<u64>().ok()?;
            (v <= u64::from(u32::MAX)).then_some(v)
        };
        for t in [
            "0",
            "1",
            "+7",
            "007",
            "4294967295",
            "4294967296",
            "99999999999999999999999",
            "",
            "+",
            "-1",
            "1.0",
            "1e3",
            " 1",
            "٣",
            "12a",
            "++1",
        ] {
            assert_eq!(parse_index(t.as_bytes()), reference(t.as_bytes()), "{t:?}");
        }
    }

    #[test]
    fn zero_index_message() {
        let mut text = String::new();
        for _ in 0..16 {
            text.push_str("1 1:1\n");
        }
        text.push_str("1 0:1\n");
        let err = parse_libsvm_bytes(text.as_bytes(), "data.svm").unwrap_err();
        assert_eq!(
            err.to_string(),
            "data.svm:17:3: feature index 0 is not >= 1 (LIBSVM indices are 1-based)"
        );
    }

    #[test]
    fn rejects_bad_parameters_and_huge_dense_requests() {
        let opts = LibsvmOptions {
            n_features: Some(u32::MAX as usize + 1),
            ..Default::default()
        };
        assert!(matches!(
            parse_libsvm("1 1:1\n".as_bytes(), "t", &opts),
            Err(DataError::InvalidParameter { name: "n_features", .. })
        ));
        let opts = LibsvmOptions {
            dense: true,
            max_dense_elements: 100,
            n_features: None,
        };
        let err = parse_libsvm("1 4000000000:1\n".as_bytes(), "t", &opts).unwrap_err();
        assert!(matches!(
            err,
            DataError::DenseTooLarge {
                nrows: 1,
                ncols: 4_000_000_000,
                max: 100,
                ..
            }
        ));
        // Sparse reading of the same file is fine: no allocation depends on the index.
        let d = parse("1 4000000000:1\n").unwrap();
        assert_eq!(d.ncols(), 4_000_000_000);
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let err = parse_libsvm_bytes(b"1 1:\xff\n", "t").unwrap_err();
        assert!(matches!(err, DataError::BadValue { .. }));
        let err = parse_libsvm_bytes(b"\xfe 1:1\n", "t").unwrap_err();
        assert!(matches!(err, DataError::BadLabel { .. }));
    }

    #[test]
    fn binary_label_mapping() {
        assert_eq!(binary_pm1(&array![0.0, 1.0, 1.0]).unwrap(), array![-1.0, 1.0, 1.0]);
        assert_eq!(binary_pm1(&array![-1.0, 1.0]).unwrap(), array![-1.0, 1.0]);
        assert_eq!(binary_pm1(&array![2.0, 1.0]).unwrap(), array![1.0, -1.0]);
        assert_eq!(binary_pm1(&array![1.0, 1.0]).unwrap(), array![1.0, 1.0]);
        assert_eq!(binary_pm1(&array![0.0]).unwrap(), array![-1.0]);
        assert!(matches!(
            binary_pm1(&array![5.0]),
            Err(DataError::NotBinary { distinct: 1, .. })
        ));
        let err = binary_pm1(&array![0.0, 1.0, 2.0, 1.0]).unwrap_err();
        assert!(matches!(&err, DataError::NotBinary { distinct: 3, values } if values == &vec![0.0, 1.0, 2.0]));
    }

    #[test]
    fn one_vs_rest_mapping() {
        let y = array![0.0, 1.0, 2.0, 1.0];
        assert_eq!(one_vs_rest_pm1(&y, 1.0).unwrap(), array![-1.0, 1.0, -1.0, 1.0]);
        assert!(matches!(
            one_vs_rest_pm1(&y, 7.0),
            Err(DataError::InvalidParameter { name: "class", .. })
        ));
        let d = parse("3 1:1\n1 1:2\n").unwrap();
        assert_eq!(d.one_vs_rest_labels(3.0).unwrap(), array![1.0, -1.0]);
        assert_eq!(d.binary_labels().unwrap(), array![1.0, -1.0]);
    }

    #[test]
    fn reads_plain_and_gzip_files() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("gradus-data-libsvm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = b"1 1:1 2:2\n-1 2:3\n";
        let plain = dir.join("a.svm");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.join("a.svm.whatever");
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(text).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let a = read_libsvm(&plain).unwrap();
        let b = read_libsvm(&gz).unwrap();
        assert_eq!(a.x, b.x);
        assert_eq!(a.y, b.y);
        let missing = read_libsvm(dir.join("missing.svm")).unwrap_err();
        assert!(matches!(missing, DataError::Io { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

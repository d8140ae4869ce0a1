//! NPY files (NumPy's `np.save` format), read and written.
//!
//! # Format
//!
//! ```text
//! \x93NUMPY  major minor  header_len  header                                  data
//! 6 bytes    1 B   1 B    u16 LE (v1) '{'descr': '<f8', 'fortran_order':     count × itemsize bytes
//!                         u32 LE (v2, v3)  False, 'shape': (3, 4), }' + pad
//! ```
//!
//! The header is a Python dict literal (Latin-1 in v1/v2, UTF-8 in v3) padded with spaces and a final newline.
//!
//! **Read:** versions 1.0, 2.0 and 3.0; element types `f8` and `f4` (NaN and ±∞ are rejected, naming the element —
//! `[row, column]` for matrices), the integer types `i1 i2 i4 i8 u1 u2 u4 u8` and booleans `b1` (label files;
//! `False` → 0, `True` → 1), each little- or big-endian, all converted to `f64`. C order and Fortran order are both
//! read; matrices are always returned row-major ([`read_npy_matrix`]). Labels may be shaped `(n,)` or `(n, 1)`
//! ([`read_npy_labels`]). Structured, complex, string and object arrays are refused with
//! [`DataError::Unsupported`].
//!
//! **Write:** [`write_npy_vector`] and [`write_npy_matrix`] write float64, little-endian, C order, version 1.0 — what
//! `np.load` expects and what the `gradus` command-line tool uses for weight vectors.
//!
//! # Why an own reader rather than `ndarray-npy`
//!
//! `ndarray-npy` 0.10 (which supports ndarray 0.17) allocates its output from the shape in the header
//! (`vec![0; len]`) before it has seen the data, and the header buffer from the claimed header length, so a 100-byte
//! file claiming a shape of (10⁹, 10⁹)/8 or a 4 GiB header makes it allocate gigabytes; it also pulls in a Python
//! literal parser (`py_literal`, with `pest`) for a dict of three keys. The format is small and documented
//! (<https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html>), so this module reads the header,
//! checks every claimed size against the bytes that are actually there before allocating anything, reads the
//! data straight into the output (no second copy of the file), and reports errors with the byte offset. The fuzz tests in `tests/fuzz_readers.rs` feed it arbitrary bytes.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use gradus_oracle::design::{DenseMatrix, Design, all_finite};
use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayView2, Dimension, Ix1, Ix2, IxDyn, ShapeBuilder};

use crate::error::{DataError, Result, snippet};

/// The format's name in error messages.
const FORMAT: &str = "NPY";
/// The six bytes every NPY file starts with.
const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Header (including magic, version and length) is padded to a multiple of this.
const HEADER_ALIGN: usize = 64;

/// Reads a 2-D NPY file (C or Fortran order) into a row-major matrix.
pub fn read_npy_matrix(path: impl AsRef<Path>) -> Result<Array2<f64>> {
    let name = path.as_ref().display().to_string();
    into_matrix(read_npy(path)?, &name)
}

/// A 2-D NPY file of native-endian float64 values in C order, **mapped** into memory rather than read, as a dense
/// [`Design`]: the matrix's values are the file's pages in the operating system's page cache, used in place
/// ([`DenseMatrix::borrowed`], the map its owner), so loading allocates and copies nothing. Every value is checked
/// to be finite, once ([`Design::dense_matrix`]; the error names the file and the element, as
/// [`read_npy_matrix`]'s does).
///
/// Returns `Ok(None)` for any other file, which [`read_npy_matrix`] reads (or refuses): another shape, element type,
/// byte order or Fortran order, an empty matrix, data not aligned for `f64` in the file, or a file that cannot be
/// mapped. Set `GRADUS_NO_MMAP` (to anything) to get `None` always.
///
/// The file must not be changed or truncated while the matrix lives: the values are read from it on every pass (a
/// truncated file makes the process fail with a bus error, a rewritten one changes the data under the solver), as
/// with any memory-mapped input.
pub fn map_npy_design(path: impl AsRef<Path>) -> Result<Option<Design>> {
    if std::env::var_os("GRADUS_NO_MMAP").is_some() {
        return Ok(None);
    }
    let path = path.as_ref();
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    // SAFETY: the map is only read, and the contract above (the file is not changed while the matrix lives) is the
    // caller's, as documented; memmap2 keeps the mapping valid until the `Mmap` is dropped, which owns the matrix.
    let Ok(map) = (unsafe { memmap2::MmapOptions::new().populate().map(&file) }) else {
        return Ok(None);
    };
    let header = parse_header(&map, &name)?;
    header.check_data_len(file_len - header.data_start as u64, &name)?;
    let [n, d] = header.shape[..] else {
        return Ok(None);
    };
    let data = &map[header.data_start..];
    if !header.dtype.is_native_f64()
        || header.fortran_order
        || header.count == 0
        || !data.as_ptr().cast::<f64>().is_aligned()
    {
        return Ok(None);
    }
    let values: &[f64] = bytemuck::cast_slice(data);
    gradus_oracle::memory::collapse_huge_pages(values);
    let ptr = values.as_ptr();
    // SAFETY: `ptr` points to n · d aligned f64 inside the map, which the matrix owns (moving the `Mmap` does not
    // move the mapping) and nobody writes (the map is read-only; the file is not changed, see above).
    let matrix = unsafe { DenseMatrix::borrowed(ptr, n, d, Box::new(map)) };
    match Design::dense_matrix(matrix) {
        Ok(design) => Ok(Some(design)),
        // With n · d > 0 the one failure left is a non-finite value, which the reader names.
        Err(_) => read_npy_matrix(path).map(|_| None),
    }
}

/// Reads a 1-D NPY file (labels, weights).
pub fn read_npy_vector(path: impl AsRef<Path>) -> Result<Array1<f64>> {
    let name = path.as_ref().display().to_string();
    into_vector(read_npy(path)?, &name)
}

/// Reads a label file: a 1-D array `(n,)` or a column `(n, 1)` (what `y.reshape(-1, 1)` saves) of floats,
/// integers or booleans.
pub fn read_npy_labels(path: impl AsRef<Path>) -> Result<Array1<f64>> {
    let name = path.as_ref().display().to_string();
    into_labels(read_npy(path)?, &name)
}

/// Parses the bytes of a label file (see [`read_npy_labels`]); `name` is used in error messages.
pub fn parse_npy_labels(bytes: &[u8], name: &str) -> Result<Array1<f64>> {
    into_labels(parse_npy(bytes, name)?, name)
}

/// Accepts `(n,)` and `(n, 1)`.
fn into_labels(a: ArrayD<f64>, name: &str) -> Result<Array1<f64>> {
    match *a.shape() {
        [_] => into_vector(a, name),
        [n, 1] => Ok(Array1::from_iter(a).into_shape_with_order(n).expect("n elements")),
        _ => Err(DataError::BadShape {
            path: name.into(),
            expected: "labels shaped (n,) or (n, 1)",
            shape: a.shape().to_vec(),
        }),
    }
}

/// Parses the bytes of a 2-D NPY file; `name` is used in error messages.
pub fn parse_npy_matrix(bytes: &[u8], name: &str) -> Result<Array2<f64>> {
    into_matrix(parse_npy(bytes, name)?, name)
}

/// Checks that `a` is 2-D.
fn into_matrix(a: ArrayD<f64>, name: &str) -> Result<Array2<f64>> {
    if a.ndim() != 2 {
        return Err(DataError::BadShape {
            path: name.into(),
            expected: "a 2-D array",
            shape: a.shape().to_vec(),
        });
    }
    // ndim was just checked, so the conversion cannot fail.
    Ok(a.into_dimensionality::<Ix2>().expect("2-D array"))
}

/// Parses the bytes of a 1-D NPY file; `name` is used in error messages.
pub fn parse_npy_vector(bytes: &[u8], name: &str) -> Result<Array1<f64>> {
    into_vector(parse_npy(bytes, name)?, name)
}

/// Checks that `a` is 1-D.
fn into_vector(a: ArrayD<f64>, name: &str) -> Result<Array1<f64>> {
    if a.ndim() != 1 {
        return Err(DataError::BadShape {
            path: name.into(),
            expected: "a 1-D array",
            shape: a.shape().to_vec(),
        });
    }
    // ndim was just checked, so the conversion cannot fail.
    Ok(a.into_dimensionality::<Ix1>().expect("1-D array"))
}

/// Parses the bytes of an NPY file of any rank into a standard-layout (row-major) array.
pub fn parse_npy(bytes: &[u8], name: &str) -> Result<ArrayD<f64>> {
    let header = parse_header(bytes, name)?;
    let data = &bytes[header.data_start..];
    header.check_data_len(data.len() as u64, name)?;
    header.assemble(header.dtype.decode(data), name)
}

/// Reads an NPY file of any rank. The header is read first and every claimed size is checked against the file's
/// length before anything is allocated; little-endian `f8` data (what NumPy writes) is then read straight into
/// the output vector (allocated by [`gradus_oracle::memory::zeroed`], so a large matrix lands on huge pages),
/// with no intermediate copy of the file.
pub fn read_npy(path: impl AsRef<Path>) -> Result<ArrayD<f64>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    // The preamble is at most 12 bytes; the header's claimed length is bounded by the file's.
    let mut prefix = Vec::new();
    (&mut file).take(12).read_to_end(&mut prefix).map_err(io)?;
    if let Ok(preamble) = read_preamble(&prefix) {
        let want = (preamble.end as u64).min(file_len).saturating_sub(prefix.len() as u64);
        (&mut file).take(want).read_to_end(&mut prefix).map_err(io)?;
    }
    let header = parse_header(&prefix, &name)?;
    header.check_data_len(file_len - header.data_start as u64, &name)?;
    if header.dtype.is_native_f64() {
        // Read in blocks that fit in the L2 cache, each checked for non-finite values while it is there.
        let mut values = gradus_oracle::memory::zeroed(header.count);
        let mut finite = true;
        for block in values.chunks_mut(READ_BLOCK) {
            file.read_exact(bytemuck::cast_slice_mut(block)).map_err(io)?;
            finite &= all_finite(block);
        }
        header.assemble_checked(values, &name, finite)
    } else {
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io)?;
        header.assemble(header.dtype.decode(&data), &name)
    }
}

/// The text of a 0-d or 1-element NPY array of bytes (`|S3`) or unicode (`<U3`), as SciPy stores a sparse
/// matrix's `format` (`b'csr'`); `None` if the bytes are not such an array.
pub(crate) fn parse_npy_string(bytes: &[u8]) -> Option<String> {
    let preamble = read_preamble(bytes).ok()?;
    let fields = parse_header_dict(bytes.get(preamble.start..preamble.end)?).ok()?;
    let data = &bytes[preamble.end..];
    let text: Vec<u8> = match fields.descr.as_bytes() {
        [b'|', b'S', ..] => data.to_vec(),
        [b'<', b'U', ..] => data
            .chunks(4)
            .map(|c| if c[1..].iter().all(|&b| b == 0) { c[0] } else { b'?' })
            .collect(),
        _ => return None,
    };
    Some(String::from_utf8_lossy(&text).trim_end_matches('\0').to_string())
}

/// What the header of an NPY file says about its data.
struct NpyHeader {
    /// First byte of the header dict (for error offsets).
    start: usize,
    /// First byte of the data.
    data_start: usize,
    dtype: Dtype,
    fortran_order: bool,
    shape: Vec<usize>,
    /// Number of elements (product of the shape).
    count: usize,
}

impl NpyHeader {
    /// The data must be exactly `count × itemsize` bytes.
    fn check_data_len(&self, actual: u64, name: &str) -> Result<()> {
        let expected = self.count.checked_mul(self.dtype.size);
        if expected.map(|e| e as u64) != Some(actual) {
            return Err(DataError::SizeMismatch {
                path: name.into(),
                format: FORMAT,
                expected: expected.map_or(u64::MAX, |e| e as u64),
                actual,
            });
        }
        Ok(())
    }

    /// Shapes the decoded values (file order) into a row-major array and rejects non-finite elements.
    fn assemble(&self, values: Vec<f64>, name: &str) -> Result<ArrayD<f64>> {
        self.assemble_checked(values, name, false)
    }

    /// [`Self::assemble`], skipping the scan for non-finite values when the caller already found none
    /// (`known_finite`).
    fn assemble_checked(&self, values: Vec<f64>, name: &str, known_finite: bool) -> Result<ArrayD<f64>> {
        let array = if self.fortran_order {
            ArrayD::from_shape_vec(IxDyn(&self.shape).f(), values).map(|a| a.as_standard_layout().into_owned())
        } else {
            ArrayD::from_shape_vec(IxDyn(&self.shape), values)
        };
        // The element count was checked against the data, so only an impossible layout can fail here.
        let array = array.map_err(|e| DataError::Malformed {
            path: name.into(),
            format: FORMAT,
            offset: self.start as u64,
            reason: format!("shape {:?}: {e}", self.shape),
        })?;
        if !known_finite {
            check_finite(&array, name)?;
        }
        Ok(array)
    }
}

/// Parses the preamble and header dict at the start of `bytes` (which may end right after the header).
fn parse_header(bytes: &[u8], name: &str) -> Result<NpyHeader> {
    let malformed = |offset: usize, reason: String| DataError::Malformed {
        path: name.into(),
        format: FORMAT,
        offset: offset as u64,
        reason,
    };
    let header = read_preamble(bytes).map_err(|(offset, reason)| malformed(offset, reason))?;
    let Some(text) = bytes.get(header.start..header.end) else {
        return Err(malformed(
            header.start,
            format!(
                "the header claims {} bytes but only {} remain",
                header.end - header.start,
                bytes.len().saturating_sub(header.start)
            ),
        ));
    };
    if header.major == 3 && std::str::from_utf8(text).is_err() {
        return Err(malformed(header.start, "a version 3 header must be UTF-8".into()));
    }
    let fields = parse_header_dict(text).map_err(|e| match e {
        HeaderError::Malformed(pos, reason) => malformed(header.start + pos, reason),
        HeaderError::Unsupported(what) => DataError::Unsupported {
            path: name.into(),
            format: FORMAT,
            what,
        },
    })?;
    let dtype = Dtype::parse(&fields.descr).ok_or_else(|| DataError::Unsupported {
        path: name.into(),
        format: FORMAT,
        what: format!(
            "element type '{}' (supported: f8 f4 i1 i2 i4 i8 u1 u2 u4 u8 b1)",
            snippet(fields.descr.as_bytes())
        ),
    })?;
    let count = element_count(&fields.shape)
        .ok_or_else(|| malformed(header.start, format!("shape {:?} is too large", fields.shape)))?;
    Ok(NpyHeader {
        start: header.start,
        data_start: header.end,
        dtype,
        fortran_order: fields.fortran_order,
        shape: fields.shape,
        count,
    })
}

/// Rejects the first NaN or ±∞ element (in row-major order), naming its position.
/// Values read per block by [`read_npy`] (1 MiB, inside the L2 cache).
const READ_BLOCK: usize = 1 << 17;

fn check_finite(a: &ArrayD<f64>, name: &str) -> Result<()> {
    // Fast path: a plain scan (indexed iteration over a dynamic-rank array builds an index per element, which
    // made this check 2/3 of the time to load a 160 MB file).
    if a.as_slice().map_or_else(|| a.iter().all(|v| v.is_finite()), all_finite) {
        return Ok(());
    }
    let Some((index, &value)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) else {
        return Ok(());
    };
    let path = name.to_string();
    Err(match *index.slice() {
        [row, column] => DataError::NonFiniteMatrixElement {
            path,
            row,
            column,
            value,
        },
        [i] => DataError::NonFiniteElement { path, index: i, value },
        _ => {
            // Flat row-major position for other ranks.
            let flat = index
                .slice()
                .iter()
                .zip(a.shape())
                .fold(0usize, |acc, (&i, &n)| acc * n + i);
            DataError::NonFiniteElement {
                path,
                index: flat,
                value,
            }
        }
    })
}

/// Product of the dimensions, `None` if it overflows or if the nonzero dimensions could not be an ndarray shape.
fn element_count(shape: &[usize]) -> Option<usize> {
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    if nonzero > isize::MAX as usize {
        return None;
    }
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Version and header byte range of an NPY file.
struct Preamble {
    major: u8,
    /// First byte of the header dict.
    start: usize,
    /// One past its last byte (may lie beyond the file; checked by the caller).
    end: usize,
}

/// Checks the magic and version and reads the header length.
fn read_preamble(bytes: &[u8]) -> std::result::Result<Preamble, (usize, String)> {
    if !bytes.starts_with(MAGIC) {
        return Err((0, "missing the magic string \\x93NUMPY (not an NPY file)".into()));
    }
    let (Some(&major), Some(&minor)) = (bytes.get(6), bytes.get(7)) else {
        return Err((6, "the file ends inside the version number".into()));
    };
    let len_size = match major {
        1 => 2,
        2 | 3 => 4,
        _ => {
            return Err((
                6,
                format!("unknown format version {major}.{minor} (known: 1.0, 2.0, 3.0)"),
            ));
        }
    };
    let start = 8 + len_size;
    let Some(len_bytes) = bytes.get(8..start) else {
        return Err((8, "the file ends inside the header length".into()));
    };
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Ok(Preamble {
        major,
        start,
        end: start.saturating_add(header_len),
    })
}

/// The three header fields.
#[derive(Debug, PartialEq)]
struct HeaderFields {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Why a header dict could not be used.
#[derive(Debug, PartialEq)]
enum HeaderError {
    /// Syntax error at a byte offset within the header.
    Malformed(usize, String),
    /// Valid syntax for a feature this reader does not support.
    Unsupported(String),
}

/// A value in the header dict.
#[derive(Debug, PartialEq)]
enum PyValue {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// Parses `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` followed by whitespace. Unknown keys are
/// ignored; the three known ones are required.
fn parse_header_dict(text: &[u8]) -> std::result::Result<HeaderFields, HeaderError> {
    let mut p = DictParser { s: text, pos: 0 };
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    p.expect(b'{')?;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key_pos = p.pos;
        let key = p.string()?;
        p.skip_ws();
        p.expect(b':')?;
        p.skip_ws();
        let value_pos = p.pos;
        let value = p.value()?;
        let wrong_type = |what: &str| HeaderError::Malformed(value_pos, format!("'{key}' must be {what}"));
        let duplicate = match key.as_str() {
            "descr" => descr.is_some(),
            "fortran_order" => fortran_order.is_some(),
            "shape" => shape.is_some(),
            _ => false,
        };
        if duplicate {
            return Err(HeaderError::Malformed(key_pos, format!("duplicate key '{key}'")));
        }
        match key.as_str() {
            "descr" => match value {
                PyValue::Str(s) => descr = Some(s),
                _ => return Err(wrong_type("a string")),
            },
            "fortran_order" => match value {
                PyValue::Bool(b) => fortran_order = Some(b),
                _ => return Err(wrong_type("True or False")),
            },
            "shape" => match value {
                PyValue::Tuple(t) => shape = Some(t),
                _ => return Err(wrong_type("a tuple of integers")),
            },
            _ => {}
        }
        p.skip_ws();
        if p.eat(b',') {
            continue;
        }
        p.skip_ws();
        p.expect(b'}')?;
        break;
    }
    p.skip_ws();
    if p.pos != text.len() {
        return Err(HeaderError::Malformed(
            p.pos,
            "unexpected bytes after the header dict".into(),
        ));
    }
    let missing = |key: &str| HeaderError::Malformed(0, format!("the header has no '{key}' key"));
    Ok(HeaderFields {
        descr: descr.ok_or_else(|| missing("descr"))?,
        fortran_order: fortran_order.ok_or_else(|| missing("fortran_order"))?,
        shape: shape.ok_or_else(|| missing("shape"))?,
    })
}

/// A cursor over the header bytes.
struct DictParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl DictParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> std::result::Result<(), HeaderError> {
        if self.eat(b) {
            Ok(())
        } else {
            let found = self
                .peek()
                .map_or("the end of the header".to_string(), |c| format!("{:?}", c as char));
            Err(HeaderError::Malformed(
                self.pos,
                format!("expected {:?}, found {found}", b as char),
            ))
        }
    }

    /// A Python string literal in single or double quotes (escapes are not needed for the keys and dtypes NumPy
    /// writes and are not interpreted).
    fn string(&mut self) -> std::result::Result<String, HeaderError> {
        let start = self.pos;
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(HeaderError::Malformed(start, "expected a quoted string".into())),
        };
        self.pos += 1;
        let body_start = self.pos;
        while let Some(b) = self.peek() {
            if b == quote {
                let body = &self.s[body_start..self.pos];
                self.pos += 1;
                return Ok(String::from_utf8_lossy(body).into_owned());
            }
            self.pos += 1;
        }
        Err(HeaderError::Malformed(start, "unterminated string".into()))
    }

    fn value(&mut self) -> std::result::Result<PyValue, HeaderError> {
        match self.peek() {
            Some(b'\'' | b'"') => self.string().map(PyValue::Str),
            Some(b'(') => self.tuple().map(PyValue::Tuple),
            Some(b'T') if self.s[self.pos..].starts_with(b"True") => {
                self.pos += 4;
                Ok(PyValue::Bool(true))
            }
            Some(b'F') if self.s[self.pos..].starts_with(b"False") => {
                self.pos += 5;
                Ok(PyValue::Bool(false))
            }
            Some(b'[') => Err(HeaderError::Unsupported(
                "a list in the header (structured dtypes are not read)".into(),
            )),
            _ => Err(HeaderError::Malformed(
                self.pos,
                "expected a string, True, False or a tuple".into(),
            )),
        }
    }

    /// `(3, 4)`, `(3,)`, `()`; Python 2's `3L` suffix is accepted.
    fn tuple(&mut self) -> std::result::Result<Vec<usize>, HeaderError> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(b')') {
                return Ok(dims);
            }
            dims.push(self.integer()?);
            self.skip_ws();
            if !self.eat(b',') {
                self.skip_ws();
                self.expect(b')')?;
                return Ok(dims);
            }
        }
    }

    fn integer(&mut self) -> std::result::Result<usize, HeaderError> {
        let start = self.pos;
        let mut v: usize = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(usize::from(b - b'0')))
                .ok_or_else(|| HeaderError::Malformed(start, "dimension too large".into()))?;
            self.pos += 1;
        }
        if self.pos == start {
            return Err(HeaderError::Malformed(start, "expected a non-negative integer".into()));
        }
        self.eat(b'L');
        Ok(v)
    }
}

/// Kinds of element this reader converts to `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    Uint,
    /// NumPy's `bool`: one byte, 0 or 1.
    Bool,
}

/// An element type: kind, size in bytes, byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dtype {
    kind: Kind,
    size: usize,
    big_endian: bool,
}

impl Dtype {
    /// Parses a NumPy type string such as `<f8`, `>i4`, `|u1`; `None` if unsupported.
    fn parse(descr: &str) -> Option<Dtype> {
        let bytes = descr.as_bytes();
        let (&order, rest) = bytes.split_first()?;
        let (&kind, size) = rest.split_first()?;
        let size: usize = std::str::from_utf8(size).ok()?.parse().ok()?;
        let kind = match kind {
            b'f' if size == 4 || size == 8 => Kind::Float,
            b'i' if matches!(size, 1 | 2 | 4 | 8) => Kind::Int,
            b'u' if matches!(size, 1 | 2 | 4 | 8) => Kind::Uint,
            b'b' if size == 1 => Kind::Bool,
            _ => return None,
        };
        let big_endian = match order {
            b'<' => false,
            b'>' => true,
            b'=' => cfg!(target_endian = "big"),
            b'|' if size == 1 => false,
            _ => return None,
        };
        Some(Dtype { kind, size, big_endian })
    }

    /// Whether the file's bytes are this machine's `f64`s, so they can be read in place.
    fn is_native_f64(self) -> bool {
        self.kind == Kind::Float && self.size == 8 && self.big_endian == cfg!(target_endian = "big")
    }

    /// Converts `data` (whose length is a multiple of the size) to `f64`, in file order.
    fn decode(self, data: &[u8]) -> Vec<f64> {
        let be = self.big_endian;
        match (self.kind, self.size) {
            (Kind::Float, 8) => decode_all(data, |b: [u8; 8]| {
                if be {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                }
            }),
            (Kind::Float, _) => decode_all(data, |b: [u8; 4]| {
                f64::from(if be {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                })
            }),
            (Kind::Int, 1) => decode_all(data, |b: [u8; 1]| f64::from(i8::from_le_bytes(b))),
            (Kind::Int, 2) => decode_all(data, |b: [u8; 2]| {
                f64::from(if be {
                    i16::from_be_bytes(b)
                } else {
                    i16::from_le_bytes(b)
                })
            }),
            (Kind::Int, 4) => decode_all(data, |b: [u8; 4]| {
                f64::from(if be {
                    i32::from_be_bytes(b)
                } else {
                    i32::from_le_bytes(b)
                })
            }),
            (Kind::Int, _) => decode_all(data, |b: [u8; 8]| {
                (if be {
                    i64::from_be_bytes(b)
                } else {
                    i64::from_le_bytes(b)
                }) as f64
            }),
            (Kind::Uint, 1) => decode_all(data, |b: [u8; 1]| f64::from(b[0])),
            (Kind::Bool, _) => decode_all(data, |b: [u8; 1]| if b[0] == 0 { 0.0 } else { 1.0 }),
            (Kind::Uint, 2) => decode_all(data, |b: [u8; 2]| {
                f64::from(if be {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                })
            }),
            (Kind::Uint, 4) => decode_all(data, |b: [u8; 4]| {
                f64::from(if be {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                })
            }),
            (Kind::Uint, _) => decode_all(data, |b: [u8; 8]| {
                (if be {
                    u64::from_be_bytes(b)
                } else {
                    u64::from_le_bytes(b)
                }) as f64
            }),
        }
    }
}

/// Applies `f` to each `N`-byte element of `data` (a trailing partial element is ignored; callers check sizes).
/// The output is allocated by [`gradus_oracle::memory::zeroed`] (huge pages for a large matrix).
pub(crate) fn decode_all<const N: usize>(data: &[u8], f: impl Fn([u8; N]) -> f64) -> Vec<f64> {
    let (chunks, _) = data.as_chunks::<N>();
    let mut out = gradus_oracle::memory::zeroed(chunks.len());
    for (o, &c) in out.iter_mut().zip(chunks) {
        *o = f(c);
    }
    out
}

/// Reads a whole file, returning its bytes and its displayed name.
pub(crate) fn read_file(path: &Path) -> Result<(Vec<u8>, String)> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((bytes, name)),
        Err(source) => Err(DataError::Io { path: name, source }),
    }
}

/// The Python tuple literal of a shape: `(3,)`, `(3, 4)`.
fn shape_literal(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The version 1.0 preamble and header for float64 C-order data of this shape, padded to 64 bytes.
fn npy_header(shape: &[usize]) -> Vec<u8> {
    let mut dict = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': {}, }}",
        shape_literal(shape)
    );
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    let pad = (HEADER_ALIGN - unpadded % HEADER_ALIGN) % HEADER_ALIGN;
    dict.extend(std::iter::repeat_n(' ', pad));
    dict.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    // The dict of a 1-D or 2-D shape is far shorter than 65535 bytes.
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes header and values (float64 little-endian, in the iterator's order).
fn write_npy_to(w: &mut impl Write, shape: &[usize], values: impl Iterator<Item = f64>) -> std::io::Result<()> {
    w.write_all(&npy_header(shape))?;
    for v in values {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()
}

/// The bytes of a version 1.0 float64 NPY file holding `v`.
pub fn npy_bytes_vector(v: ArrayView1<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + 8 * v.len());
    // Writing to a Vec cannot fail.
    write_npy_to(&mut out, &[v.len()], v.iter().copied()).expect("writing to memory");
    out
}

/// The bytes of a version 1.0 float64 C-order NPY file holding `a` (any memory layout of `a` is accepted).
pub fn npy_bytes_matrix(a: ArrayView2<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + 8 * a.len());
    // Writing to a Vec cannot fail; `iter` visits elements in logical row-major order.
    write_npy_to(&mut out, &[a.nrows(), a.ncols()], a.iter().copied()).expect("writing to memory");
    out
}

/// Writes `v` as a 1-D float64 NPY file (version 1.0), readable by `np.load`.
pub fn write_npy_vector(path: impl AsRef<Path>, v: &Array1<f64>) -> Result<()> {
    write_file(path.as_ref(), &[v.len()], v.iter().copied())
}

/// Writes `a` as a 2-D float64 C-order NPY file (version 1.0), readable by `np.load`.
pub fn write_npy_matrix(path: impl AsRef<Path>, a: &Array2<f64>) -> Result<()> {
    write_file(path.as_ref(), &[a.nrows(), a.ncols()], a.iter().copied())
}

/// Creates `path` and streams the file into it.
fn write_file(path: &Path, shape: &[usize], values: impl Iterator<Item = f64>) -> Result<()> {
    let err = |source| DataError::Write {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(err)?;
    write_npy_to(&mut BufWriter::new(file), shape, values).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// A hand-built NPY file with the given version, header dict and data.
    fn npy_file(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[major, 0]);
        let mut header = dict.to_string();
        header.push('\n');
        if major == 1 {
            out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn f4_le(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn header_is_64_byte_aligned_and_parses() {
        for shape in [vec![0], vec![3], vec![12345, 678]] {
            let h = npy_header(&shape);
            assert_eq!(h.len() % HEADER_ALIGN, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
            let fields = parse_header_dict(&h[10..]).unwrap();
            assert_eq!(
                fields,
                HeaderFields {
                    descr: "<f8".into(),
                    fortran_order: false,
                    shape
                }
            );
        }
    }

    #[test]
    fn round_trip_through_files() {
        let dir = std::env::temp_dir().join(format!("gradus-data-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let v = array![1.5, -2.0, 1e300, 0.0];
        let m = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        write_npy_vector(dir.join("v.npy"), &v).unwrap();
        write_npy_matrix(dir.join("m.npy"), &m).unwrap();
        assert_eq!(read_npy_vector(dir.join("v.npy")).unwrap(), v);
        assert_eq!(read_npy_matrix(dir.join("m.npy")).unwrap(), m);
        // A transposed (Fortran-layout) view is written in its logical order.
        let t = m.t().to_owned();
        assert_eq!(parse_npy_matrix(&npy_bytes_matrix(m.t()), "t").unwrap(), t);
        assert!(matches!(
            read_npy_vector(dir.join("m.npy")),
            Err(DataError::BadShape { .. })
        ));
        assert!(matches!(
            read_npy_matrix(dir.join("v.npy")),
            Err(DataError::BadShape { .. })
        ));
        assert!(matches!(
            read_npy_vector(dir.join("none.npy")),
            Err(DataError::Io { .. })
        ));
        assert!(matches!(
            write_npy_vector(dir.join("no/such/dir.npy"), &v),
            Err(DataError::Write { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_float32_and_fortran_order() {
        // [[1, 2, 3], [4, 5, 6]] stored column by column as float32.
        let data = f4_le(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let bytes = npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", &data);
        let m = parse_npy_matrix(&bytes, "f.npy").unwrap();
        assert_eq!(m, array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert!(m.is_standard_layout());
    }

    #[test]
    fn reads_big_endian_integers_and_versions_2_and_3() {
        let data: Vec<u8> = [1.0f64, -2.5].iter().flat_map(|v| v.to_be_bytes()).collect();
        let bytes = npy_file(
            2,
            "{\"descr\": \">f8\", \"fortran_order\": False, \"shape\": (2L,)}",
            &data,
        );
        assert_eq!(parse_npy_vector(&bytes, "b").unwrap(), array![1.0, -2.5]);
        let data: Vec<u8> = [3i64, -1, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bytes = npy_file(
            3,
            "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), 'extra': 'ok', }",
            &data,
        );
        assert_eq!(parse_npy_vector(&bytes, "i").unwrap(), array![3.0, -1.0, 7.0]);
        let data: Vec<u8> = [9i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bytes = npy_file(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", &data);
        assert_eq!(parse_npy_vector(&bytes, "i").unwrap(), array![9.0, 0.0]);
        let bytes = npy_file(
            1,
            "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
            &[255, 3],
        );
        assert_eq!(parse_npy_vector(&bytes, "u").unwrap(), array![255.0, 3.0]);
    }

    #[test]
    fn a_file_read_in_blocks_is_checked_for_non_finite_values_in_every_block() {
        let dir = std::env::temp_dir().join(format!("gradus-data-npy-blocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.npy");
        let rows = READ_BLOCK / 2 + 5;
        let clean = Array2::from_shape_fn((rows, 2), |(i, j)| i as f64 - j as f64);
        write_npy_matrix(&path, &clean).unwrap();
        assert_eq!(read_npy_matrix(&path).unwrap(), clean);
        // The first value of the second block, and one inside it.
        for (at, bad) in [(READ_BLOCK, f64::NAN), (READ_BLOCK + 3, f64::INFINITY)] {
            let mut m = clean.clone();
            m[[at / 2, at % 2]] = bad;
            write_npy_matrix(&path, &m).unwrap();
            let err = read_npy_matrix(&path).unwrap_err();
            assert!(
                matches!(err, DataError::NonFiniteMatrixElement { row, column, .. } if row == at / 2 && column == at % 2),
                "{err:?}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_mapped_matrix_is_the_read_matrix_and_other_files_are_left_to_the_reader() {
        let dir = std::env::temp_dir().join(format!("gradus-data-npy-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.npy");
        let m = Array2::from_shape_fn((700, 9), |(i, j)| (i as f64 * 0.37 - j as f64).sin());
        write_npy_matrix(&path, &m).unwrap();
        let mapped = map_npy_design(&path).unwrap().expect("C-order float64 is mapped");
        assert!(mapped.borrows_values());
        let Design::Dense(values) = &mapped else { unreachable!() };
        assert_eq!(values.view(), read_npy_matrix(&path).unwrap());
        // A non-finite value: the reader's error, naming the element.
        let mut bad = m.clone();
        bad[[640, 3]] = f64::NAN;
        write_npy_matrix(&path, &bad).unwrap();
        let err = map_npy_design(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::NonFiniteMatrixElement {
                    row: 640,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        // Fortran order, float32 and 1-D files are the reader's.
        let others = [
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }",
                &[0; 16],
            ),
            npy_file(
                1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                &[0; 8],
            ),
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", &[0; 16]),
            npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }", &[]),
        ];
        for bytes in others {
            std::fs::write(&path, bytes).unwrap();
            assert!(map_npy_design(&path).unwrap().is_none());
        }
        // A short file is refused as the reader refuses it.
        std::fs::write(
            &path,
            npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                &[0; 24],
            ),
        )
        .unwrap();
        assert!(matches!(map_npy_design(&path), Err(DataError::SizeMismatch { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rejects_non_finite_with_position() {
        let data = f4_le(&[1.0, 2.0, 3.0, f32::NAN]);
        let bytes = npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", &data);
        let err = parse_npy_matrix(&bytes, "m").unwrap_err();
        assert!(
            matches!(err, DataError::NonFiniteMatrixElement { row: 1, column: 1, .. }),
            "{err:?}"
        );
        // In Fortran order the 2nd stored element is [1, 0].
        let data = f4_le(&[1.0, f32::INFINITY, 3.0, 4.0]);
        let bytes = npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", &data);
        let err = parse_npy_matrix(&bytes, "m").unwrap_err();
        assert!(
            matches!(err, DataError::NonFiniteMatrixElement { row: 1, column: 0, .. }),
            "{err:?}"
        );
        let bytes = npy_bytes_vector(array![0.0, 1.0, f64::NEG_INFINITY].view());
        let err = parse_npy_vector(&bytes, "v").unwrap_err();
        assert!(matches!(err, DataError::NonFiniteElement { index: 2, .. }), "{err:?}");
        assert_eq!(err.to_string(), "v: element 2 is -inf (data must be finite)");
    }

    #[test]
    fn every_format_error() {
        let good = npy_bytes_vector(array![1.0, 2.0].view());
        let malformed = |bytes: &[u8], at: u64| {
            let e = parse_npy(bytes, "x").unwrap_err();
            assert!(
                matches!(e, DataError::Malformed { offset, .. } if offset == at),
                "{e:?} (wanted offset {at})"
            );
        };
        malformed(b"", 0);
        malformed(b"\x93NUMPX\x01\x00", 0);
        malformed(b"\x93NUMPY", 6);
        malformed(b"\x93NUMPY\x09\x00\x10\x00", 6);
        malformed(b"\x93NUMPY\x01\x00\x10", 8);
        // Header length larger than the file: no allocation, an error at the header start.
        malformed(b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 12);
        malformed(&npy_file(1, "{'descr': '<f8', 'fortran_order': False}", &[]), 10);
        malformed(&npy_file(1, "{'descr': '<f8' 'fortran_order': False}", &[]), 26);
        malformed(&npy_file(1, "{'descr': '<f8', 'descr': '<f8'}", &[]), 27);
        malformed(&npy_file(1, "{'descr': 5}", &[]), 20);
        malformed(
            &npy_file(1, "{'descr': True, 'fortran_order': False, 'shape': ()}", &[]),
            20,
        );
        malformed(
            &npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", &[]),
            66,
        );
        malformed(
            &npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                &[],
            ),
            61,
        );
        let mut v3_bad_utf8 = npy_file(3, "{'descr': 'x'}", &[]);
        v3_bad_utf8[22] = 0xff;
        malformed(&v3_bad_utf8, 12);
        // A huge claimed shape with few bytes is a size mismatch, found before any allocation.
        let huge = npy_file(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000)}",
            &[0; 16],
        );
        assert!(matches!(
            parse_npy(&huge, "x"),
            Err(DataError::SizeMismatch {
                expected: 8_000_000_000_000,
                actual: 16,
                ..
            })
        ));
        let bytes_overflow = npy_file(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}",
            &[],
        );
        assert!(matches!(
            parse_npy(&bytes_overflow, "x"),
            Err(DataError::SizeMismatch { expected: u64::MAX, .. })
        ));
        // Shapes whose element count cannot exist are malformed (reported at the header start).
        malformed(
            &npy_file(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967295)}",
                &[],
            ),
            10,
        );
        let overflow = npy_file(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807, 3)}",
            &[],
        );
        malformed(&overflow, 10);
        let short = &good[..good.len() - 1];
        assert!(matches!(
            parse_npy(short, "x"),
            Err(DataError::SizeMismatch {
                expected: 16,
                actual: 15,
                ..
            })
        ));
        let mut long = good.clone();
        long.push(0);
        assert!(matches!(
            parse_npy(&long, "x"),
            Err(DataError::SizeMismatch {
                expected: 16,
                actual: 17,
                ..
            })
        ));
        for descr in ["<c16", "|b2", "<U3", "<f2", "O", "", "<f", "!f8", "|f8"] {
            let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (0,), }}");
            let e = parse_npy(&npy_file(1, &dict, &[]), "x").unwrap_err();
            assert!(matches!(e, DataError::Unsupported { .. }), "{descr}: {e:?}");
        }
        let structured = npy_file(
            1,
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (0,)}",
            &[],
        );
        assert!(matches!(
            parse_npy(&structured, "x"),
            Err(DataError::Unsupported { .. })
        ));
    }

    #[test]
    fn labels_may_be_columns_or_booleans() {
        let column = npy_file(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1), }",
            &[1.0f64, -1.0, 1.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        assert_eq!(parse_npy_labels(&column, "y").unwrap(), array![1.0, -1.0, 1.0]);
        assert!(matches!(
            parse_npy_vector(&column, "y"),
            Err(DataError::BadShape { .. })
        ));
        let booleans = npy_file(
            1,
            "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
            &[1, 0, 1],
        );
        assert_eq!(parse_npy_labels(&booleans, "y").unwrap(), array![1.0, 0.0, 1.0]);
        let wide = npy_file(
            1,
            "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
            &[1, 0, 1, 0],
        );
        let e = parse_npy_labels(&wide, "y.npy").unwrap_err();
        assert_eq!(
            e.to_string(),
            "y.npy: expected labels shaped (n,) or (n, 1), found shape [2, 2]"
        );
    }

    #[test]
    fn zero_sized_and_scalar_arrays() {
        let bytes = npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", &[]);
        assert_eq!(parse_npy_matrix(&bytes, "z").unwrap().dim(), (0, 5));
        let bytes = npy_file(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
            &2.0f64.to_le_bytes(),
        );
        let a = parse_npy(&bytes, "s").unwrap();
        assert_eq!(a.ndim(), 0);
        assert!(matches!(parse_npy_vector(&bytes, "s"), Err(DataError::BadShape { .. })));
    }
}

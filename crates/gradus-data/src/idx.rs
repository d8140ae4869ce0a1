//! IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed.
//!
//! # Format
//!
//! ```text
//! 0x00 0x00 type ndim   dim_0 … dim_{ndim−1}      data
//! magic (4 bytes)       u32 big-endian each       dim_0 × … × dim_{ndim−1} elements, big-endian, row-major
//! ```
//!
//! Types: `0x08` unsigned byte (pixels and labels of (Fashion-)MNIST), `0x09` signed byte, `0x0B` i16, `0x0C` i32,
//! `0x0D` f32, `0x0E` f64. Every element is converted to `f64`; NaN and ±∞ in float files are rejected with their
//! position.
//!
//! Compression is detected from the content (the gzip magic bytes `1f 8b`), not from the file name. The data size
//! is computed from the header first; decompression stops one byte past it, so a small file whose header claims a
//! huge array fails with [`DataError::SizeMismatch`] after reading what is there, without allocating what the header
//! claims, and a gzip stream cannot inflate beyond the size its header announces.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use ndarray::{Array1, Array2};

use crate::error::{DataError, Result};
use crate::libsvm::GZIP_MAGIC;
use crate::npy::{decode_all, read_file};

/// The format's name in error messages.
const FORMAT: &str = "IDX";
/// Bytes read from the data stream at a time.
const READ_CHUNK: usize = 1 << 16;

/// The element type of an IDX file (third byte of the magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxType {
    /// `0x08`: unsigned byte.
    U8,
    /// `0x09`: signed byte.
    I8,
    /// `0x0B`: 16-bit signed integer.
    I16,
    /// `0x0C`: 32-bit signed integer.
    I32,
    /// `0x0D`: 32-bit float.
    F32,
    /// `0x0E`: 64-bit float.
    F64,
}

impl IdxType {
    /// The type for a type code, `None` if the code is not defined by the format.
    pub fn from_code(code: u8) -> Option<IdxType> {
        Some(match code {
            0x08 => IdxType::U8,
            0x09 => IdxType::I8,
            0x0B => IdxType::I16,
            0x0C => IdxType::I32,
            0x0D => IdxType::F32,
            0x0E => IdxType::F64,
            _ => return None,
        })
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }

    /// Converts big-endian `data` (a whole number of elements) to `f64`.
    fn decode(self, data: &[u8]) -> Vec<f64> {
        match self {
            IdxType::U8 => data.iter().map(|&b| f64::from(b)).collect(),
            IdxType::I8 => decode_all(data, |b: [u8; 1]| f64::from(i8::from_be_bytes(b))),
            IdxType::I16 => decode_all(data, |b: [u8; 2]| f64::from(i16::from_be_bytes(b))),
            IdxType::I32 => decode_all(data, |b: [u8; 4]| f64::from(i32::from_be_bytes(b))),
            IdxType::F32 => decode_all(data, |b: [u8; 4]| f64::from(f32::from_be_bytes(b))),
            IdxType::F64 => decode_all(data, f64::from_be_bytes),
        }
    }
}

/// The contents of an IDX file: element type, dimensions and the raw (big-endian) data, converted to `f64` on
/// demand so that a subset of rows never needs the whole array in `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    path: String,
    kind: IdxType,
    dims: Vec<usize>,
    raw: Vec<u8>,
}

impl IdxArray {
    /// The element type.
    pub fn kind(&self) -> IdxType {
        self.kind
    }

    /// The dimensions (at least one).
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The file this came from (or the name given to in-memory bytes).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Number of items: the first dimension.
    pub fn len(&self) -> usize {
        self.dims[0]
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of values per item: the product of the dimensions after the first (784 for 28 × 28 images, 1 for
    /// labels).
    pub fn item_len(&self) -> usize {
        // The parser checked that the product of all dimensions fits in usize; with dims[0] == 0 it checked the
        // product of the nonzero ones, so this product cannot overflow either.
        self.dims[1..].iter().product()
    }

    /// All items as an `n × item_len` matrix (row `i` is item `i` flattened in row-major order).
    pub fn to_matrix(&self) -> Result<Array2<f64>> {
        self.head_matrix(self.len())
    }

    /// The first `min(rows, n)` items as a matrix.
    pub fn head_matrix(&self, rows: usize) -> Result<Array2<f64>> {
        let rows = rows.min(self.len());
        let cols = self.item_len();
        let values = self.decode_prefix(rows * cols);
        if let Some(k) = first_non_finite(&values) {
            let (row, column) = (k / cols, k % cols);
            return Err(DataError::NonFiniteMatrixElement {
                path: self.path.clone(),
                row,
                column,
                value: values[k],
            });
        }
        Array2::from_shape_vec((rows, cols), values).map_err(|e| self.layout_error(e))
    }

    /// A 1-D file (labels) as a vector.
    pub fn to_vector(&self) -> Result<Array1<f64>> {
        self.head_vector(self.len())
    }

    /// The first `min(len, n)` entries of a 1-D file.
    pub fn head_vector(&self, len: usize) -> Result<Array1<f64>> {
        if self.dims.len() != 1 {
            return Err(DataError::BadShape {
                path: self.path.clone(),
                expected: "a 1-D array",
                shape: self.dims.clone(),
            });
        }
        let values = self.decode_prefix(len.min(self.len()));
        if let Some(index) = first_non_finite(&values) {
            return Err(DataError::NonFiniteElement {
                path: self.path.clone(),
                index,
                value: values[index],
            });
        }
        Ok(Array1::from(values))
    }

    /// The first `count` elements (count ≤ total, so the byte range lies inside `raw`).
    fn decode_prefix(&self, count: usize) -> Vec<f64> {
        let bytes = count * self.kind.size();
        self.kind.decode(&self.raw[..bytes.min(self.raw.len())])
    }

    fn layout_error(&self, e: ndarray::ShapeError) -> DataError {
        DataError::Malformed {
            path: self.path.clone(),
            format: FORMAT,
            offset: 4,
            reason: format!("dimensions: {e}"),
        }
    }
}

/// Index of the first NaN or ±∞.
fn first_non_finite(values: &[f64]) -> Option<usize> {
    values.iter().position(|v| !v.is_finite())
}

/// Reads an IDX file, plain or gzip.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let (bytes, name) = read_file(path.as_ref())?;
    parse_idx(&bytes, &name)
}

/// Reads an IDX image file into an `n × (product of the other dimensions)` matrix of raw values (pixels stay in
/// 0..=255; see [`crate::fashion_mnist`] for scaled pixels).
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<Array2<f64>> {
    read_idx(path)?.to_matrix()
}

/// Reads a 1-D IDX file (labels).
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Array1<f64>> {
    read_idx(path)?.to_vector()
}

/// Parses the bytes of an IDX file, gzip-compressed or not; `name` is used in error messages.
pub fn parse_idx(bytes: &[u8], name: &str) -> Result<IdxArray> {
    if bytes.starts_with(&GZIP_MAGIC) {
        parse_stream(MultiGzDecoder::new(bytes), name)
    } else {
        parse_stream(bytes, name)
    }
}

/// A cursor over a (possibly decompressing) byte stream that knows how far it has read.
struct Stream<'a, R> {
    inner: R,
    offset: u64,
    name: &'a str,
}

impl<R: Read> Stream<'_, R> {
    /// Reads into `buf` until it is full or the stream ends; returns the number of bytes read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(DataError::Decompress {
                        path: self.name.into(),
                        offset: self.offset + filled as u64,
                        source,
                    });
                }
            }
        }
        self.offset += filled as u64;
        Ok(filled)
    }

    /// Exactly `N` bytes, or a [`DataError::Malformed`] saying what the file ended inside.
    fn exact<const N: usize>(&mut self, inside: &str) -> Result<[u8; N]> {
        let start = self.offset;
        let mut buf = [0u8; N];
        if self.fill(&mut buf)? < N {
            return Err(self.malformed(start, format!("the file ends inside {inside}")));
        }
        Ok(buf)
    }

    /// Up to `limit` bytes, growing the buffer only as data arrives.
    fn up_to(&mut self, limit: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = vec![0u8; limit.min(READ_CHUNK as u64) as usize];
        while (out.len() as u64) < limit {
            let want = (limit - out.len() as u64).min(READ_CHUNK as u64) as usize;
            let got = self.fill(&mut chunk[..want])?;
            out.extend_from_slice(&chunk[..got]);
            if got < want {
                break;
            }
        }
        Ok(out)
    }

    fn malformed(&self, offset: u64, reason: String) -> DataError {
        DataError::Malformed {
            path: self.name.into(),
            format: FORMAT,
            offset,
            reason,
        }
    }
}

/// Parses header and data from a stream.
fn parse_stream(inner: impl Read, name: &str) -> Result<IdxArray> {
    let mut s = Stream { inner, offset: 0, name };
    let [zero0, zero1, code, ndim] = s.exact::<4>("the magic number")?;
    if (zero0, zero1) != (0, 0) {
        return Err(s.malformed(
            0,
            format!("the magic number must start with two zero bytes, found {zero0:02x} {zero1:02x} (not an IDX file)"),
        ));
    }
    let Some(kind) = IdxType::from_code(code) else {
        return Err(DataError::Unsupported {
            path: name.into(),
            format: FORMAT,
            what: format!("element type code 0x{code:02x} (known: 08 09 0b 0c 0d 0e)"),
        });
    };
    if ndim == 0 {
        return Err(s.malformed(3, "zero dimensions".into()));
    }
    let mut dims = Vec::with_capacity(usize::from(ndim));
    for k in 0..ndim {
        let d = u32::from_be_bytes(s.exact::<4>(&format!("dimension {k} of {ndim}"))?);
        // usize is at least 32 bits on every target this crate builds for.
        dims.push(d as usize);
    }
    let header_end = s.offset;
    let Some(expected) = data_size(&dims, kind.size()) else {
        return Err(s.malformed(
            4,
            format!("dimensions {dims:?} describe more data than can be addressed"),
        ));
    };
    // One byte more than needed, to detect trailing data.
    let raw = s.up_to(expected as u64 + 1)?;
    if raw.len() < expected {
        return Err(DataError::SizeMismatch {
            path: name.into(),
            format: FORMAT,
            expected: expected as u64,
            actual: raw.len() as u64,
        });
    }
    if raw.len() > expected {
        return Err(s.malformed(
            header_end + expected as u64,
            "trailing bytes after the data the header describes".into(),
        ));
    }
    Ok(IdxArray {
        path: name.into(),
        kind,
        dims,
        raw,
    })
}

/// Bytes of data described by the dimensions: their product times the element size. `None` if that overflows or if
/// the nonzero dimensions multiply past `isize::MAX` (no array could have that shape).
fn data_size(dims: &[usize], elem_size: usize) -> Option<usize> {
    let nonzero = dims
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(elem_size, |acc, &d| acc.checked_mul(d))?;
    if nonzero > isize::MAX as usize {
        return None;
    }
    dims.iter().try_fold(elem_size, |acc, &d| acc.checked_mul(d))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use ndarray::array;
    use std::io::Write;

    /// An IDX file with the given type code, dimensions and data bytes.
    pub(crate) fn idx_bytes(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn reads_plain_and_gzip_images_and_labels() {
        let images = idx_bytes(0x08, &[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
        let labels = idx_bytes(0x08, &[3], &[7, 0, 9]);
        for (imgs, labs) in [(images.clone(), labels.clone()), (gzip(&images), gzip(&labels))] {
            let a = parse_idx(&imgs, "img").unwrap();
            assert_eq!(a.kind(), IdxType::U8);
            assert_eq!(a.dims(), &[3, 2, 2]);
            assert_eq!((a.len(), a.item_len()), (3, 4));
            let m = a.to_matrix().unwrap();
            assert_eq!(m.row(2).to_vec(), vec![8.0, 9.0, 10.0, 255.0]);
            assert_eq!(a.head_matrix(2).unwrap().dim(), (2, 4));
            assert_eq!(a.head_matrix(99).unwrap(), m);
            assert!(matches!(a.to_vector(), Err(DataError::BadShape { .. })));
            let y = parse_idx(&labs, "lab").unwrap();
            assert_eq!(y.to_vector().unwrap(), array![7.0, 0.0, 9.0]);
            assert_eq!(y.head_vector(2).unwrap(), array![7.0, 0.0]);
            assert_eq!(y.to_matrix().unwrap().dim(), (3, 1));
        }
    }

    #[test]
    fn reads_every_element_type_big_endian() {
        let cases: Vec<(u8, Vec<u8>, Vec<f64>)> = vec![
            (0x09, vec![0xff, 0x7f], vec![-1.0, 127.0]),
            (
                0x0B,
                [-2i16, 300].iter().flat_map(|v| v.to_be_bytes()).collect(),
                vec![-2.0, 300.0],
            ),
            (
                0x0C,
                [-70000i32, 5].iter().flat_map(|v| v.to_be_bytes()).collect(),
                vec![-70000.0, 5.0],
            ),
            (
                0x0D,
                [0.5f32, -1.25].iter().flat_map(|v| v.to_be_bytes()).collect(),
                vec![0.5, -1.25],
            ),
            (
                0x0E,
                [1e300f64, -0.1].iter().flat_map(|v| v.to_be_bytes()).collect(),
                vec![1e300, -0.1],
            ),
        ];
        for (code, data, want) in cases {
            let a = parse_idx(&idx_bytes(code, &[2], &data), "x").unwrap();
            assert_eq!(a.to_vector().unwrap().to_vec(), want, "type 0x{code:02x}");
        }
    }

    #[test]
    fn rejects_non_finite_floats_with_position() {
        let data: Vec<u8> = [1.0f32, 2.0, 3.0, f32::NAN]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let a = parse_idx(&idx_bytes(0x0D, &[2, 2], &data), "f").unwrap();
        assert!(matches!(
            a.to_matrix(),
            Err(DataError::NonFiniteMatrixElement { row: 1, column: 1, .. })
        ));
        assert!(a.head_matrix(1).is_ok());
        let data: Vec<u8> = [1.0f64, f64::INFINITY].iter().flat_map(|v| v.to_be_bytes()).collect();
        let a = parse_idx(&idx_bytes(0x0E, &[2], &data), "f").unwrap();
        assert!(matches!(
            a.to_vector(),
            Err(DataError::NonFiniteElement { index: 1, .. })
        ));
    }

    #[test]
    fn every_format_error() {
        let malformed = |bytes: &[u8], at: u64| {
            let e = parse_idx(bytes, "x").unwrap_err();
            assert!(
                matches!(e, DataError::Malformed { offset, .. } if offset == at),
                "{e:?} (wanted offset {at})"
            );
        };
        malformed(b"", 0);
        malformed(b"\x00\x00\x08", 0);
        malformed(b"\x01\x00\x08\x01\x00\x00\x00\x00", 0);
        malformed(b"\x00\x00\x08\x00", 3);
        malformed(b"\x00\x00\x08\x02\x00\x00\x00\x01\x00\x00", 8);
        malformed(&idx_bytes(0x08, &[2], &[1, 2, 3]), 10);
        malformed(&gzip(&idx_bytes(0x08, &[2], &[1, 2, 3])), 10);
        // Dimensions whose product does not fit in memory.
        malformed(&idx_bytes(0x0E, &[u32::MAX, u32::MAX, u32::MAX], &[]), 4);
        assert!(matches!(
            parse_idx(&idx_bytes(0x0A, &[1], &[0]), "x"),
            Err(DataError::Unsupported { .. })
        ));
        // A header claiming 4 GiB with 3 bytes of data: an error after reading the 3 bytes, in plain and gzip form.
        let huge = idx_bytes(0x08, &[u32::MAX], &[1, 2, 3]);
        for bytes in [huge.clone(), gzip(&huge)] {
            assert!(matches!(
                parse_idx(&bytes, "x"),
                Err(DataError::SizeMismatch {
                    expected: 4294967295,
                    actual: 3,
                    ..
                })
            ));
        }
        // A gzip stream cut short or corrupted.
        let z = gzip(&idx_bytes(0x08, &[4], &[1, 2, 3, 4]));
        assert!(parse_idx(&z[..z.len() - 6], "x").is_err());
        let mut bad = z.clone();
        let k = bad.len() - 9;
        bad[k] ^= 0xff;
        assert!(parse_idx(&bad, "x").is_err());
    }

    #[test]
    fn zero_items_are_allowed() {
        let a = parse_idx(&idx_bytes(0x08, &[0, 28, 28], &[]), "x").unwrap();
        assert!(a.is_empty());
        assert_eq!(a.to_matrix().unwrap().dim(), (0, 784));
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("gradus-data-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("i"), gzip(&idx_bytes(0x08, &[1, 2], &[3, 4]))).unwrap();
        std::fs::write(dir.join("l"), idx_bytes(0x08, &[1], &[5])).unwrap();
        assert_eq!(read_idx_images(dir.join("i")).unwrap(), array![[3.0, 4.0]]);
        assert_eq!(read_idx_labels(dir.join("l")).unwrap(), array![5.0]);
        assert!(matches!(read_idx(dir.join("none")), Err(DataError::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! NumPy `.npy` files: writing (format version 1.0) little-endian `float32`, `float64` and
//! `int64` arrays in C order, readable with `numpy.load`; reading C-order arrays of
//! little-endian floats and integers (any `.npy` version), as `numpy.save` writes them.

use std::path::Path;

use crate::error::{Error, Result};

/// The element types spikegpu writes.
pub trait NpyElement: Copy {
    /// NumPy's dtype descriptor (`<f4`, `<f8`, `<i8`).
    const DESCR: &'static str;
    /// The element's little-endian bytes.
    fn le_bytes(self, out: &mut Vec<u8>);
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    fn le_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl NpyElement for f64 {
    const DESCR: &'static str = "<f8";
    fn le_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl NpyElement for i64 {
    const DESCR: &'static str = "<i8";
    fn le_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// Encodes `data` (C order) with the given shape as an `.npy` file.
pub fn encode<T: NpyElement>(data: &[T], shape: &[usize]) -> Result<Vec<u8>> {
    let count: usize = shape.iter().product();
    if count != data.len() {
        return Err(Error::InvalidShape(format!(
            "{} values for an array of shape {shape:?}",
            data.len()
        )));
    }
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if shape.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        T::DESCR
    );
    // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of
    // 64 bytes and ended by a newline.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &x in data {
        x.le_bytes(&mut out);
    }
    Ok(out)
}

/// Writes `data` with the given shape to `path`.
pub fn write<T: NpyElement>(path: &Path, data: &[T], shape: &[usize]) -> Result<()> {
    let bytes = encode(data, shape)?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// An array read from an `.npy` file, with its values converted to `f64` (exact for every
/// element type read: floats, and integers of at most 32 bits or below 2^53).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The values in C order.
    pub values: Vec<f64>,
    /// The shape.
    pub shape: Vec<usize>,
    /// NumPy's dtype descriptor, e.g. `<f4`, `|u1`, `<i8`.
    pub descr: String,
}

impl NpyArray {
    /// Whether the file held integers (`i` or `u` kinds; bool included).
    pub fn is_integer(&self) -> bool {
        matches!(self.descr.as_bytes().get(1), Some(b'i' | b'u' | b'b'))
    }
}

/// Reads an `.npy` file of little-endian (or single-byte) floats, integers or booleans, C order.
/// Errors name the file and what is wrong with it (Fortran order, big-endian, an unsupported
/// dtype such as objects or complex numbers, a truncated file).
pub fn read(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes).map_err(|problem| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(problem),
    })
}

/// Reads an `.npy` file of floats (`float32` or `float64`) as `f32`: `(values, shape)`.
pub fn read_f32(path: &Path) -> Result<(Vec<f32>, Vec<usize>)> {
    let array = read(path)?;
    if array.is_integer() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!(
                "expected float32 or float64 values, found dtype {}",
                array.descr
            )),
        });
    }
    Ok((array.values.iter().map(|&v| v as f32).collect(), array.shape))
}

/// Decodes the bytes of an `.npy` file.
pub fn parse(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a NumPy .npy file".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err("truncated header".into()),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated header")
        .and_then(|h| std::str::from_utf8(h).map_err(|_| "header is not text"))?;
    let field = |name: &str| header.split(&format!("'{name}':")).nth(1).map(str::trim_start);
    let descr = field("descr")
        .and_then(|s| s.strip_prefix('\''))
        .and_then(|s| s.split('\'').next())
        .ok_or("no dtype ('descr') in the header")?
        .to_string();
    if field("fortran_order").is_some_and(|s| s.starts_with("True")) {
        return Err("Fortran-order arrays are not read; save with np.ascontiguousarray".into());
    }
    let shape_text = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in the header")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("bad shape ({shape_text})")))
        .collect::<std::result::Result<_, _>>()?;
    let (order, kind, size) = {
        let d = descr.as_bytes();
        let size: usize = descr.get(2..).and_then(|s| s.parse().ok()).unwrap_or(0);
        (d.first().copied(), d.get(1).copied(), size)
    };
    if order == Some(b'>') && size > 1 {
        return Err(format!(
            "big-endian dtype {descr} is not read; convert with arr.astype('<{}')",
            &descr[1..]
        ));
    }
    let decode: fn(&[u8]) -> f64 = match (kind, size) {
        (Some(b'f'), 4) => |c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        (Some(b'f'), 8) => |c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        (Some(b'u' | b'b'), 1) => |c| f64::from(c[0]),
        (Some(b'i'), 1) => |c| f64::from(c[0] as i8),
        (Some(b'u'), 2) => |c| f64::from(u16::from_le_bytes([c[0], c[1]])),
        (Some(b'i'), 2) => |c| f64::from(i16::from_le_bytes([c[0], c[1]])),
        (Some(b'u'), 4) => |c| f64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        (Some(b'i'), 4) => |c| f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        (Some(b'u'), 8) => |c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64,
        (Some(b'i'), 8) => |c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64,
        _ => return Err(format!("dtype {descr} is not read: use floats, integers or booleans")),
    };
    let n: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    if data.len() < n * size {
        return Err(format!("{} bytes of data for shape {shape:?} of {descr}", data.len()));
    }
    Ok(NpyArray {
        values: data[..n * size].chunks_exact(size).map(decode).collect(),
        shape,
        descr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_writes() {
        let data = [1.5f32, -2.0, 3.25, 0.0, 7.0, 1e-3];
        let array = parse(&encode(&data, &[2, 3]).expect("valid in this test")).expect("valid in this test");
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(array.values, data.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        let labels = [3i64, -1, 9];
        let array = parse(&encode(&labels, &[3]).expect("valid in this test")).expect("valid in this test");
        assert!(array.is_integer());
        assert_eq!(array.values, vec![3.0, -1.0, 9.0]);
    }

    #[test]
    fn reads_numpy_uint8_and_rejects_what_it_cannot() {
        // numpy.save(f, np.array([[0, 255]], dtype=np.uint8)) byte for byte.
        let mut header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2), }".to_string();
        header.push_str(&" ".repeat(128 - 10 - header.len() - 1));
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0, 255]);
        let array = parse(&bytes).expect("valid in this test");
        assert_eq!((array.values, array.shape), (vec![0.0, 255.0], vec![1, 2]));
        let replaced = |from: &str, to: &str| {
            let at = bytes
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .expect("valid in this test");
            let mut out = bytes.clone();
            out[at..at + to.len()].copy_from_slice(to.as_bytes());
            out
        };
        assert!(parse(&replaced("False", "True ")).is_err_and(|e| e.contains("Fortran")));
        assert!(parse(&replaced("|u1", "<c8")).is_err_and(|e| e.contains("<c8")));
        assert!(parse(&replaced("|u1", ">u2")).is_err_and(|e| e.contains("big-endian")));
        assert!(parse(&bytes[..bytes.len() - 1]).is_err_and(|e| e.contains("bytes of data")));
    }
}

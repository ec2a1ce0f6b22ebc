//! Test helpers: the golden-data files of tests/data/ (format in
//! tests/golden.h) and a recorder of the largest errors.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Issue 3's bound: within 1e-5 absolute for T <= 50.
pub const TOLERANCE: f32 = 1e-5;

pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

pub struct Golden {
    pub name: String,
    pub meta: BTreeMap<String, String>,
    pub tensors: BTreeMap<String, Tensor>,
    pub order: Vec<String>,
}

impl Golden {
    pub fn load(path: &Path) -> Golden {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {}", path.display(), e));
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("libgru-golden 1"), "{}", path.display());
        let mut g = Golden {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            meta: BTreeMap::new(),
            tensors: BTreeMap::new(),
            order: Vec::new(),
        };
        let mut open: Option<(String, Vec<usize>, Vec<f32>)> = None;
        for line in lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.is_empty() || words[0].starts_with('#') {
                continue;
            }
            if let Some((name, shape, mut values)) = open.take() {
                values.extend(words.iter().map(|w| w.parse::<f32>().expect("a number")));
                if values.len() == shape.iter().product::<usize>() {
                    g.order.push(name.clone());
                    g.tensors.insert(name, Tensor { shape, data: values });
                } else {
                    open = Some((name, shape, values));
                }
                continue;
            }
            match words[0] {
                "meta" => {
                    g.meta.insert(words[1].to_string(), words[2].to_string());
                }
                "tensor" => {
                    let shape = words[3..].iter().map(|w| w.parse().unwrap()).collect();
                    open = Some((words[1].to_string(), shape, Vec::new()));
                }
                "end" => break,
                other => panic!("{}: unknown line {:?}", path.display(), other),
            }
        }
        assert!(open.is_none(), "{}: a short tensor", path.display());
        g
    }

    pub fn size(&self, key: &str) -> usize {
        self.meta[key].parse().unwrap_or_else(|_| panic!("{}: meta {}", self.name, key))
    }

    pub fn flag(&self, key: &str) -> bool {
        self.size(key) != 0
    }

    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.get(name)
    }

    pub fn data(&self, name: &str) -> &[f32] {
        &self.tensors.get(name).unwrap_or_else(|| panic!("{}: no tensor {}", self.name, name)).data
    }

    pub fn lengths(&self, name: &str) -> Option<Vec<usize>> {
        self.get(name).map(|t| t.data.iter().map(|v| *v as usize).collect())
    }
}

pub fn data_dir() -> PathBuf {
    let root = std::env::var("LIBGRU_SOURCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    root.join("tests").join("data")
}

pub fn golden_files(kind: &str) -> Vec<PathBuf> {
    let dir = data_dir().join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {}", dir.display(), e))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().map_or(false, |e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files in {}", dir.display());
    files
}

/// The largest |got - want|; panics (naming what) if the lengths differ.
pub fn max_error(what: &str, got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len(), "{}: lengths", what);
    got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

/// Asserts got is within TOLERANCE of want, prints and returns the error.
pub fn assert_close(what: &str, got: &[f32], want: &[f32]) -> f32 {
    let err = max_error(what, got, want);
    println!("{}: max error {:.3e}", what, err);
    assert!(err <= TOLERANCE, "{}: max error {} > {}", what, err, TOLERANCE);
    err
}

/// A deterministic generator (xorshift) for test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    pub fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next_f32()).collect()
    }
}

/// A .npy file (version 1, C order, little-endian <f4, <i4 or <i8) as
/// f64 values and its shape; None if the file does not exist.
pub fn read_npy(path: &Path) -> Option<(Vec<f64>, Vec<usize>)> {
    let bytes = std::fs::read(path).ok()?;
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{}", path.display());
    let descr = header.split("'descr': '").nth(1).unwrap().split('\'').next().unwrap();
    let shape_text = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape: Vec<usize> =
        shape_text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap()).collect();
    let data = &bytes[10 + len..];
    let values = match descr {
        "<f4" => data.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        "<i4" => data.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        "<i8" => data.chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
        other => panic!("{}: dtype {}", path.display(), other),
    };
    Some((values, shape))
}

//! Model files: a layer saved and loaded back (file and bytes), a PyTorch
//! state dict written as safetensors by hand, ModelFile's metadata and
//! tensors, and the errors of bad files.

mod common;

use common::Rng;
use libgru::{Builder, Direction, Format, Layer, ModelFile, Run, Status, Variant};

fn torch_layer() -> (Layer, Vec<(String, Vec<usize>, Vec<f32>)>) {
    let (i, h) = (5, 6);
    let mut rng = Rng::new(3);
    let mut tensors = Vec::new();
    for k in 0..2 {
        let width = if k == 0 { i } else { h };
        tensors.push((format!("weight_ih_l{}", k), vec![3 * h, width], rng.vec(3 * h * width)));
        tensors.push((format!("weight_hh_l{}", k), vec![3 * h, h], rng.vec(3 * h * h)));
        tensors.push((format!("bias_ih_l{}", k), vec![3 * h], rng.vec(3 * h)));
        tensors.push((format!("bias_hh_l{}", k), vec![3 * h], rng.vec(3 * h)));
    }
    let mut b = Builder::new(Variant::ResetAfter, Direction::Forward, 2, i, h).unwrap();
    for (name, shape, data) in &tensors {
        b.tensor(Format::Torch, name, data, shape).unwrap();
    }
    (b.build().unwrap(), tensors)
}

fn output(layer: &Layer) -> Vec<f32> {
    let (t, b) = (7, 2);
    let mut seq = layer.sequence(b, t).unwrap();
    let x = Rng::new(11).vec(t * b * layer.input_size());
    let mut y = vec![0.0; t * b * layer.output_size()];
    seq.run(&x, t, b, Some(&mut y), &Run::default()).unwrap();
    y
}

/// A safetensors file of F32 tensors, written directly.
fn safetensors(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let mut header = String::from("{\"__metadata__\":{\"note\":\"by hand\"}");
    let mut offset = 0;
    for (name, shape, data) in tensors {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        header += &format!(
            ",\"{}\":{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
            name,
            dims.join(","),
            offset,
            offset + 4 * data.len()
        );
        offset += 4 * data.len();
    }
    header += "}";
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    for (_, _, data) in tensors {
        for v in data {
            out.extend(v.to_le_bytes());
        }
    }
    out
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("libgru-rust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn save_and_load_back() {
    let (layer, _) = torch_layer();
    let path = temp_path("round.safetensors");
    layer.save(&path, Format::Torch).unwrap();
    let back = Layer::load(&path, None).unwrap();
    assert_eq!(output(&back), output(&layer));
    let bytes = layer.to_safetensors(Format::Torch).unwrap();
    assert_eq!(bytes, std::fs::read(&path).unwrap());
    let from_bytes = Builder::from_safetensors(&bytes, None).unwrap().build().unwrap();
    assert_eq!(output(&from_bytes), output(&layer));
    for t in layer.tensors(Format::Torch).unwrap() {
        assert_eq!(
            back.tensor(Format::Torch, &t.name).unwrap(),
            layer.tensor(Format::Torch, &t.name).unwrap()
        );
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_pytorch_state_dict_under_a_prefix() {
    let (layer, tensors) = torch_layer();
    let mut file: Vec<_> =
        tensors.iter().map(|(n, s, d)| (format!("rnn.{}", n), s.clone(), d.clone())).collect();
    file.push(("decoder.weight".to_string(), vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    let bytes = safetensors(&file);
    let loaded = Builder::from_safetensors(&bytes, Some("rnn.")).unwrap().build().unwrap();
    assert_eq!(output(&loaded), output(&layer));

    let f = ModelFile::from_bytes(bytes.clone()).unwrap();
    assert_eq!(f.metadata("note").unwrap().as_deref(), Some("by hand"));
    assert_eq!(f.metadata("absent").unwrap(), None);
    assert_eq!(f.metadata_keys().unwrap(), vec!["note".to_string()]);
    assert_eq!(f.tensor_names().unwrap().len(), file.len());
    assert_eq!(f.tensor_info("decoder.weight").unwrap(), ("F32".to_string(), vec![2, 3]));
    assert_eq!(f.read_tensor("decoder.weight").unwrap().0, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let mut b = Builder::new(Variant::ResetAfter, Direction::Forward, 1, 1, 1).unwrap();
    let from_file = b.load(&f, Some("rnn.")).unwrap().build().unwrap();
    assert_eq!(output(&from_file), output(&layer));
    // Shared between threads: Sync.
    let f = std::sync::Arc::new(f);
    let g = f.clone();
    let names = std::thread::spawn(move || g.tensor_names().unwrap()).join().unwrap();
    assert_eq!(names, f.tensor_names().unwrap());

    let path = temp_path("state_dict.safetensors");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(output(&Layer::load(&path, Some("rnn.")).unwrap()), output(&layer));
    assert_eq!(ModelFile::open(&path).unwrap().tensor_names().unwrap(), names);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn bad_files() {
    let (layer, _) = torch_layer();
    let bytes = layer.to_safetensors(Format::Torch).unwrap();
    let e = Builder::from_safetensors(&bytes[..bytes.len() - 1], None).unwrap_err();
    assert_eq!(e.status(), Status::Format);
    assert!(!e.message().is_empty());
    let e = ModelFile::from_bytes(vec![0u8; 7]).unwrap_err();
    assert_eq!(e.status(), Status::Format);
    let e = Layer::load(temp_path("missing.safetensors"), None).unwrap_err();
    assert_eq!(e.status(), Status::Io);
    let e = Builder::from_safetensors(&bytes, Some("encoder.")).unwrap_err();
    assert_eq!(e.status(), Status::Name);
    let e = layer.save(temp_path("no/such/dir/x.safetensors"), Format::Torch).unwrap_err();
    assert_eq!(e.status(), Status::Io);
}

#[test]
fn model_golden() {
    // tests/data/models/: PyTorch GRUs saved as safetensors and PyTorch's
    // outputs, as the C tests' test_safetensors.c reads them.
    let dir = common::data_dir().join("models");
    let f32s = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
    for case in ["l2_bidir", "batch_first", "in_model", "f16", "bf16", "meta", "cell", "no_bias"] {
        let file = dir.join(format!("{}.safetensors", case));
        if !file.exists() {
            println!("{}: not in this tree", case);
            continue;
        }
        let npy = |part: &str| common::read_npy(&dir.join(format!("{}.{}.npy", case, part)));
        let layer = Layer::load(&file, if case == "in_model" { Some("rnn.") } else { None }).unwrap();
        let (x, xs) = npy("x").unwrap();
        let batch_first = case == "batch_first";
        let (t, b) = if batch_first { (xs[1], xs[0]) } else { (xs[0], xs[1]) };
        let mut seq = layer.sequence(b, t).unwrap();
        let h0 = npy("h0").map(|(v, _)| f32s(v));
        seq.reset(b, h0.as_deref()).unwrap();
        let lengths: Option<Vec<usize>> =
            npy("lengths").map(|(v, _)| v.into_iter().map(|l| l as usize).collect());
        let mut opts = Run::default();
        opts.lengths = lengths.as_deref();
        opts.batch_major = batch_first;
        let mut y = vec![0.0; t * b * layer.output_size()];
        seq.run(&f32s(x), t, b, Some(&mut y), &opts).unwrap();
        common::assert_close(&format!("model {} y", case), &y, &f32s(npy("y").unwrap().0));
        common::assert_close(
            &format!("model {} h_n", case),
            &seq.state(b).unwrap(),
            &f32s(npy("hn").unwrap().0),
        );
    }
}

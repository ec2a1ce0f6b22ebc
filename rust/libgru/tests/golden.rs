//! The safe crate against the C tests' golden data (tests/data/): PyTorch,
//! the ONNX operator's reference, and the Keras model.

mod common;

use common::{assert_close, golden_files, Golden};
use libgru::{Builder, Direction, Format, Layer, Run, Variant};

fn transpose01(data: &[f32], d0: usize, d1: usize, rest: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for i in 0..d0 {
        for j in 0..d1 {
            let src = (i * d1 + j) * rest;
            let dst = (j * d0 + i) * rest;
            out[dst..dst + rest].copy_from_slice(&data[src..src + rest]);
        }
    }
    out
}

fn build(
    g: &Golden,
    variant: Variant,
    direction: Direction,
    format: Format,
    is_weight: impl Fn(&str) -> bool,
) -> Layer {
    let mut b =
        Builder::new(variant, direction, g.size("num_layers"), g.size("input_size"), g.size("hidden_size"))
            .unwrap();
    for name in g.order.iter().filter(|n| is_weight(n)) {
        let t = g.get(name).unwrap();
        b.tensor(format, name, &t.data, &t.shape).unwrap_or_else(|e| panic!("{}: {}", g.name, e));
    }
    b.build().unwrap()
}

/// Runs x through a fresh sequence; returns (y, h_n).
fn run(
    layer: &Layer,
    g: &Golden,
    x: &[f32],
    h0: Option<&[f32]>,
    opts: &Run,
    y_len: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (t, b) = (g.size("steps"), g.size("batch"));
    let mut seq = layer.sequence(b, t).unwrap();
    seq.reset(b, h0).unwrap();
    let mut y = vec![f32::NAN; y_len];
    seq.run(x, t, b, Some(&mut y), opts).unwrap();
    (y, seq.state(b).unwrap())
}

/// The same run with every input row `pad` floats apart beyond its width
/// and every output row likewise: must give the same bits.
fn check_strided(layer: &Layer, g: &Golden, x: &[f32], h0: Option<&[f32]>, opts: &Run, dense: &[f32]) {
    let (i, out, pad) = (layer.input_size(), layer.output_size(), 3);
    let rows = x.len() / i;
    let mut xs = vec![f32::NAN; rows * (i + pad)];
    for r in 0..rows {
        xs[r * (i + pad)..r * (i + pad) + i].copy_from_slice(&x[r * i..(r + 1) * i]);
    }
    let opts = opts.x_stride(i + pad).y_stride(out + pad);
    let (ys, _) = run(layer, g, &xs, h0, &opts, (rows - 1) * (out + pad) + out);
    for r in 0..rows {
        assert_eq!(
            &ys[r * (out + pad)..r * (out + pad) + out],
            &dense[r * out..(r + 1) * out],
            "{}: row {}",
            g.name,
            r
        );
    }
}

#[test]
fn torch_golden() {
    for path in golden_files("torch") {
        let g = Golden::load(&path);
        let direction = if g.flag("bidirectional") { Direction::Bidirectional } else { Direction::Forward };
        let layer = build(&g, Variant::ResetAfter, direction, Format::Torch, |n| {
            n.starts_with("weight_") || n.starts_with("bias_")
        });
        let lengths = g.lengths("lengths");
        let mut opts = Run::default();
        opts.lengths = lengths.as_deref();
        opts.batch_major = g.flag("batch_first");
        let h0 = g.get("h0").map(|t| t.data.as_slice());
        let (y, h_n) = run(&layer, &g, g.data("x"), h0, &opts, g.data("y").len());
        assert_close(&format!("torch {} y", g.name), &y, g.data("y"));
        assert_close(&format!("torch {} h_n", g.name), &h_n, g.data("h_n"));
        check_strided(&layer, &g, g.data("x"), h0, &opts, &y);

        if g.flag("cell") {
            // nn.GRUCell stepped: one step at a time gives the same.
            let (b, i, h) = (g.size("batch"), g.size("input_size"), g.size("hidden_size"));
            let mut seq = layer.sequence(b, 1).unwrap();
            seq.reset(b, h0).unwrap();
            let mut ys = Vec::new();
            for x_t in g.data("x").chunks(b * i) {
                let mut y_t = vec![0.0; b * h];
                seq.step(x_t, b, &mut y_t, None, None).unwrap();
                ys.extend(y_t);
            }
            assert_close(&format!("torch {} steps", g.name), &ys, g.data("y"));
        }
    }
}

#[test]
fn onnx_golden() {
    for path in golden_files("onnx") {
        let g = Golden::load(&path);
        let direction = match g.meta["direction"].as_str() {
            "forward" => Direction::Forward,
            "reverse" => Direction::Reverse,
            "bidirectional" => Direction::Bidirectional,
            other => panic!("{}: direction {}", g.name, other),
        };
        let variant = if g.flag("linear_before_reset") { Variant::ResetAfter } else { Variant::ResetBefore };
        let layer = build(&g, variant, direction, Format::Onnx, |n| {
            n == "W"
                || n == "R"
                || n == "B"
                || n.starts_with("W_l")
                || n.starts_with("R_l")
                || n.starts_with("B_l")
        });
        let (b, ld, h) =
            (g.size("batch"), layer.num_layers() * layer.num_directions(), g.size("hidden_size"));
        let lengths = g.lengths("sequence_lens");
        let layout1 = g.size("layout") == 1;
        let mut opts = Run::default();
        opts.lengths = lengths.as_deref();
        let h0 =
            g.get("initial_h").map(|t| if layout1 { transpose01(&t.data, b, ld, h) } else { t.data.clone() });
        if layout1 {
            opts.batch_major = true; // X [B, T, I]; Y [B, T, D, H] is y [B, T, D*H]
        } else {
            opts.split_directions = true; // Y [T, D, B, H]
        }
        let (y, h_n) = run(&layer, &g, g.data("X"), h0.as_deref(), &opts, g.data("Y").len());
        assert_close(&format!("onnx {} Y", g.name), &y, g.data("Y"));
        let h_n = if layout1 { transpose01(&h_n, ld, b, h) } else { h_n };
        assert_close(&format!("onnx {} Y_h", g.name), &h_n, g.data("Y_h"));
    }
}

#[test]
fn keras_golden() {
    for path in golden_files("keras") {
        let g = Golden::load(&path);
        let direction = match (g.flag("bidirectional"), g.meta["merge_mode"].as_str(), g.flag("go_backwards"))
        {
            (true, "concat", _) => Direction::Bidirectional,
            (true, "sum", _) => Direction::BidirectionalSum,
            (false, _, true) => Direction::Reverse,
            (false, _, false) => Direction::Forward,
            other => panic!("{}: {:?}", g.name, other),
        };
        let variant = if g.flag("reset_after") { Variant::ResetAfter } else { Variant::ResetBefore };
        let layer = build(&g, variant, direction, Format::Keras, |n| {
            n.starts_with("kernel") || n.starts_with("recurrent_kernel") || n.starts_with("bias")
        });
        let opts = Run::default().batch_major(); // Keras is [B, T, .]
        let h0 = g.get("initial_state").map(|t| t.data.as_slice());
        let (mut y, h_n) = run(&layer, &g, g.data("x"), h0, &opts, g.data("y").len());
        if g.flag("go_backwards") {
            // Keras returns the outputs in processing order.
            let (b, t, w) = (g.size("batch"), g.size("steps"), layer.output_size());
            let orig = y.clone();
            for r in 0..b {
                for s in 0..t {
                    let (dst, src) = ((r * t + s) * w, (r * t + t - 1 - s) * w);
                    y[dst..dst + w].copy_from_slice(&orig[src..src + w]);
                }
            }
        }
        assert_close(&format!("keras {} y", g.name), &y, g.data("y"));
        assert_close(&format!("keras {} h_n", g.name), &h_n, g.data("h_n"));
    }
}

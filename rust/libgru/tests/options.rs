//! Options: the ISA cap.

mod common;

use common::{assert_close, Rng};
use libgru::{Builder, Direction, Format, Isa, Layer, Run, Variant};

fn layer(isa: Option<Isa>) -> Layer {
    let (i, h) = (10, 48);
    let mut rng = Rng::new(77);
    let mut b = Builder::new(Variant::ResetBefore, Direction::Forward, 1, i, h).unwrap();
    if let Some(isa) = isa {
        b.isa(isa).unwrap();
    }
    b.tensor(Format::Onnx, "W", &rng.vec(3 * h * i), &[1, 3 * h, i]).unwrap();
    b.tensor(Format::Onnx, "R", &rng.vec(3 * h * h), &[1, 3 * h, h]).unwrap();
    b.tensor(Format::Onnx, "B", &rng.vec(6 * h), &[1, 6 * h]).unwrap();
    b.build().unwrap()
}

fn run(layer: &Layer) -> Vec<f32> {
    let (t, b) = (9, 4);
    let mut seq = layer.sequence(b, t).unwrap();
    let x = Rng::new(5).vec(t * b * layer.input_size());
    let mut y = vec![0.0; t * b * layer.output_size()];
    seq.run(&x, t, b, Some(&mut y), &Run::default().lengths(&[9, 1, 0, 5])).unwrap();
    y
}

#[test]
fn isa_cap() {
    let scalar = layer(Some(Isa::Scalar));
    assert_eq!(scalar.isa(), Isa::Scalar);
    let best = layer(None);
    assert!(best.isa().raw() <= libgru::cpu_isa().raw());
    assert_close("scalar vs best", &run(&scalar), &run(&best));
}

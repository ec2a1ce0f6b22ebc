//! Options: a sequence's own threads (GRU_OPT_THREADS) give the same bits;
//! products and ISA caps; errors where the library refuses.

mod common;

use common::{assert_close, Rng};
use libgru::{Builder, Direction, Format, Isa, Layer, Products, Run, Status, Variant};

fn layer(direction: Direction, products: Option<Products>, isa: Option<Isa>) -> Layer {
    let (i, h, l) = (10, 48, 2);
    let d = if direction == Direction::Bidirectional { 2 } else { 1 };
    let mut rng = Rng::new(77);
    let mut b = Builder::new(Variant::ResetBefore, direction, l, i, h).unwrap();
    if let Some(p) = products {
        b.products(p).unwrap();
    }
    if let Some(isa) = isa {
        b.isa(isa).unwrap();
    }
    for k in 0..l {
        let width = if k == 0 { i } else { h * d };
        let s = format!("_l{}", k);
        b.tensor(Format::Onnx, &format!("W{}", s), &rng.vec(d * 3 * h * width), &[d, 3 * h, width]).unwrap();
        b.tensor(Format::Onnx, &format!("R{}", s), &rng.vec(d * 3 * h * h), &[d, 3 * h, h]).unwrap();
        b.tensor(Format::Onnx, &format!("B{}", s), &rng.vec(d * 6 * h), &[d, 6 * h]).unwrap();
    }
    b.build().unwrap()
}

fn run(layer: &Layer, threads: usize) -> (Vec<f32>, Vec<f32>) {
    let (t, b) = (9, 4);
    let mut seq = layer.sequence(b, t).unwrap();
    seq.set_threads(threads).unwrap();
    assert_eq!(seq.threads(), threads);
    let x = Rng::new(5).vec(t * b * layer.input_size());
    let mut y = vec![0.0; t * b * layer.output_size()];
    seq.run(&x, t, b, Some(&mut y), &Run::default().lengths(&[9, 1, 0, 5])).unwrap();
    (y, seq.state(b).unwrap())
}

#[test]
fn threads_give_the_same_bits() {
    for direction in [Direction::Forward, Direction::Bidirectional] {
        let layer = layer(direction, None, None);
        assert_eq!(layer.products(), Products::Packed);
        let one = run(&layer, 1);
        for threads in [2, 3, 4] {
            assert_eq!(run(&layer, threads), one, "{:?}, {} threads", direction, threads);
        }
    }
}

#[test]
fn threads_follow_clones_and_steps() {
    let layer = layer(Direction::Forward, None, None);
    let mut seq = layer.sequence(2, 1).unwrap();
    assert_eq!(seq.threads(), 1);
    seq.set_threads(3).unwrap();
    let mut twin = seq.try_clone().unwrap();
    assert_eq!(twin.threads(), 3);
    let mut single = layer.sequence(2, 1).unwrap();
    let x = Rng::new(8).vec(2 * 10);
    let (mut a, mut b, mut c) = (vec![0.0; 2 * 48], vec![0.0; 2 * 48], vec![0.0; 2 * 48]);
    for _ in 0..5 {
        seq.step(&x, 2, &mut a, None, None).unwrap();
        twin.step(&x, 2, &mut b, None, None).unwrap();
        single.step(&x, 2, &mut c, None, None).unwrap();
        assert_eq!(a, c);
        assert_eq!(b, c);
    }
    // A sequence with workers moves to another thread and is dropped there.
    std::thread::spawn(move || {
        let mut y = vec![0.0; 2 * 48];
        seq.step(&x, 2, &mut y, None, None).unwrap();
    })
    .join()
    .unwrap();
}

#[test]
fn thread_counts_and_products_the_library_refuses() {
    let layer = layer(Direction::Forward, None, None);
    let mut seq = layer.sequence(1, 1).unwrap();
    for bad in [0, 257] {
        let e = seq.set_threads(bad).unwrap_err();
        assert_eq!(e.status(), Status::Invalid, "{}", e);
    }
    assert_eq!(seq.threads(), 1);
    let blas = layer_with_blas();
    assert_eq!(blas.products(), Products::Blas);
    let e = blas.sequence(1, 1).unwrap().set_threads(2).unwrap_err();
    assert_eq!(e.status(), Status::Unsupported);
    assert_close("blas vs packed", &run(&blas, 1).0, &run(&layer, 1).0);
}

#[test]
fn spin_us_is_kept_and_checked() {
    let layer = layer(Direction::Forward, None, None);
    let mut seq = layer.sequence(1, 1).unwrap();
    assert_eq!(seq.spin_us(), 200);
    seq.set_spin_us(0).unwrap();
    seq.set_threads(2).unwrap();
    assert_eq!(seq.spin_us(), 0);
    seq.set_spin_us(1_000_000).unwrap();
    assert_eq!(seq.try_clone().unwrap().spin_us(), 1_000_000);
    let e = seq.set_spin_us(1_000_001).unwrap_err();
    assert_eq!(e.status(), Status::Invalid, "{}", e);
    assert_eq!(seq.spin_us(), 1_000_000);
}

fn layer_with_blas() -> Layer {
    layer(Direction::Forward, Some(Products::Blas), None)
}

#[test]
fn isa_cap() {
    let scalar = layer(Direction::Forward, None, Some(Isa::Scalar));
    assert_eq!(scalar.isa(), Isa::Scalar);
    assert_close("scalar vs best", &run(&scalar, 1).0, &run(&layer(Direction::Forward, None, None), 1).0);
}

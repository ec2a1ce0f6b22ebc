//! The README's example: a PyTorch-layout GRU built from weights, a
//! batch of sequences through it, then one stream stepped.
//! Run: LIBGRU_LIB_DIR=build/dev/src cargo run --example hello
use libgru::{Builder, Direction, Format, Run, Variant};

fn main() -> libgru::Result<()> {
    let (i, h, t, b) = (4, 8, 10, 2);
    let w = |n: usize| (0..n).map(|k| ((k % 7) as f32 - 3.0) * 0.05).collect::<Vec<f32>>();
    let layer = Builder::new(Variant::ResetAfter, Direction::Forward, 1, i, h)? // nn.GRU(4, 8)
        .tensor(Format::Torch, "weight_ih_l0", &w(3 * h * i), &[3 * h, i])?
        .tensor(Format::Torch, "weight_hh_l0", &w(3 * h * h), &[3 * h, h])?
        .build()?; // Send + Sync: clone it into as many threads as you like
    let mut seq = layer.sequence(b, t)?; // one caller's state: Send, not Sync
    let (x, mut y) = (vec![0.5; t * b * i], vec![0.0; t * b * h]); // x [T, B, I] -> y [T, B, H]
    seq.run(&x, t, b, Some(&mut y), &Run::default().lengths(&[10, 3]))?;
    println!("libgru {}: h_n = {:?}", libgru::library_version(), &seq.state(b)?[..4]);

    let mut stream = layer.sequence(1, 1)?;
    let mut y_t = vec![0.0; h];
    for _ in 0..3 {
        stream.step(&x[..i], 1, &mut y_t, None, None)?;
    }
    let saved = stream.save_state(1)?; // bytes: restore anywhere with load_state
    println!("after 3 steps: {:?} ({} bytes of state)", &y_t[..4], saved.len());
    Ok(())
}

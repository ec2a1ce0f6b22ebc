//! The streaming API from several threads: one Layer shared by many
//! threads, sequences moved between threads, states handed over as bytes.

mod common;

use std::sync::mpsc;
use std::thread;

use common::{assert_close, Rng};
use libgru::{Builder, Direction, Format, Layer, Run, Sequence, Variant};

const I: usize = 6;
const H: usize = 16;
const L: usize = 2;

fn layer() -> Layer {
    let mut rng = Rng::new(42);
    let mut b = Builder::new(Variant::ResetAfter, Direction::Forward, L, I, H).unwrap();
    for k in 0..L {
        let width = if k == 0 { I } else { H };
        b.tensor(Format::Torch, &format!("weight_ih_l{}", k), &rng.vec(3 * H * width), &[3 * H, width])
            .unwrap();
        b.tensor(Format::Torch, &format!("weight_hh_l{}", k), &rng.vec(3 * H * H), &[3 * H, H]).unwrap();
        b.tensor(Format::Torch, &format!("bias_hh_l{}", k), &rng.vec(3 * H), &[3 * H]).unwrap();
    }
    b.build().unwrap()
}

/// Steps a stream of `steps` inputs (one row) from `seed`; returns every
/// output and the final state.
fn stream(seq: &mut Sequence, seed: u64, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let x = Rng::new(seed).vec(steps * I);
    let mut ys = vec![0.0; steps * H];
    for (x_t, y_t) in x.chunks(I).zip(ys.chunks_mut(H)) {
        seq.step(x_t, 1, y_t, None, None).unwrap();
    }
    (ys, seq.state(1).unwrap())
}

/// The same stream stepped on this thread (bit-identical results expected:
/// the same calls on the same data), checked against a whole run (the same
/// function computed with other products: within the tolerance).
fn reference(layer: &Layer, seed: u64, steps: usize) -> (Vec<f32>, Vec<f32>) {
    let stepped = stream(&mut layer.sequence(1, 1).unwrap(), seed, steps);
    let mut seq = layer.sequence(1, steps).unwrap();
    let x = Rng::new(seed).vec(steps * I);
    let mut y = vec![0.0; steps * H];
    seq.run(&x, steps, 1, Some(&mut y), &Run::default()).unwrap();
    assert_close("stepped vs run y", &stepped.0, &y);
    assert_close("stepped vs run h", &stepped.1, &seq.state(1).unwrap());
    stepped
}

#[test]
fn one_layer_many_threads() {
    let layer = layer();
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            let layer = layer.clone(); // an Arc: the layer is shared, not copied
            thread::spawn(move || {
                let mut seq = layer.sequence(1, 1).unwrap();
                (i, stream(&mut seq, i, 200))
            })
        })
        .collect();
    for h in handles {
        let (i, got) = h.join().unwrap();
        assert_eq!(got, reference(&layer, i, 200), "stream {}", i);
    }
}

#[test]
fn scoped_threads_borrow_the_layer() {
    let layer = layer();
    let results: Vec<_> = thread::scope(|s| {
        let hs: Vec<_> = (0..4u64)
            .map(|i| {
                let layer = &layer; // Layer is Sync: a plain borrow will do
                s.spawn(move || stream(&mut layer.sequence(1, 1).unwrap(), 100 + i, 50))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, got) in results.into_iter().enumerate() {
        assert_eq!(got, reference(&layer, 100 + i as u64, 50));
    }
}

#[test]
fn sequences_move_between_worker_threads() {
    // A server: streams wait in a queue; whichever worker is free takes one,
    // steps it, and puts it back. Each stream is on one thread at a time.
    let layer = layer();
    let streams = 6;
    let rounds = 30;
    let (to_workers, from_main) = mpsc::channel::<(usize, usize, Sequence)>();
    let from_main = std::sync::Arc::new(std::sync::Mutex::new(from_main));
    let (to_main, results) = mpsc::channel::<(usize, usize, Sequence, Vec<f32>)>();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (rx, tx) = (from_main.clone(), to_main.clone());
            thread::spawn(move || loop {
                let job = rx.lock().unwrap().recv();
                let (id, round, mut seq) = match job {
                    Ok(job) => job,
                    Err(_) => return,
                };
                let x = Rng::new(1000 * id as u64).vec(rounds * I);
                let mut y = vec![0.0; H];
                seq.step(&x[round * I..(round + 1) * I], 1, &mut y, None, None).unwrap();
                tx.send((id, round, seq, y)).unwrap();
            })
        })
        .collect();
    drop(to_main);
    let mut outputs = vec![Vec::new(); streams];
    for id in 0..streams {
        to_workers.send((id, 0, layer.sequence(1, 1).unwrap())).unwrap();
    }
    let mut done = 0;
    let mut finals = vec![Vec::new(); streams];
    while done < streams {
        let (id, round, seq, y) = results.recv().unwrap();
        outputs[id].extend(y);
        if round + 1 < rounds {
            to_workers.send((id, round + 1, seq)).unwrap();
        } else {
            finals[id] = seq.state(1).unwrap();
            done += 1;
        }
    }
    drop(to_workers);
    for w in workers {
        w.join().unwrap();
    }
    for id in 0..streams {
        let (y, h) = reference(&layer, 1000 * id as u64, rounds);
        assert_eq!(outputs[id], y, "stream {}", id);
        assert_eq!(finals[id], h, "stream {}", id);
    }
}

#[test]
fn state_bytes_cross_threads() {
    let layer = layer();
    let x = Rng::new(7).vec(40 * I);
    let mut seq = layer.sequence(1, 20).unwrap();
    seq.run(&x[..20 * I], 20, 1, None, &Run::default()).unwrap();
    let saved = seq.save_state(1).unwrap();
    let layer2 = layer.clone();
    let tail = x[20 * I..].to_vec();
    let h = thread::spawn(move || {
        let mut other = layer2.sequence(1, 20).unwrap();
        other.load_state(&saved).unwrap();
        other.run(&tail, 20, 1, None, &Run::default()).unwrap();
        other.state(1).unwrap()
    })
    .join()
    .unwrap();
    let mut whole = layer.sequence(1, 20).unwrap();
    whole.run(&x[..20 * I], 20, 1, None, &Run::default()).unwrap();
    whole.run(&x[20 * I..], 20, 1, None, &Run::default()).unwrap();
    assert_eq!(h, whole.state(1).unwrap());
}

#[test]
fn batched_streams_with_reset_masks_on_another_thread() {
    // Four streams share one batch; stream 2 restarts half-way.
    let layer = layer();
    let (b, t) = (4, 12);
    let x = Rng::new(5).vec(t * b * I);
    let mut seq = layer.sequence(b, 1).unwrap();
    let x2 = x.clone();
    let (seq, ys) = thread::spawn(move || {
        let mut ys = vec![0.0; t * b * H];
        for s in 0..t {
            let reset = [false, false, s == 6, false];
            let y = &mut ys[s * b * H..(s + 1) * b * H];
            seq.step(&x2[s * b * I..(s + 1) * b * I], b, y, Some(&reset), None).unwrap();
        }
        (seq, ys)
    })
    .join()
    .unwrap();
    // Row 2 after the reset equals a fresh stream over its last 6 inputs.
    let mut fresh = layer.sequence(1, 1).unwrap();
    let mut y = vec![0.0; H];
    for s in 6..t {
        let row = (s * b + 2) * I;
        fresh.step(&x[row..row + I], 1, &mut y, None, None).unwrap();
        assert_close("reset row", &ys[(s * b + 2) * H..(s * b + 3) * H], &y);
    }
    let top = (L - 1) * b * H + 2 * H;
    assert_close(
        "reset row state",
        &seq.state(b).unwrap()[top..top + H],
        &fresh.state(1).unwrap()[(L - 1) * H..],
    );
}

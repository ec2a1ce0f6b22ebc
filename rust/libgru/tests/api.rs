//! The safe API: errors with the library's messages, slice lengths checked
//! before calls, properties, tensors read back, state save/restore, and the
//! Send/Sync contract.

mod common;

use common::{assert_close, Rng};
use libgru::{Builder, Direction, Format, Layer, Run, Sequence, Status, Variant};

const I: usize = 5;
const H: usize = 4;

fn torch_layer(layers: usize, direction: Direction, seed: u64) -> Layer {
    let mut rng = Rng::new(seed);
    let d = if direction == Direction::Bidirectional { 2 } else { 1 };
    let mut b = Builder::new(Variant::ResetAfter, direction, layers, I, H).unwrap();
    for k in 0..layers {
        let width = if k == 0 { I } else { H * d };
        for r in ["", "_reverse"].iter().take(d) {
            b.tensor(
                Format::Torch,
                &format!("weight_ih_l{}{}", k, r),
                &rng.vec(3 * H * width),
                &[3 * H, width],
            )
            .unwrap()
            .tensor(Format::Torch, &format!("weight_hh_l{}{}", k, r), &rng.vec(3 * H * H), &[3 * H, H])
            .unwrap()
            .tensor(Format::Torch, &format!("bias_ih_l{}{}", k, r), &rng.vec(3 * H), &[3 * H])
            .unwrap();
        }
    }
    b.build().unwrap()
}

#[test]
fn send_and_sync_follow_the_c_contract() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Layer>();
    send::<Sequence>();
    send::<Builder>();
    send_sync::<libgru::Error>();
    // Not Sync: see the compile_fail examples in the crate's documentation.
}

#[test]
fn builder_errors_carry_the_library_message() {
    let mut b = Builder::new(Variant::ResetAfter, Direction::Forward, 1, I, H).unwrap();
    let e = b.tensor(Format::Torch, "weight_ih_l0", &[0.0; 12 * 6], &[12, 6]).unwrap_err();
    assert_eq!(e.status(), Status::Shape);
    assert_eq!(e.message(), "weight_ih_l0: expected shape [12, 5], got [12, 6]");
    assert_eq!(e.to_string(), "GRU_ERR_SHAPE: weight_ih_l0: expected shape [12, 5], got [12, 6]");
    let e = b.tensor(Format::Torch, "weight_ih_l1", &[0.0; 12 * 5], &[12, 5]).unwrap_err();
    assert_eq!(e.status(), Status::Name);
    assert!(e.message().contains("weight_ih_l1"), "{}", e);
    let e = b.build().unwrap_err();
    assert_eq!(e.status(), Status::Missing);
    assert!(e.message().contains("never set"), "{}", e);
    // Slices are checked before the call.
    let e = b.tensor(Format::Torch, "weight_ih_l0", &[0.0; 59], &[12, 5]).unwrap_err();
    assert_eq!((e.status(), e.message()), (Status::Size, "weight_ih_l0: 59 floats for shape [12, 5]"));
    let e = b.tensor(Format::Torch, "weight_ih_l0", &[0.0; 1], &[1, 1, 1, 1]).unwrap_err();
    assert_eq!(e.status(), Status::Shape);
    let e = b.tensor(Format::Torch, "bad\0name", &[0.0; 1], &[1]).unwrap_err();
    assert_eq!(e.status(), Status::Name);
    let e = b.tensor(Format::Torch, "weight_ih_l0", &[], &[usize::MAX, 2]).unwrap_err();
    assert_eq!(e.status(), Status::Size);
    // The builder is still usable after every failure.
    b.tensor(Format::Torch, "weight_ih_l0", &[0.0; 60], &[12, 5]).unwrap();
    b.tensor(Format::Torch, "weight_hh_l0", &[0.0; 48], &[12, 4]).unwrap();
    assert!(b.build().is_ok());

    let e = Builder::new(Variant::ResetBefore, Direction::Forward, 1, I, H)
        .unwrap()
        .tensor(Format::Torch, "weight_ih_l0", &[0.0; 60], &[12, 5])
        .err()
        .unwrap();
    assert_eq!(e.status(), Status::Unsupported);
    let e = Builder::new(Variant::ResetAfter, Direction::Forward, 0, I, H).err().unwrap();
    assert_eq!(e.status(), Status::Size);
}

#[test]
fn properties_and_tensors_read_back() {
    let layer = torch_layer(2, Direction::Bidirectional, 1);
    assert_eq!((layer.input_size(), layer.hidden_size(), layer.num_layers()), (I, H, 2));
    assert_eq!((layer.num_directions(), layer.output_size(), layer.state_size()), (2, 2 * H, 4 * H));
    assert_eq!((layer.variant(), layer.direction()), (Variant::ResetAfter, Direction::Bidirectional));
    assert!(layer.bytes() > 0);
    assert!(layer.isa().raw() <= libgru::cpu_isa().raw());
    let names: Vec<String> = layer.tensors(Format::Torch).unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names.len(), 16);
    assert_eq!(&names[..4], &["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]);
    let mut rng = Rng::new(1);
    let w_ih = rng.vec(3 * H * I);
    let (data, shape) = layer.tensor(Format::Torch, "weight_ih_l0").unwrap();
    assert_eq!((data, shape), (w_ih, vec![3 * H, I])); // exact
    let (bias_hh, _) = layer.tensor(Format::Torch, "bias_hh_l1_reverse").unwrap();
    assert!(bias_hh.iter().all(|v| *v == 0.0)); // never set: zeros
    let mut short = vec![0.0; 3];
    assert_eq!(
        layer.tensor_into(Format::Torch, "weight_ih_l0", &mut short).unwrap_err().status(),
        Status::Size
    );
    let onnx = layer.tensors(Format::Onnx).unwrap();
    assert_eq!(onnx[0].name, "W_l0");
    assert_eq!(onnx[0].shape, vec![2, 3 * H, I]);
}

#[test]
fn run_checks_slices_before_the_call() {
    let layer = torch_layer(1, Direction::Forward, 2);
    let (t, b) = (6, 3);
    let mut seq = layer.sequence(b, t).unwrap();
    let x = vec![0.5; t * b * I];
    let mut y = vec![0.0; t * b * H];
    let e = seq.run(&x[1..], t, b, Some(&mut y), &Run::default()).unwrap_err();
    assert_eq!((e.status(), e.message()), (Status::Size, "x: 89 floats, the call needs 90"));
    let e = seq.run(&x, t, b, Some(&mut y[1..]), &Run::default()).unwrap_err();
    assert_eq!(e.message(), "y: 71 floats, the call needs 72");
    let e = seq.run(&x, t, b, Some(&mut y), &Run::default().x_stride(I + 1)).unwrap_err();
    assert_eq!(e.status(), Status::Size);
    let e = seq.run(&x, t, b, None, &Run::default().lengths(&[1, 2])).unwrap_err();
    assert_eq!(e.message(), "lengths: 2 entries for batch 3");
    // What only the library knows, it reports with its message.
    let e = seq.run(&x, t, b, None, &Run::default().lengths(&[1, 7, 2])).unwrap_err();
    assert_eq!((e.status(), e.message()), (Status::Invalid, "lengths[1] = 7 > steps 6"));
    let e = seq.run(&x, t, b, None, &Run::default().x_stride(I - 1)).unwrap_err();
    assert_eq!(e.status(), Status::Size);
    let e = layer.sequence(2, t).unwrap().run(&x, t, b, None, &Run::default()).unwrap_err();
    assert_eq!(e.status(), Status::Capacity);
    let e = seq.reset(b, Some(&[0.0; 5])).unwrap_err();
    assert_eq!(e.status(), Status::Size);
    assert!(e.message().contains("not 5") || e.message().contains("5"), "{}", e);
    assert_eq!(seq.run(&x, 0, b, None, &Run::default()).unwrap_err().status(), Status::Size);
    // Nothing was run: the state is still zero.
    assert!(seq.state(b).unwrap().iter().all(|v| *v == 0.0));
    seq.run(&x, t, b, Some(&mut y), &Run::default()).unwrap();
    assert!(seq.state(b).unwrap().iter().any(|v| *v != 0.0));
}

#[test]
fn step_matches_run_and_reset_restarts_rows() {
    let layer = torch_layer(2, Direction::Forward, 3);
    let (t, b) = (7, 3);
    let x = Rng::new(9).vec(t * b * I);
    let mut y = vec![0.0; t * b * H];
    let mut whole = layer.sequence(b, t).unwrap();
    whole.run(&x, t, b, Some(&mut y), &Run::default()).unwrap();

    // Steps compute the same function as a run (its products in another
    // order: equal within the tolerance).
    let mut seq = layer.sequence(b, 1).unwrap();
    let mut y_t = vec![0.0; b * H];
    for s in 0..t {
        seq.step(&x[s * b * I..(s + 1) * b * I], b, &mut y_t, None, None).unwrap();
        assert_close("step vs run", &y_t, &y[s * b * H..(s + 1) * b * H]);
    }
    assert_close("step vs run", &seq.state(b).unwrap(), &whole.state(b).unwrap());

    // Restart row 1 from zeros: it equals a fresh run of one step.
    seq.step(&x[..b * I], b, &mut y_t, Some(&[false, true, false]), None).unwrap();
    assert_close("reset row", &y_t[H..2 * H], &y[H..2 * H]);
    let e = seq.step(&x[..b * I], b, &mut y_t, Some(&[true]), None).unwrap_err();
    assert_eq!(e.message(), "reset: 1 flags for batch 3");
    let e = seq.step(&x[..b * I], b, &mut y_t, Some(&[true; 3]), Some(&[0.0; 3])).unwrap_err();
    assert_eq!(e.status(), Status::Size);
    let e = seq.step(&x[..b * I - 1], b, &mut y_t, None, None).unwrap_err();
    assert_eq!(e.status(), Status::Size);

    let bidir = torch_layer(1, Direction::Bidirectional, 4);
    let mut y2 = vec![0.0; b * 2 * H];
    let e = bidir.sequence(b, 1).unwrap().step(&x[..b * I], b, &mut y2, None, None).unwrap_err();
    assert_eq!(e.status(), Status::Unsupported);
}

#[test]
fn save_restore_and_clone() {
    let layer = torch_layer(1, Direction::Forward, 5);
    let (t, b) = (4, 2);
    let x = Rng::new(10).vec(2 * t * b * I);
    let mut seq = layer.sequence(b, t).unwrap();
    seq.run(&x[..t * b * I], t, b, None, &Run::default()).unwrap();
    let saved = seq.save_state(b).unwrap();
    let mut twin = seq.try_clone().unwrap();
    seq.run(&x[t * b * I..], t, b, None, &Run::default()).unwrap();
    twin.run(&x[t * b * I..], t, b, None, &Run::default()).unwrap();
    assert_eq!(seq.state(b).unwrap(), twin.state(b).unwrap());

    let mut other = layer.sequence(b, t).unwrap();
    other.load_state(&saved).unwrap();
    other.run(&x[t * b * I..], t, b, None, &Run::default()).unwrap();
    assert_eq!(seq.state(b).unwrap(), other.state(b).unwrap());

    let before = other.state(b).unwrap();
    assert_eq!(other.load_state(&saved[..saved.len() - 1]).unwrap_err().status(), Status::Format);
    let foreign = torch_layer(2, Direction::Forward, 5).sequence(1, 1).unwrap().save_state(1).unwrap();
    assert_eq!(other.load_state(&foreign).unwrap_err().status(), Status::Mismatch);
    assert_eq!(other.state(b).unwrap(), before);
}

#[test]
fn a_sequence_keeps_its_layer_alive() {
    let mut seq = torch_layer(1, Direction::Forward, 6).sequence(1, 3).unwrap();
    // The Layer value is gone; the sequence's clone keeps the C layer.
    let x = vec![0.25; 3 * I];
    seq.run(&x, 3, 1, None, &Run::default()).unwrap();
    assert_eq!(seq.layer().hidden_size(), H);
}

#[test]
fn versions() {
    assert_eq!(libgru::library_version(), libgru::BINDING_VERSION);
    libgru::check_version().unwrap();
    assert!(!libgru::blas_info().is_empty());
    assert_eq!(Status::Shape.name(), "GRU_ERR_SHAPE");
    assert_eq!(Status::from_raw(99), Some(Status::Unknown(99)));
    assert_eq!(Status::Unknown(99).name(), "GRU_UNKNOWN");
}

//! The custom ops' values and gradients against composite candle ops and
//! central finite differences, in f64 (f32 differences cannot reach 1e-6).

use candle_core::{D, DType, Device, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sdsl_lab::ops;

const TOL: f64 = 1e-6;

fn rand_tensor(rng: &mut ChaCha8Rng, dims: &[usize], scale: f64) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|_| scale * (rng.random::<f64>() * 2.0 - 1.0))
        .collect();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims());
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap()
}

fn vec_of(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

/// Central differences of a scalar function of one input, h = 1e-6.
fn finite_diff(x: &Tensor, f: &dyn Fn(&Tensor) -> f64) -> Vec<f64> {
    let base = vec_of(x);
    let h = 1e-6;
    (0..base.len())
        .map(|i| {
            let mut p = base.clone();
            p[i] += h;
            let mut m = base.clone();
            m[i] -= h;
            let tp = Tensor::from_vec(p, x.dims(), &Device::Cpu).unwrap();
            let tm = Tensor::from_vec(m, x.dims(), &Device::Cpu).unwrap();
            (f(&tp) - f(&tm)) / (2.0 * h)
        })
        .collect()
}

fn assert_close(label: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= TOL,
        "{label}: max |difference| {worst:e} > {TOL:e}"
    );
}

fn composite_layer_norm(x: &Tensor, g: &Tensor, b: &Tensor) -> Tensor {
    let mu = x.mean_keepdim(D::Minus1).unwrap();
    let c = x.broadcast_sub(&mu).unwrap();
    let var = c.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
    let xh = c
        .broadcast_div(&(var + ops::LN_EPS).unwrap().sqrt().unwrap())
        .unwrap();
    xh.broadcast_mul(g).unwrap().broadcast_add(b).unwrap()
}

#[test]
fn layer_norm_matches_composite_and_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let x = Var::from_tensor(&rand_tensor(&mut rng, &[3, 5, 8], 2.0)).unwrap();
    let g = Var::from_tensor(&(rand_tensor(&mut rng, &[8], 0.5) + 1.0).unwrap()).unwrap();
    let b = Var::from_tensor(&rand_tensor(&mut rng, &[8], 0.5)).unwrap();
    let w = rand_tensor(&mut rng, &[3, 5, 8], 1.0);
    let fused = ops::layer_norm(&x, &g, &b).unwrap();
    let comp = composite_layer_norm(&x, &g, &b);
    assert!(max_abs_diff(&fused, &comp) < 1e-12);
    let gf = (fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let gc = (comp * &w).unwrap().sum_all().unwrap().backward().unwrap();
    for (name, v) in [("x", &x), ("gain", &g), ("bias", &b)] {
        assert_close(
            &format!("layer norm d{name}"),
            &vec_of(gf.get(v).unwrap()),
            &vec_of(gc.get(v).unwrap()),
        );
    }
    let fd = finite_diff(x.as_tensor(), &|t| {
        (ops::layer_norm(t, &g, &b).unwrap() * &w)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    });
    assert_close(
        "layer norm dx vs finite differences",
        &vec_of(gf.get(&x).unwrap()),
        &fd,
    );
}

#[test]
fn causal_softmax_matches_composite_and_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let t = 6;
    let s = Var::from_tensor(&rand_tensor(&mut rng, &[2, 3, t, t], 3.0)).unwrap();
    let w = rand_tensor(&mut rng, &[2, 3, t, t], 1.0);
    let scale = 0.35;
    let mask: Vec<f64> = (0..t * t)
        .map(|k| {
            if k % t > k / t {
                f64::NEG_INFINITY
            } else {
                0.0
            }
        })
        .collect();
    let mask = Tensor::from_vec(mask, (t, t), &Device::Cpu).unwrap();
    let fused = ops::causal_softmax(&s, scale).unwrap();
    let comp = candle_nn::ops::softmax(
        &(s.as_tensor() * scale)
            .unwrap()
            .broadcast_add(&mask)
            .unwrap(),
        D::Minus1,
    )
    .unwrap();
    assert!(max_abs_diff(&fused, &comp) < 1e-12);
    // Rows sum to one and the future is masked.
    let y = vec_of(&fused);
    for r in y.chunks(t).enumerate().map(|(k, row)| (k % t, row)) {
        let (i, row) = r;
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(row[i + 1..].iter().all(|&v| v == 0.0));
    }
    let gf = (fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let gc = (comp * &w).unwrap().sum_all().unwrap().backward().unwrap();
    assert_close(
        "causal softmax ds",
        &vec_of(gf.get(&s).unwrap()),
        &vec_of(gc.get(&s).unwrap()),
    );
    let fd = finite_diff(s.as_tensor(), &|x| {
        (ops::causal_softmax(x, scale).unwrap() * &w)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    });
    assert_close(
        "causal softmax ds vs finite differences",
        &vec_of(gf.get(&s).unwrap()),
        &fd,
    );
}

#[test]
fn gelu_matches_candle_tanh_gelu_and_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let x = Var::from_tensor(&rand_tensor(&mut rng, &[4, 50], 6.0)).unwrap();
    let w = rand_tensor(&mut rng, &[4, 50], 1.0);
    let fused = ops::gelu(&x).unwrap();
    let comp = x.as_tensor().gelu().unwrap();
    assert!(max_abs_diff(&fused, &comp) < 1e-12);
    let gf = (fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let gc = (comp * &w).unwrap().sum_all().unwrap().backward().unwrap();
    assert_close(
        "gelu dx",
        &vec_of(gf.get(&x).unwrap()),
        &vec_of(gc.get(&x).unwrap()),
    );
    let fd = finite_diff(x.as_tensor(), &|t| {
        (ops::gelu(t).unwrap() * &w)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    });
    assert_close(
        "gelu dx vs finite differences",
        &vec_of(gf.get(&x).unwrap()),
        &fd,
    );
}

#[test]
fn cross_entropy_matches_candle_nn_and_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let (r, v) = (7, 11);
    let z = Var::from_tensor(&rand_tensor(&mut rng, &[r, v], 4.0)).unwrap();
    let tg: Vec<u32> = (0..r).map(|_| rng.random_range(0..v as u32)).collect();
    let tg = Tensor::from_vec(tg, r, &Device::Cpu).unwrap();
    let fused = ops::cross_entropy(&z, &tg).unwrap();
    let comp = candle_nn::loss::cross_entropy(&z, &tg).unwrap();
    let (a, b) = (
        fused.to_scalar::<f64>().unwrap(),
        comp.to_scalar::<f64>().unwrap(),
    );
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    // A non-unit upstream gradient must scale the result.
    let gf = (fused * 2.5).unwrap().backward().unwrap();
    let gc = (comp * 2.5).unwrap().backward().unwrap();
    assert_close(
        "cross-entropy dz",
        &vec_of(gf.get(&z).unwrap()),
        &vec_of(gc.get(&z).unwrap()),
    );
    let fd = finite_diff(z.as_tensor(), &|t| {
        2.5 * ops::cross_entropy(t, &tg)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    });
    assert_close(
        "cross-entropy dz vs finite differences",
        &vec_of(gf.get(&z).unwrap()),
        &fd,
    );
}

#[test]
fn f32_ops_agree_with_f64() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let x = rand_tensor(&mut rng, &[4, 16], 3.0);
    let x32 = x.to_dtype(DType::F32).unwrap();
    let y64 = ops::gelu(&x).unwrap();
    let y32 = ops::gelu(&x32).unwrap().to_dtype(DType::F64).unwrap();
    assert!(max_abs_diff(&y64, &y32) < 1e-5);
}

#[test]
fn ops_reject_integer_and_non_square_input() {
    let u = Tensor::from_vec(vec![1u32, 2, 3], 3, &Device::Cpu).unwrap();
    let e = ops::gelu(&u).unwrap_err().to_string();
    assert!(e.contains("only f32 and f64"), "{e}");
    let s = Tensor::zeros((2, 3), DType::F64, &Device::Cpu).unwrap();
    let e = ops::causal_softmax(&s, 1.0).unwrap_err().to_string();
    assert!(e.contains("square"), "{e}");
}

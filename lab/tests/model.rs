//! The GPT: parameter counts, causality (what the batched sampler's right
//! padding relies on) and whole-model gradients against finite differences.

use candle_core::{DType, Device, Tensor};
use sdsl_lab::model::{Gpt, GptConfig, VOCAB};
use sdsl_lab::{ops, rng};

fn tiny() -> GptConfig {
    GptConfig {
        layers: 2,
        width: 8,
        heads: 2,
        context: 16,
    }
}

fn model(dtype: DType) -> Gpt {
    Gpt::new(tiny(), dtype, &mut rng::Normal::new(rng::stream(5, 0))).unwrap()
}

fn rows(m: &Gpt, ids: &[u32]) -> Vec<Vec<f64>> {
    let x = Tensor::from_vec(ids.to_vec(), (1, ids.len()), &Device::Cpu).unwrap();
    let l = m
        .forward(&x)
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec2::<f64>()
        .unwrap();
    assert_eq!(l.len(), ids.len());
    assert!(l.iter().all(|r| r.len() == VOCAB));
    l
}

#[test]
fn parameter_counts_match_the_tensors() {
    for cfg in [
        tiny(),
        GptConfig {
            layers: 4,
            width: 128,
            heads: 4,
            context: 128,
        },
    ] {
        let m = Gpt::new(cfg, DType::F32, &mut rng::Normal::new(rng::stream(1, 0))).unwrap();
        let total: usize = m.params.iter().map(|p| p.var.elem_count()).sum();
        let emb: usize = m
            .params
            .iter()
            .filter(|p| p.name == "wte" || p.name == "wpe")
            .map(|p| p.var.elem_count())
            .sum();
        assert_eq!(total, cfg.total_params());
        assert_eq!(emb, cfg.embedding_params());
        assert_eq!(total - emb, cfg.non_embedding_params());
    }
    // 12·w² per layer: (4, 128) has 786,432 in its matrices.
    let big = GptConfig {
        layers: 4,
        width: 128,
        heads: 4,
        context: 128,
    };
    assert_eq!(
        big.non_embedding_params(),
        4 * 12 * 128 * 128 + 4 * 4 * 128 + 2 * 128
    );
}

#[test]
fn logits_at_a_position_ignore_later_tokens_and_padding() {
    let m = model(DType::F64);
    let a = [1u32, 7, 200, 33, 33, 9];
    let mut b = a;
    b[5] = 250;
    let (ra, rb) = (rows(&m, &a), rows(&m, &b));
    for i in 0..5 {
        for v in 0..VOCAB {
            assert!(
                (ra[i][v] - rb[i][v]).abs() < 1e-12,
                "row {i} changed with a later token"
            );
        }
    }
    assert!(ra[5] != rb[5]);
    let padded = [1u32, 7, 200, 33, 33, 9, 0, 0, 0];
    let rp = rows(&m, &padded);
    for i in 0..6 {
        for v in 0..VOCAB {
            assert!(
                (ra[i][v] - rp[i][v]).abs() < 1e-12,
                "row {i} changed with right padding"
            );
        }
    }
}

#[test]
fn whole_model_gradient_matches_finite_differences() {
    let m = model(DType::F64);
    let ids: Vec<u32> = vec![3, 99, 42, 7, 7, 120, 64, 1, 250, 13, 5, 77];
    let x = Tensor::from_vec(ids[..11].to_vec(), (1, 11), &Device::Cpu).unwrap();
    let y = Tensor::from_vec(ids[1..].to_vec(), 11, &Device::Cpu).unwrap();
    let loss = |m: &Gpt| ops::cross_entropy(&m.forward(&x).unwrap(), &y).unwrap();
    let grads = loss(&m).backward().unwrap();
    let h = 1e-6;
    let mut checked = 0;
    for p in &m.params {
        let g = grads
            .get(p.var.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let base = p
            .var
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        // A few entries of every tensor (for wte: rows of bytes that occur).
        let picks: Vec<usize> = if p.name == "wte" {
            vec![3 * 8, 99 * 8 + 5, 250 * 8 + 7]
        } else {
            vec![0, base.len() / 2, base.len() - 1]
        };
        for &k in &picks {
            let mut v = base.clone();
            v[k] += h;
            p.var
                .set(&Tensor::from_vec(v.clone(), p.var.shape(), &Device::Cpu).unwrap())
                .unwrap();
            let up = loss(&m).to_scalar::<f64>().unwrap();
            v[k] -= 2.0 * h;
            p.var
                .set(&Tensor::from_vec(v, p.var.shape(), &Device::Cpu).unwrap())
                .unwrap();
            let down = loss(&m).to_scalar::<f64>().unwrap();
            p.var
                .set(&Tensor::from_vec(base.clone(), p.var.shape(), &Device::Cpu).unwrap())
                .unwrap();
            let fd = (up - down) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() <= 1e-6,
                "{}[{k}]: analytic {} vs finite differences {fd}",
                p.name,
                g[k]
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * 20);
}

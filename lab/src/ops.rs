//! Fused CPU ops with their own backward passes: LayerNorm, causal softmax, GELU (tanh form) and mean cross-entropy.
//!
//! candle-nn's fused versions have no backward pass and the composite
//! versions allocate one buffer per elementary op; these run one pass over
//! the data in each direction. Each op works on contiguous f32 or f64 input
//! (f64 is what the gradient tests use: finite differences and composite
//! candle ops agree with them to ≤ 1e-6 only in double precision).
//!
//! Formulas (x one row of the last dimension, n its length, g = ∂L/∂y):
//! - LayerNorm: y = x̂·γ + β, x̂ = (x − μ)/σ, σ = √(var + ε) (biased variance,
//!   ε = 1e-5); with ĝ = g·γ: ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ,
//!   ∂L/∂γ = Σ_rows g·x̂, ∂L/∂β = Σ_rows g.
//! - causal softmax over the last two dims [.., T, T] of `scale·s`:
//!   y_ij = exp(scale·s_ij)/Σ_{k≤i} exp(scale·s_ik) for j ≤ i, 0 for j > i;
//!   ∂L/∂s_ij = scale·y_ij·(g_ij − Σ_k y_ik·g_ik).
//! - GELU (tanh approximation, Hendrycks & Gimpel 2016):
//!   y = ½x(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³);
//!   y' = σ(2u) + 2x·σ(2u)(1 − σ(2u))·√(2/π)(1 + 3·0.044715x²)
//!   (computed with one exp instead of tanh: libm's tanhf was a quarter of
//!   the training time).
//! - cross-entropy of logits z [R, V] against targets t [R] (u32):
//!   L = (1/R) Σ_r (logsumexp(z_r) − z_{r,t_r}); ∂L/∂z_r = (softmax(z_r) − e_{t_r})/R.

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, WithDType, bail,
};
use num_traits::{Float, One, Zero};

/// LayerNorm's ε.
pub const LN_EPS: f64 = 1e-5;

fn contiguous<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [T]> {
    let all = s.as_slice::<T>()?;
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&all[a..b]),
        None => bail!("{op}: input must be contiguous"),
    }
}

/// Dispatches a generic kernel on the storage's float type.
macro_rules! float_dispatch {
    ($s:expr, $name:expr, |$t:ident| $body:expr) => {
        match $s {
            CpuStorage::F32(_) => {
                type $t = f32;
                $body
            }
            CpuStorage::F64(_) => {
                type $t = f64;
                $body
            }
            _ => bail!("{}: only f32 and f64 are supported", $name),
        }
    };
}

fn last_dim(l: &Layout) -> usize {
    *l.dims().last().unwrap_or(&1)
}

// ----------------------------------------------------------- layer norm

/// LayerNorm over the last dimension with gain γ and bias β:
/// y = x̂·γ + β, x̂ = (x − μ)/σ.
pub struct LayerNorm;

fn row_stats<T: WithDType + Float>(xr: &[T]) -> (T, T) {
    let nf = T::from_f64(xr.len() as f64);
    let mu = xr.iter().fold(T::zero(), |a, &v| a + v) / nf;
    let var = xr.iter().fold(T::zero(), |a, &v| a + (v - mu) * (v - mu)) / nf;
    (mu, T::one() / (var + T::from_f64(LN_EPS)).sqrt())
}

fn ln_fwd<T: WithDType + Float>(x: &[T], g: &[T], b: &[T]) -> Vec<T> {
    let n = g.len();
    let mut y = Vec::with_capacity(x.len());
    for xr in x.chunks_exact(n) {
        let (mu, inv) = row_stats(xr);
        y.extend(
            xr.iter()
                .zip(g)
                .zip(b)
                .map(|((&v, &gv), &bv)| (v - mu) * inv * gv + bv),
        );
    }
    y
}

/// Gradients packed as [dx (len of x) | dγ (n) | dβ (n)].
fn ln_bwd<T: WithDType + Float>(x: &[T], g: &[T], dy: &[T]) -> Vec<T> {
    let n = g.len();
    let nf = T::from_f64(n as f64);
    let mut out = vec![T::zero(); x.len() + 2 * n];
    let (dx, rest) = out.split_at_mut(x.len());
    let (dg, db) = rest.split_at_mut(n);
    for ((xr, dyr), dxr) in x
        .chunks_exact(n)
        .zip(dy.chunks_exact(n))
        .zip(dx.chunks_exact_mut(n))
    {
        let (mu, inv) = row_stats(xr);
        let (mut m1, mut m2) = (T::zero(), T::zero());
        for j in 0..n {
            let xh = (xr[j] - mu) * inv;
            let gh = dyr[j] * g[j];
            m1 += gh;
            m2 += gh * xh;
            dg[j] += dyr[j] * xh;
            db[j] += dyr[j];
        }
        m1 /= nf;
        m2 /= nf;
        for j in 0..n {
            let xh = (xr[j] - mu) * inv;
            dxr[j] = (dyr[j] * g[j] - m1 - xh * m2) * inv;
        }
    }
    out
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "sdsl-layer-norm"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let n = last_dim(l1);
        if l2.shape().elem_count() != n || l3.shape().elem_count() != n {
            bail!("{}: gain and bias must have {n} elements", self.name());
        }
        float_dispatch!(s1, self.name(), |T| {
            let x = contiguous::<T>(s1, l1, self.name())?;
            let g = contiguous::<T>(s2, l2, self.name())?;
            let b = contiguous::<T>(s3, l3, self.name())?;
            Ok((T::to_cpu_storage_owned(ln_fwd(x, g, b)), l1.shape().clone()))
        })
    }
    fn bwd(
        &self,
        x: &Tensor,
        g: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let packed = x.apply_op3_no_bwd(g, &grad.contiguous()?, &LayerNormBwd)?;
        let (nx, n) = (x.elem_count(), g.elem_count());
        let dx = packed.narrow(0, 0, nx)?.reshape(x.shape())?;
        let dg = packed.narrow(0, nx, n)?.reshape(g.shape())?;
        let db = packed.narrow(0, nx + n, n)?.reshape(b.shape())?;
        Ok((Some(dx), Some(dg), Some(db)))
    }
}

struct LayerNormBwd;
impl CustomOp3 for LayerNormBwd {
    fn name(&self) -> &'static str {
        "sdsl-layer-norm-bwd"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, self.name(), |T| {
            let x = contiguous::<T>(s1, l1, self.name())?;
            let g = contiguous::<T>(s2, l2, self.name())?;
            let dy = contiguous::<T>(s3, l3, self.name())?;
            let out = ln_bwd(x, g, dy);
            let len = out.len();
            Ok((T::to_cpu_storage_owned(out), Shape::from(len)))
        })
    }
}

/// LayerNorm of `x` over its last dim with gain `g` and bias `b` (ε = 1e-5).
pub fn layer_norm(x: &Tensor, g: &Tensor, b: &Tensor) -> Result<Tensor> {
    x.contiguous()?
        .apply_op3(&g.contiguous()?, &b.contiguous()?, LayerNorm)
}

// ------------------------------------------------------- causal softmax

/// Softmax of `scale·s` over the last dim with the causal mask j ≤ i on the
/// last two dims (square).
pub struct CausalSoftmax {
    pub scale: f64,
}

fn csm_fwd<T: WithDType + Float>(s: &[T], t: usize, scale: T) -> Vec<T> {
    let mut y = vec![T::zero(); s.len()];
    for (sm, ym) in s.chunks_exact(t * t).zip(y.chunks_exact_mut(t * t)) {
        for i in 0..t {
            let sr = &sm[i * t..i * t + i + 1];
            let yr = &mut ym[i * t..i * t + i + 1];
            let mx = sr
                .iter()
                .fold(T::neg_infinity(), |a, &v| Float::max(a, v * scale));
            let mut z = T::zero();
            for (o, &v) in yr.iter_mut().zip(sr) {
                *o = (v * scale - mx).exp();
                z += *o;
            }
            let inv = T::one() / z;
            for o in yr.iter_mut() {
                *o *= inv;
            }
        }
    }
    y
}

fn csm_bwd<T: WithDType + Float>(y: &[T], g: &[T], t: usize, scale: T) -> Vec<T> {
    let mut ds = vec![T::zero(); y.len()];
    for ((ym, gm), dm) in y
        .chunks_exact(t * t)
        .zip(g.chunks_exact(t * t))
        .zip(ds.chunks_exact_mut(t * t))
    {
        for i in 0..t {
            let r = i * t..i * t + i + 1;
            let (yr, gr, dr) = (&ym[r.clone()], &gm[r.clone()], &mut dm[r]);
            let dot = yr
                .iter()
                .zip(gr)
                .fold(T::zero(), |a, (&yv, &gv)| a + yv * gv);
            for ((o, &yv), &gv) in dr.iter_mut().zip(yr).zip(gr) {
                *o = scale * yv * (gv - dot);
            }
        }
    }
    ds
}

fn square_last2(l: &Layout, op: &str) -> Result<usize> {
    let d = l.dims();
    if d.len() < 2 || d[d.len() - 1] != d[d.len() - 2] {
        bail!("{op}: the last two dims must be square, got {d:?}");
    }
    Ok(d[d.len() - 1])
}

impl CustomOp1 for CausalSoftmax {
    fn name(&self) -> &'static str {
        "sdsl-causal-softmax"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let t = square_last2(l, self.name())?;
        float_dispatch!(s, self.name(), |T| {
            let x = contiguous::<T>(s, l, self.name())?;
            Ok((
                T::to_cpu_storage_owned(csm_fwd(x, t, T::from_f64(self.scale))),
                l.shape().clone(),
            ))
        })
    }
    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(res.apply_op2_no_bwd(
            &grad.contiguous()?,
            &CausalSoftmaxBwd { scale: self.scale },
        )?))
    }
}

struct CausalSoftmaxBwd {
    scale: f64,
}
impl CustomOp2 for CausalSoftmaxBwd {
    fn name(&self) -> &'static str {
        "sdsl-causal-softmax-bwd"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let t = square_last2(l1, self.name())?;
        float_dispatch!(s1, self.name(), |T| {
            let y = contiguous::<T>(s1, l1, self.name())?;
            let g = contiguous::<T>(s2, l2, self.name())?;
            Ok((
                T::to_cpu_storage_owned(csm_bwd(y, g, t, T::from_f64(self.scale))),
                l1.shape().clone(),
            ))
        })
    }
}

/// Causal softmax of `scale·s` over [.., T, T].
pub fn causal_softmax(s: &Tensor, scale: f64) -> Result<Tensor> {
    s.contiguous()?.apply_op1(CausalSoftmax { scale })
}

// ----------------------------------------------------------------- GELU

const GELU_C: f64 = 0.044_715;
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// GELU, tanh approximation.
pub struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "sdsl-gelu"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s, self.name(), |T| {
            let x = contiguous::<T>(s, l, self.name())?;
            let (c, k) = (T::from_f64(GELU_C), T::from_f64(SQRT_2_OVER_PI));
            let two = T::from_f64(2.0);
            let y: Vec<T> = x
                .iter()
                .map(|&v| v / (T::one() + (-two * k * (v + c * v * v * v)).exp()))
                .collect();
            Ok((T::to_cpu_storage_owned(y), l.shape().clone()))
        })
    }
    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(arg.apply_op2_no_bwd(&grad.contiguous()?, &GeluBwd)?))
    }
}

struct GeluBwd;
impl CustomOp2 for GeluBwd {
    fn name(&self) -> &'static str {
        "sdsl-gelu-bwd"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, self.name(), |T| {
            let x = contiguous::<T>(s1, l1, self.name())?;
            let g = contiguous::<T>(s2, l2, self.name())?;
            let (c, k) = (T::from_f64(GELU_C), T::from_f64(SQRT_2_OVER_PI));
            let (two, three) = (T::from_f64(2.0), T::from_f64(3.0));
            let d: Vec<T> = x
                .iter()
                .zip(g)
                .map(|(&v, &gv)| {
                    // ½(1 + tanh u) = σ(2u); 1 − tanh²u = 4σ(2u)(1 − σ(2u)).
                    let sg = T::one() / (T::one() + (-two * k * (v + c * v * v * v)).exp());
                    let dy =
                        sg + two * v * sg * (T::one() - sg) * k * (T::one() + three * c * v * v);
                    gv * dy
                })
                .collect();
            Ok((T::to_cpu_storage_owned(d), l1.shape().clone()))
        })
    }
}

/// GELU (tanh approximation).
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(Gelu)
}

// -------------------------------------------------------- cross-entropy

/// Mean cross-entropy of logits [R, V] against u32 targets [R]; a scalar.
pub struct CrossEntropy;

fn targets_of<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [u32]> {
    contiguous::<u32>(s, l, op)
}

impl CustomOp2 for CrossEntropy {
    fn name(&self) -> &'static str {
        "sdsl-cross-entropy"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let v = last_dim(l1);
        let tg = targets_of(s2, l2, self.name())?;
        float_dispatch!(s1, self.name(), |T| {
            let z = contiguous::<T>(s1, l1, self.name())?;
            if z.len() != tg.len() * v {
                bail!(
                    "{}: {} rows of logits but {} targets",
                    self.name(),
                    z.len() / v,
                    tg.len()
                );
            }
            let mut total = 0f64;
            for (zr, &t) in z.chunks_exact(v).zip(tg) {
                let mx = zr.iter().fold(T::neg_infinity(), |a, &x| Float::max(a, x));
                let lse = mx + zr.iter().fold(T::zero(), |a, &x| a + (x - mx).exp()).ln();
                total += (lse - zr[t as usize]).to_f64();
            }
            let mean = T::from_f64(total / tg.len() as f64);
            Ok((T::to_cpu_storage_owned(vec![mean]), Shape::from(())))
        })
    }
    fn bwd(
        &self,
        logits: &Tensor,
        targets: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let d = logits.apply_op2_no_bwd(targets, &CrossEntropyGrad)?;
        Ok((Some(d.broadcast_mul(grad)?), None))
    }
}

struct CrossEntropyGrad;
impl CustomOp2 for CrossEntropyGrad {
    fn name(&self) -> &'static str {
        "sdsl-cross-entropy-grad"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let v = last_dim(l1);
        let tg = targets_of(s2, l2, self.name())?;
        float_dispatch!(s1, self.name(), |T| {
            let z = contiguous::<T>(s1, l1, self.name())?;
            let inv_r = T::from_f64(1.0 / tg.len() as f64);
            let mut d = vec![T::zero(); z.len()];
            for ((zr, dr), &t) in z.chunks_exact(v).zip(d.chunks_exact_mut(v)).zip(tg) {
                let mx = zr.iter().fold(T::neg_infinity(), |a, &x| Float::max(a, x));
                let mut s = T::zero();
                for (o, &x) in dr.iter_mut().zip(zr) {
                    *o = (x - mx).exp();
                    s += *o;
                }
                let k = inv_r / s;
                for o in dr.iter_mut() {
                    *o *= k;
                }
                dr[t as usize] -= inv_r;
            }
            Ok((T::to_cpu_storage_owned(d), l1.shape().clone()))
        })
    }
}

/// Mean cross-entropy (nats) of logits [R, V] against u32 targets [R].
pub fn cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    logits
        .contiguous()?
        .apply_op2(&targets.contiguous()?, CrossEntropy)
}
